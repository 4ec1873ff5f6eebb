/**
 * The job model every backend returns and every client shows: the same
 * shape for a local MPI run and an MPIJob on Kubernetes.
 */
import type { MpiImplementation } from './spec';
import type { ILaunchSpec } from './spec';
import type { IJobCondition, ITopology, JobStatus } from './status';

/** Where a job runs. */
export type BackendKind = 'local' | 'kubernetes';

/** One job, as listed and described. */
export interface IJobRecord {
  /** Job name, unique in its namespace. */
  readonly name: string;
  /** Namespace (the local backend keeps namespaces too). */
  readonly namespace: string;
  /** Unique id of this incarnation of the name. */
  readonly uid: string;
  /** Which backend runs it. */
  readonly backend: BackendKind;
  /** When it was submitted, RFC 3339. */
  readonly createdAt: string;
  /** When its ranks started, RFC 3339. */
  readonly startedAt: string | null;
  /** When it ended, RFC 3339. */
  readonly finishedAt: string | null;
  /** The launch spec; null for jobs created from a raw MPIJob manifest. */
  readonly spec: ILaunchSpec | null;
  /** Worker count. */
  readonly workers: number;
  /** Ranks per worker. */
  readonly slotsPerWorker: number;
  /** GPUs per worker. */
  readonly gpusPerWorker: number;
  /** MPI implementation. */
  readonly mpiImplementation: MpiImplementation;
  /** The notebook and cells it runs, when it came from a notebook. */
  readonly notebook: {
    readonly path: string;
    readonly cells: readonly number[];
  } | null;
  /** One phase, with reason and message where they apply. */
  readonly status: JobStatus;
  /** Conditions, latest last. */
  readonly conditions: readonly IJobCondition[];
  /** Launcher and workers. */
  readonly topology: ITopology;
  /** Exit code of the launcher (mpirun) once it ended. */
  readonly exitCode: number | null;
  /**
   * Changes with every change of this job. Opaque, like Kubernetes'
   * resourceVersions: compare two only for equality, never by size (a
   * record built from several objects can get an older-looking version
   * when one of them is deleted).
   */
  readonly resourceVersion: string;
}

/** A change to a job, as watches deliver it. */
export interface IJobEvent {
  /** What happened. */
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The job after the change (before it, for DELETED). */
  readonly job: IJobRecord;
}

/** One line of a job's output. */
export interface ILogLine {
  /** MPI rank that printed it; null for the launcher (mpirun) itself. */
  readonly rank: number | null;
  /** Which stream. */
  readonly stream: 'stdout' | 'stderr';
  /** When it was captured, RFC 3339 with milliseconds. */
  readonly time: string;
  /** The text, without the newline. */
  readonly text: string;
}

/** One preflight check: can this backend run the job? */
export interface IPreflightCheck {
  /** Short id, e.g. `mpirun`, `crd`, `rbac:create-mpijobs`, `quota`. */
  readonly name: string;
  /** Passed? */
  readonly ok: boolean;
  /** `error` blocks submitting; `warning` does not. */
  readonly severity: 'error' | 'warning';
  /** What was found, as a sentence. */
  readonly message: string;
  /** How to fix it, when it failed. */
  readonly fix?: string;
  /**
   * The launch spec field it is about, e.g. `gpusPerWorker`, `workers`,
   * `scheduling.gang`, `namespace`; absent for checks of the backend itself.
   */
  readonly path?: string;
}

/** All preflight checks. */
export interface IPreflightReport {
  /** Backend checked. */
  readonly backend: BackendKind;
  /** True when no check of severity `error` failed. */
  readonly ok: boolean;
  /** The checks, in the order they ran. */
  readonly checks: readonly IPreflightCheck[];
}

/** Whether the current user may create and follow MPIJobs in one namespace. */
export interface INamespaceAccess {
  /** The namespace. */
  readonly name: string;
  /** May create MPIJobs (and their ConfigMaps) there. */
  readonly canCreate: boolean;
  /** May list and watch MPIJobs there. */
  readonly canWatch: boolean;
}

/** The namespaces a user may work in, as the backend sees them. */
export interface INamespaceList {
  /** Which backend answers. */
  readonly backend: BackendKind;
  /**
   * The namespace used when none is chosen: in a notebook pod the pod's own,
   * otherwise the kubeconfig context's (`default` without one).
   */
  readonly current: string;
  /** Whether one watch can follow every namespace (cluster-wide list and watch). */
  readonly clusterWide: boolean;
  /** The namespaces found, sorted by name, the current one among them. */
  readonly namespaces: readonly INamespaceAccess[];
}

/** A Kubernetes event about one of a job's objects (MPIJob, launcher Job, pods, PodGroup). */
export interface IJobKubeEvent {
  /** `Normal` or `Warning`. */
  readonly type: string;
  /** E.g. `Scheduled`, `FailedScheduling`, `Pulling`, `FailedCreate`. */
  readonly reason: string;
  /** What happened. */
  readonly message: string;
  /** The object's kind, e.g. `Pod`. */
  readonly kind: string;
  /** The object's name, e.g. `pi-worker-0`. */
  readonly object: string;
  /** How often it happened. */
  readonly count: number;
  /** When it last happened, RFC 3339; null when unknown. */
  readonly lastSeen: string | null;
}
