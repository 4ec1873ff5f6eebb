/**
 * The `mpijob` command line: kubectl habits (`-n`, `-o`, `--dry-run`,
 * errors on stderr, exit codes 0 ok / 1 failed / 2 bad usage).
 */
import { Command, CommanderError, Option } from 'commander';

import type { IMpiJobBackend } from '../backends/backend';
import { registerAdmin } from './commands/admin';
import { registerBench } from './commands/bench';
import { registerCp } from './commands/cp';
import { registerCreate } from './commands/create';
import { registerInspect } from './commands/inspect';
import { registerLifecycle } from './commands/lifecycle';
import { registerList } from './commands/list';
import { registerRender } from './commands/render';
import { registerServe } from './commands/serve';
import type { IConnectionOptions } from './connect';
import { applyContextNamespace, BACKENDS } from './connect';
import type { ICliIO } from './context';
import { createContext } from './context';
import { ExitCode, reportError, usageError } from './errors';
import { flagForPath } from './specFlags';

export type { ICliIO } from './context';

/** The version printed by `mpijob --version`. */
export const VERSION = '0.1.0';

/**
 * Runs the CLI.
 *
 * @param argv - arguments after the program name
 * @param io - output streams
 * @param connect - how to reach a backend (defaults to the service)
 * @returns the exit code
 */
export async function runCli(
  argv: readonly string[],
  io: ICliIO,
  connect?: (options: IConnectionOptions) => Promise<IMpiJobBackend>
): Promise<number> {
  const context = createContext(io, connect, argv);
  const output = {
    writeOut: (text: string) => io.stdout.write(text),
    writeErr: (text: string) => io.stderr.write(text),
    outputError: () => undefined
  };
  const program = new Command('mpijob')
    .description(
      'Run notebook code as MPI jobs (Kubeflow MPIJobs or local mpirun) and follow them, with kubectl habits.'
    )
    .version(VERSION, '--version', 'Print the version.')
    .helpOption('-h, --help', 'Show help.')
    .addOption(
      new Option(
        '--backend <backend>',
        'Where jobs run; $MPIJOB_BACKEND, else local.'
      ).choices([...BACKENDS])
    )
    .option(
      '--server <address>',
      'Job service: a unix socket path or http://127.0.0.1:PORT (token in $MPIJOB_TOKEN); $MPIJOB_SERVER.'
    )
    .option(
      '--data-dir <dir>',
      'Data directory of the local backend; $MPIJOB_DATA_DIR, else ~/.local/share/jupyterlab-mpijob.'
    )
    .option(
      '--kubeconfig <file>',
      'Kubeconfig of the kubernetes backend; $KUBECONFIG, else ~/.kube/config, else in-cluster.'
    )
    .option(
      '--context <name>',
      'Kubeconfig context of the kubernetes backend; its namespace is the default -n.'
    )
    .hook('preAction', (_root, action) => applyContextNamespace(action))
    .showSuggestionAfterError(true)
    .configureOutput(output)
    .exitOverride();

  registerCreate(program, context);
  registerList(program, context);
  registerInspect(program, context);
  registerLifecycle(program, context);
  registerCp(program, context);
  registerRender(program, context);
  registerServe(program, context);
  registerBench(program, context);
  registerAdmin(program, context);
  for (const command of program.commands) {
    command.exitOverride().configureOutput(output);
  }

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return commanderExit(error, program, argv, io);
    }
    return reportError(error, io.stderr, flagForPath);
  }
}

function commanderExit(
  error: CommanderError,
  program: Command,
  argv: readonly string[],
  io: ICliIO
): number {
  if (
    ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(
      error.code
    ) ||
    error.exitCode === 0
  ) {
    return ExitCode.ok;
  }
  const names = new Set(
    program.commands.flatMap(c => [c.name(), ...c.aliases()])
  );
  const sub = argv.find(a => names.has(a));
  const canonical = sub
    ? program.commands
        .find(c => c.name() === sub || c.aliases().includes(sub))
        ?.name()
    : null;
  const message = error.message.replace(/^error: /, '');
  return reportError(
    usageError(message, canonical ? `mpijob ${canonical}` : 'mpijob'),
    io.stderr
  );
}
