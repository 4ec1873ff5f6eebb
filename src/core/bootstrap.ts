/**
 * A percentile bootstrap confidence interval of a median, drawn with a
 * seeded generator so that the same samples and seed always give the same
 * interval: a results file records its seed and recomputes exactly.
 */
import { quantileSorted } from './quantile';

/** How an interval is resampled; recorded in the results it describes. */
export interface IBootstrapOptions {
  /** Seed of the generator, an unsigned 32-bit integer. */
  readonly seed: number;
  /** Number of resamples. */
  readonly resamples: number;
  /** Two-sided confidence level, between 0 and 1 (0.95 for 95 %). */
  readonly confidence: number;
}

/** A confidence interval. */
export interface IInterval {
  /** Lower end. */
  readonly low: number;
  /** Upper end. */
  readonly high: number;
}

/** What the harness uses: 95 %, 2000 resamples, a fixed seed. */
export const DEFAULT_BOOTSTRAP: IBootstrapOptions = {
  seed: 0x5eed,
  resamples: 2000,
  confidence: 0.95
};

/**
 * A pseudo-random generator (mulberry32): integer arithmetic only, so every
 * JavaScript engine gives the same sequence for a seed.
 *
 * @param seed - an unsigned 32-bit integer
 * @returns a function giving numbers in [0, 1)
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The median, numpy's (the mean of the two middle values for an even count).
 *
 * @param values - finite numbers; at least one
 * @returns the median
 * @throws {Error} when `values` is empty
 */
export function median(values: readonly number[]): number {
  return quantileSorted(Float64Array.from(values).sort(), 0.5);
}

/**
 * Percentile bootstrap confidence interval of the median: the median of
 * `resamples` resamples drawn with replacement, and the interval between
 * the (1 − confidence) / 2 and (1 + confidence) / 2 quantiles of those
 * medians. The interval always holds the sample's own median (a percentile
 * interval of a median all but always does; widening it where it would not
 * keeps reports from showing a value outside its own interval).
 *
 * @param values - finite numbers; at least one
 * @param options - seed, number of resamples, confidence
 * @returns the interval
 * @throws {Error} when `values` is empty or an option is out of range
 */
export function bootstrapMedianInterval(
  values: readonly number[],
  options: IBootstrapOptions = DEFAULT_BOOTSTRAP
): IInterval {
  const { seed, resamples, confidence } = options;
  if (values.length === 0) {
    throw new Error('the median of no samples is undefined');
  }
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new Error(
      `resamples must be a positive integer, got ${String(resamples)}`
    );
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new Error(`confidence must be between 0 and 1, got ${confidence}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(
      `seed must be an unsigned 32-bit integer, got ${String(seed)}`
    );
  }
  const n = values.length;
  const center = median(values);
  const random = seededRandom(seed);
  const draw = new Float64Array(n);
  const medians = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) {
      draw[i] = values[Math.floor(random() * n)];
    }
    draw.sort();
    medians[b] = quantileSorted(draw, 0.5);
  }
  medians.sort();
  const tail = (1 - confidence) / 2;
  return {
    low: Math.min(center, quantileSorted(medians, tail)),
    high: Math.max(center, quantileSorted(medians, 1 - tail))
  };
}
