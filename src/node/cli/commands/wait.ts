/**
 * `mpijob wait`: block until a job reaches a phase.
 */
import type { Command } from 'commander';

import { parseDuration } from '../../../core/format';
import type { IJobRecord } from '../../../core/jobRecord';
import { JOB_PHASES } from '../../../core/status';
import type { JobPhase } from '../../../core/status';
import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import { CliError, usageError } from '../errors';
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

/**
 * Adds `wait`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerWait(program: Command, context: ICliContext): void {
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
}
