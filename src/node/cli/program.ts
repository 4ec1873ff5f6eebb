/**
 * The `mpijob` command line: kubectl habits (`-n`, `-o`, `--dry-run`,
 * errors on stderr, exit codes 0 ok / 1 failed / 2 bad usage).
 */
import { Command, CommanderError, Option } from 'commander';

import { CliError, ExitCode, reportError, usageError } from './errors';
import { buildFromCommandLine } from './launch';
import {
  OBJECT_FORMATS,
  parseFormat,
  printObjects,
  resourceName
} from './printers';
import { addNamespaceFlag, addSpecFlags, flagForPath } from './specFlags';

/** Where a CLI run writes. */
export interface ICliIO {
  /** Standard output. */
  stdout: NodeJS.WritableStream;
  /** Standard error. */
  stderr: NodeJS.WritableStream;
}

const VERSION = '0.1.0';

const RENDER_EXAMPLES = `
Examples:
  # Print the ConfigMap and MPIJob for a notebook on 4 GPU workers
  mpijob render --from-notebook train.ipynb --workers 4 --gpus-per-worker 1 --image quay.io/me/train:1

  # Only the cells tagged "mpijob", with Intel MPI, as JSON
  mpijob render --from-notebook train.ipynb --cells tagged --mpi intel -o json

  # Cells 1 to 5, isolated network, gang-scheduled by Volcano
  mpijob render --from-notebook train.ipynb --cells upto:5 --network-policy --gang volcano --queue research
`;

const CREATE_EXAMPLES = `
Examples:
  # Check an upstream MPIJob and print what would be created
  mpijob create -f pi.yaml --dry-run=client -o yaml

  # Launch a notebook on 2 workers (what would be created)
  mpijob create --from-notebook train.ipynb --workers 2 --dry-run=client

  # A launch spec file, with the worker count overridden
  mpijob create -f spec.yaml --workers 8 --dry-run=client -o name
`;

/**
 * Runs the CLI.
 *
 * @param argv - arguments after the program name
 * @param io - output streams
 * @returns the exit code
 */
export async function runCli(
  argv: readonly string[],
  io: ICliIO
): Promise<number> {
  const program = new Command('mpijob')
    .description(
      'Run notebook code as Kubeflow MPIJobs and follow them, with kubectl habits.'
    )
    .version(VERSION, '--version', 'Print the version.')
    .helpOption('-h, --help', 'Show help.')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: text => io.stdout.write(text),
      writeErr: text => io.stderr.write(text),
      outputError: () => undefined
    })
    .exitOverride();

  const render = addSpecFlags(
    addNamespaceFlag(
      program
        .command('render')
        .description(
          'Print the objects (ConfigMap, MPIJob, NetworkPolicy) for a notebook or launch spec, without a cluster.'
        )
        .usage('--from-notebook NOTEBOOK [flags] [-- COMMAND...]')
        .option(
          '-f, --filename <file...>',
          'Launch spec file(s), YAML or JSON; "-" reads stdin. Flags override its fields.'
        )
        .option('-o, --output <format>', 'Output format: yaml or json.', 'yaml')
        .addHelpText('after', RENDER_EXAMPLES)
    )
  ).action(async (options: Record<string, unknown>, command: Command) => {
    const format = parseFormat(
      String(options.output),
      ['yaml', 'json'] as const,
      'mpijob render'
    );
    const request = await buildFromCommandLine(
      options,
      'mpijob render',
      command.args
    );
    io.stdout.write(printObjects(request.objects, format));
  });

  const create = addSpecFlags(
    addNamespaceFlag(
      program
        .command('create')
        .description(
          'Create MPIJobs from a file (MPIJob manifest or launch spec) or from a notebook.'
        )
        .usage(
          '(-f FILENAME | --from-notebook NOTEBOOK) [flags] [-- COMMAND...]'
        )
        .option(
          '-f, --filename <file...>',
          'MPIJob manifest(s) or launch spec(s), YAML or JSON; "-" reads stdin.'
        )
        .addOption(
          new Option(
            '--dry-run [strategy]',
            'Only print what would be created: "client" checks locally, "server" asks the cluster.'
          )
            .choices(['none', 'client', 'server'])
            .preset('client')
            .default('none')
        )
        .option(
          '-o, --output <format>',
          `Output format: ${OBJECT_FORMATS.join(', ')}.`
        )
        .addHelpText('after', CREATE_EXAMPLES)
    )
  ).action(async (options: Record<string, unknown>, command: Command) => {
    const format =
      options.output === undefined
        ? null
        : parseFormat(String(options.output), OBJECT_FORMATS, 'mpijob create');
    if (!options.filename && !options.fromNotebook && !command.args.length) {
      throw usageError(
        'must specify one of -f or --from-notebook',
        'mpijob create'
      );
    }
    const request = await buildFromCommandLine(
      options,
      'mpijob create',
      command.args
    );
    if (options.dryRun !== 'client') {
      throw new CliError([
        `--dry-run=${options.dryRun} needs a backend, and this build has none yet: use --dry-run=client to check and print the objects`
      ]);
    }
    if (format) {
      io.stdout.write(printObjects(request.objects, format));
    } else {
      for (const object of request.objects) {
        io.stdout.write(`${resourceName(object)} created (dry run)\n`);
      }
    }
  });

  for (const command of [render, create]) {
    command.exitOverride().configureOutput({
      writeOut: text => io.stdout.write(text),
      writeErr: text => io.stderr.write(text),
      outputError: () => undefined
    });
  }

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return commanderExit(error, argv, io);
    }
    return reportError(error, io.stderr, flagForPath);
  }
}

function commanderExit(
  error: CommanderError,
  argv: readonly string[],
  io: ICliIO
): number {
  if (
    error.exitCode === 0 ||
    error.code === 'commander.helpDisplayed' ||
    error.code === 'commander.version'
  ) {
    return ExitCode.ok;
  }
  if (
    error.code === 'commander.executeSubCommandAsync' ||
    error.code === 'commander.help'
  ) {
    return ExitCode.ok;
  }
  const sub = argv.find(a => !a.startsWith('-'));
  const command =
    sub && ['render', 'create'].includes(sub) ? `mpijob ${sub}` : 'mpijob';
  const message = error.message.replace(/^error: /, '');
  return reportError(usageError(message, command), io.stderr);
}
