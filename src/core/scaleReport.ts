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
  const sse = statusToSseSamples(results);
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
  const latency = latencyCells(results);
  lines.push(
    formatTable(
      ['latency', 'samples', 'p50', 'p95', 'p99', 'max'],
      [
        ['submit → job Running (s)', ...latency.submitToRunning],
        ['status → SSE (ms)', ...latency.statusToSse]
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
        requestCells(detail)
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
        operatorCells(detail)
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

/** Cells of the latency table: samples, p50, p95, p99, max. */
export interface ILatencyCells {
  /** submit → job Running, s. */
  readonly submitToRunning: string[];
  /** status change in the API → its SSE event at a client, ms. */
  readonly statusToSse: string[];
}

/**
 * The latency distributions, as table cells.
 *
 * @param results - results of kind `scale`
 * @returns samples, p50, p95, p99 and max of each
 */
export function latencyCells(results: IBenchResults): ILatencyCells {
  const cells = (samples: readonly number[], digits: number): string[] => {
    const p = percentiles(samples);
    return [
      String(p?.count ?? 0),
      fixed(p?.p50, digits),
      fixed(p?.p95, digits),
      fixed(p?.p99, digits),
      fixed(p?.max, digits)
    ];
  };
  return {
    submitToRunning: cells(submitToRunning(results.scale?.jobTimes ?? []), 1),
    statusToSse: cells(statusToSseSamples(results), 0)
  };
}

/**
 * The service's API requests, as table cells: verb, resource, requests,
 * open at once (watches only).
 *
 * @param detail - the run's details
 * @returns one row per verb and resource, none when not counted
 */
export function requestCells(detail: IScaleDetail): string[][] {
  return (detail.requests ?? []).map(r => [
    r.verb,
    r.resource,
    String(r.count),
    r.maxOpen === undefined ? '' : String(r.maxOpen)
  ]);
}

/**
 * The mpi-operator's pod creation, as table cells: flags, jobs, pods, all
 * pods created (s), pods/s, all Running (s).
 *
 * @param detail - the run's details
 * @returns one row per operator setting
 */
export function operatorCells(detail: IScaleDetail): string[][] {
  return detail.operator.map(o => [
    `${o.label}: --kube-api-qps=${o.qps} --kube-api-burst=${o.burst}${o.queueRateLimit === undefined ? '' : ` --controller-queue-rate-limit=${o.queueRateLimit} --controller-queue-burst=${o.queueBurst}`}`,
    String(o.jobs),
    String(o.pods),
    fixed(o.podsCreatedSeconds),
    o.podsCreatedSeconds ? (o.pods / o.podsCreatedSeconds).toFixed(1) : '-',
    fixed(o.allRunningSeconds)
  ]);
}

/**
 * A scale run's status → SSE latencies, ms.
 *
 * @param results - results of kind `scale`
 * @returns its samples, none when not measured
 */
export function statusToSseSamples(results: IBenchResults): readonly number[] {
  return results.runs[0]?.series[SCALE_SERIES.statusToSse]?.samples ?? [];
}
