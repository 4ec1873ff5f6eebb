/**
 * Descriptive statistics of benchmark samples and the speedup metrics built on
 * them: speedup, parallel efficiency, the Karp–Flatt serial fraction, and a
 * scaling table over worker counts (strong or weak scaling) whose speedup is
 * the median of per-turn ratios with a bootstrap confidence interval.
 */

import type { IBootstrapOptions, IInterval } from './bootstrap';
import {
  bootstrapMedianInterval,
  DEFAULT_BOOTSTRAP,
  median
} from './bootstrap';
import { ValidationError } from './errors';
import type { IProblem } from './errors';
import { quantileSorted } from './quantile';

export { quantileSorted };

/** Descriptive statistics of a set of samples (e.g. run times in seconds). */
export interface IStats {
  /** Arithmetic mean. */
  readonly mean: number;
  /** Smallest sample. */
  readonly min: number;
  /** Largest sample. */
  readonly max: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for one sample. */
  readonly sd: number;
  /** Sample variance (n − 1 in the denominator); 0 for one sample. */
  readonly variance: number;
  /** Standard error of the mean, sd / √n. */
  readonly sem: number;
  /** Margin of error at 95 % confidence: sem × t(0.975, n − 1); 0 for one sample. */
  readonly moe: number;
  /** Median, linear interpolation between closest ranks (numpy's default). */
  readonly p50: number;
  /** 90th percentile, same interpolation. */
  readonly p90: number;
  /** 99th percentile, same interpolation. */
  readonly p99: number;
  /** Number of samples. */
  readonly samplesCount: number;
  /**
   * Relative margin of error in percent, moe / |mean| × 100 (as tinybench
   * reports it); 0 for fewer than 2 samples, Infinity when the mean is 0 and
   * the samples vary.
   */
  readonly rme: number;
}

/** How the problem size grows with the worker count. */
export type ScalingMode = 'strong' | 'weak';

/** One measured configuration: a worker count and its run times. */
export interface IScalingSeries {
  /** Number of workers (MPI ranks); a positive integer. */
  readonly workers: number;
  /** Run times (any unit, the same for all series); positive. */
  readonly samples: readonly number[];
  /**
   * The turn (round) each sample was measured in, one per sample, each at
   * most once: samples of different series that share a turn are paired.
   * Defaults to 0, 1, 2, … (the samples' positions).
   */
  readonly turns?: readonly number[];
}

/** Options of {@link scalingTable}. */
export interface IScalingOptions {
  /** Worker count of the baseline row; defaults to the smallest in the series. */
  readonly baselineWorkers?: number;
  /** Strong scaling (fixed total problem, the default) or weak scaling (fixed problem per worker). */
  readonly mode?: ScalingMode;
  /** How the speedup's confidence interval is resampled; {@link DEFAULT_BOOTSTRAP} by default. */
  readonly bootstrap?: IBootstrapOptions;
}

/** One row of a {@link IScalingTable}. */
export interface IScalingRow {
  /** Worker count n. */
  readonly workers: number;
  /** Statistics of this row's run times. */
  readonly stats: IStats;
  /**
   * The median over turns of the paired ratio t_b[r] / t_n[r] (the
   * baseline's and this row's time of the same turn r), times b for strong
   * scaling and times n for weak scaling (scaled speedup), b being the
   * baseline's worker count (1 usually). Exactly b for the baseline row.
   */
  readonly speedup: number;
  /**
   * Percentile bootstrap confidence interval of {@link speedup} (the median
   * of the ratios, resampled); null from fewer than 2 pairs.
   */
  readonly speedupCi: IInterval | null;
  /** The ratio of the fastest times, min(t_b) / min(t_n), scaled like {@link speedup}. */
  readonly speedupOfMinimums: number;
  /** Number of turns paired with the baseline: the ratios behind {@link speedup}. */
  readonly pairs: number;
  /** speedup / n; for weak scaling this equals the median of t_b / t_n. */
  readonly efficiency: number;
  /** {@link speedupCi} / n; null with it. */
  readonly efficiencyCi: IInterval | null;
  /** Karp–Flatt serial fraction of the speedup; `null` for n = 1 and for weak scaling. */
  readonly karpFlatt: number | null;
}

/** Speedup metrics per worker count, from {@link scalingTable}. */
export interface IScalingTable {
  /** Strong or weak scaling. */
  readonly mode: ScalingMode;
  /**
   * Worker count of the baseline row. When it is above 1, speedups assume
   * perfect scaling up to it: the baseline row has speedup = baselineWorkers.
   */
  readonly baselineWorkers: number;
  /** Rows sorted by worker count. */
  readonly rows: readonly IScalingRow[];
  /** How the confidence intervals were resampled. */
  readonly bootstrap: IBootstrapOptions;
}

/**
 * Descriptive statistics of samples. The result does not depend on the order
 * of the samples: sums run over the sorted values.
 *
 * @param samples - finite numbers; at least one
 * @returns mean, min, max, sd, variance, sem, moe, p50, p90, p99, samplesCount, rme
 * @throws {ValidationError} when `samples` is empty or holds a non-finite value
 */
export function computeStats(samples: readonly number[]): IStats {
  const problems = sampleProblems(samples, 'samples', false);
  if (problems.length > 0) {
    throw new ValidationError(problems, 'cannot compute statistics');
  }
  const n = samples.length;
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += sorted[i];
  }
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = sorted[i] - mean;
    squares += d * d;
  }
  const variance = n > 1 ? squares / (n - 1) : 0;
  const sd = Math.sqrt(variance);
  const sem = sd / Math.sqrt(n);
  const moe = n > 1 ? sem * tCritical(n - 1) : 0;
  let rme: number;
  if (moe === 0) {
    rme = 0;
  } else if (mean === 0) {
    rme = Infinity;
  } else {
    rme = (moe / Math.abs(mean)) * 100;
  }
  return {
    mean,
    min: sorted[0],
    max: sorted[n - 1],
    sd,
    variance,
    sem,
    moe,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    samplesCount: n,
    rme
  };
}

/**
 * Two-sided critical value of Student's t distribution: the t with
 * P(|T| ≤ t) = confidence for `df` degrees of freedom (scipy's
 * `t.ppf((1 + confidence) / 2, df)`). Computed, not looked up: it agrees
 * with scipy to about 15 digits up to df 1000 and 10 digits at df 10⁷
 * (tinybench uses a 3-decimal table up to df 30, then 1.96).
 *
 * @param df - degrees of freedom, positive
 * @param confidence - two-sided confidence level, between 0 and 1; 0.95 by default
 * @returns the critical value
 * @throws {Error} when `df` or `confidence` is out of range
 */
export function tCritical(df: number, confidence = 0.95): number {
  if (!(df > 0) || !Number.isFinite(df)) {
    throw new Error(`degrees of freedom must be positive, got ${df}`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new Error(`confidence must be between 0 and 1, got ${confidence}`);
  }
  const key = `${df}:${confidence}`;
  const cached = tCache.get(key);
  if (cached !== undefined) {
    return cached;
  }
  const alpha = 1 - confidence;
  // Bracket, then bisect: the two-sided tail falls strictly as t grows.
  let lo = 0;
  let hi = 16;
  while (tTail(hi, df) > alpha && hi < 1e300) {
    lo = hi;
    hi *= 4;
  }
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) {
      break;
    }
    if (tTail(mid, df) > alpha) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  const t = (lo + hi) / 2;
  if (tCache.size < 4096) {
    tCache.set(key, t);
  }
  return t;
}

/**
 * Speedup of a parallel run over a reference run.
 *
 * @param t1 - time of the reference (usually one worker)
 * @param tn - time of the parallel run
 * @returns t1 / tn
 * @throws {Error} when a time is not a positive finite number
 */
export function speedup(t1: number, tn: number): number {
  requirePositive(t1, 't1');
  requirePositive(tn, 'tn');
  return t1 / tn;
}

/**
 * Parallel efficiency: the fraction of ideal (linear) speedup achieved.
 *
 * @param speedup - measured speedup
 * @param n - number of workers, at least 1
 * @returns speedup / n
 * @throws {Error} when `speedup` is not positive or `n` is below 1
 */
export function parallelEfficiency(speedup: number, n: number): number {
  requirePositive(speedup, 'speedup');
  requireWorkers(n);
  return speedup / n;
}

/**
 * Karp–Flatt metric, the experimentally determined serial fraction:
 * e = (1/S − 1/n) / (1 − 1/n). A value that grows with n points to parallel
 * overhead rather than inherently serial code.
 *
 * @param speedup - measured speedup S
 * @param n - number of workers
 * @returns e, or `null` for n = 1 where it is undefined
 * @throws {Error} when `speedup` is not positive or `n` is below 1
 */
export function karpFlatt(speedup: number, n: number): number | null {
  requirePositive(speedup, 'speedup');
  requireWorkers(n);
  if (n === 1) {
    return null;
  }
  return (1 / speedup - 1 / n) / (1 - 1 / n);
}

/**
 * Speedup table over worker counts, from paired turns.
 *
 * The counts take turns round by round, so a slow spell of the machine falls
 * on the samples of one turn alike: each row's speedup is the median over
 * the turns it shares with the baseline of t_b[r] / t_n[r], with a
 * percentile bootstrap confidence interval of that median, times b (strong
 * scaling: fixed total problem) or n (weak scaling, the scaled speedup:
 * fixed problem per worker); b is the baseline's worker count, the smallest
 * unless chosen (when b > 1 speedups assume perfect scaling up to b, and the
 * baseline row has speedup b). Beside it, the ratio of the fastest times.
 *
 * @param series - one entry per worker count
 * @param options - options, or the baseline's worker count alone
 * @returns rows sorted by worker count, with the baseline and resampling used
 * @throws {ValidationError} listing every problem: no series, a worker count
 *   that is not a positive integer or appears twice, empty or non-positive
 *   samples, turns that are not one distinct whole number per sample, a
 *   baseline that is not among the worker counts, a series that shares no
 *   turn with the baseline
 */
export function scalingTable(
  series: readonly IScalingSeries[],
  options: IScalingOptions | number = {}
): IScalingTable {
  const opts: IScalingOptions =
    typeof options === 'number' ? { baselineWorkers: options } : options;
  const mode: ScalingMode = opts.mode ?? 'strong';
  const bootstrap = opts.bootstrap ?? DEFAULT_BOOTSTRAP;

  const problems: IProblem[] = [];
  if (series.length === 0) {
    problems.push({ path: 'series', message: 'must hold at least one entry' });
  }
  if (mode !== 'strong' && mode !== 'weak') {
    problems.push({
      path: 'mode',
      message: `must be 'strong' or 'weak', got ${String(mode)}`
    });
  }
  const seen = new Map<number, number>();
  series.forEach((s, i) => {
    const w = s.workers;
    if (!Number.isInteger(w) || w < 1) {
      problems.push({
        path: `series[${i}].workers`,
        message: `must be a positive integer, got ${String(w)}`
      });
    } else if (seen.has(w)) {
      problems.push({
        path: `series[${i}].workers`,
        message: `${w} workers appear twice (also series[${seen.get(w)}]); merge their samples`
      });
    } else {
      seen.set(w, i);
    }
    problems.push(...sampleProblems(s.samples, `series[${i}].samples`, true));
    problems.push(...turnProblems(s, `series[${i}].turns`));
  });
  let baseline = opts.baselineWorkers;
  if (baseline !== undefined && !seen.has(baseline)) {
    problems.push({
      path: 'baselineWorkers',
      message: `must be one of the worker counts (${[...seen.keys()].sort((a, b) => a - b).join(', ')}), got ${String(baseline)}`
    });
  }
  if (problems.length > 0) {
    throw new ValidationError(problems, 'invalid scaling series');
  }

  const measured = series
    .map((s, index) => ({
      index,
      workers: s.workers,
      stats: computeStats(s.samples),
      byTurn: turnMap(s)
    }))
    .sort((a, b) => a.workers - b.workers);
  baseline = baseline ?? measured[0].workers;
  const base = measured.find(m => m.workers === baseline)!;
  const unpaired = measured.filter(
    m => ![...m.byTurn.keys()].some(turn => base.byTurn.has(turn))
  );
  if (unpaired.length > 0) {
    throw new ValidationError(
      unpaired.map(m => ({
        path: `series[${m.index}].turns`,
        message: `share no turn with the baseline (${baseline} workers)`
      })),
      'invalid scaling series'
    );
  }

  const rows = measured.map(({ workers, stats, byTurn }): IScalingRow => {
    const k = mode === 'strong' ? baseline! : workers;
    // Turn by turn: the ratio of two times measured in the same round.
    const ratios: number[] = [];
    for (const [turn, t] of byTurn) {
      const tb = base.byTurn.get(turn);
      if (tb !== undefined) {
        ratios.push(tb / t);
      }
    }
    // Ratio first, so identical times give exactly k.
    const s = k * median(ratios);
    const interval =
      ratios.length >= 2 ? bootstrapMedianInterval(ratios, bootstrap) : null;
    const speedupCi = interval && {
      low: k * interval.low,
      high: k * interval.high
    };
    return {
      workers,
      stats,
      speedup: s,
      speedupCi,
      speedupOfMinimums: k * (base.stats.min / stats.min),
      pairs: ratios.length,
      efficiency: s / workers,
      efficiencyCi: speedupCi && {
        low: speedupCi.low / workers,
        high: speedupCi.high / workers
      },
      karpFlatt: mode === 'strong' ? karpFlatt(s, workers) : null
    };
  });
  return { mode, baselineWorkers: baseline, rows, bootstrap };
}

// ---------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------

// Problems found per call are capped: one message line per bad sample of a
// million-sample array helps nobody.
const MAX_SAMPLE_PROBLEMS = 10;

function sampleProblems(
  samples: readonly number[],
  path: string,
  positive: boolean
): IProblem[] {
  const problems: IProblem[] = [];
  if (!Array.isArray(samples) || samples.length === 0) {
    problems.push({ path, message: 'must hold at least one sample' });
    return problems;
  }
  let bad = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i];
    let message: string | null = null;
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      message = `must be a finite number, got ${String(x)}`;
    } else if (positive && x <= 0) {
      message = `must be a positive time, got ${x}`;
    }
    if (message !== null) {
      bad += 1;
      if (bad <= MAX_SAMPLE_PROBLEMS) {
        problems.push({ path: `${path}[${i}]`, message });
      }
    }
  }
  if (bad > MAX_SAMPLE_PROBLEMS) {
    problems.push({
      path,
      message: `${bad - MAX_SAMPLE_PROBLEMS} more invalid samples`
    });
  }
  return problems;
}

function turnProblems(series: IScalingSeries, path: string): IProblem[] {
  const turns = series.turns;
  if (turns === undefined) {
    return [];
  }
  if (!Array.isArray(turns) || turns.length !== series.samples?.length) {
    return [{ path, message: 'must hold one turn per sample' }];
  }
  const problems: IProblem[] = [];
  const seen = new Set<number>();
  turns.forEach((turn, i) => {
    if (!Number.isInteger(turn) || turn < 0) {
      problems.push({
        path: `${path}[${i}]`,
        message: `must be a whole number, got ${String(turn)}`
      });
    } else if (seen.has(turn)) {
      problems.push({
        path: `${path}[${i}]`,
        message: `turn ${turn} appears twice`
      });
    }
    seen.add(turn);
  });
  return problems.slice(0, MAX_SAMPLE_PROBLEMS);
}

// Time by turn; the samples' positions where no turns are given.
function turnMap(series: IScalingSeries): Map<number, number> {
  return new Map(series.samples.map((t, i) => [series.turns?.[i] ?? i, t]));
}

function requirePositive(x: number, name: string): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
    throw new Error(`${name} must be a positive finite number, got ${x}`);
  }
}

function requireWorkers(n: number): void {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 1) {
    throw new Error(`the number of workers must be at least 1, got ${n}`);
  }
}

const tCache = new Map<string, number>();

// P(|T| > t) for Student's t with df degrees of freedom: the regularized
// incomplete beta I_x(df/2, 1/2) at x = df / (df + t²). 1 − x is passed
// separately so that large df keeps its precision.
function tTail(t: number, df: number): number {
  const t2 = t * t;
  const x = df / (df + t2);
  const y = t2 / (df + t2);
  return incompleteBeta(df / 2, 0.5, x, y);
}

// Regularized incomplete beta I_x(a, b) with y = 1 − x, by the continued
// fraction (Numerical Recipes 6.4), using the symmetry relation where the
// fraction converges slowly.
function incompleteBeta(a: number, b: number, x: number, y: number): number {
  if (x <= 0) {
    return 0;
  }
  if (y <= 0) {
    return 1;
  }
  const front = Math.exp(
    lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(y)
  );
  if (x < (a + 1) / (a + b + 2)) {
    return (front * betaContinuedFraction(a, b, x)) / a;
  }
  return 1 - (front * betaContinuedFraction(b, a, y)) / b;
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) {
    d = tiny;
  }
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) {
      d = tiny;
    }
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) {
      c = tiny;
    }
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) {
      d = tiny;
    }
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) {
      c = tiny;
    }
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) {
      break;
    }
  }
  return h;
}

// Lanczos approximation (g = 7, 9 terms), about 15 significant digits.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028,
  771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
];

function lnGamma(z: number): number {
  if (z < 0.5) {
    // Reflection: Γ(z)Γ(1 − z) = π / sin(πz).
    return Math.log(Math.PI / Math.sin(Math.PI * z)) - lnGamma(1 - z);
  }
  const x = z - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) {
    sum += LANCZOS[i] / (x + i);
  }
  const t = x + 7.5;
  return (
    0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum)
  );
}
