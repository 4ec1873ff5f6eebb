/**
 * `mpijob render`: the objects for a notebook or launch spec, no cluster needed.
 */
import type { Command } from 'commander';

import type { ICliContext } from '../context';
import { parseFormat } from '../outputFormat';
import { addNamespaceFlag, addSpecFlags, COMMAND_HELP } from '../specFlags';

const EXAMPLES = `
Examples:
  # Print the ConfigMap and MPIJob for a notebook on 4 GPU workers
  mpijob render --from-notebook train.ipynb --workers 4 --gpus-per-worker 1 --image quay.io/me/train:1

  # Only the cells tagged "mpijob", with Intel MPI, as JSON
  mpijob render --from-notebook train.ipynb --cells tagged --mpi intel -o json

  # Cells 1 to 5, isolated network, gang-scheduled by Volcano
  mpijob render --from-notebook train.ipynb --cells upto:5 --network-policy --gang volcano --queue research
`;

/**
 * Adds `render`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerRender(program: Command, context: ICliContext): void {
  const command = program
    .command('render')
    .description(
      'Print the objects (ConfigMap, MPIJob, NetworkPolicy) for a notebook or launch spec, without a cluster.'
    )
    .usage('(-f FILENAME | --from-notebook NOTEBOOK | -- COMMAND...) [flags]')
    .argument('[COMMAND...]', COMMAND_HELP)
    .option(
      '-f, --filename <file...>',
      'Launch spec file(s), YAML or JSON; "-" reads stdin. Flags override its fields.'
    )
    .option('-o, --output <format>', 'Output format: yaml or json.', 'yaml')
    .addHelpText('after', EXAMPLES);
  addSpecFlags(addNamespaceFlag(command)).action(
    async (operands: string[], options: Record<string, unknown>) => {
      const format = parseFormat(
        String(options.output),
        ['yaml', 'json'] as const,
        'mpijob render'
      );
      // Building loads the notebook packager, YAML and the validators: only
      // when the command runs, not for its help.
      const [
        { buildFromCommandLine, printWarnings, programAfterDashes },
        { printObjects }
      ] = await Promise.all([import('../launch'), import('../printers')]);
      const request = await buildFromCommandLine(
        options,
        'mpijob render',
        programAfterDashes(operands, context.argv, 'mpijob render')
      );
      printWarnings(context.io.stderr, request.warnings);
      context.io.stdout.write(printObjects(request.objects, format));
    }
  );
}
