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
  /** Increases with every change of this job; orders watch events. */
  readonly resourceVersion: number;
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
