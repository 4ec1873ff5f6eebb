/**
 * An MPIJob read from a cluster (plus its pods and events) as the job record
 * every client shows, through the same reduction the local backend uses.
 */
import { gangResources, gpusPerWorker } from './gang';
import type { IJobRecord } from './jobRecord';
import type { IKubeObject } from './kube';
import { CELLS_ANNOTATION, NOTEBOOK_ANNOTATION } from './manifest';
import type { ILaunchSpec, MpiImplementation } from './spec';
import { validateLaunchSpec } from './spec';
import type { IEventLike, IMpiJobLike, IPodLike } from './status';
import { JOB_ROLE_LABEL, LAUNCHER_ROLE, reduceJob } from './status';

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
 * @returns the record; `resourceVersion` is the newest of the objects read
 */
export function recordFromCluster(
  mpiJob: IKubeObject,
  pods: readonly IPodLike[],
  events: readonly IEventLike[] = []
): IJobRecord {
  const job = mpiJob as unknown as IMpiJobLike & IKubeObject;
  const meta = mpiJob.metadata;
  const annotations = meta.annotations ?? {};
  const jobSpec = (mpiJob.spec ?? {}) as {
    slotsPerWorker?: number;
    mpiImplementation?: string;
  };
  const reduced = reduceJob(job, pods, events);
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
    resourceVersion: newestVersion([mpiJob, ...pods])
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
 * The largest numeric `metadata.resourceVersion` among objects. Versions are
 * opaque to clients, but etcd-backed servers give increasing integers; a
 * record only needs them to order changes of one job.
 *
 * @param objects - objects with metadata
 * @returns the newest version, 0 when none is numeric
 */
export function newestVersion(
  objects: ReadonlyArray<{ metadata?: unknown }>
): number {
  let newest = 0;
  for (const o of objects) {
    const version = Number(
      (o.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion
    );
    if (Number.isSafeInteger(version) && version > newest) {
      newest = version;
    }
  }
  return newest;
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
