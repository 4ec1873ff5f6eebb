/**
 * Checking untrusted JSON values (a notebook file, a stored source map) and
 * naming them in messages a user can act on.
 */

/** Most problems one untrusted file reports; a thoroughly broken file would otherwise produce one per cell. */
export const MAX_PROBLEMS = 50;

/**
 * Whether a JSON value is an object (not null, not a list).
 *
 * @param value - any value
 * @returns true for plain objects
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a JSON value is a whole number from 0.
 *
 * @param value - any value
 * @returns true for non-negative integers
 */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * Names a JSON value for a message, shortening long text.
 *
 * @param value - any value
 * @returns e.g. `a list`, `null`, `the text "abc"`
 */
export function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  switch (typeof value) {
    case 'string':
      return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'nothing';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}
