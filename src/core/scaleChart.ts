/**
 * chart.js configurations of a scale run: pods Running over time, one line
 * per job, and the latency distributions (submit → Running, status → SSE)
 * as cumulative curves. Pure data, like core/benchChart.ts.
 */
import type { ChartConfiguration } from 'chart.js';

import type { IBenchResults } from './benchResults';
import { IDEAL_COLOR, PALETTE } from './benchChart';
import { SCALE_SERIES } from './scaleResults';

/** A chart of a scale run. */
export type ScaleChartConfig = ChartConfiguration<
  'line',
  Array<{ x: number; y: number }>
>;

/**
 * Pods Running over time, per job.
 *
 * @param results - a scale run's results
 * @returns the chart
 */
export function podsRunningChartConfig(
  results: IBenchResults
): ScaleChartConfig {
  const timeline = results.scale?.podsRunning ?? { jobs: [], samples: [] };
  const total = timeline.samples.map(s => ({
    x: s.t,
    y: s.running.reduce((a, b) => a + b, 0)
  }));
  return {
    type: 'line',
    data: {
      datasets: timeline.jobs
        .map((job, i) => ({
          label: job,
          data: timeline.samples.map(s => ({ x: s.t, y: s.running[i] })),
          borderColor: PALETTE[i % PALETTE.length],
          borderWidth: 1,
          pointRadius: 0,
          yAxisID: 'y'
        }))
        .concat([
          {
            label: 'all jobs',
            data: total,
            // Grey: the chart is drawn on light (PNG) and dark (JupyterLab) backgrounds.
            borderColor: IDEAL_COLOR,
            borderWidth: 2,
            pointRadius: 0,
            yAxisID: 'total'
          }
        ])
    },
    options: {
      responsive: false,
      animation: false,
      plugins: {
        title: {
          display: true,
          text: `${results.name}: pods Running per job (thin) and in all (thick grey, right axis)`
        },
        legend: { display: false }
      },
      scales: {
        x: {
          type: 'linear',
          title: { display: true, text: 'seconds since the first submit' }
        },
        y: {
          type: 'linear',
          min: 0,
          title: { display: true, text: 'pods Running (one job)' }
        },
        total: {
          type: 'linear',
          position: 'right',
          min: 0,
          title: { display: true, text: 'pods Running (all jobs)' },
          grid: { drawOnChartArea: false }
        }
      }
    }
  };
}

/**
 * Cumulative distributions of a series: the share of samples at or below
 * each value.
 *
 * @param samples - the samples
 * @returns points (value, share 0..1), one per sample
 */
export function cumulative(
  samples: readonly number[]
): Array<{ x: number; y: number }> {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted.map((x, i) => ({ x, y: (i + 1) / sorted.length }));
}

/**
 * The latency distributions: submit → Running (s) and status → SSE (ms).
 *
 * @param results - a scale run's results
 * @returns two charts
 */
export function latencyChartConfigs(
  results: IBenchResults
): ScaleChartConfig[] {
  const series = results.runs[0]?.series ?? {};
  const chart = (
    samples: readonly number[],
    title: string,
    axis: string,
    color: string
  ): ScaleChartConfig => ({
    type: 'line',
    data: {
      datasets: [
        {
          label: title,
          data: cumulative(samples),
          borderColor: color,
          backgroundColor: color,
          pointRadius: 1.5,
          stepped: true
        }
      ]
    },
    options: {
      responsive: false,
      animation: false,
      plugins: {
        title: {
          display: true,
          text: `${title}: ${samples.length} samples`
        },
        legend: { display: false }
      },
      scales: {
        x: { type: 'linear', title: { display: true, text: axis } },
        y: {
          type: 'linear',
          min: 0,
          max: 1,
          title: { display: true, text: 'share at or below' }
        }
      }
    }
  });
  return [
    chart(
      series[SCALE_SERIES.submitToRunning]?.samples ?? [],
      'submit → job Running',
      'seconds',
      PALETTE[0]
    ),
    chart(
      series[SCALE_SERIES.statusToSse]?.samples ?? [],
      'status change in the API → SSE event at a client',
      'milliseconds',
      PALETTE[1]
    )
  ];
}
