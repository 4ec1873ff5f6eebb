/**
 * `mpijob delete`: stop jobs (every rank) and remove them.
 */
import type { Command } from 'commander';

import { BackendError } from '../../backends/errors';
import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import { CliError, ExitCode, usageError } from '../errors';

/**
 * Adds `delete`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerDelete(program: Command, context: ICliContext): void {
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
}
