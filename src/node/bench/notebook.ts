/**
 * A notebook as a benchmark: its launch spec run at several worker counts
 * through the harness, results written beside it. The job service runs it
 * for the launch panel (`POST /api/benchmarks`) and `mpijob bench run
 * --from-notebook` runs it for the terminal, so both measure the same way
 * and write the same file.
 */
import { promises as fs } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IBenchResults } from '../../core/benchResults';
import type { IPackagedProgram } from '../../core/notebook';
import { NOTEBOOK_BENCH } from '../../core/notebookBench';
import type { ILaunchSpec } from '../../core/spec';
import type { IMpiJobBackend } from '../backends/backend';
import type { Progress } from './progress';
import { defaultResultsPath, writeResults } from './resultsFile';
import { runScenario } from './runner';
import type { ILoadedScenario, IScenario } from './scenario';

/** Longest scenario name (it prefixes every job's name). */
const MAX_NAME = 24;

/** What to benchmark: a notebook's launch spec and program, and how often. */
export interface INotebookBenchPlan {
  /** The launch spec every job copies. */
  readonly spec: ILaunchSpec;
  /** The notebook's program. */
  readonly program: IPackagedProgram;
  /** Worker counts, ascending. */
  readonly workers: number[];
  /** Measured jobs per worker count. */
  readonly repeats: number;
  /** Warm-up jobs per worker count. */
  readonly warmups: number;
  /** Whether to time bare mpirun runs too (local backend only). */
  readonly bare: boolean;
  /** Absolute folder of the results file. */
  readonly resultsDir: string;
}

/** What {@link runNotebookBenchmark} needs besides the plan. */
export interface INotebookBenchDeps {
  /** Where the jobs run. */
  readonly backend: IMpiJobBackend;
  /** Interpreter of the bare mpirun runs: the one the jobs' ranks run. */
  readonly python: string;
  /** Stops the benchmark; what was measured is still written. */
  readonly signal: AbortSignal;
  /** Where progress goes. */
  readonly progress: Progress;
  /** How long a job may stay Unschedulable before its run fails, ms. */
  readonly unschedulableMs?: number;
}

/**
 * The scenario a notebook benchmark runs: strong scaling of the notebook as
 * it is set up, named after its job.
 *
 * @param plan - the notebook benchmark
 * @param backend - which backend runs the jobs
 * @returns the scenario
 */
export function notebookScenario(
  plan: INotebookBenchPlan,
  backend: 'local' | 'kubernetes'
): IScenario {
  const { spec } = plan;
  return {
    name: spec.name.slice(0, MAX_NAME).replace(/-+$/, '') || 'notebook',
    description: `notebook ${spec.source?.notebook ?? ''} (cells: ${spec.source?.cells ?? 'all'})`,
    notebook: spec.source?.notebook,
    args: [],
    backend,
    workers: plan.workers,
    ranksPerWorker: spec.slotsPerWorker,
    gpusPerWorker: spec.gpusPerWorker,
    repeats: plan.repeats,
    warmups: plan.warmups,
    scaling: 'strong',
    timeoutSeconds:
      spec.runPolicy?.activeDeadlineSeconds ?? NOTEBOOK_BENCH.timeoutSeconds,
    env: Object.fromEntries((spec.env ?? []).map(e => [e.name, e.value ?? ''])),
    mpiImplementation: spec.mpiImplementation,
    bare: plan.bare && backend === 'local'
  };
}

/**
 * Runs a notebook benchmark to its end and writes its results file,
 * `<name>-<YYYYMMDD-HHMMSS>.json` in the plan's folder.
 *
 * @param plan - the notebook benchmark
 * @param deps - backend, interpreter, abort signal, progress
 * @returns the results and the file they were written to
 */
export async function runNotebookBenchmark(
  plan: INotebookBenchPlan,
  deps: INotebookBenchDeps
): Promise<{ results: IBenchResults; file: string }> {
  const scenario = notebookScenario(
    plan,
    deps.backend.kind === 'kubernetes' ? 'kubernetes' : 'local'
  );
  await fs.mkdir(plan.resultsDir, { recursive: true });
  // The bare mpirun runs the same program file the backend runs.
  const scratch = await fs.mkdtemp(join(tmpdir(), 'mpijob-bench-nb-'));
  try {
    const programFile = join(scratch, 'program.py');
    await fs.writeFile(programFile, plan.program.code);
    const loaded: ILoadedScenario = {
      scenario,
      file: plan.spec.source?.notebook ?? scenario.name,
      workloadPath: programFile,
      resultsDir: plan.resultsDir,
      notebook: { spec: plan.spec, program: plan.program }
    };
    const results = await runScenario({
      loaded,
      backend: deps.backend,
      namespace: plan.spec.namespace,
      python: deps.python,
      cores: availableParallelism(),
      signal: deps.signal,
      progress: deps.progress,
      cwd: plan.resultsDir,
      unschedulableMs: deps.unschedulableMs
    });
    const file = defaultResultsPath(
      plan.resultsDir,
      scenario.name,
      results.startedAt
    );
    await writeResults(file, results);
    return { results, file };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
