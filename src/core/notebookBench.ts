/**
 * Benchmarking a notebook through the job service: the request that starts
 * one, the record that follows it to its results file, and the worker counts
 * a user picks. Pure: no I/O.
 */
import type { IResultsSummary, RunState } from './benchResults';

/** Defaults and limits of a notebook benchmark. */
export const NOTEBOOK_BENCH = {
  /** Measured jobs per worker count, by default. */
  repeats: 3,
  /** Unmeasured jobs before them, by default. */
  warmups: 1,
  /** Most measured jobs per worker count. */
  maxRepeats: 100,
  /** Most warm-up jobs per worker count. */
  maxWarmups: 10,
  /** Most worker counts in one benchmark. */
  maxCounts: 32,
  /** Largest worker count. */
  maxWorkers: 1000,
  /** Longest a job may run when the spec sets no deadline, seconds. */
  timeoutSeconds: 600
} as const;

/** The body of `POST /api/benchmarks`. */
export interface INotebookBenchRequest {
  /** The launch spec every job copies (its `workers` is replaced). */
  readonly spec: unknown;
  /** The notebook: nbformat JSON as an object or as text. */
  readonly notebook: unknown;
  /** Worker counts, e.g. [1, 2, 4]; the smallest is the speedup baseline. */
  readonly workers: readonly number[];
  /** Measured jobs per worker count ({@link NOTEBOOK_BENCH}.repeats when absent). */
  readonly repeats?: number;
  /** Warm-up jobs per worker count ({@link NOTEBOOK_BENCH}.warmups when absent). */
  readonly warmups?: number;
  /** Also time a bare mpirun of the program (local backend; default true). */
  readonly bare?: boolean;
  /**
   * Folder of the results file on the service's machine: absolute, or
   * starting with `~/`; `benchmarks/results` under the service's working
   * directory when absent.
   */
  readonly resultsDir?: string;
}

/** Where a notebook benchmark stands. */
export type NotebookBenchState = 'running' | RunState | 'failed';

/** A notebook benchmark as the service reports it. */
export interface INotebookBenchRecord {
  /** Identifier (a DNS-1123 label). */
  readonly id: string;
  /** Scenario name: names the results file and the jobs. */
  readonly name: string;
  /** The notebook's path as the spec names it. */
  readonly notebook: string | null;
  /** Worker counts, ascending. */
  readonly workers: readonly number[];
  /** Measured jobs per worker count. */
  readonly repeats: number;
  /** Warm-up jobs per worker count. */
  readonly warmups: number;
  /**
   * `running`; then the results' state (`completed`, `errored`, `skipped`,
   * `interrupted`), or `failed` when no results could be written.
   */
  readonly state: NotebookBenchState;
  /** Why it failed, errored or was interrupted; null otherwise. */
  readonly message: string | null;
  /** Jobs done of all jobs, and what runs now. */
  readonly progress: {
    readonly done: number;
    readonly total: number;
    readonly label: string;
  };
  /** The last lines the harness printed (one per job). */
  readonly lines: readonly string[];
  /** When it started, RFC 3339. */
  readonly startedAt: string;
  /** When it ended, RFC 3339; null while running. */
  readonly finishedAt: string | null;
  /** Absolute path of the results file on the service's machine; null until written. */
  readonly resultsFile: string | null;
  /** The results file's name (in the requested folder); null until written. */
  readonly resultsName: string | null;
  /** The speedup table of the results; null until written or without completed runs. */
  readonly summary: IResultsSummary | null;
}

/** How the launch panel picks worker counts up to a maximum. */
export type WorkerSteps = 'powers-of-two' | 'every';

/**
 * Worker counts from 1 to `max`: 1, 2, 4, … (with `max` itself last when it
 * is not a power of two), or every count.
 *
 * @param max - largest worker count, at least 1
 * @param steps - powers of two or every count
 * @returns ascending worker counts
 */
export function workerCounts(max: number, steps: WorkerSteps): number[] {
  const top = Math.max(1, Math.floor(max));
  if (steps === 'every') {
    return Array.from({ length: top }, (_, i) => i + 1);
  }
  const counts: number[] = [];
  for (let n = 1; n <= top; n *= 2) {
    counts.push(n);
  }
  if (counts[counts.length - 1] !== top) {
    counts.push(top);
  }
  return counts;
}

/**
 * Whether a benchmark has ended.
 *
 * @param state - its state
 * @returns true unless it is running
 */
export function benchEnded(state: NotebookBenchState): boolean {
  return state !== 'running';
}
