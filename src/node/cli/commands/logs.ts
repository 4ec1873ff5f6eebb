/**
 * `mpijob logs`: a job's output, every rank merged or one rank.
 */
import type { Command } from 'commander';

import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import { wholeNumberFlag } from '../wholeNumber';
import { formatLogLine } from '../logLine';

const LOGS_EXAMPLES = `
Examples:
  # Every rank's output, each line tagged with its rank
  mpijob logs train

  # Follow rank 1 with timestamps
  mpijob logs -f train --rank 1 --timestamps

  # The last 20 lines
  mpijob logs train --tail 20
`;

/**
 * Adds `logs`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerLogs(program: Command, context: ICliContext): void {
  program
    .command('logs')
    .description("Print a job's output: every rank merged, or one rank.")
    .argument('<name>', 'Job name.')
    .option(
      '-n, --namespace <namespace>',
      'Namespace; "default" when not given.'
    )
    .option('-f, --follow', 'Keep printing new output until the job ends.')
    .option('--rank <n>', 'Only this MPI rank.')
    .option('--tail <n>', 'Only the last N lines.')
    .option(
      '--timestamps',
      'Start each line with the time it was captured (RFC 3339).'
    )
    .option(
      '--prefix',
      'Tag each line with its rank (the default without --rank).'
    )
    .addHelpText('after', LOGS_EXAMPLES)
    .action(
      async (name: string, options: Record<string, unknown>, self: Command) => {
        const rank =
          options.rank === undefined
            ? undefined
            : wholeNumberFlag(String(options.rank), '--rank', 'mpijob logs');
        const tail =
          options.tail === undefined
            ? undefined
            : wholeNumberFlag(String(options.tail), '--tail', 'mpijob logs');
        const prefix = rank === undefined || Boolean(options.prefix);
        const controller = new AbortController();
        const stop = (): void => controller.abort();
        process.once('SIGINT', stop);
        try {
          await context.withBackend(self, async backend => {
            const lines = backend.logs(namespaceOf(options), name, {
              follow: Boolean(options.follow),
              rank,
              tail,
              signal: controller.signal
            });
            for await (const line of lines) {
              context.io.stdout.write(
                formatLogLine(line, prefix, Boolean(options.timestamps))
              );
            }
          });
        } finally {
          process.removeListener('SIGINT', stop);
        }
      }
    );
}
