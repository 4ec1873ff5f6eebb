/**
 * The JupyterLab plugins of jupyterlab-mpijob.
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { chartsPlugin } from './plugins/charts';
import { jobViewPlugin } from './plugins/jobView';
import { launchPlugin } from './plugins/launch';
import { managerPlugin } from './plugins/manager';
import { sidebarPlugin } from './plugins/sidebar';

export { IMpiJobManager } from './tokens';
export type { ProgramSourceMap } from './tokens';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  managerPlugin,
  launchPlugin,
  sidebarPlugin,
  jobViewPlugin,
  chartsPlugin
];

export default plugins;
