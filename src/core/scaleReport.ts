/**
 * The text report of a scale run: targets, latencies, the service's API
 * requests, the operator's pod creation and the faults, all recomputed
 * from the results file's raw data. Pure.
 */
import type { IBenchResults } from './benchResults';
import type { IScaleDetail } from './scaleResults';
import {
  percentiles,
  SCALE_SERIES,
  scaleTargets,
  submitToRunning
} from './scaleResults';
import { formatTable } from './table';

const fixed = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined ? '-' : x.toFixed(digits);

/**
 * The report's lines (after the header and environment).
 *
 * @param results - results of kind `scale`
 * @returns lines of text
 */
export function scaleReportLines(results: IBenchResults): string[] {
  const detail: IScaleDetail | undefined = results.scale;
  if (!detail) {
    return ['(no scale data)'];
  }
  const sse = results.runs[0]?.series[SCALE_SERIES.statusToSse]?.samples ?? [];
  const lines: string[] = [
    `${detail.jobs} jobs × ${detail.workers} workers (${detail.jobs * (detail.workers + 1)} pods, ${detail.gpusPerWorker} GPU a worker) on ${detail.nodes.count} simulated nodes (${detail.nodes.podsPerNode} pods, ${detail.nodes.gpusPerNode} GPUs each), ${detail.sseClients} SSE clients`,
    ''
  ];
  lines.push(
    formatTable(
      ['target', 'goal', 'measured', 'ok'],
      scaleTargets(detail, sse).map(t => [
        t.name,
        t.target,
        t.value,
        t.ok === null ? '-' : t.ok ? 'yes' : 'NO'
      ])
    ).trimEnd(),
    ''
  );
  const running = percentiles(submitToRunning(detail.jobTimes));
  const toSse = percentiles(sse);
  lines.push(
    formatTable(
      ['latency', 'samples', 'p50', 'p95', 'p99', 'max'],
      [
        [
          'submit → job Running (s)',
          String(running?.count ?? 0),
          fixed(running?.p50),
          fixed(running?.p95),
          fixed(running?.p99),
          fixed(running?.max)
        ],
        [
          'status → SSE (ms)',
          String(toSse?.count ?? 0),
          fixed(toSse?.p50, 0),
          fixed(toSse?.p95, 0),
          fixed(toSse?.p99, 0),
          fixed(toSse?.max, 0)
        ]
      ]
    ).trimEnd(),
    `every job Running at once after ${fixed(detail.allRunningSeconds)} s; MPIJob changes in the API ${detail.sse.changes}, seen by every client ${detail.sse.matched}`,
    ''
  );
  lines.push(
    `job service: ${fixed(detail.service.cpuSeconds)} CPU s, max RSS ${(detail.service.maxRssBytes / 2 ** 20).toFixed(0)} MiB`
  );
  if (detail.requests) {
    lines.push(
      'its API requests (kube-apiserver audit log):',
      formatTable(
        ['verb', 'resource', 'requests', 'open at once'],
        detail.requests.map(r => [
          r.verb,
          r.resource,
          String(r.count),
          r.maxOpen === undefined ? '' : String(r.maxOpen)
        ])
      ).trimEnd()
    );
  } else {
    lines.push(
      `its API requests: not counted (${detail.requestsMissing ?? 'no audit log'})`
    );
  }
  lines.push('');
  if (detail.operator.length) {
    lines.push(
      'mpi-operator creating the pods:',
      formatTable(
        [
          'flags',
          'jobs',
          'pods',
          'all pods created (s)',
          'pods/s',
          'all Running (s)'
        ],
        detail.operator.map(o => [
          `${o.label}: --kube-api-qps=${o.qps} --kube-api-burst=${o.burst}${o.queueRateLimit === undefined ? '' : ` --controller-queue-rate-limit=${o.queueRateLimit} --controller-queue-burst=${o.queueBurst}`}`,
          String(o.jobs),
          String(o.pods),
          fixed(o.podsCreatedSeconds),
          o.podsCreatedSeconds
            ? (o.pods / o.podsCreatedSeconds).toFixed(1)
            : '-',
          fixed(o.allRunningSeconds)
        ])
      ).trimEnd(),
      ''
    );
  }
  lines.push(
    `delete all: ${detail.delete.seconds === null ? `left ${JSON.stringify(detail.delete.left)}` : `nothing left after ${fixed(detail.delete.seconds)} s`}`
  );
  lines.push(
    `SSE clients: ${detail.sse.clients
      .map(
        (c, i) =>
          `#${i + 1} ${c.events} events, ${c.connections} connection(s), ${c.resyncs} resync(s), ${c.gaps} skipped, ${c.duplicates} repeated, ${c.diverged.length} diverged`
      )
      .join('; ')}`
  );
  for (const f of detail.faults) {
    lines.push(
      `fault ${f.kind} at ${fixed(f.at)} s: back after ${fixed(f.recoverySeconds)} s, clients ${f.converged ? 'converged' : 'did NOT converge'}${f.message ? ` (${f.message})` : ''}`
    );
  }
  for (const run of results.runs.filter(r => r.reason)) {
    lines.push(`${run.name}: ${run.state}: ${run.reason}`);
  }
  return lines;
}
