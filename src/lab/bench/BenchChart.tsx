/**
 * One chart.js chart of benchmark results on a canvas, from the same
 * configuration `mpijob bench report` draws (src/core/benchChart.ts),
 * coloured with the JupyterLab theme's text and grid colours.
 */
import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Title,
  Tooltip
} from 'chart.js';
import React, { useEffect, useRef } from 'react';

import type { BenchChartConfig } from '../../core/benchChart';

Chart.register(
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Title,
  Tooltip
);

/** Colours of the chart's text and grid, from the theme. */
export interface IChartColors {
  /** Titles, ticks and legend. */
  readonly text: string;
  /** Grid lines. */
  readonly grid: string;
}

/**
 * The theme's colours, read from the CSS variables around a node.
 *
 * @param node - an element inside JupyterLab
 * @returns text and grid colours
 */
export function themeColors(node: Element): IChartColors {
  const style = getComputedStyle(node);
  const read = (name: string, fallback: string): string =>
    style.getPropertyValue(name).trim() || fallback;
  return {
    text: read('--jp-ui-font-color1', '#333'),
    grid: read('--jp-border-color2', 'rgba(0, 0, 0, 0.1)')
  };
}

/**
 * A configuration for the browser: sized by its container, coloured with
 * the theme. The input is not modified.
 *
 * @param config - the chart as reports draw it
 * @param colors - the theme's colours
 * @returns a new configuration
 */
export function browserConfig(
  config: BenchChartConfig,
  colors: IChartColors
): BenchChartConfig {
  const copy = structuredClone(config);
  const options = copy.options ?? {};
  const axis = (scale: Record<string, unknown> | undefined) => ({
    ...scale,
    ticks: { ...(scale?.ticks as object), color: colors.text },
    title: { ...(scale?.title as object), color: colors.text },
    grid: { color: colors.grid },
    border: { color: colors.grid }
  });
  copy.options = {
    ...options,
    responsive: true,
    maintainAspectRatio: false,
    color: colors.text,
    plugins: {
      ...options.plugins,
      title: { ...options.plugins?.title, color: colors.text },
      legend: {
        ...options.plugins?.legend,
        labels: { ...options.plugins?.legend?.labels, color: colors.text }
      }
    },
    // Every axis the chart has (a scale run's chart has a right-hand one).
    scales: Object.fromEntries(
      Object.entries({ x: undefined, y: undefined, ...options.scales }).map(
        ([id, scale]) => [
          id,
          axis(scale as Record<string, unknown> | undefined)
        ]
      )
    )
  } as BenchChartConfig['options'];
  return copy;
}

/** Properties of {@link BenchChart}. */
export interface IBenchChartProps {
  /** The chart. */
  readonly config: BenchChartConfig;
  /** Accessible name of the canvas. */
  readonly label: string;
  /** Changes when the theme changes, to redraw with its colours. */
  readonly theme: string;
}

/** A chart.js line chart on a canvas, redrawn when its configuration changes. */
export function BenchChart(props: IBenchChartProps): JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const node = canvas.current;
    if (!node) {
      return;
    }
    const chart = new Chart(
      node,
      browserConfig(props.config, themeColors(node))
    );
    return () => chart.destroy();
  }, [props.config, props.theme]);
  return (
    <div className="mpijob-BenchChart">
      <canvas ref={canvas} role="img" aria-label={props.label} />
    </div>
  );
}
