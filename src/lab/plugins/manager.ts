/**
 * The manager plugin: one live jobs model for every other plugin.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

import { MpiJobManager } from '../manager';
import { JobsModel } from '../model';
import { IMpiJobManager } from '../tokens';

/** Provides {@link IMpiJobManager}, connected once the layout is restored. */
export const managerPlugin: JupyterFrontEndPlugin<IMpiJobManager> = {
  id: 'jupyterlab-mpijob:manager',
  description:
    'Provides the shared, live list of MPI jobs of the jupyterlab-mpijob service.',
  autoStart: true,
  provides: IMpiJobManager,
  activate: (app: JupyterFrontEnd): IMpiJobManager => {
    const model = new JobsModel(app.serviceManager.serverSettings);
    void app.restored.then(() => model.start());
    return new MpiJobManager(model);
  }
};
