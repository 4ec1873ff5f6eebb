/**
 * `mpijob run`: create a job, print its output as it comes and exit with its
 * exit code, in one process (like `kubectl run -i --rm` or `docker run`).
 */
import type { Command } from 'commander';

import type { IMpiJobBackend } from '../../backends/backend';
import type { ICliContext } from '../context';
import { CliError, ExitCode, usageError } from '../errors';
import { formatLogLine } from '../logLine';
import {
  addGenerateNameFlag,
  addNamespaceFlag,
  addSpecFlags,
  COMMAND_HELP
} from '../specFlags';

const EXAMPLES = `
Examples:
  # Run a notebook on 2 local MPI ranks, print every rank's output, exit with its code
  mpijob run --from-notebook train.ipynb --workers 2

  # The same, and delete the job afterwards
  mpijob run --rm --from-notebook train.ipynb --workers 2

  # A program of the current directory on 4 ranks
  mpijob run --rm --name train --workers 4 -- python3 train.py
`;

/** Exit code after an interrupt (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;

/**
 * Adds `run`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerRun(program: Command, context: ICliContext): void {
  const command = program
    .command('run')
    .description(
      'Create a job, print its output until it ends and exit with its exit code (--rm: then delete it).'
    )
    .usage('(-f FILENAME | --from-notebook NOTEBOOK | -- COMMAND...) [flags]')
    .argument('[COMMAND...]', COMMAND_HELP)
    .option(
      '-f, --filename <file>',
      'One launch spec or MPIJob manifest, YAML or JSON; "-" reads stdin.'
    )
    .option('--rm', 'Delete the job once it has ended (or when interrupted).')
    .option(
      '--timestamps',
      'Start each line with the time it was captured (RFC 3339).'
    )
    .addHelpText('after', EXAMPLES);
  addSpecFlags(addNamespaceFlag(addGenerateNameFlag(command))).action(
    async (
      operands: string[],
      options: Record<string, unknown>,
      self: Command
    ) => {
      if (typeof options.filename === 'string') {
        options.filename = [options.filename];
      }
      const { launchFromCommandLine } = await import('../launch');
      const { submissions } = await launchFromCommandLine(
        operands,
        context.argv,
        options,
        self,
        context.io.stderr
      );
      if (submissions.length !== 1) {
        throw usageError(
          `run starts one job; -f gave ${submissions.length}: use mpijob create for several`,
          'mpijob run'
        );
      }
      const code = await context.withBackend(self, async backend => {
        const job = await backend.submit(submissions[0]);
        return follow(
          context,
          backend,
          job.namespace,
          job.name,
          Boolean(options.rm),
          Boolean(options.timestamps)
        );
      });
      if (code !== ExitCode.ok) {
        throw new CliError([], code);
      }
    }
  );
}

/**
 * Prints a job's output until it ends, then its failure (if any).
 *
 * @returns the job's exit code (1 when it failed without one; 130 when interrupted)
 */
async function follow(
  context: ICliContext,
  backend: IMpiJobBackend,
  namespace: string,
  name: string,
  remove: boolean,
  timestamps: boolean
): Promise<number> {
  const { stdout, stderr } = context.io;
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const lines = backend.logs(namespace, name, {
      follow: true,
      signal: controller.signal
    });
    try {
      for await (const line of lines) {
        stdout.write(formatLogLine(line, true, timestamps));
      }
    } catch (error) {
      if (!controller.signal.aborted) {
        throw error;
      }
    }
    if (controller.signal.aborted) {
      stderr.write(`mpijobs/${name}: interrupted\n`);
      return INTERRUPTED;
    }
    const job = await backend.get(namespace, name);
    if (job.status.phase === 'Failed') {
      stderr.write(
        `error: mpijobs/${name} failed: ${job.status.message ?? 'no message'}\n`
      );
      return job.exitCode || ExitCode.failed;
    }
    if (job.status.phase !== 'Succeeded') {
      stderr.write(`error: mpijobs/${name} ended ${job.status.phase}\n`);
      return ExitCode.failed;
    }
    return job.exitCode ?? ExitCode.ok;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    if (remove) {
      await backend.delete(namespace, name);
    }
  }
}
