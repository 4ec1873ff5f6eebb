/**
 * Reduces an MPIJob (kubeflow.org/v2beta1, run by the mpi-operator v2), its
 * pods and optionally its events to one job status and a launcher/worker
 * topology.
 *
 * Facts about the operator that this module relies on, checked against
 * kubeflow/mpi-operator (v0.8.x):
 * - `pkg/apis/kubeflow/v2beta1/constants.go` defines the label keys below;
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

import { GPU_RESOURCE } from './kube';

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

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

// Container waiting reasons (kubelet) that need the user's attention, as
// opposed to ContainerCreating or PodInitializing, which only mean "wait".
const ERROR_WAITING_REASONS: ReadonlySet<string> = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreStartHookError',
  'PostStartHookError'
]);

// Warning reasons on the MPIJob or its launcher Job that keep the job from
// starting. Others (e.g. SetPodTemplateRestartPolicy) are advice only.
const BLOCKING_JOB_EVENT_REASONS: ReadonlySet<string> = new Set([
  MPIJOB_REASONS.failed,
  MPIJOB_REASONS.validationError,
  MPIJOB_REASONS.resourceExists,
  'FailedCreate'
]);

// ---------------------------------------------------------------------------
// Input shapes: subsets of kubectl JSON and @kubernetes/client-node objects
// ---------------------------------------------------------------------------

/** A timestamp as kubectl JSON (RFC 3339 string) or @kubernetes/client-node (Date) carries it. */
export type TimestampLike = string | Date;

/** A Kubernetes resource quantity: a string in JSON, a number when synthesized. */
export type QuantityLike = string | number;

/** One entry of `status.conditions` of an MPIJob. */
export interface IConditionLike {
  /** Condition type, e.g. `Running`. */
  readonly type: string;
  /** `True`, `False` or `Unknown`. */
  readonly status: string;
  /** Machine-readable reason, e.g. `MPIJobRunning`. */
  readonly reason?: string | null;
  /** Human-readable detail. */
  readonly message?: string | null;
  /** When the status last changed. */
  readonly lastTransitionTime?: TimestampLike | null;
}

/** One entry of `status.replicaStatuses` of an MPIJob. */
export interface IReplicaStatusLike {
  /** Running pods. */
  readonly active?: number | null;
  /** Succeeded pods. */
  readonly succeeded?: number | null;
  /** Failed pods. */
  readonly failed?: number | null;
}

/** The fields of an MPIJob (kubeflow.org/v2beta1) that {@link reduceJob} reads. */
export interface IMpiJobLike {
  /** Object metadata. */
  readonly metadata: {
    /** MPIJob name; pods are matched to it. */
    readonly name: string;
    /** Namespace (not used for matching: list pods of one namespace). */
    readonly namespace?: string;
    /** Object uid; events are matched to it when both carry one. */
    readonly uid?: string;
    /** Creation time; older events are ignored (a previous job of the same name). */
    readonly creationTimestamp?: TimestampLike | null;
    /** Set once deletion was requested. */
    readonly deletionTimestamp?: TimestampLike | null;
  };
  /** Desired state. */
  readonly spec?: {
    /** Whether the launcher also runs a worker process (shifts worker index labels by one). */
    readonly runLauncherAsWorker?: boolean | null;
    /** Run policy. */
    readonly runPolicy?: {
      /** Whether the job is suspended. */
      readonly suspend?: boolean | null;
    } | null;
    /** Replica specs keyed `Launcher` and `Worker`. */
    readonly mpiReplicaSpecs?: {
      /** Launcher replica spec. */
      readonly Launcher?: { readonly replicas?: number | null } | null;
      /** Worker replica spec; `replicas` is the expected worker count. */
      readonly Worker?: { readonly replicas?: number | null } | null;
    } | null;
  } | null;
  /** Observed state, as written by the operator. */
  readonly status?: {
    /** Conditions, latest appended last. */
    readonly conditions?: readonly IConditionLike[] | null;
    /** Pod counts keyed `Launcher` and `Worker`. */
    readonly replicaStatuses?: {
      /** Launcher counts. */
      readonly Launcher?: IReplicaStatusLike | null;
      /** Worker counts. */
      readonly Worker?: IReplicaStatusLike | null;
    } | null;
    /** When the operator first acted on the job. */
    readonly startTime?: TimestampLike | null;
    /** When the launcher Job finished. */
    readonly completionTime?: TimestampLike | null;
  } | null;
}

/** A terminated container state. */
export interface IContainerTerminatedLike {
  /** Exit code of the container's main process. */
  readonly exitCode: number;
  /** E.g. `OOMKilled`, `Error`, `Completed`. */
  readonly reason?: string | null;
  /** Detail, e.g. the termination message. */
  readonly message?: string | null;
  /** When the container started. */
  readonly startedAt?: TimestampLike | null;
  /** When the container ended. */
  readonly finishedAt?: TimestampLike | null;
}

/** A container state: at most one of its fields is set. */
export interface IContainerStateLike {
  /** Not running yet, or backing off. */
  readonly waiting?: {
    /** E.g. `ImagePullBackOff`. */
    readonly reason?: string | null;
    /** Detail. */
    readonly message?: string | null;
  } | null;
  /** Running. */
  readonly running?: {
    /** When it started. */
    readonly startedAt?: TimestampLike | null;
  } | null;
  /** Ended. */
  readonly terminated?: IContainerTerminatedLike | null;
}

/** One entry of a pod's `status.containerStatuses`. */
export interface IContainerStatusLike {
  /** Container name. */
  readonly name: string;
  /** Whether the readiness probe passes. */
  readonly ready?: boolean | null;
  /** Restarts by the kubelet. */
  readonly restartCount?: number | null;
  /** Current state. */
  readonly state?: IContainerStateLike | null;
  /** Previous state; holds the exit code behind a CrashLoopBackOff. */
  readonly lastState?: IContainerStateLike | null;
}

/** The fields of a core/v1 Pod that {@link reduceJob} reads; the local backend synthesizes these. */
export interface IPodLike {
  /** Object metadata. */
  readonly metadata?: {
    /** Pod name. */
    readonly name?: string;
    /** Pod uid; events are matched to it when both carry one. */
    readonly uid?: string;
    /** Labels; see {@link OPERATOR_JOB_NAME_LABEL} and friends. */
    readonly labels?: Readonly<Record<string, string | undefined>> | null;
    /** Creation time; picks the newest launcher pod. */
    readonly creationTimestamp?: TimestampLike | null;
    /** Set once deletion was requested. */
    readonly deletionTimestamp?: TimestampLike | null;
  } | null;
  /** Desired state. */
  readonly spec?: {
    /** Node the pod was scheduled to. */
    readonly nodeName?: string | null;
    /** Containers; their GPU limits are summed. */
    readonly containers?: ReadonlyArray<{
      /** Container name. */
      readonly name: string;
      /** Its readiness probe, if any (the start-up timeline asks). */
      readonly readinessProbe?: unknown;
      /** Its startup probe, if any. */
      readonly startupProbe?: unknown;
      /** Resource limits and requests. */
      readonly resources?: {
        /** Limits, e.g. `{'nvidia.com/gpu': '1'}`. */
        readonly limits?: Readonly<
          Record<string, QuantityLike | undefined>
        > | null;
        /** Requests. */
        readonly requests?: Readonly<
          Record<string, QuantityLike | undefined>
        > | null;
      } | null;
    }> | null;
  } | null;
  /** Observed state. */
  readonly status?: {
    /** Pending, Running, Succeeded, Failed or Unknown. */
    readonly phase?: string | null;
    /** Pod-level reason, e.g. `Evicted`. */
    readonly reason?: string | null;
    /** Pod-level detail. */
    readonly message?: string | null;
    /** When the kubelet accepted the pod. */
    readonly startTime?: TimestampLike | null;
    /** Pod conditions; PodScheduled=False tells why it is unschedulable. */
    readonly conditions?: ReadonlyArray<{
      /** E.g. `PodScheduled`. */
      readonly type: string;
      /** `True`, `False` or `Unknown`. */
      readonly status: string;
      /** E.g. `Unschedulable`. */
      readonly reason?: string | null;
      /** E.g. `0/4 nodes are available: 4 Insufficient nvidia.com/gpu.`. */
      readonly message?: string | null;
    }> | null;
    /** Per-container status. */
    readonly containerStatuses?: readonly IContainerStatusLike[] | null;
  } | null;
}

/** The fields of a core/v1 Event that {@link reduceJob} reads. */
export interface IEventLike {
  /** `Normal` or `Warning`. */
  readonly type?: string | null;
  /** E.g. `FailedScheduling`. */
  readonly reason?: string | null;
  /** Human-readable detail. */
  readonly message?: string | null;
  /** The object the event is about. */
  readonly involvedObject?: {
    /** `Pod`, `MPIJob` or `Job` are read; others are ignored. */
    readonly kind?: string | null;
    /** Object name. */
    readonly name?: string | null;
    /** Object uid. */
    readonly uid?: string | null;
  } | null;
  /** When it last happened (core/v1 events from kubelet and controllers). */
  readonly lastTimestamp?: TimestampLike | null;
  /** When it happened (events written through events.k8s.io). */
  readonly eventTime?: TimestampLike | null;
  /** When it first happened. */
  readonly firstTimestamp?: TimestampLike | null;
  /** How often it happened. */
  readonly count?: number | null;
}

// ---------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------

/** Role of a replica. */
export type ReplicaRole = 'launcher' | 'worker';

/** Phase of one replica: a pod phase, or `Missing` when its pod does not exist (yet). */
export type ReplicaPhase =
  'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown' | 'Missing';

/** Every {@link ReplicaPhase}, in display order. */
export const REPLICA_PHASES: readonly ReplicaPhase[] = [
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'Unknown',
  'Missing'
];

/** Condition types of an MPIJob. */
export type MpiJobConditionType =
  'Created' | 'Running' | 'Restarting' | 'Succeeded' | 'Failed' | 'Suspended';

/** Status of a condition. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A condition with every field present; `null` where the operator left it out. */
export interface IJobCondition {
  /** Condition type; usually an {@link MpiJobConditionType}. */
  readonly type: string;
  /** Status; anything unrecognised reads as `Unknown`. */
  readonly status: ConditionStatus;
  /** Machine-readable reason. */
  readonly reason: string | null;
  /** Human-readable detail. */
  readonly message: string | null;
  /** When the status last changed, RFC 3339. */
  readonly lastTransitionTime: string | null;
}

/** Which replica: the launcher (index 0) or worker `index`. */
export interface IReplicaRef {
  /** Role. */
  readonly role: ReplicaRole;
  /** Worker index; 0 for the launcher. */
  readonly index: number;
}

/** One replica of the job, from its pod or from its absence. */
export interface IReplicaNode extends IReplicaRef {
  /** Pod name; `null` when no pod exists yet (phase `Missing`) or the pod-like object has none. */
  readonly podName: string | null;
  /** Pod phase, or `Missing`. */
  readonly phase: ReplicaPhase;
  /** Node the pod runs on; `null` until scheduled. */
  readonly nodeName: string | null;
  /** Container restarts, summed over containers. */
  readonly restarts: number;
  /** Why the pod is where it is, e.g. `ImagePullBackOff`, `OOMKilled`, `Error`, `Completed`, `Unschedulable`, `Evicted`. */
  readonly reason: string | null;
  /** Exit code of the (last) terminated container; `null` when none ended. */
  readonly exitCode: number | null;
  /** GPUs requested ({@link GPU_RESOURCE} limit, summed over containers). */
  readonly gpus: number;
  /** Whether the pod runs and all its containers are ready. */
  readonly ready: boolean;
  /**
   * The pod is gone (deleted, e.g. by the operator's clean-up once the job
   * ended): the other fields are as it was last seen, so where it ran stays
   * known. Absent for live pods.
   */
  readonly removed?: boolean;
}

/** Launcher and workers of the job. */
export interface ITopology {
  /** The newest launcher pod; `null` until the launcher Job has made one. */
  readonly launcher: IReplicaNode | null;
  /** Exactly the expected number of workers, sorted by index; absent pods have phase `Missing`. */
  readonly workers: readonly IReplicaNode[];
}

/** The job has been created but does not run yet. */
export interface IPendingStatus {
  /** Discriminant. */
  readonly phase: 'Pending';
  /** Why it waits, e.g. `ImagePullBackOff`, `Unschedulable`, `FailedScheduling`. */
  readonly reason?: string;
  /** Detail, naming the replica concerned. */
  readonly message?: string;
  /** The replica the reason is about, when there is one. */
  readonly replica?: IReplicaRef;
}

/** Launcher and all workers run. */
export interface IRunningStatus {
  /** Discriminant. */
  readonly phase: 'Running';
  /** When the job started, RFC 3339; `null` when nothing recorded it. */
  readonly startTime: string | null;
  /** Set when something is off while running, e.g. `Restarting`, `CrashLoopBackOff`. */
  readonly reason?: string;
  /** Detail, naming the replica concerned. */
  readonly message?: string;
  /** The replica the reason is about, when there is one. */
  readonly replica?: IReplicaRef;
}

/** The launcher completed successfully. */
export interface ISucceededStatus {
  /** Discriminant. */
  readonly phase: 'Succeeded';
  /** When the job started, RFC 3339. */
  readonly startTime?: string;
  /** When it completed, RFC 3339; `null` only when nothing recorded it. */
  readonly completionTime: string | null;
}

/** The job failed, or a worker failed so that it cannot succeed (fail-fast). */
export interface IFailedStatus {
  /** Discriminant. */
  readonly phase: 'Failed';
  /** Machine-readable reason, e.g. `BackoffLimitExceeded`, `MPIJobEvicted`, `WorkerFailed`. */
  readonly reason: string;
  /** Human-readable detail, naming the failed replica when known. */
  readonly message: string;
  /** When it failed, RFC 3339, when known. */
  readonly completionTime?: string;
  /** Which replica failed, when the pods tell. */
  readonly failedReplica?: IReplicaRef;
}

/** The job is suspended (`spec.runPolicy.suspend`); it has no pods. */
export interface ISuspendedStatus {
  /** Discriminant. */
  readonly phase: 'Suspended';
  /** Machine-readable reason. */
  readonly reason?: string;
  /** Human-readable detail. */
  readonly message?: string;
}

/** Deletion of the job was requested. */
export interface IDeletingStatus {
  /** Discriminant. */
  readonly phase: 'Deleting';
  /** When deletion was requested, RFC 3339. */
  readonly deletionTimestamp: string;
}

/** The state of a job: a union on `phase`, each member carrying only what is valid in it. */
export type JobStatus =
  | IPendingStatus
  | IRunningStatus
  | ISucceededStatus
  | IFailedStatus
  | ISuspendedStatus
  | IDeletingStatus;

/** The phase of a {@link JobStatus}. */
export type JobPhase = JobStatus['phase'];

/** Every job phase, in lifecycle order (filters and `wait --for` list them so). */
export const JOB_PHASES: readonly JobPhase[] = [
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'Suspended',
  'Deleting'
];

/** What {@link reduceJob} returns. */
export interface IJobReduction {
  /** One phase for the job. */
  readonly status: JobStatus;
  /** Launcher and workers. */
  readonly topology: ITopology;
  /** The operator's conditions in its order (latest last), every field present. */
  readonly conditions: readonly IJobCondition[];
}

/** Counts over a topology, for a compact display. */
export interface ITopologySummary {
  /** Workers by phase. */
  readonly workers: Readonly<Record<ReplicaPhase, number>>;
  /** Number of workers. */
  readonly workersTotal: number;
  /** Workers running with all containers ready. */
  readonly workersReady: number;
  /** Phase of the launcher, `null` when there is none yet. */
  readonly launcher: ReplicaPhase | null;
  /** Container restarts, launcher and workers together. */
  readonly restarts: number;
  /** GPUs, launcher and workers together. */
  readonly gpus: number;
}

// ---------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------

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

/**
 * Normalizes an MPIJob's conditions: every field present, timestamps as RFC 3339
 * strings, operator order kept (it appends the latest change last).
 *
 * @param conditions - `status.conditions` as read
 * @returns the conditions; entries without a type are dropped
 */
export function normalizeConditions(
  conditions: readonly IConditionLike[] | null | undefined
): IJobCondition[] {
  const out: IJobCondition[] = [];
  if (!Array.isArray(conditions)) {
    return out;
  }
  for (const c of conditions) {
    if (!c || typeof c.type !== 'string' || c.type === '') {
      continue;
    }
    out.push({
      type: c.type,
      status:
        c.status === 'True' || c.status === 'False' ? c.status : 'Unknown',
      reason: nonEmpty(c.reason),
      message: nonEmpty(c.message),
      lastTransitionTime: toIso(c.lastTransitionTime)
    });
  }
  return out;
}

/**
 * Reduces an MPIJob and its pods (and events) to one status and a topology.
 *
 * Precedence: Deleting (deletionTimestamp) > the operator's last true
 * Succeeded/Failed condition > Suspended > a Failed worker pod (fail-fast: the
 * operator never replaces it) > Running/Restarting condition > Pending. Jobs
 * without any condition (not reconciled yet, or synthesized by the local
 * backend) take their phase from the pods. Pod facts refine reason and
 * message (ImagePullBackOff, CrashLoopBackOff, Unschedulable, OOMKilled...),
 * naming the replica. Events are read only for a Pending job or one the
 * operator rejected, so the common path does not scan them.
 *
 * Linear in pods + events; never throws on malformed pods or events.
 *
 * @param job - the MPIJob
 * @param pods - pods to consider; pods of other jobs are ignored
 * @param events - events in the job's namespace, if at hand
 * @param removed - pods of the job seen deleted (last state), so the
 *   topology keeps where replicas ran after the operator's clean-up
 * @returns status, topology and normalized conditions
 */
export function reduceJob(
  job: IMpiJobLike,
  pods: readonly IPodLike[],
  events?: readonly IEventLike[],
  removed?: readonly IPodLike[]
): IJobReduction {
  const conditions = normalizeConditions(job.status?.conditions);
  const layout = layoutPods(job, pods);
  const status = deriveStatus(job, conditions, layout, events);
  // What is remembered of gone pods shapes the picture, never the status.
  const topology = rememberRemoved(
    job,
    layout.topology,
    removed ?? [],
    status.phase === 'Succeeded' || status.phase === 'Failed' ? events : []
  );
  return { status, topology, conditions };
}

/**
 * Fills the replicas whose pod is gone with what is known of it: the pod as
 * it was last seen (`removed`, from a watch that saw it deleted), else, for
 * an ended job, the node a `Scheduled` event named for it. Replicas nothing
 * is known of stay `Missing`.
 */
function rememberRemoved(
  job: IMpiJobLike,
  topology: ITopology,
  removed: readonly IPodLike[],
  events: readonly IEventLike[] | undefined
): ITopology {
  const hasMissing =
    topology.launcher === null ||
    topology.workers.some(w => w.phase === 'Missing');
  if (!hasMissing || (removed.length === 0 && !events?.length)) {
    return topology;
  }
  const gone = layoutPods(job, removed).topology;
  const scheduled = events?.length ? scheduledNodes(job, events) : null;
  const asRemoved = (node: IReplicaNode): IReplicaNode => ({
    ...node,
    ready: false,
    removed: true
  });
  const workers = topology.workers.map((w, i) => {
    if (w.phase !== 'Missing') {
      return w;
    }
    const last = gone.workers[i];
    if (last && last.phase !== 'Missing') {
      return asRemoved(last);
    }
    const podName = workerPodName(job.metadata?.name ?? '', i);
    const nodeName = scheduled?.get(podName);
    return nodeName
      ? asRemoved({ ...w, podName, nodeName, phase: 'Unknown' })
      : w;
  });
  const launcher =
    topology.launcher ?? (gone.launcher ? asRemoved(gone.launcher) : null);
  return { launcher, workers };
}

/** Pod name -> node, from the `Scheduled` events of this incarnation of the job. */
function scheduledNodes(
  job: IMpiJobLike,
  events: readonly IEventLike[]
): Map<string, string> {
  const nodes = new Map<string, string>();
  const created = toMs(job.metadata?.creationTimestamp);
  for (const e of events) {
    if (e?.reason !== 'Scheduled' || e.involvedObject?.kind !== 'Pod') {
      continue;
    }
    const when = toMs(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp);
    if (!Number.isNaN(created) && !Number.isNaN(when) && when < created) {
      // A pod of an earlier job of the same name.
      continue;
    }
    // The scheduler writes "Successfully assigned <ns>/<pod> to <node>".
    const node = / to (\S+)$/.exec(e.message ?? '')?.[1];
    const pod = e.involvedObject.name;
    if (node && pod) {
      nodes.set(pod, node);
    }
  }
  return nodes;
}

/**
 * Counts a topology's replicas by phase.
 *
 * @param topology - from {@link reduceJob}
 * @returns worker counts by phase, launcher phase, restarts and GPUs
 */
export function summarizeTopology(topology: ITopology): ITopologySummary {
  const workers: Record<ReplicaPhase, number> = {
    Pending: 0,
    Running: 0,
    Succeeded: 0,
    Failed: 0,
    Unknown: 0,
    Missing: 0
  };
  let ready = 0;
  let restarts = 0;
  let gpus = 0;
  for (const w of topology.workers) {
    workers[w.phase] += 1;
    if (w.ready) {
      ready += 1;
    }
    restarts += w.restarts;
    gpus += w.gpus;
  }
  const launcher = topology.launcher;
  if (launcher) {
    restarts += launcher.restarts;
    gpus += launcher.gpus;
  }
  return {
    workers,
    workersTotal: topology.workers.length,
    workersReady: ready,
    launcher: launcher ? launcher.phase : null,
    restarts,
    gpus
  };
}

/**
 * Describes a replica for messages, e.g. `worker 3 (pod pi-worker-3)`.
 *
 * @param node - the replica
 * @returns a short phrase naming role, index and pod
 */
export function describeReplica(node: IReplicaNode): string {
  const who = node.role === 'launcher' ? 'launcher' : `worker ${node.index}`;
  return node.podName ? `${who} (pod ${node.podName})` : who;
}

/**
 * How a replica is shown: its phase, except that a failed job's replicas
 * that ended Failed only because another one failed first are `Stopped`,
 * and a replica whose pod was deleted before it ended (the operator's
 * clean-up stops the workers once the launcher is done) is `Removed`.
 */
export type ReplicaOutcome = ReplicaPhase | 'Stopped' | 'Removed';

/** Every {@link ReplicaOutcome}, in display order. */
export const REPLICA_OUTCOMES: readonly ReplicaOutcome[] = [
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'Stopped',
  'Removed',
  'Unknown',
  'Missing'
];

/**
 * Tells the replica that made a job fail from those that ended with it: with
 * fail-fast MPI, one death takes the launcher and the other ranks along.
 *
 * @param node - a replica of the job
 * @param status - the job's status
 * @returns `Removed` for a pod deleted before it ended, `Failed` for the
 *   failed replica the status blames, `Stopped` for the job's other Failed
 *   replicas, else the replica's phase
 */
export function replicaOutcome(
  node: IReplicaNode,
  status: JobStatus
): ReplicaOutcome {
  if (node.removed && node.phase !== 'Succeeded' && node.phase !== 'Failed') {
    return 'Removed';
  }
  if (
    node.phase !== 'Failed' ||
    status.phase !== 'Failed' ||
    status.failedReplica === undefined
  ) {
    return node.phase;
  }
  const cause = status.failedReplica;
  return cause.role === node.role && cause.index === node.index
    ? 'Failed'
    : 'Stopped';
}

/**
 * One line that says why a job is where it is: the first line of the
 * status message (for a failure, e.g. `rank 1 failed (exit code 1) in cell 2,
 * line 2: ValueError: boom`), else the reason.
 *
 * @param status - the job's status
 * @returns the line; empty when the status gives no reason
 */
export function statusSummary(status: JobStatus): string {
  const message =
    'message' in status && status.message ? status.message.trim() : '';
  if (message !== '') {
    return message.split('\n', 1)[0].trim();
  }
  return 'reason' in status && status.reason ? status.reason : '';
}

// ---------------------------------------------------------------------------
// Pod layout
// ---------------------------------------------------------------------------

// Facts about one placed pod beyond its public node, kept for the status.
interface IPodFacts {
  readonly node: IReplicaNode;
  readonly pod: IPodLike;
  // Detail for messages: the waiting/terminated/pod/condition message.
  readonly detail: string | null;
  // A container waits with an ERROR_WAITING_REASONS reason.
  readonly waitingError: boolean;
  // PodScheduled=False.
  readonly unschedulable: boolean;
  // finishedAt of the terminated container the exit code came from.
  readonly finishedAt: TimestampLike | null;
}

interface ILayout {
  readonly topology: ITopology;
  readonly launcher: IPodFacts | null;
  // Worker facts by index; undefined where the pod is missing.
  readonly workers: ReadonlyArray<IPodFacts | undefined>;
  // Launcher pods older than the chosen one that ended Failed.
  readonly failedLauncherAttempts: number;
  // The newest of those, for "restarted after ..." messages.
  readonly lastFailedLauncher: IPodFacts | null;
  // Pod name -> facts, built lazily for event matching.
  byName: Map<string, IPodFacts> | null;
}

// Sentinels of classifyPod; worker indices are >= 0.
const NOT_OURS = -1;
const LAUNCHER = -2;

function layoutPods(job: IMpiJobLike, pods: readonly IPodLike[]): ILayout {
  const jobName = job.metadata?.name ?? '';
  const workerPrefix = `${jobName}-worker-`;
  const launcherName = launcherJobName(jobName);
  const indexOffset = job.spec?.runLauncherAsWorker === true ? 1 : 0;
  const expected = expectedWorkers(job);
  const limit = expected ?? MAX_WORKERS;

  const slots: Array<IPodLike | undefined> = [];
  let maxIndex = -1;
  let launcherPod: IPodLike | undefined;
  let launcherPods: IPodLike[] | null = null;

  for (const pod of Array.isArray(pods) ? pods : []) {
    if (!pod) {
      continue;
    }
    const where = classifyPod(
      pod,
      jobName,
      workerPrefix,
      launcherName,
      indexOffset
    );
    if (where === LAUNCHER) {
      if (launcherPod === undefined) {
        launcherPod = pod;
      } else {
        // Retries of the launcher Job leave several pods: keep them all to
        // count failed attempts, show the newest.
        if (launcherPods === null) {
          launcherPods = [launcherPod];
        }
        launcherPods.push(pod);
        if (isNewer(pod, launcherPod)) {
          launcherPod = pod;
        }
      }
    } else if (where >= 0 && where < limit) {
      const current = slots[where];
      if (current === undefined || isNewer(pod, current)) {
        slots[where] = pod;
      }
      if (where > maxIndex) {
        maxIndex = where;
      }
    }
  }

  const count = expected ?? maxIndex + 1;
  const facts: Array<IPodFacts | undefined> = new Array<IPodFacts | undefined>(
    count
  );
  const workers: IReplicaNode[] = new Array<IReplicaNode>(count);
  for (let i = 0; i < count; i++) {
    const pod = slots[i];
    if (pod === undefined) {
      workers[i] = missingNode(i);
    } else {
      const f = podFacts(pod, 'worker', i);
      facts[i] = f;
      workers[i] = f.node;
    }
  }

  const launcher =
    launcherPod === undefined ? null : podFacts(launcherPod, 'launcher', 0);
  let failedLauncherAttempts = 0;
  let lastFailedLauncher: IPodFacts | null = null;
  if (launcherPods !== null) {
    let lastFailedPod: IPodLike | null = null;
    for (const p of launcherPods) {
      if (p !== launcherPod && p.status?.phase === 'Failed') {
        failedLauncherAttempts += 1;
        if (lastFailedPod === null || isNewer(p, lastFailedPod)) {
          lastFailedPod = p;
        }
      }
    }
    if (lastFailedPod !== null) {
      lastFailedLauncher = podFacts(lastFailedPod, 'launcher', 0);
    }
  }

  return {
    topology: { launcher: launcher ? launcher.node : null, workers },
    launcher,
    workers: facts,
    failedLauncherAttempts,
    lastFailedLauncher,
    byName: null
  };
}

// Expected worker count from the spec, clamped; undefined when the spec does
// not say (the local backend may omit it): then pods decide.
function expectedWorkers(job: IMpiJobLike): number | undefined {
  const specs = job.spec?.mpiReplicaSpecs;
  if (!specs) {
    return undefined;
  }
  const worker = specs.Worker;
  if (!worker) {
    // The operator treats a job without a Worker spec as having no workers.
    return specs.Launcher ? 0 : undefined;
  }
  const r = worker.replicas;
  if (r === null || r === undefined) {
    // The operator defaults Worker.replicas to 0.
    return 0;
  }
  if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0) {
    return 0;
  }
  return Math.min(Math.floor(r), MAX_WORKERS);
}

// Returns NOT_OURS, LAUNCHER or a worker index. Labels decide when present;
// names are the fallback for pod-like objects that carry none.
function classifyPod(
  pod: IPodLike,
  jobName: string,
  workerPrefix: string,
  launcherName: string,
  indexOffset: number
): number {
  const meta = pod.metadata;
  const labels = meta?.labels;
  const name = meta?.name;
  const labelJob = labels ? labels[OPERATOR_JOB_NAME_LABEL] : undefined;
  if (typeof labelJob === 'string') {
    if (labelJob !== jobName) {
      return NOT_OURS;
    }
  } else if (
    typeof name !== 'string' ||
    !(name.startsWith(workerPrefix) || isLauncherPodName(name, launcherName))
  ) {
    return NOT_OURS;
  }

  const role = labels ? labels[JOB_ROLE_LABEL] : undefined;
  if (role === LAUNCHER_ROLE) {
    return LAUNCHER;
  }
  if (role === undefined || role === null) {
    if (typeof name === 'string' && isLauncherPodName(name, launcherName)) {
      return LAUNCHER;
    }
  } else if (role !== WORKER_ROLE) {
    return NOT_OURS;
  }

  // The name is authoritative: the operator names worker i `<job>-worker-i`
  // even when the index label is shifted by runLauncherAsWorker.
  if (typeof name === 'string' && name.startsWith(workerPrefix)) {
    const fromName = parseIndex(name, workerPrefix.length);
    if (fromName >= 0) {
      return fromName;
    }
  }
  const label = labels ? labels[REPLICA_INDEX_LABEL] : undefined;
  if (typeof label === 'string') {
    const fromLabel = parseIndex(label, 0);
    if (fromLabel >= indexOffset) {
      return fromLabel - indexOffset;
    }
  }
  return NOT_OURS;
}

// `<job>-launcher` (synthesized) or `<job>-launcher-<suffix>` without a
// further dash (batch Job pods), so job `a`'s launcher is not job
// `a-launcher`'s worker.
function isLauncherPodName(name: string, launcherName: string): boolean {
  if (!name.startsWith(launcherName)) {
    return false;
  }
  if (name.length === launcherName.length) {
    return true;
  }
  return (
    name.charCodeAt(launcherName.length) === 45 /* - */ &&
    name.length > launcherName.length + 1 &&
    name.indexOf('-', launcherName.length + 1) === -1
  );
}

// Parses s.slice(from) as a non-negative decimal integer; -1 if it is not one.
function parseIndex(s: string, from: number): number {
  const len = s.length;
  if (from >= len || len - from > 9) {
    return -1;
  }
  let n = 0;
  for (let i = from; i < len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) {
      return -1;
    }
    n = n * 10 + c;
  }
  return n;
}

// Whether pod a was created after pod b; on a tie or unknown times the later
// one in the input wins (callers pass the later one as a).
function isNewer(a: IPodLike, b: IPodLike): boolean {
  const ta = toMs(a.metadata?.creationTimestamp);
  const tb = toMs(b.metadata?.creationTimestamp);
  if (Number.isNaN(ta) || Number.isNaN(tb) || ta === tb) {
    return true;
  }
  return ta > tb;
}

function missingNode(index: number): IReplicaNode {
  return {
    role: 'worker',
    index,
    podName: null,
    phase: 'Missing',
    nodeName: null,
    restarts: 0,
    reason: null,
    exitCode: null,
    gpus: 0,
    ready: false
  };
}

function podPhase(phase: string | null | undefined): ReplicaPhase {
  switch (phase) {
    case 'Running':
    case 'Succeeded':
    case 'Failed':
    case 'Pending':
    case 'Unknown':
      return phase;
    case undefined:
    case null:
    case '':
      // The API server has not written a status yet.
      return 'Pending';
    default:
      return 'Unknown';
  }
}

function podFacts(pod: IPodLike, role: ReplicaRole, index: number): IPodFacts {
  const status = pod.status;
  const phase = podPhase(status?.phase);

  let restarts = 0;
  let allReady = true;
  let waitingReason: string | null = null;
  let waitingMessage: string | null = null;
  let waitingError = false;
  let waitingLast: IContainerTerminatedLike | null = null;
  let terminated: IContainerTerminatedLike | null = null;
  const statuses = status?.containerStatuses;
  if (Array.isArray(statuses)) {
    for (const cs of statuses) {
      if (!cs) {
        continue;
      }
      const rc = cs.restartCount;
      if (typeof rc === 'number' && rc > 0 && Number.isFinite(rc)) {
        restarts += rc;
      }
      if (cs.ready !== true) {
        allReady = false;
      }
      const state = cs.state;
      const waiting = state?.waiting;
      if (waiting && !waitingError) {
        const reason = nonEmpty(waiting.reason) ?? 'Waiting';
        const isError = ERROR_WAITING_REASONS.has(reason);
        if (waitingReason === null || isError) {
          waitingReason = reason;
          waitingMessage = nonEmpty(waiting.message);
          waitingError = isError;
          waitingLast = validTerminated(cs.lastState?.terminated);
        }
      }
      const t = validTerminated(state?.terminated);
      // A failing container explains the pod better than one that exited 0.
      if (
        t &&
        (terminated === null || (terminated.exitCode === 0 && t.exitCode !== 0))
      ) {
        terminated = t;
      }
    }
  }

  let unschedulable = false;
  let scheduleReason: string | null = null;
  let scheduleMessage: string | null = null;
  const podConditions = status?.conditions;
  if (Array.isArray(podConditions) && phase === 'Pending') {
    for (const c of podConditions) {
      if (c && c.type === 'PodScheduled' && c.status === 'False') {
        unschedulable = true;
        scheduleReason = nonEmpty(c.reason) ?? DERIVED_REASONS.unschedulable;
        scheduleMessage = nonEmpty(c.message);
        break;
      }
    }
  }

  let reason: string | null;
  let detail: string | null;
  const podReason = nonEmpty(status?.reason);
  if (podReason !== null) {
    reason = podReason;
    detail = nonEmpty(status?.message);
  } else if (waitingReason !== null) {
    reason = waitingReason;
    detail = waitingMessage;
  } else if (terminated !== null) {
    reason =
      nonEmpty(terminated.reason) ??
      (terminated.exitCode === 0 ? 'Completed' : 'Error');
    detail = nonEmpty(terminated.message);
  } else if (unschedulable) {
    reason = scheduleReason;
    detail = scheduleMessage;
  } else if (pod.metadata?.deletionTimestamp) {
    reason = 'Terminating';
    detail = null;
  } else {
    reason = null;
    detail = null;
  }
  const exitSource = terminated ?? waitingLast;

  const node: IReplicaNode = {
    role,
    index,
    podName: nonEmpty(pod.metadata?.name),
    phase,
    nodeName: nonEmpty(pod.spec?.nodeName),
    restarts,
    reason,
    exitCode: exitSource ? exitSource.exitCode : null,
    gpus: countGpus(pod),
    // Synthesized pods may carry no container statuses: then phase decides.
    ready: phase === 'Running' && allReady
  };
  return {
    node,
    pod,
    detail,
    waitingError,
    unschedulable,
    finishedAt: exitSource?.finishedAt ?? null
  };
}

function validTerminated(
  t: IContainerTerminatedLike | null | undefined
): IContainerTerminatedLike | null {
  if (!t || typeof t.exitCode !== 'number' || !Number.isFinite(t.exitCode)) {
    return null;
  }
  return t;
}

function countGpus(pod: IPodLike): number {
  const containers = pod.spec?.containers;
  if (!Array.isArray(containers)) {
    return 0;
  }
  let gpus = 0;
  for (const c of containers) {
    const res = c?.resources;
    if (!res) {
      continue;
    }
    // Extended resources need limits; requests alone are accepted as a fallback.
    const q = res.limits?.[GPU_RESOURCE] ?? res.requests?.[GPU_RESOURCE];
    const n =
      typeof q === 'number' ? q : typeof q === 'string' ? Number(q) : NaN;
    if (Number.isFinite(n) && n > 0) {
      gpus += n;
    }
  }
  return gpus;
}

// ---------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------

function deriveStatus(
  job: IMpiJobLike,
  conditions: readonly IJobCondition[],
  layout: ILayout,
  events: readonly IEventLike[] | undefined
): JobStatus {
  const deletion = toIso(job.metadata?.deletionTimestamp);
  if (deletion !== null) {
    return { phase: 'Deleting', deletionTimestamp: deletion };
  }

  let terminal: IJobCondition | null = null;
  let running: IJobCondition | null = null;
  let suspended: IJobCondition | null = null;
  for (const c of conditions) {
    if (c.status !== 'True') {
      continue;
    }
    switch (c.type) {
      case 'Succeeded':
      case 'Failed':
        // The operator appends the latest change last.
        terminal = c;
        break;
      case 'Running':
      case 'Restarting':
        running = c;
        break;
      case 'Suspended':
        suspended = c;
        break;
    }
  }
  const jobStatus = job.status;

  if (terminal !== null) {
    const completion =
      toIso(jobStatus?.completionTime) ?? terminal.lastTransitionTime;
    if (terminal.type === 'Succeeded') {
      const start = toIso(jobStatus?.startTime);
      return start === null
        ? { phase: 'Succeeded', completionTime: completion }
        : { phase: 'Succeeded', startTime: start, completionTime: completion };
    }
    return failedFromCondition(terminal, completion, layout);
  }

  // The spec is the user's intent and the operator lags behind it; the CRD
  // defaults suspend to false, so an explicit false means "resuming".
  const specSuspend = job.spec?.runPolicy?.suspend;
  if (specSuspend === true || (specSuspend !== false && suspended !== null)) {
    return {
      phase: 'Suspended',
      reason: suspended?.reason ?? MPIJOB_REASONS.suspended,
      message: suspended?.message ?? 'MPIJob suspended'
    };
  }

  const culprit = failedWorker(layout);
  if (culprit !== null) {
    return failFast(culprit);
  }

  if (running !== null) {
    return runningStatus(
      toIso(jobStatus?.startTime) ?? running.lastTransitionTime,
      running,
      layout
    );
  }

  if (conditions.length === 0) {
    const fromPods = statusFromPods(layout);
    if (fromPods !== null) {
      return fromPods;
    }
  }
  return pendingStatus(job, layout, events, conditions.length === 0);
}

// The worker whose pod ended Failed first (lowest index on a tie or unknown
// time): with fail-fast MPI the first death is the cause, the rest follow.
function failedWorker(layout: ILayout): IPodFacts | null {
  let best: IPodFacts | null = null;
  let bestMs = NaN;
  for (const f of layout.workers) {
    if (f === undefined || f.node.phase !== 'Failed') {
      continue;
    }
    const ms = toMs(f.finishedAt);
    if (
      best === null ||
      (!Number.isNaN(ms) && (Number.isNaN(bestMs) || ms < bestMs))
    ) {
      best = f;
      bestMs = ms;
    }
  }
  return best;
}

function failFast(f: IPodFacts): IFailedStatus {
  const finished = toIso(f.finishedAt);
  const base = {
    phase: 'Failed' as const,
    reason:
      f.node.reason === 'Evicted'
        ? MPIJOB_REASONS.evicted
        : DERIVED_REASONS.workerFailed,
    message: failureMessage(f),
    failedReplica: refOf(f.node)
  };
  return finished === null ? base : { ...base, completionTime: finished };
}

function failedFromCondition(
  cond: IJobCondition,
  completion: string | null,
  layout: ILayout
): IFailedStatus {
  // On BackoffLimitExceeded the operator appends "/<pod reason>" and
  // ": <pod message>", which are empty for container errors; drop the
  // dangling separators.
  const reason =
    (cond.reason ?? '').replace(/\/+$/, '') || MPIJOB_REASONS.failed;
  const opMessage = (cond.message ?? '').replace(/[\s:]+$/, '');

  let culprit = failedWorker(layout);
  if (culprit === null) {
    const launcher = layout.launcher;
    if (launcher !== null && launcher.node.phase === 'Failed') {
      culprit = launcher;
    } else if (
      layout.lastFailedLauncher !== null &&
      reason.startsWith('BackoffLimitExceeded')
    ) {
      // The operator blames the last failed launcher pod in this case too;
      // for other reasons (e.g. DeadlineExceeded) an old attempt is no cause.
      culprit = layout.lastFailedLauncher;
    }
  }
  let message = opMessage;
  // Failed conditions with these reasons come from the local backend, whose
  // message already names the replica and why (rank, cell, traceback).
  const named =
    opMessage !== '' &&
    (reason === DERIVED_REASONS.workerFailed ||
      reason === DERIVED_REASONS.launcherFailed);
  if (culprit !== null && !named) {
    const what = failureMessage(culprit);
    message = opMessage ? `${what}; ${opMessage}` : what;
  }
  if (message === '') {
    message = 'MPIJob failed';
  }
  const base: IFailedStatus = culprit
    ? { phase: 'Failed', reason, message, failedReplica: refOf(culprit.node) }
    : { phase: 'Failed', reason, message };
  return completion === null ? base : { ...base, completionTime: completion };
}

function runningStatus(
  startTime: string | null,
  cond: IJobCondition | null,
  layout: ILayout
): IRunningStatus {
  const problem = firstProblem(layout, false);
  if (problem !== null) {
    return {
      phase: 'Running',
      startTime,
      reason: problem.node.reason ?? 'Unknown',
      message: problemMessage(problem),
      replica: refOf(problem.node)
    };
  }
  if (cond !== null && cond.type === 'Restarting') {
    const base = {
      phase: 'Running' as const,
      startTime,
      reason: DERIVED_REASONS.restarting
    };
    return cond.message === null ? base : { ...base, message: cond.message };
  }
  if (layout.lastFailedLauncher !== null) {
    const n = layout.failedLauncherAttempts;
    return {
      phase: 'Running',
      startTime,
      reason: DERIVED_REASONS.restarting,
      message: `launcher restarted after ${n} failed attempt${n === 1 ? '' : 's'}; last: ${failureMessage(layout.lastFailedLauncher)}`,
      replica: { role: 'launcher', index: 0 }
    };
  }
  return { phase: 'Running', startTime };
}

// Phase from pods alone, for jobs without conditions. Mirrors the operator:
// Running needs the launcher and every worker running; the launcher's end
// is the job's end. Returns null for Pending.
function statusFromPods(layout: ILayout): JobStatus | null {
  const launcher = layout.launcher;
  const workers = layout.topology.workers;
  if (launcher !== null) {
    const phase = launcher.node.phase;
    if (phase === 'Succeeded') {
      const start = earliestStart(layout);
      const completion = toIso(launcher.finishedAt);
      return start === null
        ? { phase: 'Succeeded', completionTime: completion }
        : { phase: 'Succeeded', startTime: start, completionTime: completion };
    }
    if (phase === 'Failed') {
      const finished = toIso(launcher.finishedAt);
      const base = {
        phase: 'Failed' as const,
        reason: DERIVED_REASONS.launcherFailed,
        message: failureMessage(launcher),
        failedReplica: refOf(launcher.node)
      };
      return finished === null ? base : { ...base, completionTime: finished };
    }
    if (phase !== 'Running') {
      return null;
    }
  } else if (workers.length === 0) {
    return null;
  }
  let succeeded = 0;
  for (const w of workers) {
    if (w.phase === 'Succeeded') {
      succeeded += 1;
    } else if (w.phase !== 'Running') {
      return null;
    }
  }
  if (launcher === null && succeeded === workers.length) {
    // No launcher (local backend): the ranks' end is the job's end.
    let last = NaN;
    for (const f of layout.workers) {
      const ms = toMs(f?.finishedAt);
      if (!Number.isNaN(ms) && !(ms <= last)) {
        last = ms;
      }
    }
    const start = earliestStart(layout);
    const completion = Number.isNaN(last) ? null : new Date(last).toISOString();
    return start === null
      ? { phase: 'Succeeded', completionTime: completion }
      : { phase: 'Succeeded', startTime: start, completionTime: completion };
  }
  // Some ranks may be done already while others run: still running.
  return runningStatus(earliestStart(layout), null, layout);
}

function earliestStart(layout: ILayout): string | null {
  let best = NaN;
  let bestIso: string | null = null;
  const n = layout.workers.length;
  // i = -1 is the launcher.
  for (let i = -1; i < n; i++) {
    const f = i < 0 ? layout.launcher : layout.workers[i];
    const t = f?.pod.status?.startTime;
    const ms = toMs(t);
    if (!Number.isNaN(ms) && !(ms >= best)) {
      best = ms;
      bestIso = toIso(t);
    }
  }
  return bestIso;
}

function pendingStatus(
  job: IMpiJobLike,
  layout: ILayout,
  events: readonly IEventLike[] | undefined,
  noConditions: boolean
): JobStatus {
  const problem = firstProblem(layout, true);
  if (problem !== null) {
    return {
      phase: 'Pending',
      reason: problem.node.reason ?? 'Unknown',
      message: problemMessage(problem),
      replica: refOf(problem.node)
    };
  }
  if (Array.isArray(events) && events.length > 0) {
    const found = scanEvents(job, layout, events);
    if (found.validation !== null && noConditions) {
      // The operator rejected the spec and will not retry until it changes.
      return {
        phase: 'Failed',
        reason: MPIJOB_REASONS.validationError,
        message: nonEmpty(found.validation.message) ?? 'invalid MPIJob spec'
      };
    }
    if (found.pod !== null) {
      const { event, facts } = found.pod;
      const reason = nonEmpty(event.reason) ?? 'Warning';
      const detail = nonEmpty(event.message);
      return {
        phase: 'Pending',
        reason,
        message: `${describeReplica(facts.node)}: ${reason}${detail ? ` - ${detail}` : ''}`,
        replica: refOf(facts.node)
      };
    }
    if (found.job !== null) {
      const reason = nonEmpty(found.job.reason) ?? 'Warning';
      const detail = nonEmpty(found.job.message);
      return detail === null
        ? { phase: 'Pending', reason }
        : { phase: 'Pending', reason, message: detail };
    }
  }
  return { phase: 'Pending' };
}

// The first replica with something to fix: a container in an error wait
// (ImagePullBackOff, CrashLoopBackOff...) first, then (when pending) an
// unschedulable pod. Launcher before workers, workers by index.
function firstProblem(layout: ILayout, pending: boolean): IPodFacts | null {
  let unschedulable: IPodFacts | null = null;
  const n = layout.workers.length;
  // i = -1 is the launcher.
  for (let i = -1; i < n; i++) {
    const f = i < 0 ? layout.launcher : layout.workers[i];
    if (!f) {
      continue;
    }
    if (f.waitingError) {
      return f;
    }
    if (pending && unschedulable === null && f.unschedulable) {
      unschedulable = f;
    }
  }
  return unschedulable;
}

interface IEventScan {
  // The latest Warning on a still-pending pod of this job.
  pod: { event: IEventLike; facts: IPodFacts; ms: number } | null;
  // The latest blocking Warning on the MPIJob or its launcher Job.
  job: IEventLike | null;
  // The latest ValidationError on the MPIJob.
  validation: IEventLike | null;
}

function scanEvents(
  job: IMpiJobLike,
  layout: ILayout,
  events: readonly IEventLike[]
): IEventScan {
  const jobName = job.metadata?.name ?? '';
  const jobUid = nonEmpty(job.metadata?.uid);
  const launcherName = launcherJobName(jobName);
  // Events outlive their objects by an hour: ignore those of a previous job
  // that had the same name.
  const since = toMs(job.metadata?.creationTimestamp);
  const byName = podsByName(layout);

  const out: IEventScan = { pod: null, job: null, validation: null };
  let jobMs = -Infinity;
  let validationMs = -Infinity;
  for (const e of events) {
    if (!e || e.type !== 'Warning') {
      continue;
    }
    const obj = e.involvedObject;
    const name = obj?.name;
    if (!obj || typeof name !== 'string') {
      continue;
    }
    const ms = eventMs(e);
    if (!Number.isNaN(since) && !Number.isNaN(ms) && ms < since - 1000) {
      continue;
    }
    const order = Number.isNaN(ms) ? -Infinity : ms;
    if (obj.kind === 'Pod') {
      const facts = byName.get(name);
      if (facts === undefined || facts.node.phase !== 'Pending') {
        continue;
      }
      const podUid = nonEmpty(facts.pod.metadata?.uid);
      const eventUid = nonEmpty(obj.uid);
      if (podUid !== null && eventUid !== null && podUid !== eventUid) {
        continue;
      }
      if (out.pod === null || order >= out.pod.ms) {
        out.pod = { event: e, facts, ms: order };
      }
    } else if (
      (obj.kind === 'MPIJob' && name === jobName) ||
      (obj.kind === 'Job' && name === launcherName)
    ) {
      const eventUid = nonEmpty(obj.uid);
      if (
        obj.kind === 'MPIJob' &&
        jobUid !== null &&
        eventUid !== null &&
        jobUid !== eventUid
      ) {
        continue;
      }
      const reason = e.reason ?? '';
      if (!BLOCKING_JOB_EVENT_REASONS.has(reason)) {
        continue;
      }
      if (reason === MPIJOB_REASONS.validationError && obj.kind === 'MPIJob') {
        if (order >= validationMs) {
          out.validation = e;
          validationMs = order;
        }
      } else if (order >= jobMs) {
        out.job = e;
        jobMs = order;
      }
    }
  }
  return out;
}

function podsByName(layout: ILayout): Map<string, IPodFacts> {
  if (layout.byName !== null) {
    return layout.byName;
  }
  const byName = new Map<string, IPodFacts>();
  const n = layout.workers.length;
  for (let i = -1; i < n; i++) {
    const f = i < 0 ? layout.launcher : layout.workers[i];
    if (f && f.node.podName !== null) {
      byName.set(f.node.podName, f);
    }
  }
  layout.byName = byName;
  return byName;
}

function eventMs(e: IEventLike): number {
  const last = toMs(e.lastTimestamp);
  if (!Number.isNaN(last)) {
    return last;
  }
  const at = toMs(e.eventTime);
  return Number.isNaN(at) ? toMs(e.firstTimestamp) : at;
}

// "worker 1 (pod pi-worker-1) failed: OOMKilled (exit code 137) - detail"
function failureMessage(f: IPodFacts): string {
  const node = f.node;
  let s = `${describeReplica(node)} failed: ${node.reason ?? 'Error'}`;
  if (node.exitCode !== null) {
    s += ` (exit code ${node.exitCode})`;
  }
  if (f.detail !== null) {
    s += ` - ${f.detail}`;
  }
  return s;
}

// "worker 3 (pod pi-worker-3): ImagePullBackOff - Back-off pulling image ..."
function problemMessage(f: IPodFacts): string {
  const node = f.node;
  let s = `${describeReplica(node)}: ${node.reason ?? 'Unknown'}`;
  if (f.detail !== null) {
    s += ` - ${f.detail}`;
  }
  if (node.reason === 'CrashLoopBackOff' && node.exitCode !== null) {
    s += ` (last exit code ${node.exitCode}, ${node.restarts} restart${node.restarts === 1 ? '' : 's'})`;
  }
  return s;
}

function refOf(node: IReplicaNode): IReplicaRef {
  return { role: node.role, index: node.index };
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

function nonEmpty(s: string | null | undefined): string | null {
  return typeof s === 'string' && s !== '' ? s : null;
}

// RFC 3339 text as given (the API server writes UTC already), or a Date's
// ISO form; null when absent or invalid.
export function toIso(t: TimestampLike | null | undefined): string | null {
  if (typeof t === 'string') {
    return t === '' ? null : t;
  }
  if (t instanceof Date) {
    const ms = t.getTime();
    return Number.isNaN(ms) ? null : t.toISOString();
  }
  return null;
}

function toMs(t: TimestampLike | null | undefined): number {
  if (typeof t === 'string') {
    return Date.parse(t);
  }
  if (t instanceof Date) {
    return t.getTime();
  }
  return NaN;
}
