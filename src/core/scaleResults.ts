/**
 * Results of a control-plane scale benchmark (`kind: scale`): N jobs × W
 * workers submitted through one job service onto simulated nodes. The raw
 * samples live in the results file; everything reported (percentiles,
 * targets) is recomputed from them here. Pure: no I/O.
 */
import { quantileSorted } from './stats';

/** Series names of a scale run (see IBenchRun.series). */
export const SCALE_SERIES = {
  /** Seconds from a job's submit to the service until it was seen Running. */
  submitToRunning: 'submitToRunning',
  /** Milliseconds from an MPIJob change in the API to its SSE event at a client. */
  statusToSse: 'statusToSse'
} as const;

/** One job's times, seconds from the first submit. */
export interface IScaleJobTimes {
  /** The job's name. */
  readonly job: string;
  /** When its submit request was sent. */
  readonly submittedAt: number;
  /** When the service answered it. */
  readonly acceptedAt: number | null;
  /** When the reference watch first saw it Running; null if never. */
  readonly runningAt: number | null;
}

/** Pods Running per job over time (sampled from a pod watch). */
export interface IPodsTimeline {
  /** Job names, the order of `running` in each sample. */
  readonly jobs: readonly string[];
  /** Samples: seconds from the first submit, Running pods of each job. */
  readonly samples: ReadonlyArray<{
    readonly t: number;
    readonly running: readonly number[];
  }>;
}

/** Requests one user made of the API server, by verb and resource. */
export interface IRequestCount {
  /** get, list, watch, create, update, patch, delete… */
  readonly verb: string;
  /** Resource, with `/subresource` when there is one. */
  readonly resource: string;
  /** How many. */
  readonly count: number;
  /** Watches only: the most open at once. */
  readonly maxOpen?: number;
}

/** What one SSE client saw. */
export interface ISseClientRecord {
  /** Status events with an id. */
  readonly events: number;
  /** Connections it opened (1 + reconnects). */
  readonly connections: number;
  /** Times the service said it could not resume (resync). */
  readonly resyncs: number;
  /** Ids that went back or repeated within a stream. */
  readonly duplicates: number;
  /** Ids skipped between consecutive events (resyncs excepted). */
  readonly gaps: number;
  /** Jobs whose last state at the client differs from the API's at the end. */
  readonly diverged: readonly string[];
}

/** The operator's pod creation at one client rate limit. */
export interface IOperatorRun {
  /** `default` (upstream's flags) or `tuned`. */
  readonly label: string;
  /** --kube-api-qps. */
  readonly qps: number;
  /** --kube-api-burst. */
  readonly burst: number;
  /** --controller-queue-rate-limit. */
  readonly queueRateLimit?: number;
  /** --controller-queue-burst. */
  readonly queueBurst?: number;
  /** Jobs submitted at this setting. */
  readonly jobs: number;
  /** Pods the operator had to create (launchers and workers). */
  readonly pods: number;
  /** Seconds from the first submit until every pod existed; null if they did not. */
  readonly podsCreatedSeconds: number | null;
  /** Seconds from the first submit until every job was Running; null if not. */
  readonly allRunningSeconds: number | null;
}

/** One injected fault and whether the service recovered from it. */
export interface IFaultRecord {
  /** operator-kill, apiserver-restart, etcd-restart, service-restart. */
  readonly kind: string;
  /** Seconds from the first submit when it was injected. */
  readonly at: number;
  /** Seconds until the component was back. */
  readonly recoverySeconds: number | null;
  /** Whether every job's phase at every client matched the API afterwards. */
  readonly converged: boolean;
  /** What went wrong, if anything. */
  readonly message: string | null;
}

/** The details of a scale run (results.scale). */
export interface IScaleDetail {
  /** Jobs submitted in the main run. */
  readonly jobs: number;
  /** Workers per job. */
  readonly workers: number;
  /** GPUs per worker. */
  readonly gpusPerWorker: number;
  /** SSE clients connected to the service. */
  readonly sseClients: number;
  /** The simulated nodes made for the run. */
  readonly nodes: {
    readonly count: number;
    readonly podsPerNode: number;
    readonly gpusPerNode: number;
  };
  /** Each job's times. */
  readonly jobTimes: readonly IScaleJobTimes[];
  /** Seconds from the first submit until every job was Running at once; null if never. */
  readonly allRunningSeconds: number | null;
  /** Pods Running per job over time. */
  readonly podsRunning: IPodsTimeline;
  /** API changes to MPIJobs the reference watch saw, and how many reached every client. */
  readonly sse: {
    readonly changes: number;
    readonly matched: number;
    readonly clients: readonly ISseClientRecord[];
  };
  /** The service's requests (kube-apiserver's audit log); null when not counted. */
  readonly requests: readonly IRequestCount[] | null;
  /** Why requests were not counted. */
  readonly requestsMissing?: string;
  /** The service process. */
  readonly service: {
    /** CPU seconds (user + system) it used during the run. */
    readonly cpuSeconds: number;
    /** Its largest resident set, bytes. */
    readonly maxRssBytes: number;
  };
  /** Pod creation by the operator at each client rate limit. */
  readonly operator: readonly IOperatorRun[];
  /** Deleting every job through the service. */
  readonly delete: {
    /** Seconds until no MPIJob, pod or ConfigMap of the run was left; null if some stayed. */
    readonly seconds: number | null;
    /** What was left at the end. */
    readonly left: Readonly<Record<string, number>>;
  };
  /** Faults injected during the run. */
  readonly faults: readonly IFaultRecord[];
}

/** p50, p95, p99 and max of samples. */
export interface IPercentiles {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Percentiles of samples (linear interpolation, as core/stats does).
 *
 * @param samples - finite numbers
 * @returns the percentiles; null when there are none
 */
export function percentiles(samples: readonly number[]): IPercentiles | null {
  if (samples.length === 0) {
    return null;
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    max: sorted[sorted.length - 1]
  };
}

/**
 * Seconds from submit to Running of every job that got there.
 *
 * @param times - the jobs' times
 * @returns one sample per Running job
 */
export function submitToRunning(times: readonly IScaleJobTimes[]): number[] {
  return times
    .filter(t => t.runningAt !== null)
    .map(t => (t.runningAt as number) - t.submittedAt);
}

/**
 * The MPIJob resourceVersion a job record was built from: a record's
 * version is the MPIJob's, then a digest of its pods (core/clusterRecord).
 *
 * @param recordVersion - IJobRecord.resourceVersion
 * @returns the MPIJob's resourceVersion
 */
export function mpiJobVersion(recordVersion: string): string {
  const dot = recordVersion.indexOf('.');
  return dot < 0 ? recordVersion : recordVersion.slice(0, dot);
}

/**
 * Checks the ids of one SSE connection: each must be the one before plus
 * one (the service numbers every change of the namespace it serves).
 *
 * @param ids - ids in the order received
 * @returns how many repeated or went back, and how many were skipped
 */
export function sequenceProblems(ids: readonly number[]): {
  duplicates: number;
  gaps: number;
} {
  let duplicates = 0;
  let gaps = 0;
  for (let i = 1; i < ids.length; i++) {
    const step = ids[i] - ids[i - 1];
    if (step <= 0) {
      duplicates++;
    } else if (step > 1) {
      gaps += step - 1;
    }
  }
  return { duplicates, gaps };
}

/** One target of the benchmark and whether the run met it. */
export interface IScaleTarget {
  /** What is measured. */
  readonly name: string;
  /** The target, in words. */
  readonly target: string;
  /** The measured value, in words. */
  readonly value: string;
  /** Met? null when not measured. */
  readonly ok: boolean | null;
}

/** The service's resident set must stay below this (DESIGN.md). */
export const RSS_TARGET_BYTES = 300 * 1024 * 1024;

/** status → SSE p99 must stay below this, ms (DESIGN.md). */
export const SSE_P99_TARGET_MS = 1000;

/**
 * Watches of one resource open at once allowed: one per namespace the
 * service serves (and one more while a client looks at another), never one
 * per job. (Their total grows with time: each one is renewed every few minutes.)
 */
export const WATCHES_PER_RESOURCE = 2;

/**
 * The targets of DESIGN.md's control-plane line, checked against a run.
 *
 * @param detail - the run's details
 * @param sseLatencyMs - its status → SSE samples
 * @returns one row per target
 */
export function scaleTargets(
  detail: IScaleDetail,
  sseLatencyMs: readonly number[]
): IScaleTarget[] {
  const running = detail.jobTimes.filter(t => t.runningAt !== null).length;
  const sse = percentiles(sseLatencyMs);
  const watches = (detail.requests ?? []).filter(r => r.verb === 'watch');
  const mostWatches = Math.max(0, ...watches.map(w => w.maxOpen ?? w.count));
  const clients = detail.sse.clients;
  // Versions the API went through that a client never saw are not lost
  // when the client ends at the truth: after a re-list the service sends
  // the latest state, not every step. Skipped ids and a wrong end state are.
  const lost = clients.reduce((n, c) => n + c.gaps + c.diverged.length, 0);
  const duplicated = clients.reduce((n, c) => n + c.duplicates, 0);
  return [
    {
      name: 'jobs Running',
      target: `all ${detail.jobs}`,
      value: `${running} (all at once after ${detail.allRunningSeconds === null ? 'never' : `${detail.allRunningSeconds.toFixed(1)} s`})`,
      ok: running === detail.jobs && detail.allRunningSeconds !== null
    },
    {
      name: 'status → SSE p99',
      target: `< ${SSE_P99_TARGET_MS} ms`,
      value: sse ? `${sse.p99.toFixed(0)} ms` : 'not measured',
      ok: sse ? sse.p99 < SSE_P99_TARGET_MS : null
    },
    {
      name: 'service RSS',
      target: `< ${RSS_TARGET_BYTES / 2 ** 20} MiB`,
      value: `${(detail.service.maxRssBytes / 2 ** 20).toFixed(0)} MiB`,
      ok: detail.service.maxRssBytes < RSS_TARGET_BYTES
    },
    {
      name: 'watches',
      target: `O(kinds): ≤ ${WATCHES_PER_RESOURCE} open per resource for ${detail.jobs} jobs`,
      value:
        detail.requests === null
          ? 'not counted'
          : watches
              .map(
                w =>
                  `${w.resource} ${w.maxOpen ?? '?'} open (${w.count} in all)`
              )
              .join(', ') || 'none',
      ok:
        detail.requests === null
          ? null
          : watches.length > 0 && mostWatches <= WATCHES_PER_RESOURCE
    },
    {
      name: 'SSE: lost or duplicated',
      target: '0',
      value: `${lost} lost, ${duplicated} duplicated`,
      ok: lost === 0 && duplicated === 0
    },
    {
      name: 'delete all',
      target: 'nothing left',
      value:
        detail.delete.seconds === null
          ? `left: ${JSON.stringify(detail.delete.left)}`
          : `${detail.delete.seconds.toFixed(1)} s`,
      ok: detail.delete.seconds !== null
    }
  ];
}
