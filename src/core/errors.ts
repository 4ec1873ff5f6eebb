/**
 * Error helpers shared by every layer. Validation collects problems instead of
 * throwing on the first, so a user sees everything to fix at once.
 */

/** One thing wrong with user input: where it is and what to do about it. */
export interface IProblem {
  /** Where: a field path such as `workers` or `env[0].name`, or `cell 3, line 2`. */
  readonly path: string;
  /** What is wrong and how to fix it, as a human sentence. */
  readonly message: string;
}

/** Input that failed validation; carries every problem found. */
export class ValidationError extends Error {
  /** Every problem found, in input order. */
  readonly problems: readonly IProblem[];

  /**
   * @param problems - what is wrong; must not be empty
   * @param summary - one line naming the object that was validated
   */
  constructor(problems: readonly IProblem[], summary = 'invalid input') {
    super(`${summary}: ${problems.map(p => formatProblem(p)).join('; ')}`);
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/**
 * Formats a problem as `path: message`, or just the message when the path is empty.
 *
 * @param problem - the problem to format
 * @returns one line of text
 */
export function formatProblem(problem: IProblem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}

/**
 * Throws when a condition does not hold.
 *
 * @param condition - what must be true
 * @param message - the error message when it is not
 * @throws {Error} when `condition` is falsy
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new Error(message);
  }
}

/**
 * The message of anything thrown, for a line of text.
 *
 * @param value - a caught value
 * @returns an Error's message, else the value as a string
 */
export function errorMessage(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
