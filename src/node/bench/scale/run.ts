/**
 * Runs a scale scenario: N jobs × W workers submitted at once through one
 * job service (a child process, as Jupyter starts it) onto simulated nodes
 * made for the run, with SSE clients following the service, measured
 * against the harness's own watches of the API server. See
 * benchmarks/README.md for what is measured and why.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import type { IBenchResults, IBenchRun } from '../../../core/benchResults';
import { makeSeries, RESULTS_SCHEMA_VERSION } from '../../../core/benchResults';
import { errorMessage } from '../../../core/errors';
import type {
  IFaultRecord,
  IOperatorRun,
  IRequestCount,
  IScaleDetail,
  IScaleJobTimes,
  ISseClientRecord
} from '../../../core/scaleResults';
import { SCALE_SERIES, submitToRunning } from '../../../core/scaleResults';
import { KubeApi } from '../../backends/kubernetes/api';
import { loadKubeConnection } from '../../backends/kubernetes/config';
import { ServiceClient } from '../../client';
import { currentLoad, readEnvironment } from '../environment';
import type { Progress } from '../progress';
import { assertValid } from '../runner';
import type {
  ILoadedScenario,
  IOperatorFlags,
  IScaleOptions,
  ScaleFault
} from '../scenario';
import { auditMark, countRequests } from './audit';
import type { IAuditMark } from './audit';
import { nodesNeeded, ScaleCluster, until } from './cluster';
import { Reference } from './reference';
import { ServiceProcess } from './serviceProcess';
import { SseFollower } from './sseClient';
import type { TestenvControl } from './testenvControl';
import { UPSTREAM_OPERATOR_RATE } from './testenvControl';

/** Options of {@link runScale}. */
export interface IRunScaleOptions {
  /** The scenario (with `scale`). */
  readonly loaded: ILoadedScenario;
  /** kubeconfig of the harness (an admin: it makes nodes and namespaces). */
  readonly kubeconfig?: string;
  /** Its context. */
  readonly context?: string;
  /** Context the service runs as (its requests are the ones counted). */
  readonly serviceContext?: string;
  /** kube-apiserver's audit log, and the user whose requests it records. */
  readonly audit?: { readonly file: string; readonly user: string };
  /** The control plane, when the harness may restart its parts (testenv). */
  readonly testenv: TestenvControl | null;
  /** This CLI's script, to start the service with. */
  readonly cli: string;
  /** Stops the run: what was measured so far is recorded as interrupted. */
  readonly signal: AbortSignal;
  /** Where progress goes. */
  readonly progress: Progress;
  /** The checkout, for the git commit. */
  readonly cwd: string;
}

// Submissions in flight at once: a busy UI, not a flood.
const SUBMIT_CONCURRENCY = 8;
// How long clients may take to agree with the API after the jobs settle.
const CONVERGE_MS = 120_000;

/** The state one phase of a run shares. */
interface IRunState {
  readonly options: IRunScaleOptions;
  readonly scale: IScaleOptions;
  readonly cluster: ScaleCluster;
  readonly reference: Reference;
  readonly service: ServiceProcess;
  readonly followers: readonly SseFollower[];
  /** Per follower: `name@version` → when it first arrived. */
  readonly arrivals: ReadonlyArray<Map<string, number>>;
}

/**
 * Runs a scale scenario.
 *
 * @param options - scenario, cluster, control plane, progress
 * @returns the results (kind `scale`), valid against schema/results.json
 */
export async function runScale(
  options: IRunScaleOptions
): Promise<IBenchResults> {
  const { scenario } = options.loaded;
  const scale = scenario.scale as IScaleOptions;
  const workers = scenario.workers[0];
  const startedAt = new Date().toISOString();
  const environment = await readEnvironment({
    backend: 'kubernetes',
    mpiImplementation: scenario.mpiImplementation,
    python: null,
    cwd: options.cwd
  });
  const progress = options.progress;
  const podsPerJob = workers + 1;
  const mostJobs = Math.max(scale.jobs, scale.operator.defaultJobs);
  const nodeCount = nodesNeeded(
    mostJobs * podsPerJob,
    mostJobs * workers * scenario.gpusPerWorker,
    scale.podsPerNode,
    scale.gpusPerNode
  );
  let state: IRunResult = emptyResult();
  const cleanups: Array<() => Promise<unknown>> = [];
  let reached = false;
  try {
    const connection = loadKubeConnection({
      kubeconfig: options.kubeconfig,
      context: options.context
    });
    const api = new KubeApi(connection);
    await api.serverVersion();
    reached = true;
    const id = `${Date.now().toString(36).slice(-5)}${randomBytes(2).toString('hex')}`;
    const cluster = new ScaleCluster(connection.config, id);
    progress.line(
      `${scenario.name}: ${scale.jobs} jobs × ${workers} workers (${scale.jobs * podsPerJob} pods) on ${nodeCount} simulated nodes, ${scale.sseClients} SSE clients`
    );
    cleanups.push(() => cluster.tearDown());
    await cluster.setUp({
      count: nodeCount,
      podsPerNode: scale.podsPerNode,
      gpusPerNode: scale.gpusPerNode
    });
    const reference = new Reference(api, cluster.namespace);
    cleanups.push(async () => reference.stop());
    await reference.start();
    const mark = options.audit ? await auditMark(options.audit.file) : null;
    const service = await ServiceProcess.start({
      cli: options.cli,
      kubeconfig: options.kubeconfig,
      context: options.serviceContext ?? options.context,
      namespace: cluster.namespace,
      dataDir: join(tmpdir(), `mpijob-scale-${id}`)
    });
    cleanups.push(() => service.stop());
    const arrivals = Array.from(
      { length: scale.sseClients },
      () => new Map<string, number>()
    );
    const followers = arrivals.map(
      seen =>
        new SseFollower(
          new ServiceClient({ socketPath: service.socketPath }),
          cluster.namespace,
          (name, version, at) => {
            const key = `${name}@${version}`;
            if (!seen.has(key)) {
              seen.set(key, at);
            }
          }
        )
    );
    cleanups.push(() => Promise.all(followers.map(f => f.stop())));
    await Promise.all(followers.map(f => f.start()));
    const run: IRunState = {
      options,
      scale,
      cluster,
      reference,
      service,
      followers,
      arrivals
    };
    state = await measure(run, workers, mark);
  } catch (error) {
    // No cluster to measure is a skip, as for every Kubernetes scenario.
    state = {
      ...state,
      state: options.signal.aborted
        ? 'interrupted'
        : reached
          ? 'errored'
          : 'skipped',
      reason: options.signal.aborted
        ? 'interrupted'
        : reached
          ? errorMessage(error)
          : `the kubernetes backend is not available: ${errorMessage(error)}`
    };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
    if (reached && options.testenv) {
      // Leave the operator as testenv starts it.
      await options.testenv
        .restoreOperator()
        .catch(error =>
          progress.line(
            `warning: restoring the operator: ${errorMessage(error)}`
          )
        );
    }
  }
  const run: IBenchRun = {
    name: `jobs=${scale.jobs} workers=${workers}`,
    workers,
    ranks: workers * scenario.ranksPerWorker,
    state: state.state,
    reason: state.reason,
    startedAt,
    finishedAt: new Date().toISOString(),
    series: {
      [SCALE_SERIES.submitToRunning]: makeSeries(
        's',
        submitToRunning(state.detail.jobTimes)
      ),
      [SCALE_SERIES.statusToSse]: makeSeries('ms', state.sseLatencyMs)
    },
    attempts: [],
    metrics: {}
  };
  const results: IBenchResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    kind: 'scale',
    name: scenario.name,
    state: run.state,
    startedAt,
    finishedAt: run.finishedAt,
    scenario: { ...scenario },
    environment: {
      ...environment,
      loadAverage: { start: environment.loadAverage.start, end: currentLoad() }
    },
    runs: [run],
    summary: null,
    scale: {
      ...state.detail,
      jobs: scale.jobs,
      workers,
      gpusPerWorker: scenario.gpusPerWorker,
      sseClients: scale.sseClients,
      nodes: {
        count: nodeCount,
        podsPerNode: scale.podsPerNode,
        gpusPerNode: scale.gpusPerNode
      }
    }
  };
  assertValid(results);
  return results;
}

/** What {@link measure} found. */
interface IRunResult {
  readonly state: 'completed' | 'errored' | 'interrupted' | 'skipped';
  readonly reason: string | null;
  readonly detail: Omit<
    IScaleDetail,
    'jobs' | 'workers' | 'gpusPerWorker' | 'sseClients' | 'nodes'
  >;
  readonly sseLatencyMs: number[];
}

function emptyResult(): IRunResult {
  return {
    state: 'errored',
    reason: 'the run did not start',
    detail: {
      jobTimes: [],
      allRunningSeconds: null,
      podsRunning: { jobs: [], samples: [] },
      sse: { changes: 0, matched: 0, clients: [] },
      requests: null,
      service: { cpuSeconds: 0, maxRssBytes: 0 },
      operator: [],
      delete: { seconds: null, left: {} },
      faults: []
    },
    sseLatencyMs: []
  };
}

async function measure(
  run: IRunState,
  workers: number,
  mark: IAuditMark | null
): Promise<IRunResult> {
  const { options, scale, reference, service } = run;
  const { scenario } = options.loaded;
  const testenv = options.testenv;
  const progress = options.progress;
  const operator: IOperatorRun[] = [];
  const problems: string[] = [];
  const timeoutMs = scenario.timeoutSeconds * 1000;

  // Upstream's defaults first, on fewer jobs: at 5 requests a second the
  // operator needs minutes for each thousand pods.
  if (scale.operator.defaultJobs > 0) {
    if (!testenv) {
      problems.push(
        'the operator at its default rate limits was not measured: the harness can restart the operator only on testenv (--testenv)'
      );
    } else {
      progress.line(
        `operator at upstream's ${flagsText(UPSTREAM_OPERATOR_RATE)}`
      );
      await testenv.operatorRate(UPSTREAM_OPERATOR_RATE);
      const wave = await submitWave(
        run,
        'd',
        scale.operator.defaultJobs,
        workers,
        timeoutMs,
        false
      );
      operator.push({
        label: 'default',
        ...UPSTREAM_OPERATOR_RATE,
        ...wave.operator
      });
      await deleteAll(run, wave.names, timeoutMs);
    }
  }
  if (testenv) {
    progress.line(`operator at ${flagsText(scale.operator)} (tuned)`);
    await testenv.operatorRate(scale.operator);
  }
  // Only the main wave's changes count for status → SSE.
  reference.versions.clear();
  for (const seen of run.arrivals) {
    seen.clear();
  }
  const main = await submitWave(run, 'j', scale.jobs, workers, timeoutMs, true);
  if (testenv) {
    operator.push({
      label: 'tuned',
      qps: scale.operator.qps,
      burst: scale.operator.burst,
      queueRateLimit: scale.operator.queueRateLimit,
      queueBurst: scale.operator.queueBurst,
      ...main.operator
    });
  }
  if (main.operator.allRunningSeconds === null) {
    problems.push(
      `not every job was Running within ${scenario.timeoutSeconds} s (${main.jobTimes.filter(t => t.runningAt !== null).length} of ${scale.jobs})`
    );
  }
  const faults: IFaultRecord[] = [];
  for (const fault of scale.faults) {
    faults.push(await inject(run, fault, main.t0));
  }
  const settled = await converged(run, CONVERGE_MS);
  if (!settled) {
    problems.push('the SSE clients did not agree with the API within 120 s');
  }
  reference.counting = false;
  const deleteResult = await deleteAll(
    run,
    main.names,
    timeoutMs,
    main.timeline
  );
  main.timeline.stop();
  const usage = await service.usage();
  let requests: IRequestCount[] | null = null;
  let requestsMissing: string | undefined;
  if (mark && options.audit) {
    requests = await countRequests(mark, options.audit.user);
  } else {
    requestsMissing =
      'no kube-apiserver audit log given (--audit-log, or --testenv)';
  }
  const { clients, latency, matched } = sseOutcome(run);
  if (deleteResult.seconds === null) {
    problems.push(
      `not everything was deleted: ${JSON.stringify(deleteResult.left)}`
    );
  }
  for (const f of faults.filter(f => !f.converged)) {
    problems.push(
      `after ${f.kind}: ${f.message ?? 'the clients did not converge'}`
    );
  }
  return {
    state: options.signal.aborted
      ? 'interrupted'
      : problems.length
        ? 'errored'
        : 'completed',
    reason: options.signal.aborted
      ? 'interrupted'
      : problems.length
        ? problems.join('; ')
        : null,
    detail: {
      jobTimes: main.jobTimes,
      allRunningSeconds: main.operator.allRunningSeconds,
      podsRunning: main.timeline.value(),
      sse: { changes: reference.versions.size, matched, clients },
      requests,
      ...(requestsMissing ? { requestsMissing } : {}),
      service: usage,
      operator,
      delete: deleteResult,
      faults
    },
    sseLatencyMs: latency
  };
}

/** Pods Running per job, sampled once a second. */
class Timeline {
  private readonly samples: Array<{ t: number; running: number[] }> = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly reference: Reference,
    private readonly jobs: readonly string[],
    private readonly t0: number
  ) {
    this.timer = setInterval(() => this.sample(), 1000);
    this.sample();
  }

  sample(): void {
    this.samples.push({
      t: round((performance.now() - this.t0) / 1000),
      running: this.reference.runningPods(this.jobs)
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  value(): {
    jobs: string[];
    samples: Array<{ t: number; running: number[] }>;
  } {
    return { jobs: [...this.jobs], samples: this.samples };
  }
}

/** Submits `count` jobs at once and waits until every one is Running. */
async function submitWave(
  run: IRunState,
  prefix: string,
  count: number,
  workers: number,
  timeoutMs: number,
  keepTimeline: boolean
): Promise<{
  names: string[];
  t0: number;
  jobTimes: IScaleJobTimes[];
  timeline: Timeline;
  operator: Omit<IOperatorRun, 'label' | 'qps' | 'burst'>;
}> {
  const { options, scale, reference, service, cluster } = run;
  const { scenario } = options.loaded;
  const names = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const pods = count * (workers + 1);
  const t0 = performance.now();
  const timeline = new Timeline(reference, names, t0);
  if (!keepTimeline) {
    timeline.stop();
  }
  const seconds = (at: number): number => round((at - t0) / 1000);
  const times = new Map<
    string,
    { submittedAt: number; acceptedAt: number | null }
  >();
  let podsCreatedAt: number | null = null;
  let allRunningAt: number | null = null;
  const watcher = setInterval(() => {
    const now = performance.now();
    if (podsCreatedAt === null && reference.podCount >= pods) {
      podsCreatedAt = now;
    }
    const running = allRunningAt === null ? reference.runningNow() : null;
    if (running && names.every(n => running.has(n))) {
      allRunningAt = now;
    }
  }, 250);
  try {
    await forEachLimited(names, SUBMIT_CONCURRENCY, async name => {
      const submittedAt = performance.now();
      times.set(name, { submittedAt, acceptedAt: null });
      await service.client.submitLaunch({
        name,
        namespace: cluster.namespace,
        workers,
        gpusPerWorker: scenario.gpusPerWorker,
        mpiImplementation: scenario.mpiImplementation,
        command: scenario.command ?? ['true'],
        labels: { ...scale.labels },
        ...(scenario.image !== undefined ? { image: scenario.image } : {})
      });
      times.set(name, { submittedAt, acceptedAt: performance.now() });
    });
    options.progress.line(
      `${count} jobs submitted in ${seconds(performance.now()).toFixed(1)} s; waiting for ${pods} pods`
    );
    await until(timeoutMs, 'every job to be Running', async () => {
      if (options.signal.aborted) {
        throw new Error('interrupted');
      }
      return allRunningAt !== null && podsCreatedAt !== null;
    }).catch(error => {
      if (options.signal.aborted) {
        throw error;
      }
    });
  } finally {
    clearInterval(watcher);
  }
  options.progress.line(
    `pods created after ${podsCreatedAt === null ? 'never' : `${seconds(podsCreatedAt).toFixed(1)} s`}, every job Running after ${allRunningAt === null ? 'never' : `${seconds(allRunningAt).toFixed(1)} s`}`
  );
  if (allRunningAt === null) {
    options.progress.line(await notRunning(run, names, pods));
  }
  return {
    names,
    t0,
    timeline,
    jobTimes: names.map(name => {
      const t = times.get(name);
      const running = reference.runningAt.get(name);
      return {
        job: name,
        submittedAt: t ? seconds(t.submittedAt) : 0,
        acceptedAt: t?.acceptedAt ? seconds(t.acceptedAt) : null,
        runningAt: running === undefined ? null : seconds(running)
      };
    }),
    operator: {
      jobs: count,
      pods,
      podsCreatedSeconds:
        podsCreatedAt === null ? null : seconds(podsCreatedAt),
      allRunningSeconds: allRunningAt === null ? null : seconds(allRunningAt)
    }
  };
}

/**
 * What a wave that did not reach Running looks like, so that a failed run
 * says where it stopped: the pods seen, and the jobs not Running with what
 * the service says of them.
 */
async function notRunning(
  run: IRunState,
  names: readonly string[],
  pods: number
): Promise<string> {
  const { reference, service, cluster } = run;
  const running = reference.runningNow();
  const waiting = names.filter(n => !running.has(n));
  const records = await service.client
    .list(cluster.namespace)
    .catch((error: Error) => error);
  const said =
    records instanceof Error
      ? [`the service's list failed: ${records.message}`]
      : waiting.slice(0, 5).map(name => {
          const record = records.find(r => r.name === name);
          return record
            ? `${name}: ${record.status.phase}${'message' in record.status ? ` (${record.status.message})` : ''}, ${record.topology.workers.filter(w => w.phase === 'Running').length} of ${record.topology.workers.length} workers Running`
            : `${name}: not in the service's list`;
        });
  const operatorLog = run.options.testenv
    ? await run.options.testenv.operatorLogTail(15)
    : [];
  return [
    `not Running: ${waiting.length} of ${names.length} jobs; pods seen ${reference.podCount} of ${pods}`,
    ...said,
    ...(operatorLog.length
      ? ['the mpi-operator log ends:', ...operatorLog]
      : [])
  ].join('\n  ');
}

/** Deletes jobs through the service and times until nothing of them is left. */
async function deleteAll(
  run: IRunState,
  names: readonly string[],
  timeoutMs: number,
  timeline?: Timeline
): Promise<{ seconds: number | null; left: Record<string, number> }> {
  const { service, cluster, options } = run;
  const started = performance.now();
  await forEachLimited(names, SUBMIT_CONCURRENCY, name =>
    service.client.delete(cluster.namespace, name).then(
      () => undefined,
      () => undefined
    )
  );
  let left: Record<string, number> = {};
  let seconds: number | null = null;
  try {
    await until(timeoutMs, 'every job to be deleted', async () => {
      left = await cluster.leftovers();
      return Object.values(left).every(n => n === 0);
    });
    seconds = round((performance.now() - started) / 1000);
  } catch {
    // `left` says what stayed.
  }
  timeline?.sample();
  options.progress.line(
    `deleted ${names.length} jobs: ${seconds === null ? `left ${JSON.stringify(left)}` : `nothing left after ${seconds.toFixed(1)} s`}`
  );
  return { seconds, left };
}

/** Injects one fault and checks that every client converges afterwards. */
async function inject(
  run: IRunState,
  fault: ScaleFault,
  t0: number
): Promise<IFaultRecord> {
  const { options, service } = run;
  const testenv = options.testenv;
  const at = round((performance.now() - t0) / 1000);
  options.progress.line(`fault: ${fault}`);
  let recoverySeconds: number | null = null;
  try {
    if (fault === 'service-restart') {
      recoverySeconds = await service.restart();
    } else if (!testenv) {
      return {
        kind: fault,
        at,
        recoverySeconds: null,
        converged: false,
        message: `${fault} needs a control plane the harness may restart parts of (--testenv)`
      };
    } else if (fault === 'operator-kill') {
      recoverySeconds = await testenv.killOperator();
    } else if (fault === 'apiserver-restart') {
      recoverySeconds = await testenv.restartApiServer();
    } else {
      recoverySeconds = await testenv.restartEtcd();
    }
  } catch (error) {
    return {
      kind: fault,
      at,
      recoverySeconds,
      converged: false,
      message: errorMessage(error)
    };
  }
  const ok = await converged(run, CONVERGE_MS);
  return {
    kind: fault,
    at,
    recoverySeconds,
    converged: ok,
    message: ok
      ? null
      : 'the SSE clients did not agree with the API within 120 s'
  };
}

/**
 * Waits until every client holds each job at the MPIJob version the API
 * has now, and no job the API does not.
 */
async function converged(run: IRunState, ms: number): Promise<boolean> {
  const { reference, followers } = run;
  return until(ms, 'the clients to converge', async () =>
    followers.every(
      f =>
        f.jobs.size === reference.latest.size &&
        [...reference.latest].every(
          ([name, version]) => f.jobs.get(name)?.mpiJobVersion === version
        )
    )
  ).then(
    () => true,
    () => false
  );
}

function sseOutcome(run: IRunState): {
  clients: ISseClientRecord[];
  latency: number[];
  matched: number;
} {
  const { reference, followers, arrivals } = run;
  const latency: number[] = [];
  let matched = 0;
  for (const [key, at] of reference.versions) {
    let everywhere = true;
    for (const seen of arrivals) {
      const arrived = seen.get(key);
      if (arrived === undefined) {
        everywhere = false;
      } else {
        latency.push(round(arrived - at));
      }
    }
    if (everywhere) {
      matched++;
    }
  }
  const clients = followers.map((f): ISseClientRecord => ({
    events: f.events,
    connections: f.connections,
    resyncs: f.resyncs,
    duplicates: f.duplicates,
    gaps: f.gaps,
    diverged: [...reference.latest]
      .filter(([name, version]) => f.jobs.get(name)?.mpiJobVersion !== version)
      .map(([name]) => name)
  }));
  return { clients, latency, matched };
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  each: (item: T) => Promise<void>
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        await each(items[next++]);
      }
    })
  );
}

function flagsText(rate: IOperatorFlags): string {
  return `--kube-api-qps=${rate.qps} --kube-api-burst=${rate.burst} --controller-queue-rate-limit=${rate.queueRateLimit} --controller-queue-burst=${rate.queueBurst}`;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
