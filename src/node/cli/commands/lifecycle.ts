/**
 * `mpijob delete`, `mpijob wait` and `mpijob preflight`.
 */
import type { Command } from 'commander';

import { parseDuration } from '../../../core/format';
import type { IJobRecord, IPreflightReport } from '../../../core/jobRecord';
import { JOB_PHASES } from '../../../core/status';
import type { JobPhase } from '../../../core/status';
import { BackendError } from '../../backends/errors';
import { backendKind } from '../connect';
import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import { CliError, ExitCode, usageError } from '../errors';
import { buildFromCommandLine } from '../launch';
import { addNamespaceFlag, addSpecFlags, SPEC_FLAG_NAMES } from '../specFlags';
import { formatTable } from '../../../core/table';
import { Spinner } from '../terminal';

const TERMINAL: ReadonlySet<JobPhase> = new Set(['Succeeded', 'Failed']);

function parseCondition(value: string): JobPhase {
  const match = /^condition=(\w+)$/i.exec(value);
  const phase =
    match && JOB_PHASES.find(p => p.toLowerCase() === match[1].toLowerCase());
  if (!phase) {
    throw usageError(
      `unrecognized condition: "${value}": use --for=condition=<${JOB_PHASES.join('|')}>`,
      'mpijob wait'
    );
  }
  return phase;
}

/**
 * Waits until a job reaches a phase, it ends in another phase, or time runs out.
 *
 * @returns the job in the phase asked for
 * @throws {CliError} when it ended otherwise or timed out
 */
async function waitFor(
  context: ICliContext,
  self: Command,
  namespace: string,
  name: string,
  phase: JobPhase,
  timeoutMs: number
): Promise<IJobRecord> {
  return context.withBackend(self, backend => {
    const spinner = new Spinner(context.io.stderr);
    return new Promise<IJobRecord>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | null, job?: IJobRecord): void => {
        if (settled) {
          return;
        }
        settled = true;
        clearTimeout(timer);
        watch.dispose();
        spinner.stop();
        if (error) {
          reject(error);
        } else {
          resolve(job as IJobRecord);
        }
      };
      const check = (job: IJobRecord): void => {
        spinner.update(`${name}: ${job.status.phase}`);
        if (job.status.phase === phase) {
          finish(null, job);
        } else if (TERMINAL.has(job.status.phase)) {
          const ended = (final: IJobRecord): void =>
            finish(
              new CliError([
                `mpijobs/${name} ended ${final.status.phase}, not ${phase}${final.status.phase === 'Failed' ? `: ${final.status.message}` : ''}`
              ])
            );
          // The backend's own read may know more of a failure (on
          // Kubernetes, the cause in the launcher's log).
          if (job.status.phase === 'Failed') {
            backend.get(namespace, name).then(ended, () => ended(job));
          } else {
            ended(job);
          }
        }
      };
      const timer = setTimeout(
        () =>
          finish(
            new CliError([
              `timed out waiting for the condition on mpijobs/${name}`
            ])
          ),
        timeoutMs
      );
      // Watch first, then read: a change between the two is not missed.
      const watch = backend.watch(namespace, event => {
        if (event.job.name !== name) {
          return;
        }
        if (event.type === 'DELETED') {
          finish(new CliError([`mpijobs/${name} was deleted while waiting`]));
        } else {
          check(event.job);
        }
      });
      backend
        .get(namespace, name)
        .then(check, (error: unknown) => finish(error as Error));
    });
  });
}

function printPreflight(report: IPreflightReport): string {
  return formatTable(
    ['check', 'result', 'message'],
    report.checks.map(check => [
      check.name,
      check.ok ? 'ok' : check.severity === 'error' ? 'FAILED' : 'warning',
      check.ok || !check.fix
        ? check.message
        : `${check.message} Fix: ${check.fix}`
    ])
  );
}

/**
 * Adds `delete`, `wait` and `preflight`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerLifecycle(
  program: Command,
  context: ICliContext
): void {
  program
    .command('delete')
    .description('Stop jobs (every rank) and remove them.')
    .argument('[names...]', 'Job names.')
    .option(
      '-n, --namespace <namespace>',
      'Namespace; "default" when not given.'
    )
    .option('--all', 'Delete every job in the namespace.')
    .addHelpText(
      'after',
      '\nExamples:\n  mpijob delete train\n  mpijob delete --all -n team-a\n'
    )
    .action(
      async (
        names: string[],
        options: Record<string, unknown>,
        self: Command
      ) => {
        if (!names.length && !options.all) {
          throw usageError(
            'resource(s) were provided, but no name was specified: give job names or --all',
            'mpijob delete'
          );
        }
        if (names.length && options.all) {
          throw usageError(
            'names cannot be provided when --all is given',
            'mpijob delete'
          );
        }
        const namespace = namespaceOf(options);
        await context.withBackend(self, async backend => {
          const targets = options.all
            ? (await backend.list(namespace)).map(j => j.name)
            : names;
          if (!targets.length) {
            context.io.stderr.write(
              `No resources found in ${namespace} namespace.\n`
            );
            return;
          }
          let failure: unknown = null;
          for (const name of targets) {
            try {
              await backend.delete(namespace, name);
              context.io.stdout.write(
                `mpijob.kubeflow.org "${name}" deleted\n`
              );
            } catch (error) {
              // Like kubectl: report each failure, go on, fail at the end.
              if (!(error instanceof BackendError)) {
                throw error;
              }
              context.io.stderr.write(
                `Error from server (${error.reason}): ${error.message}\n`
              );
              failure = error;
            }
          }
          if (failure) {
            throw new CliError([], ExitCode.failed);
          }
        });
      }
    );

  program
    .command('wait')
    .description('Wait until a job reaches a phase (condition).')
    .argument('<name>', 'Job name.')
    .option(
      '-n, --namespace <namespace>',
      'Namespace; "default" when not given.'
    )
    .requiredOption('--for <condition>', `condition=<${JOB_PHASES.join('|')}>`)
    .option(
      '--timeout <duration>',
      'Give up after this long, e.g. 90s, 5m, 1h.',
      '30s'
    )
    .addHelpText(
      'after',
      '\nExamples:\n  mpijob wait train --for=condition=Succeeded --timeout=10m\n'
    )
    .action(
      async (name: string, options: Record<string, unknown>, self: Command) => {
        const phase = parseCondition(String(options.for));
        const timeout = parseDuration(String(options.timeout));
        if (timeout === null) {
          throw usageError(
            `invalid --timeout "${options.timeout}": use e.g. 90s, 5m or 1h30m`,
            'mpijob wait'
          );
        }
        await waitFor(
          context,
          self,
          namespaceOf(options),
          name,
          phase,
          timeout
        );
        context.io.stdout.write(`mpijob.kubeflow.org/${name} condition met\n`);
      }
    );

  const preflight = program
    .command('preflight')
    .description(
      "Check that jobs can run on the backend: MPI, Python, mpi4py, cores (and, on Kubernetes, API, CRD, RBAC, quota for the whole gang, GPUs, gang scheduler). Give the job's flags to check that job."
    )
    .option('-o, --output <format>', 'Output format: json.');
  addSpecFlags(addNamespaceFlag(preflight)).action(
    async (options: Record<string, unknown>, self: Command) => {
      // With job flags, check that job; otherwise the namespace in general.
      const asksJob = SPEC_FLAG_NAMES.some(name => options[name] !== undefined);
      const local = backendKind(self.optsWithGlobals()) === 'local';
      const job = asksJob
        ? (
            await buildFromCommandLine(
              options,
              'mpijob preflight',
              [],
              local ? process.cwd() : undefined
            )
          ).jobs[0]
        : undefined;
      await context.withBackend(self, async backend => {
        // With a notebook, its code is checked too (the local backend
        // compiles it and looks up its imports in the ranks' Python).
        const report = await backend.preflight(
          job?.spec,
          namespaceOf(options),
          job?.program
        );
        context.io.stdout.write(
          options.output === 'json'
            ? `${JSON.stringify(report, null, 4)}\n`
            : printPreflight(report)
        );
        if (!report.ok) {
          throw new CliError([
            `preflight failed on the ${report.backend} backend`
          ]);
        }
      });
    }
  );
}
