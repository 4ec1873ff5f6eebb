/**
 * Benchmark results: the records `mpijob bench run` writes (one JSON file a
 * run, schema/results.json) and the speedup summary every report, chart and
 * viewer derives from them. Pure: no I/O.
 */
import type { TimelineStep } from './jobReport';

import type { IProblem } from './errors';
import { errorMessage, ValidationError } from './errors';
import { resultsSchema } from './generated/benchResultsSchema';
import { describeAjvErrors } from './spec';
import type { IBootstrapOptions, IInterval } from './bootstrap';
import { DEFAULT_BOOTSTRAP } from './bootstrap';
import type { IStats, ScalingMode } from './stats';
import { computeStats, scalingTable } from './stats';
import { lazyValidator } from './schemaValidator';
import type { IScaleDetail } from './scaleResults';

/**
 * Version of the results format; bumped on incompatible changes. 2: the
 * summary's speedup is the median of per-turn ratios with a bootstrap
 * interval (1 had mean ± sd); version 1 files are read with their summary
 * recomputed from their samples.
 */
export const RESULTS_SCHEMA_VERSION = 2;

/** The results' JSON Schema (schema/results.json). */
export const RESULTS_SCHEMA = resultsSchema;

/** How a run (or a whole benchmark) ended. */
export type RunState = 'completed' | 'errored' | 'skipped' | 'interrupted';

/** Names of the series of a scenario run. */
export const SERIES = {
  /** Seconds the workload measured itself (compute between barriers). */
  workload: 'workload',
  /** Seconds from submitting the job to seeing it done, through the backend. */
  e2e: 'e2e',
  /** Seconds of the same workload under a bare mpirun, for the overhead ratio. */
  bare: 'bare',
  /** Seconds the workload measured itself under the bare mpirun. */
  bareWorkload: 'bareWorkload',
  /** Milliseconds per iteration of a micro-benchmark. */
  latency: 'latency'
} as const;

/** Measured samples of one quantity and their statistics. */
export interface ISeries {
  /** Unit of the samples: seconds or milliseconds. */
  readonly unit: 's' | 'ms';
  /** Every measured sample, in order (warm-ups excluded). */
  readonly samples: readonly number[];
  /** Statistics of the samples; null when there are none. */
  readonly stats: IStats | null;
}

/** One job (or bare mpirun) of a scenario run, warm-ups included. */
export interface IAttempt {
  /** Warm-up (not in the statistics) or measured. */
  readonly phase: 'warmup' | 'measure';
  /** Position within its phase, from 0. */
  readonly index: number;
  /** The job's name; null for runs that never became a job. */
  readonly job: string | null;
  /** How it ended. */
  readonly state: RunState;
  /** Seconds the workload reported; null when it reported none. */
  readonly workloadSeconds: number | null;
  /** Seconds from submit to done, through the backend. */
  readonly e2eSeconds: number | null;
  /** Seconds of the bare mpirun run before it; null when none ran. */
  readonly bareSeconds: number | null;
  /** Seconds the workload reported under that bare mpirun; null when none. */
  readonly bareWorkloadSeconds: number | null;
  /** Everything else the workload reported (its MPIJOB_BENCH line). */
  readonly metrics: Readonly<Record<string, unknown>> | null;
  /** Why it did not complete. */
  readonly message: string | null;
  /** The hosts its ranks reported, each once (pods on Kubernetes). */
  readonly hosts?: readonly string[];
  /** Seconds from the job's creation to each step of its start (see core/jobReport.ts). */
  readonly timeline?: Readonly<Partial<Record<TimelineStep, number | null>>>;
}

/** One configuration of a benchmark: a worker count, or a micro-benchmark task. */
export interface IBenchRun {
  /** Label, e.g. `workers=2` or `package 5 MB notebook`. */
  readonly name: string;
  /** Worker count; null for micro-benchmarks. */
  readonly workers: number | null;
  /** Total MPI ranks; null for micro-benchmarks. */
  readonly ranks: number | null;
  /** How it ended. */
  readonly state: RunState;
  /** Why it was skipped, errored or interrupted; null when completed. */
  readonly reason: string | null;
  /** When it started, RFC 3339. */
  readonly startedAt: string;
  /** When it ended, RFC 3339. */
  readonly finishedAt: string;
  /** Measured series by name (see {@link SERIES}). */
  readonly series: Readonly<Record<string, ISeries>>;
  /** Every job run, warm-ups included. */
  readonly attempts: readonly IAttempt[];
  /** Further numbers, e.g. a micro-benchmark's throughput. */
  readonly metrics: Readonly<Record<string, number | string>>;
  /**
   * Why the bare mpirun baseline is missing although it was asked for: the
   * jobs were measured without it (no overhead ratio).
   */
  readonly bareSkipped?: string;
}

/** Where the benchmark ran. */
export interface IBenchEnvironment {
  /** Host name. */
  readonly hostname: string;
  /** `linux`, `darwin`, … */
  readonly platform: string;
  /** Kernel release. */
  readonly release: string;
  /** CPU architecture. */
  readonly arch: string;
  /** CPU model name. */
  readonly cpuModel: string;
  /** Logical CPUs available to this process. */
  readonly cores: number;
  /** Total memory in bytes. */
  readonly memoryBytes: number;
  /** 1, 5 and 15 minute load averages when the benchmark started and ended. */
  readonly loadAverage: {
    readonly start: readonly number[];
    readonly end: readonly number[];
  };
  /** Node.js version. */
  readonly node: string;
  /** The MPI used; null when none was (Kubernetes, micro-benchmarks). */
  readonly mpi: {
    readonly implementation: string;
    readonly launcher: string;
    readonly version: string;
  } | null;
  /** The workload's Python; null when not inspected. */
  readonly python: {
    readonly executable: string;
    readonly version: string | null;
    readonly numpy: string | null;
    readonly mpi4py: string | null;
  } | null;
  /** The checkout measured; null outside a git work tree. */
  readonly git: { readonly commit: string; readonly dirty: boolean } | null;
  /** Backend the jobs ran on; null for micro-benchmarks. */
  readonly backend: string | null;
  /** When the environment was read, RFC 3339. */
  readonly date: string;
}

/** One row of a {@link IResultsSummary}. */
export interface ISummaryRow {
  /** Worker count. */
  readonly workers: number;
  /** Median, fastest and slowest of the time the speedup is based on, seconds. */
  readonly time: {
    readonly median: number;
    readonly min: number;
    readonly max: number;
  };
  /**
   * Speedup over the baseline row: the median over turns of the baseline's
   * time / this row's time in the same turn (the counts take turns).
   */
  readonly speedup: number;
  /** Bootstrap confidence interval of that median; null from fewer than 2 pairs. */
  readonly speedupCi: IInterval | null;
  /** The ratio of the fastest times: min(baseline) / min(this row). */
  readonly speedupOfMinimums: number;
  /** Turns paired with the baseline's: the ratios behind {@link speedup}. */
  readonly pairs: number;
  /** speedup / workers. */
  readonly efficiency: number;
  /** {@link speedupCi} / workers. */
  readonly efficiencyCi: IInterval | null;
  /** Karp–Flatt serial fraction; null for the baseline and weak scaling. */
  readonly karpFlatt: number | null;
  /** Mean end-to-end seconds (submit to done); null when not measured. */
  readonly e2e: number | null;
  /** Mean seconds of the bare mpirun runs; null when not measured. */
  readonly bare: number | null;
  /** Harness overhead: e2e / bare − 1; null without both. */
  readonly overhead: number | null;
  /**
   * Seconds the harness adds beyond a bare mpirun with each run's own compute
   * time taken out: (e2e − workload) − (bare − bare's workload), means. Less
   * sensitive to a busy machine than {@link overhead}; null without all four.
   */
  readonly extra: number | null;
}

/** Speedup per worker count of one results file. */
export interface IResultsSummary {
  /** Strong or weak scaling. */
  readonly mode: ScalingMode;
  /** Which series the speedup is computed from. */
  readonly basis: 'workload' | 'e2e';
  /** Worker count of the baseline row. */
  readonly baselineWorkers: number;
  /** Rows by worker count; completed runs that share a turn with the baseline. */
  readonly rows: readonly ISummaryRow[];
  /** How the confidence intervals were resampled: the seed makes them recompute exactly. */
  readonly bootstrap: IBootstrapOptions;
}

/** One benchmark's results file. */
export interface IBenchResults {
  /** {@link RESULTS_SCHEMA_VERSION} (1 in older files; see {@link upgradeResults}). */
  readonly schemaVersion: number;
  /** A scenario of jobs, micro-benchmarks of this project's code, or a control-plane scale run. */
  readonly kind: 'scenario' | 'micro' | 'scale';
  /** Scenario name, or `micro`. */
  readonly name: string;
  /** Completed, errored (some run failed), skipped (nothing ran) or interrupted. */
  readonly state: RunState;
  /** When it started, RFC 3339. */
  readonly startedAt: string;
  /** When it ended, RFC 3339. */
  readonly finishedAt: string;
  /** The scenario as run, defaults filled in; null for micro-benchmarks. */
  readonly scenario: Readonly<Record<string, unknown>> | null;
  /** Where it ran. */
  readonly environment: IBenchEnvironment;
  /** One record per worker count (or task), whatever its state. */
  readonly runs: readonly IBenchRun[];
  /** Speedup table, as computed when the file was written; null without completed runs. */
  readonly summary: IResultsSummary | null;
  /** The raw data of a scale run (kind `scale` only). */
  readonly scale?: IScaleDetail;
}

/**
 * A series of samples with their statistics.
 *
 * @param unit - the samples' unit
 * @param samples - finite numbers; may be empty
 * @returns the series; stats null when empty
 */
export function makeSeries(
  unit: 's' | 'ms',
  samples: readonly number[]
): ISeries {
  return {
    unit,
    samples: [...samples],
    stats: samples.length > 0 ? computeStats(samples) : null
  };
}

/**
 * The overall state of a benchmark from its runs: interrupted if any run
 * was, else errored if any run errored, else skipped if no run completed.
 *
 * @param runs - the runs
 * @returns the state
 */
export function overallState(
  runs: readonly Pick<IBenchRun, 'state'>[]
): RunState {
  if (runs.some(r => r.state === 'interrupted')) {
    return 'interrupted';
  }
  if (runs.some(r => r.state === 'errored')) {
    return 'errored';
  }
  if (!runs.some(r => r.state === 'completed')) {
    return 'skipped';
  }
  return 'completed';
}

/**
 * The speedup table of a scenario's results: completed runs only, from the
 * workload's own times when every such run has them, else from end-to-end
 * times. Samples are paired by the turn they were measured in: a measured
 * attempt's index is its turn, since the counts run one job each per round.
 *
 * @param results - a scenario's results
 * @param bootstrap - how to resample the intervals; by default as the
 *   results' own summary says, else {@link DEFAULT_BOOTSTRAP}
 * @returns the summary; null when no run completed
 */
export function summarizeResults(
  results: Pick<IBenchResults, 'runs' | 'scenario'> & {
    readonly summary?: { readonly bootstrap?: IBootstrapOptions } | null;
  },
  bootstrap: IBootstrapOptions = results.summary?.bootstrap ?? DEFAULT_BOOTSTRAP
): IResultsSummary | null {
  const completed = results.runs.filter(
    (r): r is IBenchRun & { workers: number } =>
      r.state === 'completed' && r.workers !== null
  );
  if (completed.length === 0) {
    return null;
  }
  const hasWorkload = completed.every(
    r => (r.series[SERIES.workload]?.samples.length ?? 0) > 0
  );
  const basis = hasWorkload ? 'workload' : 'e2e';
  const timed = completed
    .map(r => ({ run: r, ...turnSamples(r, basis) }))
    .filter(r => r.samples.length > 0);
  if (timed.length === 0) {
    return null;
  }
  // A count sharing no turn with the baseline has no speedup (runNotes says so).
  const first = timed.reduce((a, b) => (b.run.workers < a.run.workers ? b : a));
  const baseTurns = new Set(first.turns);
  const usable = timed.filter(r => r.turns.some(t => baseTurns.has(t)));
  const mode: ScalingMode =
    results.scenario?.scaling === 'weak' ? 'weak' : 'strong';
  const table = scalingTable(
    usable.map(r => ({
      workers: r.run.workers,
      samples: r.samples,
      turns: r.turns
    })),
    { mode, bootstrap }
  );
  const byWorkers = new Map(usable.map(r => [r.run.workers, r.run]));
  const rows = table.rows.map((row): ISummaryRow => {
    const run = byWorkers.get(row.workers)!;
    const mean = (name: string): number | null =>
      run.series[name]?.stats?.mean ?? null;
    const e2e = mean(SERIES.e2e);
    const bare = mean(SERIES.bare);
    const workload = mean(SERIES.workload);
    const bareWorkload = mean(SERIES.bareWorkload);
    return {
      workers: row.workers,
      time: { median: row.stats.p50, min: row.stats.min, max: row.stats.max },
      speedup: row.speedup,
      speedupCi: row.speedupCi,
      speedupOfMinimums: row.speedupOfMinimums,
      pairs: row.pairs,
      efficiency: row.efficiency,
      efficiencyCi: row.efficiencyCi,
      karpFlatt: row.karpFlatt,
      e2e,
      bare,
      overhead: e2e !== null && bare !== null ? e2e / bare - 1 : null,
      extra:
        e2e !== null &&
        bare !== null &&
        workload !== null &&
        bareWorkload !== null
          ? e2e - workload - (bare - bareWorkload)
          : null
    };
  });
  return {
    mode,
    basis,
    baselineWorkers: table.baselineWorkers,
    rows,
    bootstrap: { ...table.bootstrap }
  };
}

/**
 * A run's measured times of one series with the turn of each: from its
 * measured attempts that completed (an attempt's index is its turn), or, in
 * results without them, the series' samples in run order.
 *
 * @param run - a run
 * @param basis - the series
 * @returns samples and their turns, in run order
 */
export function turnSamples(
  run: IBenchRun,
  basis: 'workload' | 'e2e'
): { readonly samples: number[]; readonly turns: number[] } {
  const samples: number[] = [];
  const turns: number[] = [];
  for (const attempt of run.attempts) {
    const t =
      basis === 'workload' ? attempt.workloadSeconds : attempt.e2eSeconds;
    if (attempt.phase === 'measure' && attempt.state === 'completed' && t) {
      samples.push(t);
      turns.push(attempt.index);
    }
  }
  if (samples.length > 0 && new Set(turns).size === turns.length) {
    return { samples, turns };
  }
  // No attempts to tell the turns (or a file whose indices repeat).
  const series = [...(run.series[basis]?.samples ?? [])];
  return { samples: series, turns: series.map((_, i) => i) };
}

const validator = lazyValidator(resultsSchema, {
  messageKeywords: ['patternMessage']
});

/**
 * Checks a parsed results file against schema/results.json.
 *
 * @param input - parsed JSON
 * @returns every problem with its field path; empty when valid
 */
export function resultsProblems(input: unknown): IProblem[] {
  const validate = validator();
  return validate(input) ? [] : describeAjvErrors(validate.errors ?? []);
}

/**
 * Like {@link resultsProblems} but throws.
 *
 * @param input - parsed JSON
 * @param source - the file, for the message
 * @returns the results, upgraded to the current version
 * @throws {ValidationError} listing every problem
 */
export function parseResults(
  input: unknown,
  source = 'results'
): IBenchResults {
  const problems = resultsProblems(input);
  if (problems.length > 0) {
    throw new ValidationError(problems, `${source} is not a results file`);
  }
  return upgradeResults(input as IBenchResults);
}

/**
 * Results in the current format: a version 1 file's samples are as they
 * were, its summary (mean ± sd speedups) is recomputed from them.
 *
 * @param results - valid results of any version
 * @returns them in version {@link RESULTS_SCHEMA_VERSION}
 */
export function upgradeResults(results: IBenchResults): IBenchResults {
  if (results.schemaVersion === RESULTS_SCHEMA_VERSION) {
    return results;
  }
  return {
    ...results,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    summary: summarizeResults({ ...results, summary: null })
  };
}

/** Most problems {@link readResultsText} lists: a wrong file can have hundreds. */
export const MAX_RESULTS_PROBLEMS = 20;

/**
 * Reads a results file's text: JSON, valid against schema/results.json.
 *
 * @param text - the file's content
 * @returns the results, or why it is not a results file (the JSON error,
 *   or the schema's problems by field, at most {@link MAX_RESULTS_PROBLEMS}
 *   and a line counting the rest)
 */
export function readResultsText(
  text: string
):
  | { readonly ok: true; readonly results: IBenchResults }
  | { readonly ok: false; readonly problems: readonly IProblem[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      problems: [
        {
          path: '',
          message: `is not JSON: ${errorMessage(error)}`
        }
      ]
    };
  }
  const problems = resultsProblems(parsed);
  if (problems.length === 0) {
    return { ok: true, results: upgradeResults(parsed as IBenchResults) };
  }
  const shown = problems.slice(0, MAX_RESULTS_PROBLEMS);
  if (problems.length > MAX_RESULTS_PROBLEMS) {
    shown.push({
      path: '',
      message: `… and ${problems.length - MAX_RESULTS_PROBLEMS} more problems`
    });
  }
  return { ok: false, problems: shown };
}
