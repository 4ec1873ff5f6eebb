/**
 * An MPIJob read from a cluster (plus its pods and events) as the job record
 * every client shows, through the same reduction the local backend uses.
 */
import { gangResources, gpusPerWorker } from './gang';
import type { IJobKubeEvent, IJobRecord } from './jobRecord';
import type { IKubeObject } from './kube';
import { CELLS_ANNOTATION, NOTEBOOK_ANNOTATION } from './manifest';
import type { ILaunchSpec, MpiImplementation } from './spec';
import { validateLaunchSpec } from './spec';
import type { IEventLike, IMpiJobLike, IPodLike } from './status';
import {
  JOB_ROLE_LABEL,
  launcherJobName,
  LAUNCHER_ROLE,
  reduceJob
} from './status';

/** Annotation holding the launch spec of jobs submitted from a spec (JSON). */
export const SPEC_ANNOTATION = 'jupyterlab-mpijob/spec';

const IMPLEMENTATIONS: readonly MpiImplementation[] = [
  'OpenMPI',
  'Intel',
  'MPICH'
];

/**
 * The record of an MPIJob as the cluster has it.
 *
 * @param mpiJob - the MPIJob as read (any extra fields are ignored)
 * @param pods - pods of the job (others are ignored by the reduction)
 * @param events - events of the namespace, if at hand
 * @param removed - pods of the job seen deleted, as last seen
 * @returns the record; its `resourceVersion` changes whenever the MPIJob or
 *   any of its pods does
 */
export function recordFromCluster(
  mpiJob: IKubeObject,
  pods: readonly IPodLike[],
  events: readonly IEventLike[] = [],
  removed: readonly IPodLike[] = []
): IJobRecord {
  const job = mpiJob as unknown as IMpiJobLike & IKubeObject;
  const meta = mpiJob.metadata;
  const annotations = meta.annotations ?? {};
  const jobSpec = (mpiJob.spec ?? {}) as {
    slotsPerWorker?: number;
    mpiImplementation?: string;
  };
  const reduced = reduceJob(job, pods, events, removed);
  const gang = gangResources(mpiJob);
  const implementation = IMPLEMENTATIONS.find(
    i => i === jobSpec.mpiImplementation
  );
  return {
    name: meta.name,
    namespace: meta.namespace ?? 'default',
    uid: typeof meta.uid === 'string' ? meta.uid : '',
    backend: 'kubernetes',
    createdAt: iso(meta.creationTimestamp) ?? new Date(0).toISOString(),
    startedAt: iso(job.status?.startTime),
    finishedAt: iso(job.status?.completionTime),
    spec: specFrom(annotations[SPEC_ANNOTATION]),
    workers: gang.workers,
    slotsPerWorker: jobSpec.slotsPerWorker ?? 1,
    gpusPerWorker: gpusPerWorker(mpiJob),
    mpiImplementation: implementation ?? 'OpenMPI',
    notebook: annotations[NOTEBOOK_ANNOTATION]
      ? {
          path: annotations[NOTEBOOK_ANNOTATION],
          cells: (annotations[CELLS_ANNOTATION] ?? '')
            .split(',')
            .filter(c => /^\d+$/.test(c))
            .map(Number)
        }
      : null,
    status: reduced.status,
    conditions: reduced.conditions,
    topology: reduced.topology,
    exitCode: launcherExitCode(pods),
    resourceVersion: recordVersion(mpiJob, pods)
  };
}

/**
 * Exit code of the newest launcher pod's container, once it terminated.
 *
 * @param pods - pods of one job
 * @returns the exit code, or null while it runs or when there is no launcher
 */
export function launcherExitCode(pods: readonly IPodLike[]): number | null {
  const launchers = pods
    .filter(p => p.metadata?.labels?.[JOB_ROLE_LABEL] === LAUNCHER_ROLE)
    .sort((a, b) =>
      String(iso(a.metadata?.creationTimestamp) ?? '').localeCompare(
        String(iso(b.metadata?.creationTimestamp) ?? '')
      )
    );
  const newest = launchers[launchers.length - 1];
  for (const status of newest?.status?.containerStatuses ?? []) {
    const code = status.state?.terminated?.exitCode;
    if (typeof code === 'number') {
      return code;
    }
  }
  return null;
}

/**
 * The version of a record built from an MPIJob and its pods: the MPIJob's
 * resourceVersion and a digest of its pods' uids and resourceVersions. It
 * changes whenever one of them changes, appears or goes; like the versions
 * it is made of, it is opaque: compare for equality only.
 *
 * @param mpiJob - the MPIJob
 * @param pods - its pods
 * @returns the version
 */
export function recordVersion(
  mpiJob: { metadata?: unknown },
  pods: ReadonlyArray<{ metadata?: unknown }>
): string {
  const own = versionOf(mpiJob);
  if (pods.length === 0) {
    return own;
  }
  const parts = pods
    .map(p => {
      const meta = p.metadata as { uid?: unknown; name?: unknown } | undefined;
      return `${String(meta?.uid ?? meta?.name ?? '')}@${versionOf(p)}`;
    })
    .sort();
  // FNV-1a over the parts: short, stable, and enough to tell versions apart.
  let hash = 0x811c9dc5;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      hash ^= part.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    hash ^= 0x2c;
  }
  return `${own}.${pods.length}.${hash.toString(36)}`;
}

function versionOf(object: { metadata?: unknown }): string {
  const version = (object.metadata as { resourceVersion?: unknown } | undefined)
    ?.resourceVersion;
  return typeof version === 'string' || typeof version === 'number'
    ? String(version)
    : '';
}

/**
 * The job an event's object belongs to, when it is one the mpi-operator
 * makes for a job: the MPIJob (and its PodGroup, same name), the launcher
 * Job (`<job>-launcher`), its pods (`<job>-launcher-xxxxx`) and the
 * workers (`<job>-worker-N`). A name fits at most one of these shapes, so
 * an object belongs to one job at most: `pi-2-worker-0` is job `pi-2`'s.
 *
 * @param object - the event's involvedObject
 * @returns the job's name, or undefined for other objects
 */
export function jobOfObject(
  object: { kind?: string | null; name?: string | null } | null | undefined
): string | undefined {
  const name = object?.name ?? '';
  switch (object?.kind) {
    case 'MPIJob':
    case 'PodGroup':
      return name;
    case 'Job': {
      const job = name.slice(0, -launcherJobName('').length);
      return launcherJobName(job) === name ? job : undefined;
    }
    case 'Pod':
      return (
        WORKER_POD.exec(name)?.[1] ?? LAUNCHER_POD.exec(name)?.[1] ?? undefined
      );
    default:
      return undefined;
  }
}

const WORKER_POD = /^(.*)-worker-\d+$/;
// The launcher Job's pods: `<job>-launcher-` and the Job controller's suffix.
const LAUNCHER_POD = new RegExp(`^(.*)${launcherJobName('')}-[a-z0-9]+$`);

/**
 * Whether an event's object is one the mpi-operator made for a job (see
 * {@link jobOfObject}).
 *
 * @param jobName - the MPIJob's name
 * @param object - the event's involvedObject
 * @returns true for the job's own objects
 */
export function isJobObject(
  jobName: string,
  object: { kind?: string | null; name?: string | null } | null | undefined
): boolean {
  return jobOfObject(object) === jobName;
}

/**
 * The events about a job's objects, as the job view shows them, oldest first.
 *
 * @param jobName - the MPIJob's name
 * @param events - events of its namespace
 * @returns the job's events
 */
export function jobKubeEvents(
  jobName: string,
  events: readonly IEventLike[]
): IJobKubeEvent[] {
  return events
    .filter(e => isJobObject(jobName, e?.involvedObject))
    .map(e => ({
      type: e.type ?? 'Normal',
      reason: e.reason ?? '',
      message: (e.message ?? '').trim(),
      kind: e.involvedObject?.kind ?? '',
      object: e.involvedObject?.name ?? '',
      count: typeof e.count === 'number' && e.count > 0 ? e.count : 1,
      lastSeen: iso(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp)
    }))
    .sort((a, b) => (a.lastSeen ?? '').localeCompare(b.lastSeen ?? ''));
}

function specFrom(text: string | undefined): ILaunchSpec | null {
  if (!text) {
    return null;
  }
  try {
    const result = validateLaunchSpec(JSON.parse(text));
    return result.ok ? result.spec : null;
  } catch {
    return null;
  }
}

function iso(value: unknown): string | null {
  if (value instanceof Date) {
    return value.toISOString();
  }
  return typeof value === 'string' && value !== '' ? value : null;
}
