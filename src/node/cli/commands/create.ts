/**
 * `mpijob create`: start jobs from a notebook, a launch spec or an MPIJob manifest.
 */
import { Option } from 'commander';
import type { Command } from 'commander';

import type { ICliContext } from '../context';
import { OBJECT_FORMATS, parseFormat } from '../outputFormat';
import {
  addGenerateNameFlag,
  addNamespaceFlag,
  addSpecFlags,
  COMMAND_HELP
} from '../specFlags';

const EXAMPLES = `
Examples:
  # Run a notebook on 2 local MPI ranks and follow its output
  mpijob create --from-notebook train.ipynb --workers 2 && mpijob logs -f train

  # Check an upstream MPIJob and print what would be created
  mpijob create -f pi.yaml --dry-run=client -o yaml

  # A launch spec file, with the worker count overridden
  mpijob create -f spec.yaml --workers 8

  # Run a script of the current directory on 4 ranks instead of notebook cells
  mpijob create --name train --workers 4 -- python3 train.py
`;

/**
 * Adds `create`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerCreate(program: Command, context: ICliContext): void {
  const command = program
    .command('create')
    .description(
      'Create MPIJobs from a notebook, a launch spec or an MPIJob manifest.'
    )
    .usage('(-f FILENAME | --from-notebook NOTEBOOK | -- COMMAND...) [flags]')
    .argument('[COMMAND...]', COMMAND_HELP)
    .option(
      '-f, --filename <file...>',
      'MPIJob manifest(s) or launch spec(s), YAML or JSON; "-" reads stdin.'
    )
    .addOption(
      new Option(
        '--dry-run [strategy]',
        'Only check: "client" locally, "server" through the backend; nothing runs.'
      )
        .choices(['none', 'client', 'server'])
        .preset('client')
        .default('none')
    )
    .option(
      '-o, --output <format>',
      `Output format: ${OBJECT_FORMATS.join(', ')}.`
    )
    .addHelpText('after', EXAMPLES);
  addSpecFlags(addNamespaceFlag(addGenerateNameFlag(command))).action(
    async (
      operands: string[],
      options: Record<string, unknown>,
      self: Command
    ) => {
      const format =
        options.output === undefined
          ? null
          : parseFormat(
              String(options.output),
              OBJECT_FORMATS,
              'mpijob create'
            );
      // Loaded when the command runs, not for its help (see render).
      const [
        { launchFromCommandLine },
        { printObjects, printRecords, resourceName }
      ] = await Promise.all([import('../launch'), import('../printers')]);
      const { request, submissions } = await launchFromCommandLine(
        operands,
        context.argv,
        options,
        self,
        context.io.stderr
      );
      const out = context.io.stdout;
      if (options.dryRun === 'client') {
        if (format) {
          out.write(printObjects(request.objects, format));
        } else {
          for (const object of request.objects) {
            out.write(`${resourceName(object)} created (dry run)\n`);
          }
        }
        return;
      }
      const dryRun = options.dryRun === 'server';
      await context.withBackend(self, async backend => {
        const records = [];
        for (const submission of submissions) {
          const record = await backend.submit(submission, { dryRun });
          records.push(record);
          if (!format) {
            out.write(
              `mpijob.kubeflow.org/${record.name} created${dryRun ? ' (server dry run)' : ''}\n`
            );
          }
        }
        if (format) {
          out.write(printRecords(records, { kind: format }));
        }
      });
    }
  );
}
