/**
 * Runs a scenario: for each worker count, warm-ups then measured repeats of
 * the workload as jobs through a backend, timed end to end by tinybench,
 * each preceded by a bare mpirun of the same workload for the overhead
 * ratio. Worker counts take turns job by job (1, 2, 1, 2, …). Whatever happens, the outcome is a results record: runs that fail,
 * are skipped or interrupted are records with a state, not exceptions.
 */
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { Bench } from 'tinybench';
import type { Task } from 'tinybench';

import type {
  IAttempt,
  IBenchResults,
  IBenchRun,
  RunState
} from '../../core/benchResults';
import {
  makeSeries,
  overallState,
  RESULTS_SCHEMA_VERSION,
  resultsProblems,
  SERIES,
  summarizeResults
} from '../../core/benchResults';
import { errorMessage, formatProblem } from '../../core/errors';
import { timelineSeconds } from '../../core/jobReport';
import { buildJob } from '../../core/job';
import type { IBuiltJob } from '../../core/job';
import { renderJob } from '../../core/manifest';
import { parseLaunchSpec } from '../../core/spec';
import type { IMpiJobBackend } from '../backends/backend';
import { renderDefaults } from '../images';
import { expandHome, resolveExecutable } from '../backends/local/launch';
import { BareMpirun, stderrSummary } from './bare';
import { currentLoad, readEnvironment } from './environment';
import { JobRunError, runJob } from './harness';
import type { Progress } from './progress';
import type { ILoadedScenario, INotebookWorkload, IScenario } from './scenario';
import { expandArgs } from './scenario';
import { Turns } from './turns';
import { parseWorkloadOutput } from './workloadLine';

/** Options of {@link runScenario}. */
export interface IRunScenarioOptions {
  /** The scenario and its files. */
  readonly loaded: ILoadedScenario;
  /** The backend, or null when the scenario's backend cannot be reached. */
  readonly backend: IMpiJobBackend | null;
  /** Why the backend is missing (recorded as the skip reason). */
  readonly unavailable?: string;
  /** Namespace of the jobs. */
  readonly namespace: string;
  /** Interpreter of the workload. */
  readonly python: string;
  /** Cores of this machine: more ranks than this oversubscribe. */
  readonly cores: number;
  /** Stops the benchmark: the running job is deleted and the results say interrupted. */
  readonly signal: AbortSignal;
  /** Where progress goes. */
  readonly progress: Progress;
  /** Folder of the checkout, for the git commit. */
  readonly cwd: string;
  /** How long a job may stay Unschedulable before its run fails, ms. */
  readonly unschedulableMs?: number;
}

// The workload said it cannot run here; ends the task without an error.
class SkipSignal extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Runs every worker count of a scenario.
 *
 * @param options - scenario, backend, environment, abort signal, progress
 * @returns the results, valid against schema/results.json
 * @throws {Error} only for a bug: results that do not match their schema
 */
export async function runScenario(
  options: IRunScenarioOptions
): Promise<IBenchResults> {
  const { scenario } = options.loaded;
  const startedAt = new Date().toISOString();
  // Resolved here, as the local backend resolves its interpreter: mpirun
  // puts its own bin folder first on the ranks' PATH, so a bare `python3`
  // there may be another interpreter than the one on ours. On Kubernetes it
  // names the image's interpreter.
  const python = scenario.command
    ? null
    : scenario.backend === 'local'
      ? await resolveExecutable(options.python)
      : options.python;
  const environment = await readEnvironment({
    backend: scenario.backend,
    mpiImplementation: scenario.mpiImplementation,
    python: scenario.command ? null : (python ?? options.python),
    cwd: options.cwd
  });
  const perCount = scenario.warmups + scenario.repeats;
  options.progress.start(perCount * scenario.workers.length, scenario.name);
  let bare: BareMpirun | null = null;
  if (scenario.bare && scenario.backend === 'local' && options.backend) {
    try {
      bare = await BareMpirun.open(scenario.mpiImplementation);
    } catch (error) {
      options.progress.line(
        `warning: no bare mpirun runs: ${errorMessage(error)}`
      );
    }
  }
  let runs: IBenchRun[];
  const backend = options.backend;
  const noPython =
    !scenario.command && python === null
      ? `the Python interpreter ${options.python} was not found: set MPIJOB_PYTHON (or the scenario's python) to an interpreter with mpi4py`
      : null;
  if (backend === null || noPython !== null) {
    const at = new Date().toISOString();
    runs = scenario.workers.map(workers =>
      emptyRun(
        `workers=${workers}`,
        workers,
        workers * scenario.ranksPerWorker,
        'skipped',
        noPython ??
          options.unavailable ??
          `the ${scenario.backend} backend is not available`,
        at
      )
    );
    options.progress.advance(perCount * scenario.workers.length);
  } else {
    // Every worker count runs its own tinybench task; they take turns job by job.
    const turns = new Turns(scenario.workers);
    runs = await Promise.all(
      scenario.workers.map(async workers => {
        try {
          return await runWorkerCount(
            options,
            backend,
            bare,
            python ?? '',
            workers,
            turns
          );
        } finally {
          turns.retire(workers);
        }
      })
    );
    for (const run of runs.filter(r => r.state !== 'completed')) {
      options.progress.line(
        `${scenario.name} ${run.name}: ${run.state}: ${run.reason}`
      );
    }
  }
  options.progress.stop();
  const partial = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    kind: 'scenario' as const,
    name: scenario.name,
    state: overallState(runs),
    startedAt,
    finishedAt: new Date().toISOString(),
    scenario: { ...scenario },
    environment: {
      ...environment,
      loadAverage: { start: environment.loadAverage.start, end: currentLoad() }
    },
    runs
  };
  const results: IBenchResults = {
    ...partial,
    summary: summarizeResults(partial)
  };
  assertValid(results);
  return results;
}

/**
 * Checks results against schema/results.json before they are written.
 *
 * @param results - results about to be written
 * @throws {Error} listing the problems; a bug of the harness
 */
export function assertValid(results: IBenchResults): void {
  const problems = resultsProblems(JSON.parse(JSON.stringify(results)));
  if (problems.length > 0) {
    throw new Error(
      `internal error: results do not match schema/results.json: ${problems.map(formatProblem).join('; ')}`
    );
  }
}

async function runWorkerCount(
  options: IRunScenarioOptions,
  backend: IMpiJobBackend,
  bareMpirun: BareMpirun | null,
  python: string,
  workers: number,
  turns: Turns
): Promise<IBenchRun> {
  const { scenario, workloadPath, notebook } = options.loaded;
  const startedAt = new Date().toISOString();
  const ranks = workers * scenario.ranksPerWorker;
  const label = `workers=${workers}`;
  const args = expandArgs(scenario.args, {
    workers,
    ranks,
    scaling: scenario.scaling
  });
  const program = scenario.command
    ? [...scenario.command, ...args]
    : [python, '-u', workloadPath ?? '', ...args];
  const timeoutMs = scenario.timeoutSeconds * 1000;
  const attempts: IAttempt[] = [];
  const samples = {
    workload: [] as number[],
    e2e: [] as number[],
    bare: [] as number[],
    bareWorkload: [] as number[]
  };
  const counters = { warmup: 0, measure: 0 };
  let phase: 'warmup' | 'measure' = 'warmup';
  let bareSeconds: number | null = null;
  let bareWorkloadSeconds: number | null = null;
  // Why the bare baseline stopped; the jobs go on without it.
  let bareSkipped: string | null = null;
  let bare = bareMpirun;
  const suffix = randomBytes(2).toString('hex');

  // The job of one run; the bare baseline runs the same spec and program.
  const jobOf = (name: string): IBuiltJob => {
    if (notebook) {
      return notebookJob(notebook, name, workers, ranks > options.cores);
    }
    const spec = parseLaunchSpec({
      name,
      namespace: options.namespace,
      workers,
      slotsPerWorker: scenario.ranksPerWorker,
      gpusPerWorker: scenario.gpusPerWorker,
      mpiImplementation: scenario.mpiImplementation,
      command: program,
      env: Object.entries(scenario.env).map(([key, value]) => ({
        name: key,
        value
      })),
      oversubscribe: ranks > options.cores,
      ...(scenario.image !== undefined ? { image: scenario.image } : {}),
      ...(scenario.python !== undefined && scenario.backend === 'kubernetes'
        ? { python: scenario.python }
        : {})
    });
    return buildJob(spec, null, renderDefaults());
  };

  const bench = new Bench({
    name: `${scenario.name} ${label}`,
    iterations: scenario.repeats,
    time: 0,
    warmup: scenario.warmups > 0,
    warmupIterations: scenario.warmups,
    warmupTime: 0,
    retainSamples: true,
    signal: options.signal
  });
  const progressLabel = (index: number): string =>
    `${scenario.name} ${label} ${phase === 'warmup' ? `warm-up ${index + 1}/${scenario.warmups}` : `run ${index + 1}/${scenario.repeats}`}`;

  const beforeEach = async (mode?: 'run' | 'warmup'): Promise<void> => {
    phase = mode === 'warmup' ? 'warmup' : 'measure';
    bareSeconds = null;
    bareWorkloadSeconds = null;
    // Held through the bare run and the job; released when the job is done.
    await turns.acquire(workers, options.signal);
    if (bare === null) {
      return;
    }
    options.progress.working(`${progressLabel(counters[phase])} (bare mpirun)`);
    try {
      const spec = jobOf(`${scenario.name}-bare`).spec;
      const result = await bare.run({
        spec,
        python,
        programFile: workloadPath ?? '',
        // Where the job's ranks start, as the local backend starts them.
        cwd:
          spec.workingDir !== undefined
            ? expandHome(spec.workingDir)
            : notebook && workloadPath
              ? dirname(workloadPath)
              : undefined,
        timeoutMs,
        signal: options.signal
      });
      if (result.code !== 0) {
        throw new Error(
          `bare mpirun exited with code ${result.code}: ${stderrSummary(result.stderrTail)}`
        );
      }
      const report = parseWorkloadOutput(result.stdout, scenario.metric);
      if (report.kind === 'skipped') {
        throw new SkipSignal(report.reason);
      }
      bareSeconds = result.seconds;
      bareWorkloadSeconds = report.kind === 'measured' ? report.seconds : null;
    } catch (error) {
      if (error instanceof SkipSignal || options.signal.aborted) {
        throw error;
      }
      // A baseline that cannot run must not sink the benchmark: the jobs
      // are measured without it, and the results say why it is missing.
      bare = null;
      bareSkipped = errorMessage(error);
      // Its series would no longer pair with the jobs'; the attempts keep
      // the times of the bare runs that did finish.
      samples.bare.length = 0;
      samples.bareWorkload.length = 0;
      options.progress.line(
        `${scenario.name} ${label}: no bare mpirun baseline: ${bareSkipped}`
      );
    }
  };

  const iteration = async (): Promise<{ overriddenDuration: number }> => {
    const index = counters[phase]++;
    const job = `${scenario.name}-${workers}w-${phase[0]}${index}-${suffix}`;
    options.progress.working(progressLabel(index));
    const base = {
      phase,
      index,
      job,
      bareSeconds,
      bareWorkloadSeconds
    };
    let e2eSeconds: number | null = null;
    try {
      const built = jobOf(job);
      const outcome = await runJob(backend, built, {
        timeoutMs,
        signal: options.signal,
        now: () => bench.now(),
        unschedulableMs: options.unschedulableMs
      });
      e2eSeconds = outcome.e2eMs / 1000;
      if (outcome.report?.warning) {
        // A speedup measured on ranks that did not spread means nothing.
        throw new Error(
          `no speedup is reported for this worker count: ${outcome.report.warning}`
        );
      }
      const where = outcome.report
        ? {
            hosts: [...new Set(outcome.report.placement.map(p => p.host))],
            timeline: timelineSeconds(outcome.report.timeline)
          }
        : {};
      const report = parseWorkloadOutput(outcome.rank0, scenario.metric);
      if (report.kind === 'skipped') {
        attempts.push({
          ...base,
          state: 'skipped',
          workloadSeconds: null,
          e2eSeconds,
          metrics: null,
          message: report.reason
        });
        throw new SkipSignal(report.reason);
      }
      if (report.kind === 'missing' && !notebook) {
        throw new Error(report.message);
      }
      // A notebook without a benchmark line is timed end to end.
      const measured =
        report.kind === 'measured'
          ? report
          : { seconds: null, metrics: {} as Record<string, unknown> };
      if (measured.seconds === null && scenario.workload !== undefined) {
        throw new Error(
          'the workload\'s MPIJOB_BENCH line has no positive "seconds"'
        );
      }
      attempts.push({
        ...base,
        state: 'completed',
        workloadSeconds: measured.seconds,
        e2eSeconds,
        metrics: measured.metrics,
        message: null,
        ...where
      });
      if (phase === 'measure') {
        if (measured.seconds !== null) {
          samples.workload.push(measured.seconds);
        }
        samples.e2e.push(e2eSeconds);
        if (bareSeconds !== null) {
          samples.bare.push(bareSeconds);
        }
        if (bareWorkloadSeconds !== null) {
          samples.bareWorkload.push(bareWorkloadSeconds);
        }
      }
      options.progress.advance();
      options.progress.line(
        `${scenario.name} ${label} ${phase === 'warmup' ? 'warm-up' : 'run'} ${index + 1}: ${[
          measured.seconds !== null
            ? `workload ${measured.seconds.toFixed(3)} s`
            : null,
          `end-to-end ${e2eSeconds.toFixed(3)} s`,
          bareSeconds !== null
            ? `bare mpirun ${(bareSeconds as number).toFixed(3)} s`
            : null
        ]
          .filter(Boolean)
          .join(', ')}`
      );
      return { overriddenDuration: outcome.e2eMs };
    } catch (error) {
      if (!(error instanceof SkipSignal)) {
        const interrupted =
          options.signal.aborted ||
          (error instanceof JobRunError && error.reason === 'interrupted');
        attempts.push({
          ...base,
          state: interrupted ? 'interrupted' : 'errored',
          workloadSeconds: null,
          e2eSeconds,
          metrics: null,
          message: errorMessage(error)
        });
      }
      throw error;
    } finally {
      turns.release(workers);
    }
  };

  bench.add(label, iteration, { beforeEach, async: true });
  let state: RunState = 'completed';
  let reason: string | null = null;
  try {
    await bench.run();
  } catch (error) {
    // tinybench reports task errors in the task; this is anything else.
    state = 'errored';
    reason = errorMessage(error);
  }
  const task: Task | undefined = bench.tasks[0];
  const result = task?.result;
  if (result !== undefined && state === 'completed') {
    if (result.state === 'errored') {
      const error: unknown = result.error;
      if (error instanceof SkipSignal) {
        state = 'skipped';
        reason = error.reason;
      } else if (options.signal.aborted) {
        state = 'interrupted';
        reason = 'interrupted';
      } else {
        state = 'errored';
        reason = errorMessage(error);
      }
    } else if (result.state !== 'completed') {
      state = 'interrupted';
      reason = 'interrupted';
    } else {
      // tinybench keeps its samples sorted; ours are in run order, paired
      // with the other series. Both must hold the same times.
      const timed = [...(result.latency.samples ?? [])].map(ms => ms / 1000);
      const ours = [...samples.e2e].sort((a, b) => a - b);
      if (
        timed.length !== ours.length ||
        timed.some((t, i) => Math.abs(t - ours[i]) > 1e-9)
      ) {
        state = 'errored';
        reason = `internal error: tinybench timed ${timed.length} end-to-end samples, the harness ${ours.length}`;
      }
    }
  }
  if (state === 'completed' && options.signal.aborted) {
    state = 'interrupted';
    reason = 'interrupted';
  }
  const done = attempts.filter(a => a.state === 'completed').length;
  options.progress.advance(
    Math.max(0, scenario.warmups + scenario.repeats - done)
  );
  return {
    name: label,
    workers,
    ranks,
    state,
    reason,
    startedAt,
    finishedAt: new Date().toISOString(),
    series: {
      [SERIES.workload]: makeSeries('s', samples.workload),
      [SERIES.e2e]: makeSeries('s', samples.e2e),
      [SERIES.bare]: makeSeries('s', samples.bare),
      [SERIES.bareWorkload]: makeSeries('s', samples.bareWorkload)
    },
    attempts,
    metrics: {},
    ...(bareSkipped !== null ? { bareSkipped } : {})
  };
}

/**
 * The job of one notebook benchmark run: the notebook's launch spec at this
 * worker count, under the run's job name, with the program packaged once.
 */
function notebookJob(
  notebook: INotebookWorkload,
  name: string,
  workers: number,
  oversubscribe: boolean
): IBuiltJob {
  const spec = parseLaunchSpec({
    ...notebook.spec,
    name,
    workers,
    oversubscribe: notebook.spec.oversubscribe || oversubscribe
  });
  return {
    spec,
    program: notebook.program,
    rendered: renderJob(spec, notebook.program, renderDefaults())
  };
}

function emptyRun(
  name: string,
  workers: number,
  ranks: number,
  state: RunState,
  reason: string,
  at: string
): IBenchRun {
  return {
    name,
    workers,
    ranks,
    state,
    reason,
    startedAt: at,
    finishedAt: at,
    series: {},
    attempts: [],
    metrics: {}
  };
}

/** One line saying what a scenario runs, where and how often. */
export function describeScenario(scenario: IScenario): string {
  if (scenario.scale) {
    return `${scenario.name}: ${scenario.scale.jobs} jobs × ${scenario.workers[0]} workers at once through one job service, ${scenario.scale.sseClients} SSE client(s), ${scenario.backend} backend`;
  }
  return `${scenario.name}: ${scenario.workload ?? scenario.notebook ?? scenario.command?.join(' ')} on ${scenario.workers.join(', ')} worker(s) × ${scenario.ranksPerWorker} rank(s), ${scenario.warmups} warm-up(s) + ${scenario.repeats} run(s) each, ${scenario.scaling} scaling, ${scenario.backend} backend`;
}
