/**
 * Reports of results files: text tables for the terminal (speedup with
 * its confidence interval, efficiency, Karp–Flatt, end-to-end time and harness overhead per worker
 * count) and a self-contained HTML page with the charts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import {
  efficiencyChartConfig,
  speedupChartConfig
} from '../../core/benchChart';
import type { IBenchResults, IBenchRun } from '../../core/benchResults';
import { SERIES, summarizeResults } from '../../core/benchResults';
import {
  environmentLines,
  round,
  runNotes,
  SUMMARY_HEADERS,
  summaryCells
} from '../../core/benchReport';
import { scaleReportLines } from '../../core/scaleReport';
import { formatTable } from '../../core/table';

export { environmentLines, SUMMARY_HEADERS, summaryCells };

/**
 * The text report of results: per file a header, the speedup table, runs
 * that did not complete, and a workload's sweep where it reported one.
 *
 * @param results - one or more results
 * @returns text for the terminal
 */
export function formatReport(results: readonly IBenchResults[]): string {
  return results
    .map(r =>
      r.kind === 'micro'
        ? microReport(r)
        : r.kind === 'scale'
          ? scaleReport(r)
          : scenarioReport(r)
    )
    .join('\n');
}

function scenarioReport(results: IBenchResults): string {
  const summary = summarizeResults(results);
  const lines = [headerLine(results), ...environmentLines(results)];
  if (summary !== null) {
    lines.push(
      `${summary.mode} scaling; speedup from ${summary.basis === 'workload' ? 'the time the workload measured' : 'end-to-end time'}, baseline ${summary.baselineWorkers} worker${summary.baselineWorkers === 1 ? '' : 's'}; TIME: median (min–max); SPEEDUP: median of the per-turn ratios [${Math.round(summary.bootstrap.confidence * 100)}% bootstrap CI]; MIN RATIO: fastest baseline time / fastest time; E2E: submit to done through the harness; OVERHEAD: E2E vs BARE mpirun; EXTRA: seconds the harness adds beyond BARE, each run's compute time taken out`
    );
    lines.push('');
    lines.push(
      formatTable([...SUMMARY_HEADERS], summaryCells(results)).trimEnd()
    );
  }
  const notes = runNotes(results);
  if (notes.length > 0) {
    lines.push('', ...notes);
  }
  const sweeps = sweepReport(results.runs);
  if (sweeps) {
    lines.push('', sweeps.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

function scaleReport(results: IBenchResults): string {
  return `${[headerLine(results), ...environmentLines(results), '', ...scaleReportLines(results)].join('\n')}\n`;
}

function microReport(results: IBenchResults): string {
  const lines = [headerLine(results), ...environmentLines(results), ''];
  const rows = results.runs.map(run => {
    const latency = run.series[SERIES.latency]?.stats;
    const extra = Object.entries(run.metrics)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? round(v) : v}`)
      .join(' ');
    return [
      run.name,
      run.state,
      latency ? `${round(latency.mean)} ms` : '-',
      latency ? `±${latency.rme.toFixed(1)}%` : '-',
      latency ? `${round(latency.p50)} ms` : '-',
      latency ? `${round(latency.p99)} ms` : '-',
      latency ? String(latency.samplesCount) : '-',
      extra || '-'
    ];
  });
  lines.push(
    formatTable(
      ['task', 'state', 'mean', 'rme', 'p50', 'p99', 'samples', 'metrics'],
      rows
    ).trimEnd()
  );
  for (const run of results.runs.filter(r => r.reason)) {
    lines.push(`${run.name}: ${run.state}: ${run.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

function headerLine(results: IBenchResults): string {
  return `== ${results.name} (${results.state}) started ${results.startedAt}`;
}

interface ISweepPoint {
  readonly bytes: number;
  readonly latency_us: number;
  readonly algbw_MBps: number;
  readonly busbw_MBps: number;
}

function sweepReport(runs: readonly IBenchRun[]): string {
  const parts: string[] = [];
  for (const run of runs) {
    const sweeps = run.attempts
      .filter(a => a.phase === 'measure' && a.state === 'completed')
      .map(a => a.metrics?.sweep)
      .filter((s): s is ISweepPoint[] => Array.isArray(s) && s.length > 0);
    if (sweeps.length === 0) {
      continue;
    }
    // Mean over the measured runs, size by size.
    const rows = sweeps[0].map((point, i) => {
      const same = sweeps.map(s => s[i]).filter(p => p?.bytes === point.bytes);
      const mean = (pick: (p: ISweepPoint) => number): number =>
        same.reduce((sum, p) => sum + pick(p), 0) / same.length;
      return [
        bytesText(point.bytes),
        mean(p => p.latency_us).toFixed(2),
        mean(p => p.algbw_MBps).toFixed(1),
        mean(p => p.busbw_MBps).toFixed(1)
      ];
    });
    parts.push(
      `${run.name}, mean of ${sweeps.length} run${sweeps.length === 1 ? '' : 's'}:\n${formatTable(['size', 'latency (us)', 'alg bw (MB/s)', 'bus bw (MB/s)'], rows)}`
    );
  }
  return parts.join('\n');
}

function bytesText(bytes: number): string {
  if (bytes >= 2 ** 20 && bytes % 2 ** 20 === 0) {
    return `${bytes / 2 ** 20} MiB`;
  }
  if (bytes >= 1024 && bytes % 1024 === 0) {
    return `${bytes / 1024} KiB`;
  }
  return `${bytes} B`;
}

/**
 * A self-contained HTML report: the charts (chart.js inlined, no network),
 * the tables and the environment of each results file.
 *
 * @param results - one or more results
 * @param chartJs - chart.js's UMD build; read from node_modules when absent
 * @returns the HTML page
 */
export function renderHtml(
  results: readonly IBenchResults[],
  chartJs: string = readChartJsUmd()
): string {
  const scenarios = results.filter(r => r.kind === 'scenario');
  const charted = scenarios.some(r => summarizeResults(r) !== null);
  const configs = charted
    ? {
        speedup: speedupChartConfig(scenarios),
        efficiency: efficiencyChartConfig(scenarios)
      }
    : {};
  const sections = results.map(r => {
    const table =
      r.kind === 'scenario'
        ? htmlTable(
            SUMMARY_HEADERS.map(h => h.toUpperCase()),
            summaryCells(r)
          )
        : '';
    return `<section>
<h2>${escapeHtml(r.name)} <small>(${escapeHtml(r.state)})</small></h2>
<p>${environmentLines(r).map(escapeHtml).join('<br>')}</p>
${table}
<pre>${escapeHtml(formatReport([r]))}</pre>
</section>`;
  });
  const canvases = Object.keys(configs)
    .map(id => `<canvas id="${id}" width="680" height="450"></canvas>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Benchmark report: ${escapeHtml(results.map(r => r.name).join(', '))}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f4f4f4; }
pre { background: #f8f8f8; padding: 1em; overflow-x: auto; }
</style>
</head>
<body>
<h1>Benchmark report</h1>
<div class="charts">
${canvases}
</div>
${sections.join('\n')}
<script>${inlineScript(chartJs)}</script>
<script>
const configs = ${inlineJson(configs)};
for (const [id, config] of Object.entries(configs)) {
  new Chart(document.getElementById(id), config);
}
</script>
</body>
</html>
`;
}

/**
 * chart.js's UMD build from node_modules, for inlining.
 *
 * @returns the script's text
 * @throws {Error} when chart.js is not installed
 */
export function readChartJsUmd(): string {
  // Resolved at run time from this file (the bundle too), not bundled.
  const from =
    typeof __filename === 'string' ? __filename : join(process.cwd(), 'x.js');
  const main = createRequire(from).resolve('chart.js');
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
}

function htmlTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[]
): string {
  if (rows.length === 0) {
    return '';
  }
  const head = headers.map(h => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      row => `<tr>${row.map(c => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`
    )
    .join('\n');
  return `<table>\n<tr>${head}</tr>\n${body}\n</table>`;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function inlineJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function inlineScript(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script');
}
