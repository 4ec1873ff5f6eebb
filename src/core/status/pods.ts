/**
 * Lays out an MPIJob's pods: which is the launcher, which worker each one
 * is, and the facts about each that the status is reduced from.
 */

import { GPU_RESOURCE } from '../kube';
import {
  DERIVED_REASONS,
  JOB_ROLE_LABEL,
  LAUNCHER_ROLE,
  launcherJobName,
  MAX_WORKERS,
  OPERATOR_JOB_NAME_LABEL,
  REPLICA_INDEX_LABEL,
  WORKER_ROLE
} from './operator';
import type {
  IContainerTerminatedLike,
  IMpiJobLike,
  IPodLike,
  IReplicaNode,
  ITopology,
  ReplicaPhase,
  ReplicaRole,
  TimestampLike
} from './types';
import { nonEmpty, toMs } from './values';

// Facts about one placed pod beyond its public node, kept for the status.
export interface IPodFacts {
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

export interface ILayout {
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

// Sentinels of classifyPod; worker indices are >= 0.
const NOT_OURS = -1;
const LAUNCHER = -2;

export function layoutPods(
  job: IMpiJobLike,
  pods: readonly IPodLike[]
): ILayout {
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
