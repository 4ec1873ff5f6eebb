/**
 * `mpijob describe`: one job in detail.
 */
import type { Command } from 'commander';

import { errorMessage } from '../../../core/errors';
import type { IJobFileInfo } from '../../../core/jobFiles';
import type { ILogLine } from '../../../core/jobRecord';
import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import { describeJob } from '../describe';

/**
 * Adds `describe`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerDescribe(program: Command, context: ICliContext): void {
  program
    .command('describe')
    .description(
      'Show a job in detail: status, conditions, topology and its last log lines.'
    )
    .argument('<name>', 'Job name.')
    .option(
      '-n, --namespace <namespace>',
      'Namespace; "default" when not given.'
    )
    .action(
      async (name: string, options: Record<string, unknown>, self: Command) => {
        await context.withBackend(self, async backend => {
          const namespace = namespaceOf(options);
          const job = await backend.get(namespace, name);
          // The status is what describe is for: a log that cannot be read
          // (pod gone, node unreachable) is named, not fatal.
          let lines: ILogLine[] | { unavailable: string } = [];
          try {
            for await (const line of backend.logs(namespace, name, {
              tail: 10
            })) {
              lines.push(line);
            }
          } catch (error) {
            lines = {
              unavailable: errorMessage(error)
            };
          }
          let files: IJobFileInfo[] | { unavailable: string } = [];
          try {
            files = await backend.listFiles(namespace, name);
          } catch (error) {
            files = {
              unavailable: errorMessage(error)
            };
          }
          const report = await backend
            .report(namespace, name)
            .catch(() => null);
          context.io.stdout.write(describeJob(job, lines, files, report));
        });
      }
    );
}
