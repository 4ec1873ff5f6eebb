/**
 * `mpijob bench run --from-notebook NB`: what the launch panel's *Benchmark
 * this notebook* does, from a terminal. On the local backend it asks the job
 * service, exactly as the panel does (so the bare baseline runs the service's
 * interpreter); on Kubernetes it runs the same harness here. Either way the
 * results file is `<name>-<YYYYMMDD-HHMMSS>.json` in `benchmarks/` beside
 * the notebook, the file the panel writes.
 */
import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import type { IBenchResults } from '../../../core/benchResults';
import type {
  INotebookBenchRecord,
  INotebookBenchRequest
} from '../../../core/notebookBench';
import { benchEnded, NOTEBOOK_BENCH } from '../../../core/notebookBench';
import { parseLaunchSpec } from '../../../core/spec';
import type { IMpiJobBackend } from '../../backends/backend';
import { UNSCHEDULABLE_MS } from '../../bench/harness';
import { runNotebookBenchmark } from '../../bench/notebook';
import { Progress } from '../../bench/progress';
import { readResults } from '../../bench/resultsFile';
import { ServiceClient } from '../../client';
import { readTextInput } from '../../inputs';
import { decodeRequest } from '../../service/benchmarks';
import { backendKind } from '../connect';
import type { ICliContext } from '../context';
import { CliError, usageError } from '../errors';
import { specFromFlags } from '../specFlags';

/** How often the service's benchmark is asked for its progress (as the panel does). */
const POLL_MS = 1000;

/** What the command line asks for, checked. */
export interface INotebookBenchArgs {
  /** The notebook file. */
  readonly notebook: string;
  /** Worker counts; the notebook's spec gets the smallest. */
  readonly workers: readonly number[] | undefined;
  /** Measured runs per count. */
  readonly repeats: number | undefined;
  /** Warm-up runs per count. */
  readonly warmups: number | undefined;
  /** Whether to time bare mpirun runs. */
  readonly bare: boolean;
  /** Results file; the panel's name in `benchmarks/` beside the notebook when absent. */
  readonly output: string | undefined;
  /** Stops the benchmark (Ctrl-C). */
  readonly signal: AbortSignal;
  /** How long a job may stay Unschedulable, ms (the harness's default when absent). */
  readonly unschedulableMs?: number;
}

/**
 * Benchmarks a notebook and returns its results and where they were written.
 *
 * @param context - the CLI run
 * @param self - the `bench run` command (its options carry the job flags)
 * @param args - notebook, counts and repeats
 * @returns the results and their file
 */
export async function benchNotebook(
  context: ICliContext,
  self: Command,
  args: INotebookBenchArgs
): Promise<{ results: IBenchResults; file: string }> {
  const options = self.opts<Record<string, unknown>>();
  const workers = args.workers ?? [1, 2];
  // The job flags make the notebook's spec, checked here before anything runs.
  const raw = specFromFlags(
    {},
    { ...options, workers: Math.min(...workers) },
    'mpijob bench run'
  );
  if (backendKind(self.optsWithGlobals()) === 'local') {
    // Like `create` on the local backend: the ranks start beside the notebook.
    raw.workingDir ??= dirname(resolve(args.notebook));
  }
  const spec = parseLaunchSpec(raw);
  const notebook = await readTextInput(args.notebook);
  const resultsDir =
    args.output !== undefined
      ? dirname(resolve(args.output))
      : join(dirname(resolve(args.notebook)), 'benchmarks');
  const request: INotebookBenchRequest = {
    spec,
    notebook,
    workers,
    repeats: args.repeats ?? NOTEBOOK_BENCH.repeats,
    warmups: args.warmups ?? NOTEBOOK_BENCH.warmups,
    bare: args.bare,
    resultsDir
  };
  const progress = new Progress(context.io.stderr);
  const ran = await context.withBackend(self, backend => {
    if (!(backend instanceof ServiceClient)) {
      return here(backend, request, progress, args);
    }
    if (args.unschedulableMs !== undefined) {
      throw usageError(
        `--unschedulable-timeout applies to a benchmark run by this command; the job service gives its jobs ${UNSCHEDULABLE_MS / 1000} s`,
        'mpijob bench run'
      );
    }
    return throughService(backend, request, progress, args.signal);
  });
  if (args.output === undefined || resolve(args.output) === ran.file) {
    return ran;
  }
  await fs.rename(ran.file, args.output);
  return { results: ran.results, file: args.output };
}

/** Runs the harness in this process (Kubernetes: there is no bare baseline). */
async function here(
  backend: IMpiJobBackend,
  request: INotebookBenchRequest,
  progress: Progress,
  args: INotebookBenchArgs
): Promise<{ results: IBenchResults; file: string }> {
  const plan = decodeRequest(request);
  return runNotebookBenchmark(plan, {
    backend,
    python: plan.spec.python,
    signal: args.signal,
    progress,
    unschedulableMs: args.unschedulableMs
  });
}

/** Starts the benchmark in the job service and follows it to its end. */
async function throughService(
  client: ServiceClient,
  request: INotebookBenchRequest,
  progress: Progress,
  signal: AbortSignal
): Promise<{ results: IBenchResults; file: string }> {
  let record = await client.startBenchmark(request);
  const onAbort = (): void => {
    void client.stopBenchmark(record.id).catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const follower = new RecordFollower(progress);
  try {
    follower.show(record);
    while (!benchEnded(record.state)) {
      await new Promise(done => setTimeout(done, POLL_MS));
      record = await client.benchmark(record.id);
      follower.show(record);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    progress.stop();
  }
  if (record.resultsFile === null) {
    throw new CliError([
      `the benchmark ${record.state}: ${record.message ?? 'no results were written'}`
    ]);
  }
  return {
    results: await readResults(record.resultsFile),
    file: record.resultsFile
  };
}

/** Draws a service benchmark's record as the harness draws its own progress. */
class RecordFollower {
  readonly #progress: Progress;
  #started = false;
  #done = 0;
  #printed: readonly string[] = [];

  constructor(progress: Progress) {
    this.#progress = progress;
  }

  show(record: INotebookBenchRecord): void {
    const { done, total, label } = record.progress;
    if (!this.#started) {
      this.#progress.start(total, label);
      this.#started = true;
    }
    // The record keeps its last lines: print those after the ones seen.
    const last = this.#printed[this.#printed.length - 1];
    const from = last === undefined ? 0 : record.lines.lastIndexOf(last) + 1;
    for (const line of record.lines.slice(from)) {
      this.#progress.line(line);
    }
    this.#printed = record.lines;
    this.#progress.working(label);
    if (done > this.#done) {
      this.#progress.advance(done - this.#done);
      this.#done = done;
    }
  }
}
