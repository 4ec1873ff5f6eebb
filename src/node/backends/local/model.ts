/**
 * A local run expressed as an MPIJob and pods, so core's `reduceJob` gives
 * it exactly the status and topology model of a Kubernetes job: the
 * launcher is the mpirun process, worker i holds ranks
 * [i * slots, (i + 1) * slots).
 */
import type { IJobRecord } from '../../../core/jobRecord';
import type { ILaunchSpec } from '../../../core/spec';
import {
  DERIVED_REASONS,
  JOB_ROLE_LABEL,
  LAUNCHER_ROLE,
  MPIJOB_REASONS,
  OPERATOR_JOB_NAME_LABEL,
  OPERATOR_NAME,
  OPERATOR_NAME_LABEL,
  REPLICA_INDEX_LABEL,
  WORKER_ROLE,
  reduceJob
} from '../../../core/status';
import type {
  IConditionLike,
  IContainerStateLike,
  IMpiJobLike,
  IPodLike
} from '../../../core/status';
import type { MpiFlavor } from '../../../core/mpiOutput';
import type { IProcessIdentity } from './procs';

/** Where a local run is. */
export type LocalPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** Reasons the local backend writes on failed jobs. */
export const LOCAL_REASONS = {
  /** A rank failed; the status names it, with the cell when Python tells. */
  workerFailed: DERIVED_REASONS.workerFailed,
  /** mpirun failed, or could not be started, without a rank to blame. */
  launcherFailed: DERIVED_REASONS.launcherFailed,
  /** The service stopped (crashed or was killed) while the job ran. */
  lostProcess: 'LostProcess',
  /** The service shut down cleanly while the job ran, and stopped it. */
  serviceStopped: 'ServiceStopped'
} as const;

/** Why a local run failed. */
export interface ILocalFailure {
  /** One of {@link LOCAL_REASONS}. */
  readonly reason: string;
  /** For people; may span lines (summary, then a traceback's end). */
  readonly message: string;
  /** The rank blamed, when there is one. */
  readonly rank: number | null;
  /** That rank's exit status, when known. */
  readonly exitCode: number | null;
}

/** What `job.json` holds besides the record: the facts the record is computed from. */
export interface ILocalRun {
  /** Which MPI runs it. */
  readonly flavor: MpiFlavor;
  /** Total ranks. */
  readonly ranks: number;
  /** The launcher's command line (no environment: it may hold secrets). */
  readonly argv: readonly string[];
  /** The service process that follows the job; another one adopts the job when it is gone. */
  readonly owner: IProcessIdentity;
  /** The launcher process, once started. */
  readonly launcher: IProcessIdentity | null;
  /** The job's supervisor (it runs the launcher and outlives the service); absent in older records. */
  readonly supervisor?: IProcessIdentity | null;
  /** Phase. */
  readonly phase: LocalPhase;
  /** When the ranks were started, RFC 3339. */
  readonly startedAt: string | null;
  /** When the run ended, RFC 3339. */
  readonly finishedAt: string | null;
  /** Exit status of each rank that reported one, by rank. */
  readonly rankExits: Readonly<Record<string, number>>;
  /** When each rank exited, RFC 3339, by rank. */
  readonly rankExitTimes: Readonly<Record<string, string>>;
  /** The launcher's exit status (128 + n when killed by signal n). */
  readonly exitCode: number | null;
  /** The signal that killed the launcher, if one did. */
  readonly signal: string | null;
  /** Why it failed. */
  readonly failure: ILocalFailure | null;
  /** Where each rank said it ran, by rank (recorded when the run ends). */
  readonly hosts?: Readonly<Record<string, string>>;
  /** When a rank first printed, RFC 3339 (recorded when the run ends). */
  readonly firstOutputAt?: string | null;
}

/** The parts of a record that never change after submission. */
export type RecordBase = Pick<
  IJobRecord,
  | 'name'
  | 'namespace'
  | 'uid'
  | 'createdAt'
  | 'spec'
  | 'workers'
  | 'slotsPerWorker'
  | 'gpusPerWorker'
  | 'mpiImplementation'
  | 'notebook'
>;

/**
 * The unchanging part of a record, from a spec.
 *
 * @param spec - the launch spec
 * @param uid - the job's uid
 * @param createdAt - submission time
 * @param notebook - notebook path and cells, for notebook jobs
 * @returns the base
 */
export function recordBase(
  spec: ILaunchSpec,
  uid: string,
  createdAt: string,
  notebook: IJobRecord['notebook']
): RecordBase {
  return {
    name: spec.name,
    namespace: spec.namespace,
    uid,
    createdAt,
    spec,
    workers: spec.workers,
    slotsPerWorker: spec.slotsPerWorker,
    gpusPerWorker: spec.gpusPerWorker,
    mpiImplementation: spec.mpiImplementation,
    notebook
  };
}

/**
 * Whether a phase is final.
 *
 * @param phase - a local phase
 * @returns true for Succeeded and Failed
 */
export function isFinished(phase: LocalPhase): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * The record of a local run: the synthesized MPIJob and pods reduced by
 * core's `reduceJob`.
 *
 * @param base - the unchanging fields
 * @param run - the run's facts
 * @param resourceVersion - the change counter to stamp (as an opaque version)
 * @param nodeName - this machine's host name
 * @returns the record
 */
export function buildRecord(
  base: RecordBase,
  run: ILocalRun,
  resourceVersion: number,
  nodeName: string
): IJobRecord {
  const { job, pods } = synthesize(base, run, nodeName);
  const reduced = reduceJob(job, pods);
  return {
    ...base,
    backend: 'local',
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    status: reduced.status,
    conditions: reduced.conditions,
    topology: reduced.topology,
    exitCode: run.exitCode,
    resourceVersion: String(resourceVersion)
  };
}

/**
 * The MPIJob-like and pod-like objects of a local run.
 *
 * @param base - the unchanging fields
 * @param run - the run's facts
 * @param nodeName - this machine's host name
 * @returns objects for `reduceJob`
 */
export function synthesize(
  base: RecordBase,
  run: ILocalRun,
  nodeName: string
): { job: IMpiJobLike; pods: IPodLike[] } {
  const id = `${base.namespace}/${base.name}`;
  const conditions: IConditionLike[] = [
    {
      type: 'Created',
      status: 'True',
      reason: MPIJOB_REASONS.created,
      message: `MPIJob ${id} is created.`,
      lastTransitionTime: base.createdAt
    }
  ];
  if (run.startedAt !== null) {
    conditions.push({
      type: 'Running',
      status: isFinished(run.phase) ? 'False' : 'True',
      reason: MPIJOB_REASONS.running,
      message: `MPIJob ${id} is running.`,
      lastTransitionTime: isFinished(run.phase)
        ? (run.finishedAt ?? run.startedAt)
        : run.startedAt
    });
  }
  if (run.phase === 'Succeeded') {
    conditions.push({
      type: 'Succeeded',
      status: 'True',
      reason: MPIJOB_REASONS.succeeded,
      message: `MPIJob ${id} successfully completed.`,
      lastTransitionTime: run.finishedAt
    });
  } else if (run.phase === 'Failed') {
    conditions.push({
      type: 'Failed',
      status: 'True',
      reason: run.failure?.reason ?? MPIJOB_REASONS.failed,
      message: run.failure?.message ?? `MPIJob ${id} has failed.`,
      lastTransitionTime: run.finishedAt
    });
  }
  const job: IMpiJobLike = {
    metadata: {
      name: base.name,
      namespace: base.namespace,
      uid: base.uid,
      creationTimestamp: base.createdAt
    },
    spec: {
      mpiReplicaSpecs: {
        Launcher: { replicas: 1 },
        Worker: { replicas: base.workers }
      }
    },
    status: {
      conditions,
      startTime: run.startedAt,
      completionTime: isFinished(run.phase) ? run.finishedAt : null
    }
  };
  const pods: IPodLike[] = [launcherPod(base, run, nodeName)];
  for (let i = 0; i < base.workers; i++) {
    pods.push(workerPod(base, run, nodeName, i));
  }
  return { job, pods };
}

// The service lost track of the processes (or stopped them itself): how
// they ended is unknown, which Kubernetes says with phase Unknown.
function runLost(run: ILocalRun): boolean {
  const reason = run.failure?.reason;
  return (
    reason === LOCAL_REASONS.lostProcess ||
    reason === LOCAL_REASONS.serviceStopped
  );
}

function launcherPod(
  base: RecordBase,
  run: ILocalRun,
  nodeName: string
): IPodLike {
  let phase: string;
  let state: IContainerStateLike | null = null;
  if (run.phase === 'Pending') {
    phase = 'Pending';
  } else if (run.phase === 'Running') {
    phase = 'Running';
    state = { running: { startedAt: run.startedAt } };
  } else if (runLost(run)) {
    phase = 'Unknown';
  } else {
    const code = run.exitCode ?? (run.phase === 'Succeeded' ? 0 : 1);
    phase = run.phase;
    state = {
      terminated: {
        exitCode: code,
        reason: code === 0 ? 'Completed' : 'Error',
        startedAt: run.startedAt,
        finishedAt: run.finishedAt
      }
    };
  }
  return pod(base, LAUNCHER_ROLE, null, nodeName, run, phase, state);
}

function workerPod(
  base: RecordBase,
  run: ILocalRun,
  nodeName: string,
  index: number
): IPodLike {
  const first = index * base.slotsPerWorker;
  const ranks: number[] = [];
  for (let r = first; r < first + base.slotsPerWorker; r++) {
    ranks.push(r);
  }
  const exits = ranks.map(r => run.rankExits[String(r)]);
  const allSucceeded = exits.every(code => code === 0);
  const failedRank = ranks.find(r => (run.rankExits[String(r)] ?? 0) !== 0);
  const culprit = run.failure?.rank ?? null;
  const lastExit = latest(ranks.map(r => run.rankExitTimes[String(r)]));
  const completed = (finishedAt: string | null): IContainerStateLike => ({
    terminated: {
      exitCode: 0,
      reason: 'Completed',
      startedAt: run.startedAt,
      finishedAt
    }
  });
  const failed = (rank: number, code: number): IContainerStateLike => ({
    terminated: {
      exitCode: code,
      reason: 'Error',
      startedAt: run.startedAt,
      finishedAt: run.rankExitTimes[String(rank)] ?? run.finishedAt
    }
  });

  let phase: string;
  let state: IContainerStateLike | null = null;
  let reason: string | null = null;
  if (run.phase === 'Pending') {
    phase = 'Pending';
  } else if (allSucceeded) {
    phase = 'Succeeded';
    state = completed(lastExit);
  } else if (run.phase === 'Failed' && culprit !== null) {
    if (ranks.includes(culprit)) {
      phase = 'Failed';
      const code = run.failure?.exitCode ?? run.rankExits[String(culprit)];
      state = failed(culprit, code === undefined || code === 0 ? 1 : code);
    } else {
      // Stopped because a rank elsewhere failed. No terminated state: its
      // exit time must not compete with the culprit's in reduceJob.
      phase = 'Failed';
      reason = 'Stopped';
    }
  } else if (runLost(run)) {
    phase = 'Unknown';
  } else if (run.phase === 'Running') {
    // Also when a rank already failed: the job's failure is recorded, with
    // the rank, cell and traceback, once mpirun has ended (fail-fast makes
    // that soon). A Failed worker now would end clients' waits with less.
    phase = 'Running';
    state = { running: { startedAt: run.startedAt } };
  } else if (failedRank !== undefined) {
    phase = 'Failed';
    state = failed(failedRank, run.rankExits[String(failedRank)]);
  } else if (run.phase === 'Succeeded') {
    phase = 'Succeeded';
    state = completed(run.finishedAt);
  } else {
    // The launcher failed without a rank to blame.
    phase = 'Unknown';
  }
  return pod(base, WORKER_ROLE, index, nodeName, run, phase, state, reason);
}

function pod(
  base: RecordBase,
  role: string,
  index: number | null,
  nodeName: string,
  run: ILocalRun,
  phase: string,
  state: IContainerStateLike | null,
  reason: string | null = null
): IPodLike {
  const labels: Record<string, string> = {
    [OPERATOR_NAME_LABEL]: OPERATOR_NAME,
    [OPERATOR_JOB_NAME_LABEL]: base.name,
    [JOB_ROLE_LABEL]: role
  };
  if (index !== null) {
    labels[REPLICA_INDEX_LABEL] = String(index);
  }
  return {
    // No pod names: there are no pods, and messages then say "worker 1"
    // rather than naming a pod that does not exist.
    metadata: { labels, creationTimestamp: base.createdAt },
    spec: { nodeName, containers: [{ name: 'mpi' }] },
    status: {
      phase,
      reason,
      startTime: run.startedAt,
      containerStatuses:
        state === null
          ? []
          : [
              {
                name: 'mpi',
                ready: state.running !== undefined && state.running !== null,
                restartCount: 0,
                state
              }
            ]
    }
  };
}

function latest(times: ReadonlyArray<string | undefined>): string | null {
  let best: string | null = null;
  let bestMs = -Infinity;
  for (const t of times) {
    if (t === undefined) {
      continue;
    }
    const ms = Date.parse(t);
    if (ms > bestMs) {
      best = t;
      bestMs = ms;
    }
  }
  return best;
}
