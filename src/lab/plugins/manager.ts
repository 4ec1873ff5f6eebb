/**
 * The manager plugin: one live jobs model for every other plugin.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IStateDB } from '@jupyterlab/statedb';
import type { ReadonlyPartialJSONValue } from '@lumino/coreutils';

import { MpiJobManager } from '../manager';
import { JobsModel } from '../model';
import type { NamespaceScope } from '../tokens';
import { IMpiJobManager } from '../tokens';

/** Where the namespaces the jobs list shows are kept between sessions. */
const SCOPE_STATE = 'jupyterlab-mpijob:shown-namespaces';

/** A stored scope, if it is one. */
function asScope(value: unknown): NamespaceScope | undefined {
  if (value === null) {
    return null;
  }
  const v = value as { all?: unknown; namespaces?: unknown } | undefined;
  if (v?.all === true) {
    return { all: true };
  }
  if (
    v?.all === false &&
    Array.isArray(v.namespaces) &&
    v.namespaces.every(ns => typeof ns === 'string')
  ) {
    return { all: false, namespaces: v.namespaces as string[] };
  }
  return undefined;
}

/** Provides {@link IMpiJobManager}, connected once the layout is restored. */
export const managerPlugin: JupyterFrontEndPlugin<IMpiJobManager> = {
  id: 'jupyterlab-mpijob:manager',
  description:
    'Provides the shared, live list of MPI jobs of the jupyterlab-mpijob service.',
  autoStart: true,
  provides: IMpiJobManager,
  optional: [IStateDB],
  activate: (app: JupyterFrontEnd, state: IStateDB | null): IMpiJobManager => {
    const model = new JobsModel(app.serviceManager.serverSettings);
    const saved = state
      ? state.fetch(SCOPE_STATE).then(asScope, () => undefined)
      : Promise.resolve(undefined);
    void Promise.all([app.restored, saved]).then(([, scope]) => {
      if (scope !== undefined) {
        model.setScope(scope);
      }
      model.scopeChanged.connect((_, changed) => {
        void state?.save(
          SCOPE_STATE,
          changed as unknown as ReadonlyPartialJSONValue
        );
      });
      model.start();
    });
    return new MpiJobManager(model);
  }
};
