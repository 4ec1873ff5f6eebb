/**
 * How the CLI fails, kubectl-style: exit 1 for errors, exit 2 for bad usage
 * (the messages are written by ./reportError).
 */

/** Exit codes of `mpijob`. */
export const ExitCode = {
  /** Success. */
  ok: 0,
  /** The request failed: invalid input, job failed, not found. */
  failed: 1,
  /** Bad usage: unknown flag, malformed flag value. */
  usage: 2
} as const;

/** A failure that ends the command with a message and an exit code. */
export class CliError extends Error {
  /** Process exit code. */
  readonly exitCode: number;
  /** Lines for stderr, without the `error: ` prefix. */
  readonly lines: readonly string[];
  /** Command whose help to point at (usage errors only). */
  readonly helpCommand: string | null;

  /**
   * @param lines - what went wrong, one line each
   * @param exitCode - the exit code
   * @param helpCommand - e.g. `mpijob create`, to print "See 'mpijob create -h' …"
   */
  constructor(
    lines: readonly string[],
    exitCode: number = ExitCode.failed,
    helpCommand: string | null = null
  ) {
    super(lines.join('\n'));
    this.name = 'CliError';
    this.lines = lines;
    this.exitCode = exitCode;
    this.helpCommand = helpCommand;
  }
}

/**
 * A usage error for a flag value.
 *
 * @param message - what is wrong
 * @param command - the command, e.g. `mpijob render`
 * @returns the error to throw
 */
export function usageError(message: string, command: string): CliError {
  return new CliError([message], ExitCode.usage, command);
}
