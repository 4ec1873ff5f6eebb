/**
 * The job view plugin: `mpijob:open-job` opens a job in the main area.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ILabShell, ILayoutRestorer } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { jobApiPath, jobKey } from '../../core/jobKey';
import type { IJobRecord } from '../../core/jobRecord';
import { CommandIDs, jobKeyFromArgs } from '../commands';
import { mpijobIcon } from '../icons';
import { JobView } from '../jobview/JobView';
import { MpiJobResponseError, requestAPI } from '../request';
import { openNotebookCell } from '../notebookNav';
import { IMpiJobManager } from '../tokens';

/** Opens jobs in main-area views that follow them live. */
export const jobViewPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mpijob:job-view',
  description:
    'Shows one MPI job in the main area: phase, topology, conditions and live output.',
  autoStart: true,
  requires: [IMpiJobManager],
  optional: [ILayoutRestorer, ILabShell, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    manager: IMpiJobManager,
    restorer: ILayoutRestorer | null,
    labShell: ILabShell | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_mpijob');
    const tracker = new WidgetTracker<MainAreaWidget<JobView>>({
      namespace: 'mpijob-job'
    });
    const jobArgs = (job: IJobRecord) => ({
      namespace: job.namespace,
      name: job.name
    });

    app.commands.addCommand(CommandIDs.openJob, {
      label: args =>
        typeof args.name === 'string'
          ? trans.__('Open MPI Job %1', args.name)
          : trans.__('Open MPI Job'),
      caption: trans.__('Show a job: topology, conditions and live output'),
      icon: args => (args.isPalette ? undefined : mpijobIcon),
      execute: async args => {
        const key = jobKeyFromArgs(args);
        if (!key) {
          return;
        }
        let widget = tracker.find(
          w =>
            w.content.jobKey.namespace === key.namespace &&
            w.content.jobKey.name === key.name
        );
        if (!widget && args.restored === true) {
          // A tab of the last session: if its job is gone (deleted, or it
          // ran on another backend), the tab closes quietly.
          const exists =
            manager.model.find(key.namespace, key.name) !== undefined ||
            (await requestAPI(jobApiPath(key)).then(
              () => true,
              (error: unknown) =>
                !(
                  error instanceof MpiJobResponseError &&
                  error.response.status === 404
                )
            ));
          if (!exists) {
            return;
          }
        }
        if (!widget) {
          const content = new JobView({
            jobKey: key,
            manager,
            trans,
            openCell: ref =>
              void openNotebookCell(
                app,
                trans,
                ref.path ?? '',
                ref.cell,
                ref.line
              ),
            rerun: job =>
              void app.commands.execute(CommandIDs.launch, jobArgs(job)),
            remove: job =>
              void app.commands.execute(CommandIDs.deleteJob, jobArgs(job))
          });
          widget = new MainAreaWidget({ content });
          widget.id = `mpijob-job-${key.namespace}-${key.name}`;
          widget.addClass('mpijob-JobPanel');
          widget.title.label = key.name;
          widget.title.icon = mpijobIcon;
          widget.title.closable = true;
          void tracker.add(widget);
          app.shell.add(widget, 'main');
        }
        app.shell.activateById(widget.id);
        if (args.focus === 'logs') {
          widget.content.focusLogs();
        }
        return widget;
      }
    });

    const follow = (): void => {
      const current = labShell?.currentWidget ?? tracker.currentWidget;
      const view =
        current && tracker.has(current)
          ? (current as MainAreaWidget<JobView>)
          : null;
      manager.setActiveJob(view ? view.content.jobKey : null);
    };
    if (labShell) {
      labShell.currentChanged.connect(follow);
    } else {
      tracker.currentChanged.connect(follow);
    }

    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.openJob,
        args: widget => ({ ...widget.content.jobKey, restored: true }),
        name: widget => jobKey(widget.content.jobKey)
      });
    }
  }
};
