/**
 * A flag's value as a whole number, or a usage error that names the flag.
 */
import { usageError } from './errors';

/**
 * @param value - what commander parsed (a string, or a default)
 * @param flag - the flag, e.g. `--repeats`
 * @param command - the command, for the usage hint
 * @param min - the smallest value allowed
 * @returns the number
 * @throws {CliError} exit code 2, naming the flag, the value and the range
 */
export function wholeNumberFlag(
  value: unknown,
  flag: string,
  command: string,
  min = 0
): number {
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw usageError(
      `invalid ${flag} "${String(value)}": must be a whole number from ${min}`,
      command
    );
  }
  return n;
}
