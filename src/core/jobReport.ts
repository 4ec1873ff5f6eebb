/**
 * Where a job's ranks really ran and how long its start took: facts a job's
 * status does not hold. Each rank reports its host as it starts (a marker
 * line of the packaged program, see `HOST_MARKER`); on Kubernetes a host is
 * a pod, so ranks map to pods and pods to nodes. A job whose ranks all ran
 * on one host although it has several workers did not spread (Open MPI 5
 * without a hostfile runs every rank on the launcher and still succeeds):
 * that gets a warning, and a benchmark of it no speedup. Pure.
 */
import type {
  IEventLike,
  IPodLike,
  IReplicaNode,
  ITopology,
  TimestampLike
} from './status';
import { JOB_ROLE_LABEL, toIso } from './status';

/** Starts the line a rank prints as it starts: `<marker><host name>`. */
export const HOST_MARKER = '\u001empijob-host ';

/** Where one rank ran. */
export interface IRankPlacement {
  /** MPI rank. */
  readonly rank: number;
  /** Its host name (a pod's name on Kubernetes). */
  readonly host: string;
  /** The replica with that host: `launcher`, `worker`, or null when none matches. */
  readonly role: 'launcher' | 'worker' | null;
  /** The worker's index; null for the launcher and unknown hosts. */
  readonly index: number | null;
  /** The node that replica ran on, when known. */
  readonly node: string | null;
}

/** One step of a job's start, from its creation. */
export interface ITimelineStep {
  /** What happened. */
  readonly step: TimelineStep;
  /** When, RFC 3339; null when it has not happened (or is not known). */
  readonly at: string | null;
}

/** The steps, in order. */
export const TIMELINE_STEPS = [
  'created',
  'scheduled',
  'containersStarted',
  'workersReady',
  'mpirunStarted',
  'firstOutput',
  'finished'
] as const;

/** A step of the start-up timeline. */
export type TimelineStep = (typeof TIMELINE_STEPS)[number];

/** What a timeline step is called, for people. */
export const TIMELINE_TITLES: Readonly<Record<TimelineStep, string>> = {
  created: 'Created',
  scheduled: 'Scheduled',
  containersStarted: 'Containers started',
  workersReady: 'Workers ready',
  mpirunStarted: 'mpirun started',
  firstOutput: 'First rank output',
  finished: 'Finished'
};

/** A job's placement and start-up, as `GET /api/jobs/{ns}/{name}/report` gives them. */
export interface IJobReport {
  /** Every rank that reported its host, by rank. */
  readonly placement: readonly IRankPlacement[];
  /** Why the placement is suspect, or null. */
  readonly warning: string | null;
  /** The start-up, step by step; steps a backend has no such thing for are left out. */
  readonly timeline: readonly ITimelineStep[];
}

/**
 * Which replica each rank ran on.
 *
 * @param hosts - each rank's host, by rank
 * @param topology - the job's replicas (pod names are the hosts on Kubernetes)
 * @param jobName - the job's name: mpi-operator names the launcher's host
 *   `<job>-launcher`, not after its pod
 * @returns one placement per rank, by rank
 */
export function placeRanks(
  hosts: Readonly<Record<number, string>>,
  topology: ITopology,
  jobName?: string
): IRankPlacement[] {
  const replicas = [
    ...(topology.launcher ? [topology.launcher] : []),
    ...topology.workers
  ];
  const isHost = (replica: IReplicaNode, host: string): boolean =>
    replica.podName === host ||
    (replica.role === 'launcher' &&
      jobName !== undefined &&
      host === `${jobName}-launcher`);
  return Object.entries(hosts)
    .map(([rank, host]) => {
      const replica = replicas.find(r => isHost(r, host));
      return {
        rank: Number(rank),
        host,
        role: replica?.role ?? null,
        index: replica && replica.role === 'worker' ? replica.index : null,
        node: replica?.nodeName ?? null
      };
    })
    .sort((a, b) => a.rank - b.rank);
}

/**
 * What is wrong with where the ranks ran, if anything: all of them on one
 * host although the job has several workers, or any on the launcher.
 *
 * @param placement - where each rank ran
 * @param workers - the job's worker count
 * @param ranks - the job's rank count
 * @returns the warning, or null
 */
export function placementWarning(
  placement: readonly IRankPlacement[],
  workers: number,
  ranks: number
): string | null {
  const onLauncher = placement.filter(p => p.role === 'launcher');
  if (onLauncher.length > 0) {
    return `${onLauncher.length} of ${ranks} rank(s) ran on the launcher (${onLauncher[0].host}), not on a worker: the workers did no work. mpirun placed them without the hostfile (Open MPI 5 ignores mpi-operator's variables): run mpirun with --hostfile /etc/mpi/hostfile`;
  }
  const hosts = new Set(placement.map(p => p.host));
  if (workers > 1 && placement.length === ranks && hosts.size === 1) {
    return `all ${ranks} ranks ran on one host (${[...hosts][0]}) although the job has ${workers} workers: it ran no faster than on one, and a speedup measured on it means nothing`;
  }
  return null;
}

/**
 * The start-up timeline of a job on Kubernetes, from its pods (live or last
 * seen before they were removed) and its first rank output.
 *
 * @param created - the MPIJob's creation time
 * @param finished - when it ended, if it did
 * @param pods - launcher and worker pods
 * @param firstOutput - when a rank first printed, if known
 * @returns every step, in order
 */
export function podTimeline(
  created: string,
  finished: string | null,
  pods: readonly IPodLike[],
  firstOutput: string | null
): ITimelineStep[] {
  const workers = pods.filter(p => roleOf(p) === 'worker');
  const launcher = pods.find(p => roleOf(p) === 'launcher');
  // A step is done when every pod of it is: the last one says when.
  const latest = (times: readonly (string | null)[]): string | null =>
    times.length === 0 || times.some(t => t === null)
      ? null
      : (times as string[]).reduce((a, b) =>
          Date.parse(b) > Date.parse(a) ? b : a
        );
  const at: Record<TimelineStep, string | null> = {
    created,
    scheduled: latest(pods.map(p => conditionTime(p, 'PodScheduled'))),
    containersStarted: latest(pods.map(containerStarted)),
    workersReady: latest(workers.map(readyTime)),
    mpirunStarted: launcher ? containerStarted(launcher) : null,
    firstOutput,
    finished
  };
  return TIMELINE_STEPS.map(step => ({ step, at: at[step] }));
}

/**
 * Pods that are gone as their events remember them (`Scheduled`, `Started`):
 * enough for {@link podTimeline} when the operator's clean-up deleted a
 * job's workers and no watch saw them last (a fresh `describe`).
 *
 * @param replicas - the gone replicas: pod name and role
 * @param events - events of the job's namespace
 * @returns one pod-like object per replica
 */
export function podsFromEvents(
  replicas: ReadonlyArray<{ readonly podName: string; readonly role: string }>,
  events: readonly IEventLike[]
): IPodLike[] {
  const at = (podName: string, reason: string): string | null => {
    const event = events.find(
      e =>
        e.involvedObject?.kind === 'Pod' &&
        e.involvedObject.name === podName &&
        e.reason === reason
    );
    return event
      ? toIso(event.eventTime ?? event.lastTimestamp ?? event.firstTimestamp)
      : null;
  };
  return replicas.map(({ podName, role }) => {
    const scheduled = at(podName, 'Scheduled');
    const started = at(podName, 'Started');
    return {
      metadata: { name: podName, labels: { [JOB_ROLE_LABEL]: role } },
      status: {
        conditions: scheduled
          ? [
              {
                type: 'PodScheduled',
                status: 'True',
                lastTransitionTime: scheduled
              }
            ]
          : [],
        // Its container ran and is gone: it ended.
        containerStatuses: started
          ? [{ name: role, state: { terminated: { startedAt: started } } }]
          : []
      }
    } as unknown as IPodLike;
  });
}

/**
 * Seconds from creation to each step, for results files and tables.
 *
 * @param timeline - the steps
 * @returns seconds by step (null where a step has no time)
 */
export function timelineSeconds(
  timeline: readonly ITimelineStep[]
): Partial<Record<TimelineStep, number | null>> {
  const created = timeline.find(s => s.step === 'created')?.at;
  const start = created ? Date.parse(created) : NaN;
  return Object.fromEntries(
    timeline.map(s => [
      s.step,
      s.at === null || Number.isNaN(start)
        ? null
        : Math.max(0, (Date.parse(s.at) - start) / 1000)
    ])
  );
}

function roleOf(pod: IPodLike): string | undefined {
  return pod.metadata?.labels?.[JOB_ROLE_LABEL];
}

function conditionTime(pod: IPodLike, type: string): string | null {
  const conditions = (pod.status?.conditions ?? []) as ReadonlyArray<{
    type?: string;
    status?: string;
    lastTransitionTime?: TimestampLike | null;
  }>;
  const condition = conditions.find(c => c.type === type);
  return condition?.status === 'True'
    ? toIso(condition.lastTransitionTime)
    : null;
}

// When a pod turned Ready. A pod whose container has ended is no longer
// Ready (a finished job's, or one the operator deleted); without probes it
// was from the moment its container started (Kubernetes' rule), which the
// container's terminated state still tells.
function readyTime(pod: IPodLike): string | null {
  const ready = conditionTime(pod, 'Ready');
  if (ready !== null) {
    return ready;
  }
  const probed = (pod.spec?.containers ?? []).some(
    c =>
      (c.readinessProbe ?? null) !== null || (c.startupProbe ?? null) !== null
  );
  const state = pod.status?.containerStatuses?.[0]?.state as
    | { terminated?: { startedAt?: TimestampLike | null } | null }
    | null
    | undefined;
  return probed ? null : toIso(state?.terminated?.startedAt);
}

function containerStarted(pod: IPodLike): string | null {
  const state = pod.status?.containerStatuses?.[0]?.state as
    | {
        running?: { startedAt?: TimestampLike | null } | null;
        terminated?: { startedAt?: TimestampLike | null } | null;
      }
    | null
    | undefined;
  return toIso(state?.running?.startedAt ?? state?.terminated?.startedAt);
}
