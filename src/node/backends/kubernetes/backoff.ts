/**
 * Reconnect delays for watches.
 */

/**
 * Exponential backoff with full jitter: a random delay up to
 * `initial * 2^(attempt-1)`, capped, so many clients reconnecting to a
 * restarted API server do not arrive together.
 *
 * @param attempt - 1 for the first retry
 * @param initialMs - the first ceiling
 * @param maxMs - the largest ceiling
 * @param random - a source of [0, 1)
 * @returns the delay in ms (at least 50)
 */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(50, Math.floor(random() * ceiling));
}
