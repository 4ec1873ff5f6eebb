/**
 * The JupyterLab plugins of jupyterlab-mpijob.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs } from './commands';
import { mpijobIcon } from './icons';
import type { ILaunchDefaults } from './launchPreview';
import { showLaunchPreview } from './launchPreview';

const PLUGIN_ID = 'jupyterlab-mpijob:plugin';

/**
 * Adds `mpijob:launch` and, through the settings schema, its button on the
 * notebook toolbar.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Launch notebook code as a Kubeflow MPIJob from the notebook toolbar.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_mpijob');
    const defaults: ILaunchDefaults = {
      workers: 2,
      image: '',
      namespace: 'default'
    };

    if (settingRegistry) {
      const apply = (settings: ISettingRegistry.ISettings): void => {
        defaults.workers = settings.get('defaultWorkers').composite as number;
        defaults.image = settings.get('defaultImage').composite as string;
        defaults.namespace = settings.get('namespace').composite as string;
      };
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          apply(settings);
          settings.changed.connect(apply);
        })
        .catch(reason =>
          console.error('jupyterlab-mpijob: cannot load settings', reason)
        );
    }

    app.commands.addCommand(CommandIDs.launch, {
      label: trans.__('Launch as MPIJob'),
      caption: trans.__(
        'Run this notebook’s code as a Kubeflow MPIJob on several workers'
      ),
      icon: args => (args.isPalette ? undefined : mpijobIcon),
      isEnabled: () => tracker.currentWidget !== null,
      execute: async () => {
        const panel = tracker.currentWidget;
        if (panel) {
          await showLaunchPreview(panel, defaults, trans);
        }
      }
    });

    palette?.addItem({
      command: CommandIDs.launch,
      category: trans.__('MPIJob')
    });
  }
};

export default [plugin];
