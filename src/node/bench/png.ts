/**
 * PNG charts of benchmark results, drawn by chart.js on @napi-rs/canvas:
 * speedup and efficiency side by side. Both libraries are loaded on first
 * use, so the CLI starts without them.
 */
import type { BenchChartConfig } from '../../core/benchChart';
import {
  efficiencyChartConfig,
  speedupChartConfig
} from '../../core/benchChart';
import type { IBenchResults } from '../../core/benchResults';
import { summarizeResults } from '../../core/benchResults';
import {
  latencyChartConfigs,
  podsRunningChartConfig
} from '../../core/scaleChart';

/** Size of each chart in the PNG, in pixels. */
export const CHART_SIZE = { width: 800, height: 520 } as const;

/**
 * Renders the speedup and efficiency charts of results into one PNG.
 *
 * @param results - scenario results; at least one with a completed run
 * @returns the PNG's bytes
 * @throws {Error} when no result has a completed run
 */
export async function renderPng(
  results: readonly IBenchResults[]
): Promise<Buffer> {
  const scenarios = results.filter(r => r.kind === 'scenario');
  if (!scenarios.some(r => summarizeResults(r) !== null)) {
    throw new Error(
      'nothing to chart: no scenario results with a completed run'
    );
  }
  return renderSheet([
    speedupChartConfig(scenarios),
    efficiencyChartConfig(scenarios)
  ]);
}

/**
 * Renders a scale run's charts into one PNG: pods Running over time per
 * job, and the distributions of submit → Running and status → SSE.
 *
 * @param results - results of kind `scale`
 * @returns the PNG's bytes
 */
export function renderScalePng(results: IBenchResults): Promise<Buffer> {
  return renderSheet([
    podsRunningChartConfig(results),
    ...latencyChartConfigs(results)
  ]);
}

/** Draws charts side by side on one white sheet. */
async function renderSheet(
  configs: ReadonlyArray<{ options?: object }>
): Promise<Buffer> {
  const { createCanvas } = await import('@napi-rs/canvas');
  const { Chart, registerables } = await import('chart.js');
  Chart.register(...registerables);
  const { width, height } = CHART_SIZE;
  const sheet = createCanvas(width * configs.length, height);
  const sheetContext = sheet.getContext('2d');
  configs.forEach((config, i) => {
    const canvas = createCanvas(width, height);
    const chart = new Chart(
      canvas.getContext('2d') as unknown as CanvasRenderingContext2D,
      {
        ...(structuredClone(config) as BenchChartConfig),
        options: { ...structuredClone(config.options), devicePixelRatio: 1 },
        plugins: [WHITE_BACKGROUND]
      }
    );
    sheetContext.drawImage(canvas, i * width, 0);
    chart.destroy();
  });
  return sheet.encode('png');
}

// chart.js draws on a transparent canvas; a PNG wants a background.
const WHITE_BACKGROUND = {
  id: 'mpijobWhiteBackground',
  beforeDraw(chart: {
    ctx: CanvasRenderingContext2D;
    width: number;
    height: number;
  }): void {
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  }
};
