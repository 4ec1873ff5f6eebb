/**
 * Writes what a command threw to stderr the way kubectl does. Loaded only
 * when a command fails: it needs the launch-spec module to name fields.
 */
import type { IProblem } from '../../core/errors';
import {
  errorMessage,
  formatProblem,
  ValidationError
} from '../../core/errors';
import { problemField } from '../../core/spec';
import { BackendError } from '../backends/errors';
import { CliError, ExitCode } from './errors';

/**
 * Formats problems one per line, naming the field as the CLI does and its
 * flag: `cells (--cells): …` for any part of the cell selection.
 *
 * @param problems - validation problems
 * @param flagFor - maps a field path to its flag, when there is one
 * @returns lines for stderr
 */
export function problemLines(
  problems: readonly IProblem[],
  flagFor: (path: string) => string | null = () => null
): string[] {
  return problems.map(problem => {
    const { name, field } = problemField(problem.path);
    const flag = flagFor(field);
    return flag
      ? `${name} (${flag}): ${problem.message}`
      : formatProblem({ ...problem, path: name });
  });
}

/**
 * Writes an error to stderr the way kubectl does and returns its exit code.
 *
 * @param error - anything thrown by a command
 * @param stderr - where to write
 * @param flagFor - maps field paths to flags for validation problems
 * @returns the exit code
 */
export function reportError(
  error: unknown,
  stderr: NodeJS.WritableStream,
  flagFor?: (path: string) => string | null
): number {
  if (error instanceof CliError) {
    for (const line of error.lines) {
      stderr.write(`error: ${line}\n`);
    }
    if (error.helpCommand) {
      stderr.write(`See '${error.helpCommand} -h' for help and examples\n`);
    }
    return error.exitCode;
  }
  if (error instanceof ValidationError) {
    for (const line of problemLines(error.problems, flagFor)) {
      stderr.write(`error: ${line}\n`);
    }
    return ExitCode.failed;
  }
  if (error instanceof BackendError) {
    if (error.reason === 'ServiceUnavailable') {
      stderr.write(`error: ${error.message}\n`);
    } else {
      // kubectl's wording for API errors: `Error from server (NotFound): …`.
      stderr.write(`Error from server (${error.reason}): ${error.message}\n`);
      for (const line of problemLines(error.problems, flagFor)) {
        stderr.write(`  ${line}\n`);
      }
      if (error.reason === 'AlreadyExists') {
        stderr.write(
          '  choose another name (--name), or pass --generate-name to add a random suffix\n'
        );
      }
    }
    return ExitCode.failed;
  }
  const message = errorMessage(error);
  stderr.write(`error: ${message}\n`);
  return ExitCode.failed;
}
