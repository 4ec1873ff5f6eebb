/**
 * Micro-benchmarks of this project's own code with tinybench, written in
 * the same results format as scenarios: packaging a 5 MB notebook,
 * rendering a job's manifests, reducing the status of a 101-pod MPIJob, and
 * fanning job events out over SSE to many clients of a real service.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';

import type { IBenchResults, IBenchRun } from '../../core/benchResults';
import {
  makeSeries,
  overallState,
  RESULTS_SCHEMA_VERSION,
  SERIES
} from '../../core/benchResults';
import type { IJobEvent } from '../../core/jobRecord';
import { renderJob } from '../../core/manifest';
import { packageNotebook } from '../../core/notebook';
import { parseLaunchSpec } from '../../core/spec';
import { reduceJob } from '../../core/status';
import { toYamlStream } from '../../core/yamlStream';
import { buildJob } from '../../core/job';
import { LocalBackend } from '../backends/local';
import { ServiceClient } from '../client';
import { createService } from '../service';
import { currentLoad, readEnvironment } from './environment';
import { largeJob, syntheticNotebook } from './microInputs';
import type { Progress } from './progress';
import { assertValid } from './runner';
import { errorMessage } from '../../core/errors';

/** Options of {@link runMicroBenchmarks}. */
export interface IMicroOptions {
  /** Fewer iterations, for a quick check. */
  readonly quick: boolean;
  /** SSE clients of the fan-out benchmark. */
  readonly clients: number;
  /** Stops between tasks and iterations. */
  readonly signal: AbortSignal;
  /** Where progress goes. */
  readonly progress: Progress;
  /** Folder of the checkout, for the git commit. */
  readonly cwd: string;
}

/** Size of the notebook the packaging benchmark builds. */
export const NOTEBOOK_BYTES = 5 * 1024 * 1024;

/** Pods of the status benchmark: a launcher and 100 workers. */
export const STATUS_WORKERS = 100;

interface ITask {
  readonly name: string;
  readonly iterations: number;
  readonly run: (bench: Bench, signal: AbortSignal) => Promise<IBenchRun>;
}

/**
 * Runs every micro-benchmark.
 *
 * @param options - iteration budget, SSE clients, abort signal, progress
 * @returns the results, valid against schema/results.json
 */
export async function runMicroBenchmarks(
  options: IMicroOptions
): Promise<IBenchResults> {
  const startedAt = new Date().toISOString();
  const environment = await readEnvironment({
    backend: null,
    mpiImplementation: 'OpenMPI',
    python: null,
    cwd: options.cwd
  });
  const scale = options.quick ? 0.2 : 1;
  const tasks: ITask[] = [
    packagingTask(Math.max(3, Math.round(20 * scale))),
    renderTask(Math.max(10, Math.round(500 * scale))),
    statusTask(Math.max(10, Math.round(500 * scale))),
    fanOutTask(Math.max(3, Math.round(15 * scale)), options.clients)
  ];
  options.progress.start(tasks.length, 'micro-benchmarks');
  const runs: IBenchRun[] = [];
  for (const task of tasks) {
    const at = new Date().toISOString();
    if (options.signal.aborted) {
      runs.push(blankRun(task.name, 'interrupted', 'not run: interrupted', at));
      continue;
    }
    options.progress.working(task.name);
    const bench = new Bench({
      name: task.name,
      iterations: task.iterations,
      time: 0,
      warmupIterations: Math.max(1, Math.round(task.iterations / 10)),
      warmupTime: 0,
      retainSamples: true,
      signal: options.signal
    });
    try {
      runs.push(await task.run(bench, options.signal));
    } catch (error) {
      runs.push(
        blankRun(
          task.name,
          options.signal.aborted ? 'interrupted' : 'errored',
          errorMessage(error),
          at
        )
      );
    }
    const run = runs[runs.length - 1];
    const mean = run.series[SERIES.latency]?.stats?.mean;
    options.progress.advance();
    options.progress.line(
      `${task.name}: ${run.state}${mean !== undefined ? `, mean ${mean.toFixed(3)} ms` : ''}${run.reason ? `: ${run.reason}` : ''}`
    );
  }
  options.progress.stop();
  const results: IBenchResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    kind: 'micro',
    name: 'micro',
    state: overallState(runs),
    startedAt,
    finishedAt: new Date().toISOString(),
    scenario: null,
    environment: {
      ...environment,
      loadAverage: { start: environment.loadAverage.start, end: currentLoad() }
    },
    runs,
    summary: null
  };
  assertValid(results);
  return results;
}

/** Runs one tinybench task and turns its result into a run record. */
async function measure(
  bench: Bench,
  name: string,
  fn: () => unknown,
  metrics: (meanMs: number) => Record<string, number | string> = () => ({}),
  extraSeries: Record<string, number[]> = {},
  beforeRun: () => void = () => undefined
): Promise<IBenchRun> {
  const startedAt = new Date().toISOString();
  bench.add(name, fn, {
    beforeAll: mode => {
      if (mode === 'run') {
        beforeRun();
      }
    }
  });
  await bench.run();
  const result = bench.tasks[0].result;
  const finishedAt = new Date().toISOString();
  const samples =
    result.state === 'completed' || result.state === 'aborted-with-statistics'
      ? [...(result.latency.samples ?? [])]
      : [];
  const state =
    result.state === 'completed'
      ? 'completed'
      : result.state === 'errored'
        ? 'errored'
        : 'interrupted';
  const reason =
    result.state === 'errored'
      ? errorMessage(result.error)
      : state === 'interrupted'
        ? 'interrupted'
        : null;
  const series: Record<string, IBenchRun['series'][string]> = {
    [SERIES.latency]: makeSeries('ms', samples)
  };
  for (const [key, values] of Object.entries(extraSeries)) {
    series[key] = makeSeries('ms', values);
  }
  const mean = series[SERIES.latency].stats?.mean;
  return {
    name,
    workers: null,
    ranks: null,
    state,
    reason,
    startedAt,
    finishedAt,
    series,
    attempts: [],
    metrics: {
      ...(mean !== undefined && mean > 0
        ? { opsPerSecond: 1000 / mean, ...metrics(mean) }
        : {})
    }
  };
}

function blankRun(
  name: string,
  state: IBenchRun['state'],
  reason: string,
  at: string
): IBenchRun {
  return {
    name,
    workers: null,
    ranks: null,
    state,
    reason,
    startedAt: at,
    finishedAt: at,
    series: {},
    attempts: [],
    metrics: {}
  };
}

function packagingTask(iterations: number): ITask {
  const name = 'package a 5 MB notebook';
  return {
    name,
    iterations,
    run: bench => {
      const bytes = new TextEncoder().encode(syntheticNotebook(NOTEBOOK_BYTES));
      const megabytes = bytes.length / 2 ** 20;
      return measure(
        bench,
        name,
        () => packageNotebook(bytes, { notebookPath: 'big.ipynb' }),
        mean => ({
          notebookMiB: megabytes,
          mibPerSecond: megabytes / (mean / 1000)
        })
      );
    }
  };
}

function renderTask(iterations: number): ITask {
  const name = 'render a manifest (YAML)';
  return {
    name,
    iterations,
    run: bench => {
      const spec = parseLaunchSpec({
        name: 'train',
        workers: 8,
        slotsPerWorker: 4,
        gpusPerWorker: 4,
        source: { notebook: 'train.ipynb' },
        env: [{ name: 'NCCL_DEBUG', value: 'INFO' }],
        networkPolicy: true
      });
      const program = packageNotebook(syntheticNotebook(64 * 1024), {
        notebookPath: 'train.ipynb'
      });
      return measure(bench, name, () =>
        toYamlStream(renderJob(spec, program).objects)
      );
    }
  };
}

function statusTask(iterations: number): ITask {
  const name = `reduce status, ${STATUS_WORKERS + 1} pods`;
  return {
    name,
    iterations,
    run: bench => {
      const { job, pods } = largeJob(STATUS_WORKERS);
      return measure(
        bench,
        name,
        () => reduceJob(job, pods),
        () => ({
          pods: pods.length
        })
      );
    }
  };
}

function fanOutTask(iterations: number, clients: number): ITask {
  const name = `SSE fan-out to ${clients} clients`;
  return {
    name,
    iterations,
    run: async bench => {
      const dir = mkdtempSync(join(tmpdir(), 'mpijob-bench-sse-'));
      const backend = await LocalBackend.open({
        dataDir: join(dir, 'data'),
        killGraceMs: 500
      });
      const socketPath = join(dir, 'service.sock');
      const service = createService({ backend, socketPath });
      const watchers: ServiceClient[] = [];
      const handles: { dispose(): void }[] = [];
      try {
        await service.listen();
        // When each change left the backend, and how many clients saw it.
        const emitted = new Map<string, number>();
        const seen = new Map<string, number>();
        const delivery: number[] = [];
        const waiting = new Map<string, () => void>();
        const local = backend.watch(undefined, event => {
          emitted.set(event.job.resourceVersion, performance.now());
        });
        handles.push(local);
        const onEvent = (event: IJobEvent): void => {
          const version = event.job.resourceVersion;
          const count = (seen.get(version) ?? 0) + 1;
          seen.set(version, count);
          if (count === clients) {
            const sent = emitted.get(version);
            if (sent !== undefined) {
              delivery.push(performance.now() - sent);
            }
            const phase = event.job.status.phase;
            if (phase === 'Succeeded' || phase === 'Failed') {
              waiting.get(event.job.name)?.();
            }
          }
        };
        for (let i = 0; i < clients; i++) {
          const client = new ServiceClient({ socketPath });
          watchers.push(client);
          handles.push(client.watch('bench', onEvent));
        }
        let counter = 0;
        const runOne = async (): Promise<void> => {
          const jobName = `fanout-${counter++}`;
          const done = new Promise<void>(resolve =>
            waiting.set(jobName, resolve)
          );
          const spec = parseLaunchSpec({
            name: jobName,
            namespace: 'bench',
            workers: 1,
            command: ['true']
          });
          await backend.submit({ kind: 'launch', job: buildJob(spec, null) });
          await done;
          waiting.delete(jobName);
          await backend.delete('bench', jobName);
        };
        const run = await measure(
          bench,
          name,
          runOne,
          () => ({ clients, eventsDelivered: delivery.length * clients }),
          { delivery },
          // Warm-up deliveries are not counted.
          () => {
            delivery.length = 0;
          }
        );
        // The point of the task: from the backend's event to the last client.
        const stats = run.series.delivery?.stats;
        return stats
          ? {
              ...run,
              metrics: {
                ...run.metrics,
                deliveryMeanMs: stats.mean,
                deliveryP99Ms: stats.p99
              }
            }
          : run;
      } finally {
        for (const handle of handles) {
          handle.dispose();
        }
        await Promise.all(watchers.map(w => w.close()));
        await service.close();
        await backend.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  };
}
