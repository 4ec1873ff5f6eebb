/**
 * The shapes the status reduction reads (subsets of kubectl JSON and
 * @kubernetes/client-node objects) and the status and topology it returns.
 */

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
