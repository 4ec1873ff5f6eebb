/**
 * The launch plugin (it owns the extension's settings): `mpijob:launch` and
 * `mpijob:launch-selected-cells` open the launch panel from the notebook
 * toolbar, menus, palette or shortcut.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ILayoutRestorer } from '@jupyterlab/application';
import {
  ICommandPalette,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs, jobKeyFromArgs } from '../commands';
import { mpijobIcon } from '../icons';
import { LaunchPanel } from '../launch/LaunchPanel';
import { NotebookSource } from '../launch/notebookSource';
import { initialValues, rememberable } from '../launch/specDraft';
import { contentsPath } from '../contentsPath';
import { openNotebookCell, selectedCellNumbers } from '../notebookNav';
import { LaunchSettings } from '../settings';
import { IMpiJobManager } from '../tokens';

/** Id of this plugin; its settings schema is schema/settings/plugin.json. */
const PLUGIN_ID = 'jupyterlab-mpijob:plugin';

/** Opens the launch panel; owns the settings, toolbar button, menus and shortcut. */
export const launchPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Launches notebook code as MPI jobs from a form generated from the launch spec schema.',
  autoStart: true,
  requires: [INotebookTracker, IMpiJobManager],
  optional: [ISettingRegistry, ICommandPalette, ILayoutRestorer, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    manager: IMpiJobManager,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null
  ): void => {
    const translatorOrNull = translator ?? nullTranslator;
    const trans = translatorOrNull.load('jupyterlab_mpijob');
    const { commands } = app;
    const settings = new LaunchSettings();
    const tracker = new WidgetTracker<LaunchPanel>({
      namespace: 'mpijob-launch'
    });

    settings.changed.connect(() =>
      commands.notifyCommandChanged(CommandIDs.launch)
    );
    settingRegistry
      ?.load(PLUGIN_ID)
      .then(loaded => settings.connect(loaded))
      .catch(reason =>
        console.warn('jupyterlab-mpijob: settings not loaded', reason)
      );

    const openPanel = (
      path: string | null,
      extra: Pick<
        Parameters<typeof initialValues>[0],
        'prefill' | 'cellNumbers'
      >
    ): LaunchPanel => {
      const plain = !extra.prefill && !extra.cellNumbers;
      const existing = plain
        ? tracker.find(p => p.notebookPath === path)
        : undefined;
      if (existing) {
        app.shell.activateById(existing.id);
        return existing;
      }
      const remembered = path ? settings.recall(path) : null;
      const namespace =
        extra.prefill?.namespace ??
        (typeof remembered?.namespace === 'string'
          ? remembered.namespace
          : settings.values.namespace);
      const panel = new LaunchPanel({
        manager,
        settings,
        translator: translatorOrNull,
        source: path
          ? new NotebookSource(path, notebooks, app.serviceManager.contents)
          : null,
        initial: initialValues({
          settings: settings.values,
          notebookPath: path,
          remembered,
          // Without a namespace yet (the service's current one), names
          // taken in any namespace shown are avoided.
          takenNames: new Set(
            manager.model.jobs
              .filter(j => !namespace || j.namespace === namespace)
              .map(j => j.name)
          ),
          ...extra
        }),
        openCell: ref =>
          void openNotebookCell(
            app,
            trans,
            ref.path ?? path ?? '',
            ref.cell,
            ref.line
          ),
        openJob: job =>
          void commands.execute(CommandIDs.openJob, {
            namespace: job.namespace,
            name: job.name
          }),
        openResults: path =>
          void commands.execute(CommandIDs.openChart, { path }),
        onSubmitted: (job, values) => {
          if (path) {
            settings
              .remember(path, rememberable(values))
              .catch(reason =>
                console.warn(
                  'jupyterlab-mpijob: cannot remember launch values',
                  reason
                )
              );
          }
          void commands.execute(CommandIDs.openJob, {
            namespace: job.namespace,
            name: job.name
          });
          panel.close();
        }
      });
      void tracker.add(panel);
      app.shell.add(panel, 'main');
      app.shell.activateById(panel.id);
      return panel;
    };

    commands.addCommand(CommandIDs.launch, {
      label: args =>
        jobKeyFromArgs(args)
          ? trans.__('Rerun %1 at Another Scale…', String(args.name))
          : trans.__('Launch as MPIJob'),
      caption: trans.__(
        'Run this notebook’s code as a Kubeflow MPIJob on several workers'
      ),
      icon: args => (args.isPalette ? undefined : mpijobIcon),
      isEnabled: args =>
        typeof args.path === 'string' ||
        jobKeyFromArgs(args) !== null ||
        notebooks.currentWidget !== null,
      isVisible: args => !args.toolbar || settings.values.showToolbarButton,
      execute: args => {
        const key = jobKeyFromArgs(args);
        if (key) {
          const job = manager.model.find(key.namespace, key.name);
          if (!job?.spec) {
            Notification.warning(
              trans.__(
                '%1 cannot be rerun from here: it was not created from a launch spec.',
                key.name
              ),
              { autoClose: 5000 }
            );
            return;
          }
          const recorded =
            job.notebook?.path ?? job.spec.source?.notebook ?? null;
          return openPanel(
            recorded === null ? null : (contentsPath(recorded) ?? recorded),
            {
              prefill: job.spec,
              cellNumbers: null
            }
          );
        }
        const path =
          typeof args.path === 'string'
            ? args.path
            : notebooks.currentWidget?.context.path;
        return path
          ? openPanel(path, { prefill: null, cellNumbers: null })
          : undefined;
      }
    });

    commands.addCommand(CommandIDs.launchSelectedCells, {
      label: trans.__('Launch Selected Cells as MPIJob'),
      caption: trans.__('Run only the selected cells as a Kubeflow MPIJob'),
      icon: args => (args.isPalette ? undefined : mpijobIcon),
      isEnabled: () => notebooks.currentWidget !== null,
      execute: () => {
        const panel = notebooks.currentWidget;
        if (panel) {
          return openPanel(panel.context.path, {
            prefill: null,
            cellNumbers: selectedCellNumbers(panel.content)
          });
        }
      }
    });

    for (const command of [CommandIDs.launch, CommandIDs.launchSelectedCells]) {
      palette?.addItem({ command, category: trans.__('MPIJob') });
    }
    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.launch,
        args: panel => (panel.notebookPath ? { path: panel.notebookPath } : {}),
        name: panel => panel.notebookPath ?? panel.id
      });
    }
  }
};
