/**
 * A job's output on Kubernetes: the launcher pod's log (mpirun relays every
 * rank's output there, tagged with the rank), split into per-rank lines.
 * Following survives launcher restarts: when a stream ends before the job
 * has, it reopens on the current launcher pod from the last timestamp seen,
 * skipping what was already delivered.
 */
import { PassThrough } from 'node:stream';

import { Log } from '@kubernetes/client-node';

import type { IFileChunk, IJobFile } from '../../../core/jobFiles';
import { FileAssembler } from '../../../core/jobFiles';
import type { ILogLine } from '../../../core/jobRecord';
import type { IKubeObject } from '../../../core/kube';
import type { MpiFlavor, IOutputLine } from '../../../core/mpiOutput';
import { MpiOutputParser } from '../../../core/mpiOutput';
import { splitTimestamp } from '../../../core/podLog';
import type { IMpiJobLike } from '../../../core/status';
import {
  JOB_ROLE_LABEL,
  LAUNCHER_ROLE,
  OPERATOR_JOB_NAME_LABEL
} from '../../../core/status';
import type { ILogOptions } from '../backend';
import { assertRankOf, BackendError } from '../errors';
import type { KubeApi, PodObject } from './api';
import { ResourceWatch } from './resourceWatch';

/** How long a follow stream may run on after its container ended. */
const STREAM_GRACE_MS = 1500;

/**
 * Reads (and with `follow`, keeps reading) a job's launcher log.
 *
 * @param api - the cluster
 * @param namespace - the job's namespace
 * @param name - the job's name
 * @param options - follow, rank, tail, signal
 * @yields one line at a time
 */
export async function* launcherLogs(
  api: KubeApi,
  namespace: string,
  name: string,
  options: ILogOptions = {}
): AsyncGenerator<ILogLine> {
  const job = await api.getMpiJob(namespace, name);
  const ranks = totalRanksOf(job);
  assertRankOf(options.rank, ranks);
  const flavor = flavorOf(job);
  const selector = `${OPERATOR_JOB_NAME_LABEL}=${name},${JOB_ROLE_LABEL}=${LAUNCHER_ROLE}`;

  if (!options.follow) {
    const pods = (await api.listPods(namespace, selector)).items;
    const pod = newestStarted(pods);
    if (!pod) {
      return;
    }
    const lines = readStream(api, namespace, pod, {
      follow: false,
      tail: options.tail,
      flavor,
      ranks,
      rank: options.rank,
      signal: options.signal
    });
    for await (const { line } of lines) {
      yield line;
    }
    return;
  }

  // Follow: one watch on this job's launcher pods tells when a pod starts,
  // restarts or appears anew; the MPIJob's conditions tell when to stop.
  const changes = new Signal();
  let streamedPod: string | null = null;
  let streamedRestarts = -1;
  let streamStop: AbortController | null = null;
  // A follow stream should end when its container does; not every kubelet
  // (kwok's, for one) ends it, so stop it shortly after the container ended
  // or restarted, once its last lines had time to arrive.
  const endStreamIfDone = (): void => {
    const current = watch.items().find(p => p.metadata?.name === streamedPod);
    const stop = streamStop;
    if (
      stop &&
      !stop.signal.aborted &&
      (!current ||
        podEnded(current) ||
        restartCount(current) !== streamedRestarts)
    ) {
      setTimeout(() => stop.abort(), STREAM_GRACE_MS).unref();
    }
  };
  const watch: ResourceWatch<PodObject> = new ResourceWatch<PodObject>({
    config: api.config,
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    labelSelector: selector,
    list: () => api.listPods(namespace, selector),
    onChange: () => {
      endStreamIfDone();
      changes.notify();
    }
  }).start();
  const abort = () => changes.notify();
  options.signal?.addEventListener('abort', abort);
  try {
    await watch.synced();
    let since: string | null = null;
    let tail = options.tail;
    for (;;) {
      if (options.signal?.aborted) {
        return;
      }
      const pod = newestStarted(watch.items());
      const restarts = restartCount(pod);
      if (
        pod &&
        (pod.metadata?.name !== streamedPod || restarts !== streamedRestarts)
      ) {
        streamedPod = pod.metadata?.name ?? null;
        streamedRestarts = restarts;
        streamStop = new AbortController();
        endStreamIfDone();
        const lines = readStream(api, namespace, pod, {
          follow: true,
          tail,
          since,
          flavor,
          ranks,
          rank: options.rank,
          signal: options.signal
            ? AbortSignal.any([options.signal, streamStop.signal])
            : streamStop.signal
        });
        for await (const { line, stamp } of lines) {
          since = stamp ?? since;
          yield line;
        }
        streamStop = null;
        tail = undefined;
        continue;
      }
      if (pod && podEnded(pod)) {
        const current = await api.getMpiJob(namespace, name).catch(() => null);
        if (!current || jobEnded(current)) {
          return;
        }
      }
      if (!pod && jobEnded(await api.getMpiJob(namespace, name))) {
        return;
      }
      await changes.wait(5000);
    }
  } finally {
    options.signal?.removeEventListener('abort', abort);
    watch.stop();
  }
}

/** What a job's launcher log says beyond its lines. */
export interface ILauncherFacts {
  /** Files the ranks printed (figures), a name written again counting once, where last written. */
  readonly files: readonly IJobFile[];
  /** Where each rank said it runs, by rank. */
  readonly hosts: Readonly<Record<number, string>>;
  /** When a rank first printed (the kubelet's timestamp), RFC 3339. */
  readonly firstOutputAt: string | null;
}

/**
 * Reads a job's launcher log for what travels in it besides lines: the
 * files its ranks printed (see core/jobFiles.ts), each rank's host (see
 * core/jobReport.ts), and when a rank first printed.
 *
 * @param api - the cluster
 * @param namespace - the job's namespace
 * @param name - the job's name
 * @returns the facts (none before the launcher has started)
 */
export async function launcherFacts(
  api: KubeApi,
  namespace: string,
  name: string
): Promise<ILauncherFacts> {
  const job = await api.getMpiJob(namespace, name);
  const selector = `${OPERATOR_JOB_NAME_LABEL}=${name},${JOB_ROLE_LABEL}=${LAUNCHER_ROLE}`;
  const pod = newestStarted((await api.listPods(namespace, selector)).items);
  const hosts: Record<number, string> = {};
  if (!pod) {
    return { files: [], hosts, firstOutputAt: null };
  }
  const assembler = new FileAssembler();
  const files = new Map<string, IJobFile>();
  let firstOutputAt: string | null = null;
  const lines = readStream(api, namespace, pod, {
    follow: false,
    flavor: flavorOf(job),
    ranks: totalRanksOf(job),
    file: (rank, chunk) => {
      const file = assembler.add(rank, chunk);
      if (file !== null) {
        files.delete(file.name);
        files.set(file.name, file);
      }
    },
    host: (rank, host) => {
      hosts[rank] = host;
    }
  });
  for await (const { line } of lines) {
    if (line.rank !== null) {
      firstOutputAt ??= line.time;
    }
  }
  return { files: [...files.values()], hosts, firstOutputAt };
}

interface IStreamOptions {
  readonly follow: boolean;
  readonly tail?: number;
  readonly since?: string | null;
  readonly flavor: MpiFlavor;
  readonly ranks: number;
  readonly rank?: number;
  readonly signal?: AbortSignal;
  /** Told of every file chunk a rank printed. */
  readonly file?: (rank: number, chunk: IFileChunk) => void;
  /** Told of each rank's host as it reports it. */
  readonly host?: (rank: number, host: string) => void;
}

async function* readStream(
  api: KubeApi,
  namespace: string,
  pod: PodObject,
  options: IStreamOptions
): AsyncGenerator<{ line: ILogLine; stamp: string | null }> {
  const podName = pod.metadata?.name ?? '';
  const container = pod.spec?.containers?.[0]?.name ?? 'launcher';
  const out = new PassThrough();
  let controller: AbortController | null = null;
  const onAbort = (): void => {
    controller?.abort();
    out.end();
  };
  options.signal?.addEventListener('abort', onAbort);
  try {
    controller = await api.call(
      { verb: 'get', resource: 'pods/log', name: podName, namespace },
      () =>
        new Log(api.config).log(namespace, podName, container, out, {
          follow: options.follow,
          timestamps: true,
          tailLines: options.tail,
          // The API takes whole seconds here; lines up to `since` are skipped below.
          sinceTime: options.since ?? undefined
        })
    );
  } catch (error) {
    options.signal?.removeEventListener('abort', onAbort);
    out.destroy();
    if (error instanceof BackendError && error.reason === 'BadRequest') {
      // The container has not started yet (or was replaced): nothing to read.
      return;
    }
    throw error;
  }
  if (options.signal?.aborted) {
    onAbort();
  }
  const pending: Array<{ line: ILogLine; stamp: string | null }> = [];
  let time = '';
  let stampNow: string | null = null;
  const parser = new MpiOutputParser(options.flavor, options.ranks, {
    line: (line: IOutputLine) => {
      if (options.rank === undefined || line.rank === options.rank) {
        pending.push({ line: { ...line, time }, stamp: stampNow });
      }
    },
    rankExit: () => undefined,
    file: options.file,
    host: options.host
  });
  let partial = '';
  try {
    for await (const chunk of out) {
      partial += String(chunk);
      let newline = partial.indexOf('\n');
      while (newline >= 0) {
        const raw = partial.slice(0, newline);
        partial = partial.slice(newline + 1);
        newline = partial.indexOf('\n');
        const { stamp, text } = splitTimestamp(raw);
        if (options.since && stamp && stamp <= options.since) {
          continue;
        }
        stampNow = stamp;
        time = stamp ? new Date(stamp).toISOString() : new Date().toISOString();
        parser.push('stdout', `${text}\n`);
        yield* pending.splice(0);
      }
      if (options.signal?.aborted) {
        return;
      }
    }
    parser.finish();
    yield* pending.splice(0);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    controller?.abort();
    out.destroy();
  }
}

function flavorOf(job: IKubeObject): MpiFlavor {
  const implementation = (
    job.spec as { mpiImplementation?: string } | undefined
  )?.mpiImplementation;
  return implementation === 'OpenMPI' || !implementation ? 'openmpi' : 'mpich';
}

function totalRanksOf(job: IKubeObject): number {
  const spec = (job.spec ?? {}) as {
    slotsPerWorker?: number;
    mpiReplicaSpecs?: { Worker?: { replicas?: number } };
  };
  const workers = spec.mpiReplicaSpecs?.Worker?.replicas ?? 1;
  return Math.max(1, workers * (spec.slotsPerWorker ?? 1));
}

function newestStarted(pods: readonly PodObject[]): PodObject | undefined {
  return [...pods]
    .filter(p =>
      (p.status?.containerStatuses ?? []).some(
        s => s.state?.running || s.state?.terminated
      )
    )
    .sort((a, b) =>
      stampOf(a.metadata?.creationTimestamp).localeCompare(
        stampOf(b.metadata?.creationTimestamp)
      )
    )
    .pop();
}

function stampOf(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value ?? '');
}

function restartCount(pod: PodObject | undefined): number {
  return (pod?.status?.containerStatuses ?? []).reduce(
    (sum, s) => sum + (s.restartCount ?? 0),
    0
  );
}

function podEnded(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Whether the operator marked the job Succeeded or Failed.
 *
 * @param job - the MPIJob
 * @returns true once it ended
 */
export function jobEnded(job: IKubeObject): boolean {
  const conditions = (job as unknown as IMpiJobLike).status?.conditions ?? [];
  return conditions.some(
    c => (c.type === 'Succeeded' || c.type === 'Failed') && c.status === 'True'
  );
}

/** A wake-up for a loop waiting on watch changes. */
class Signal {
  private waiting: (() => void) | null = null;

  notify(): void {
    const wake = this.waiting;
    this.waiting = null;
    wake?.();
  }

  wait(timeoutMs: number): Promise<void> {
    return new Promise(resolve => {
      const timer = setTimeout(() => {
        this.waiting = null;
        resolve();
      }, timeoutMs);
      this.waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
