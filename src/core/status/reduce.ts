/**
 * The public reduction: an MPIJob, its pods and events to one status and a
 * topology, and the summaries shown of them.
 */

import { deriveStatus } from './derive';
import { workerPodName } from './operator';
import { layoutPods } from './pods';
import type {
  IConditionLike,
  IEventLike,
  IJobCondition,
  IJobReduction,
  IMpiJobLike,
  IPodLike,
  IReplicaNode,
  ITopology,
  ITopologySummary,
  JobStatus,
  ReplicaPhase
} from './types';
import { nonEmpty, toIso, toMs } from './values';

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
