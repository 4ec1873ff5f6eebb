/**
 * `mpijob preflight`: can jobs (or this job) run on the backend?
 */
import type { Command } from 'commander';

import type { IPreflightReport } from '../../../core/jobRecord';
import { backendKind } from '../connect';
import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import { CliError } from '../errors';
import { addNamespaceFlag, addSpecFlags, SPEC_FLAG_NAMES } from '../specFlags';
import { formatTable } from '../../../core/table';

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
 * Adds `preflight`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerPreflight(
  program: Command,
  context: ICliContext
): void {
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
      const { buildFromCommandLine } = await import('../launch');
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
