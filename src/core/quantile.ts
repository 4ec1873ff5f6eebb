/**
 * Quantiles of sorted samples, as numpy computes them: shared by the
 * descriptive statistics and the bootstrap, which must agree on a median.
 */

/**
 * Quantile of ascending samples with linear interpolation between closest
 * ranks: numpy's default (`method='linear'`), including its rounding.
 *
 * @param sorted - samples sorted ascending; at least one
 * @param q - the quantile, 0 to 1 (0.9 for the 90th percentile)
 * @returns the interpolated value
 * @throws {Error} when `sorted` is empty or `q` is outside [0, 1]
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) {
    throw new Error('quantile of no samples is undefined');
  }
  if (!(q >= 0 && q <= 1)) {
    throw new Error(`quantile must be between 0 and 1, got ${q}`);
  }
  const virtual = (n - 1) * q;
  const lo = Math.floor(virtual);
  const hi = Math.min(lo + 1, n - 1);
  const gamma = virtual - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  // numpy interpolates from the nearer end, which keeps results monotone.
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}
