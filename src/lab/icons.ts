/**
 * Icons of the extension.
 */
import { LabIcon } from '@jupyterlab/ui-components';

import benchChartSvg from '../../style/icons/bench-chart.svg';
import mpijobSvg from '../../style/icons/mpijob.svg';

/** One launcher and its workers: the MPIJob icon. */
export const mpijobIcon = new LabIcon({
  name: 'jupyterlab-mpijob:mpijob',
  svgstr: mpijobSvg
});

/** A rising line on axes: benchmark results (speedup charts). */
export const benchChartIcon = new LabIcon({
  name: 'jupyterlab-mpijob:bench-chart',
  svgstr: benchChartSvg
});
