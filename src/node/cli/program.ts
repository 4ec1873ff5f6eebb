/**
 * The `mpijob` command line: kubectl habits (`-n`, `-o`, `--dry-run`,
 * errors on stderr, exit codes 0 ok / 1 failed / 2 bad usage).
 */
import { Command, CommanderError, Option } from 'commander';

import type { IMpiJobBackend } from '../backends/backend';
import type { IConnectionOptions } from './connect';
import { applyContextNamespace, BACKENDS } from './connect';
import type { ICliContext, ICliIO } from './context';
import { createContext } from './context';
import { ExitCode, usageError } from './errors';

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

  await registerVerbs(program, context, argv);
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
    return report(error, io);
  }
}

/** How a verb's module adds its command. */
type Register = (program: Command, context: ICliContext) => void;

/**
 * Every verb by its names, in help order, with how to load the module that
 * adds it. Each is a module of its own, loaded only when it runs (or for
 * help), so a command parses only the code it uses.
 */
const VERBS: readonly (readonly [
  readonly string[],
  () => Promise<Register>
])[] = [
  [['create'], () => import('./commands/create').then(m => m.registerCreate)],
  [['run'], () => import('./commands/run').then(m => m.registerRun)],
  [['list', 'get'], () => import('./commands/list').then(m => m.registerList)],
  [
    ['describe'],
    () => import('./commands/describe').then(m => m.registerDescribe)
  ],
  [['logs'], () => import('./commands/logs').then(m => m.registerLogs)],
  [['delete'], () => import('./commands/delete').then(m => m.registerDelete)],
  [['wait'], () => import('./commands/wait').then(m => m.registerWait)],
  [
    ['preflight'],
    () => import('./commands/preflight').then(m => m.registerPreflight)
  ],
  [['cp'], () => import('./commands/cp').then(m => m.registerCp)],
  [['render'], () => import('./commands/render').then(m => m.registerRender)],
  [['serve'], () => import('./commands/serve').then(m => m.registerServe)],
  [['bench'], () => import('./commands/bench').then(m => m.registerBench)],
  [['admin'], () => import('./commands/admin').then(m => m.registerAdmin)]
];

/** Global flags that take a value (`--backend local get`). */
const GLOBAL_VALUE_FLAGS = new Set([
  '--backend',
  '--server',
  '--data-dir',
  '--kubeconfig',
  '--context'
]);

/**
 * The verb the arguments name: the first one that is neither a global flag
 * nor its value.
 *
 * @param argv - arguments after the program name
 * @returns the verb's first argument, or null when there is none
 */
export function verbArgument(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      return null;
    }
    if (GLOBAL_VALUE_FLAGS.has(arg)) {
      i++;
    } else if (!arg.startsWith('-')) {
      return arg;
    }
  }
  return null;
}

/**
 * Adds the verb the arguments name; every verb when they name none that is
 * known (help, a typo to suggest a verb for). `--version` alone adds none.
 */
async function registerVerbs(
  program: Command,
  context: ICliContext,
  argv: readonly string[]
): Promise<void> {
  const name = verbArgument(argv);
  const verb = VERBS.find(([names]) => name !== null && names.includes(name));
  if (verb) {
    (await verb[1]())(program, context);
  } else if (!(name === null && argv.includes('--version'))) {
    for (const register of await Promise.all(VERBS.map(([, load]) => load()))) {
      register(program, context);
    }
  }
}

async function report(error: unknown, io: ICliIO): Promise<number> {
  const [{ reportError }, { flagForPath }] = await Promise.all([
    import('./reportError'),
    import('./specFlags')
  ]);
  return reportError(error, io.stderr, flagForPath);
}

async function commanderExit(
  error: CommanderError,
  program: Command,
  argv: readonly string[],
  io: ICliIO
): Promise<number> {
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
  return report(
    usageError(message, canonical ? `mpijob ${canonical}` : 'mpijob'),
    io
  );
}
