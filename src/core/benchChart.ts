/**
 * chart.js configurations of benchmark results: speedup and parallel
 * efficiency against workers, several results overlaid, with the ideal line
 * and the speedup's bootstrap confidence interval as error bars. Pure data (no callbacks), so the same object renders
 * in Node (PNG), in a self-contained HTML report and in JupyterLab.
 */
import type { ChartConfiguration } from 'chart.js';

import type { IBenchResults, IResultsSummary } from './benchResults';
import type { IInterval } from './bootstrap';
import { summarizeResults } from './benchResults';

/** One point of a chart; a null y breaks the line (between error bars). */
export interface IChartPoint {
  /** Workers. */
  readonly x: number;
  /** Value, or null for a gap. */
  readonly y: number | null;
}

/** A chart.js line chart over workers. */
export type BenchChartConfig = ChartConfiguration<'line', IChartPoint[]>;

/** Label of the ideal (linear) series. */
export const IDEAL_LABEL = 'ideal';

/**
 * Suffix of the error-bar series of a result: its confidence interval.
 *
 * @param confidence - the interval's level, 0 to 1
 * @returns e.g. ` 95% CI`
 */
export function errorBarSuffix(confidence: number): string {
  return ` ${Math.round(confidence * 1000) / 10}% CI`;
}

/** Line colours of successive results. */
export const PALETTE: readonly string[] = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#17becf',
  '#8c564b',
  '#e377c2'
];

/** A neutral grey, readable on light and dark backgrounds. */
export const IDEAL_COLOR = '#7f7f7f';

/**
 * Labels for results shown together: the scenario name, with the start
 * time (then a number) added where names repeat.
 *
 * @param results - results in display order
 * @returns one label each, all different
 */
export function runLabels(results: readonly IBenchResults[]): string[] {
  const count = (labels: string[], label: string): number =>
    labels.filter(l => l === label).length;
  let labels = results.map(r => r.name);
  labels = labels.map((label, i) =>
    count(labels, label) > 1
      ? `${label} (${results[i].startedAt.slice(0, 16).replace('T', ' ')})`
      : label
  );
  return labels.map((label, i) =>
    count(labels, label) > 1
      ? `${label} #${labels.slice(0, i + 1).filter(l => l === label).length}`
      : label
  );
}

/**
 * Speedup against workers: one line per result (the median of per-turn
 * ratios), its confidence interval as error bars, and the ideal (linear)
 * speedup.
 *
 * @param results - scenario results; those without completed runs are left out
 * @returns a chart.js line chart configuration
 */
export function speedupChartConfig(
  results: readonly IBenchResults[]
): BenchChartConfig {
  return scalingChart(results, {
    title: 'Speedup',
    axis: 'Speedup',
    value: row => ({ y: row.speedup, ci: row.speedupCi }),
    ideal: workers => workers
  });
}

/**
 * Parallel efficiency (speedup / workers) against workers, with its
 * confidence interval and the ideal efficiency of 1.
 *
 * @param results - scenario results; those without completed runs are left out
 * @returns a chart.js line chart configuration
 */
export function efficiencyChartConfig(
  results: readonly IBenchResults[]
): BenchChartConfig {
  return scalingChart(results, {
    title: 'Parallel efficiency',
    axis: 'Efficiency',
    value: row => ({ y: row.efficiency, ci: row.efficiencyCi }),
    ideal: () => 1
  });
}

interface IScalingChartSpec {
  readonly title: string;
  readonly axis: string;
  readonly value: (row: IResultsSummary['rows'][number]) => {
    y: number;
    ci: IInterval | null;
  };
  readonly ideal: (workers: number) => number;
}

function scalingChart(
  results: readonly IBenchResults[],
  spec: IScalingChartSpec
): BenchChartConfig {
  const labels = runLabels(results);
  const charted = results
    .map((r, i) => ({ label: labels[i], summary: summarizeResults(r) }))
    .filter(
      (c): c is { label: string; summary: IResultsSummary } =>
        c.summary !== null
    );
  const workers = [
    ...new Set(charted.flatMap(c => c.summary.rows.map(r => r.workers)))
  ].sort((a, b) => a - b);
  const maxWorkers = workers.length > 0 ? workers[workers.length - 1] : 1;
  const modes = [...new Set(charted.map(c => c.summary.mode))];
  const bases = [...new Set(charted.map(c => c.summary.basis))];

  const datasets: BenchChartConfig['data']['datasets'] = [
    {
      label: IDEAL_LABEL,
      data: workers.map(x => ({ x, y: spec.ideal(x) })),
      borderColor: IDEAL_COLOR,
      backgroundColor: IDEAL_COLOR,
      borderDash: [6, 4],
      borderWidth: 1.5,
      pointRadius: 0
    }
  ];
  charted.forEach(({ label, summary }, i) => {
    const color = PALETTE[i % PALETTE.length];
    const points = summary.rows.map(row => ({
      x: row.workers,
      ...spec.value(row)
    }));
    datasets.push({
      label,
      data: points.map(p => ({ x: p.x, y: p.y })),
      borderColor: color,
      backgroundColor: color,
      borderWidth: 2,
      pointRadius: 4
    });
    // Error bars: a vertical segment per interval, capped; null ys separate
    // them. A point without one (a single pair) gets none.
    const bars = points.flatMap(p =>
      p.ci === null ? [] : [{ ...p, ci: p.ci }]
    );
    datasets.push({
      label: `${label}${errorBarSuffix(summary.bootstrap.confidence)}`,
      data: bars.flatMap((p, k) => [
        ...(k > 0 ? [{ x: p.x, y: null }] : []),
        { x: p.x, y: p.ci.low },
        { x: p.x, y: p.ci.high }
      ]),
      borderColor: color,
      backgroundColor: color,
      borderWidth: 1.5,
      pointStyle: 'line',
      pointRadius: 7,
      pointBorderWidth: 1.5,
      spanGaps: false
    });
  });

  const detail = [
    modes.length === 1 ? `${modes[0]} scaling` : 'strong and weak scaling',
    bases.length === 1
      ? bases[0] === 'workload'
        ? 'in-workload time'
        : 'end-to-end time'
      : 'in-workload or end-to-end time'
  ].join(', ');
  return {
    type: 'line',
    data: { datasets },
    options: {
      responsive: false,
      animation: false,
      plugins: {
        title: {
          display: true,
          text: charted.length > 0 ? `${spec.title} (${detail})` : spec.title
        },
        legend: { position: 'bottom' }
      },
      scales: {
        x: {
          type: 'linear',
          min: 0,
          max: maxWorkers + 1,
          title: { display: true, text: 'Workers' },
          ticks: maxWorkers <= 16 ? { stepSize: 1 } : {}
        },
        y: {
          type: 'linear',
          beginAtZero: true,
          grace: '5%',
          title: { display: true, text: spec.axis }
        }
      }
    }
  };
}
