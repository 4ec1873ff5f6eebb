/**
 * Jobs as kubectl prints them: an MPIJob-shaped object per job
 * (`kubeflow.org/v2beta1`), in a `v1` `List` for list commands, so
 * `-o json|yaml|jsonpath` read as they do for `kubectl get mpijobs`.
 *
 * Upstream's fields come first (metadata, `spec.slotsPerWorker`,
 * `spec.mpiImplementation`, `spec.mpiReplicaSpecs`' replica counts,
 * `status.conditions`, `status.startTime`, `status.completionTime`); what
 * this project knows beyond them keeps the job record's names: the phase,
 * reason and message, exit code and topology under `status`, the backend,
 * GPUs, notebook and launch spec under `spec`.
 */
import type { IJobRecord } from '../../core/jobRecord';

/** One job as an MPIJob-shaped object. */
export interface IJobObject {
  readonly apiVersion: 'kubeflow.org/v2beta1';
  readonly kind: 'MPIJob';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid: string;
    readonly resourceVersion: string;
    readonly creationTimestamp: string;
  };
  readonly spec: Record<string, unknown>;
  readonly status: Record<string, unknown>;
}

/** kubectl's list of objects. */
export interface IObjectList<T> {
  readonly apiVersion: 'v1';
  readonly kind: 'List';
  readonly items: readonly T[];
  readonly metadata: { readonly resourceVersion: string };
}

/**
 * A job record as an MPIJob-shaped object.
 *
 * @param job - what a backend returned
 * @returns the object
 */
export function jobObject(job: IJobRecord): IJobObject {
  const { phase } = job.status;
  const status = job.status as {
    readonly reason?: string | null;
    readonly message?: string | null;
  };
  return {
    apiVersion: 'kubeflow.org/v2beta1',
    kind: 'MPIJob',
    metadata: {
      name: job.name,
      namespace: job.namespace,
      uid: job.uid,
      resourceVersion: job.resourceVersion,
      creationTimestamp: job.createdAt
    },
    spec: {
      slotsPerWorker: job.slotsPerWorker,
      mpiImplementation: job.mpiImplementation,
      mpiReplicaSpecs: {
        Launcher: { replicas: 1 },
        Worker: { replicas: job.workers }
      },
      gpusPerWorker: job.gpusPerWorker,
      backend: job.backend,
      notebook: job.notebook,
      launchSpec: job.spec
    },
    status: {
      conditions: job.conditions,
      startTime: job.startedAt,
      completionTime: job.finishedAt,
      phase,
      reason: status.reason ?? null,
      message: status.message ?? null,
      exitCode: job.exitCode,
      topology: job.topology
    }
  };
}

/**
 * Objects in kubectl's `v1` `List`.
 *
 * @param items - the objects
 * @returns the list
 */
export function objectList<T>(items: readonly T[]): IObjectList<T> {
  return {
    apiVersion: 'v1',
    kind: 'List',
    items,
    metadata: { resourceVersion: '' }
  };
}
