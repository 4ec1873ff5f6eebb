/**
 * Reduces an MPIJob (kubeflow.org/v2beta1, run by the mpi-operator v2), its
 * pods and optionally its events to one job status and a launcher/worker
 * topology.
 *
 * Facts about the operator that this module relies on, checked against
 * kubeflow/mpi-operator (v0.8.x):
 * - `pkg/apis/kubeflow/v2beta1/constants.go` defines the label keys (`operator.ts`);
 *   `defaultLabels()` in `pkg/controller/mpi_job_controller.go` puts
 *   operator-name, job-name and job-role (`launcher` | `worker`) on every pod,
 *   and `newWorker()` adds replica-index. The replica-type label is defined
 *   but never set by v2.
 * - Workers are plain pods named `<job>-worker-<i>` (`workerName()`); their
 *   replica-index label is `i`, or `i + 1` when `spec.runLauncherAsWorker`.
 * - The launcher is a batch/v1 Job named `<job>-launcher` whose pods the Job
 *   controller names `<job>-launcher-<5 chars>`; each retry (up to the Job's
 *   backoffLimit) is a new pod.
 * - Conditions (`mpi_job_controller_status.go`): Created, Running, Succeeded,
 *   Failed, Suspended are set by v2; Restarting is only declared (the v1
 *   training-operator set it), so it is honoured but never expected. The
 *   operator appends the latest condition at the end of the list.
 * - Worker pods default to restartPolicy Never and the operator never
 *   replaces a failed worker pod, so a Failed worker pod means the run is
 *   lost even while the launcher Job is still retrying.
 */

export * from './operator';
export * from './types';
export * from './reduce';
export { describeReplica } from './derive';
export { toIso } from './values';
export { slimEvent, slimPod } from './slim';
