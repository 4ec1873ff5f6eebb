/**
 * Derives a job's status from its conditions, laid-out pods and events.
 */

import { DERIVED_REASONS, launcherJobName, MPIJOB_REASONS } from './operator';
import type { ILayout, IPodFacts } from './pods';
import type {
  IEventLike,
  IFailedStatus,
  IJobCondition,
  IMpiJobLike,
  IReplicaNode,
  IReplicaRef,
  IRunningStatus,
  JobStatus
} from './types';
import { nonEmpty, toIso, toMs } from './values';

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

// Warning reasons on the MPIJob or its launcher Job that keep the job from
// starting. Others (e.g. SetPodTemplateRestartPolicy) are advice only.
const BLOCKING_JOB_EVENT_REASONS: ReadonlySet<string> = new Set([
  MPIJOB_REASONS.failed,
  MPIJOB_REASONS.validationError,
  MPIJOB_REASONS.resourceExists,
  'FailedCreate'
]);

export function deriveStatus(
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
