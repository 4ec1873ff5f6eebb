/**
 * The mpi-operator's names: the labels it puts on pods, its roles, its
 * condition reasons, and how it names workers and the launcher Job.
 */

/** Pod label holding the MPIJob's name (set by the mpi-operator v2 on launcher and worker pods). */
export const OPERATOR_JOB_NAME_LABEL = 'training.kubeflow.org/job-name';

/** Pod label holding the replica's role: {@link LAUNCHER_ROLE} or {@link WORKER_ROLE}. */
export const JOB_ROLE_LABEL = 'training.kubeflow.org/job-role';

/** Pod label holding a worker's index (`i`, or `i + 1` when the launcher runs as a worker). */
export const REPLICA_INDEX_LABEL = 'training.kubeflow.org/replica-index';

/** Pod label naming the operator that made the pod; its value is {@link OPERATOR_NAME}. */
export const OPERATOR_NAME_LABEL = 'training.kubeflow.org/operator-name';

/** Value of {@link OPERATOR_NAME_LABEL} on pods made by the mpi-operator. */
export const OPERATOR_NAME = 'mpi-operator';

/** Value of {@link JOB_ROLE_LABEL} on launcher pods. */
export const LAUNCHER_ROLE = 'launcher';

/** Value of {@link JOB_ROLE_LABEL} on worker pods. */
export const WORKER_ROLE = 'worker';

/** Reasons the mpi-operator v2 writes on MPIJob conditions and events. */
export const MPIJOB_REASONS = {
  created: 'MPIJobCreated',
  running: 'MPIJobRunning',
  succeeded: 'MPIJobSucceeded',
  failed: 'MPIJobFailed',
  suspended: 'MPIJobSuspended',
  resumed: 'MPIJobResumed',
  evicted: 'MPIJobEvicted',
  validationError: 'ValidationError',
  resourceExists: 'ErrResourceExists'
} as const;

/** Reasons this module writes itself, when pods tell more than the operator has said. */
export const DERIVED_REASONS = {
  /** A worker pod ended in phase Failed; the operator never replaces it, so the run is lost. */
  workerFailed: 'WorkerFailed',
  /** The launcher pod ended in phase Failed and nothing reports a retry (local backend). */
  launcherFailed: 'LauncherFailed',
  /** The launcher's batch Job is running a new launcher pod after a failed one. */
  restarting: 'Restarting',
  /** A pod could not be scheduled (PodScheduled=False). */
  unschedulable: 'Unschedulable'
} as const;

/**
 * Most workers {@link reduceJob} lays out. Guards memory against absurd
 * replica counts or index labels; far above what one cluster runs.
 */
export const MAX_WORKERS = 65536;

/**
 * Name of worker `index`'s pod, as the operator names it.
 *
 * @param jobName - the MPIJob's name
 * @param index - 0-based worker index
 * @returns `<job>-worker-<index>`
 */
export function workerPodName(jobName: string, index: number): string {
  return `${jobName}-worker-${index}`;
}

/**
 * Name of the launcher's batch Job; its pods are this name plus `-` and 5 random characters.
 *
 * @param jobName - the MPIJob's name
 * @returns `<job>-launcher`
 */
export function launcherJobName(jobName: string): string {
  return `${jobName}-launcher`;
}
