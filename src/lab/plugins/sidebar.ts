/**
 * The jobs plugin: the jobs sidebar and the commands that act on jobs
 * (show, refresh, delete), plus notifications when this session's jobs end.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ILayoutRestorer } from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';

import type { IJobRecord } from '../../core/jobRecord';
import { CommandIDs, jobKeyFromArgs } from '../commands';
import { mpijobIcon } from '../icons';
import { notifyJobEnds } from '../sidebar/jobNotifications';
import { JobsSidebar } from '../sidebar/JobsSidebar';
import { IMpiJobManager } from '../tokens';

/** The jobs sidebar, in the left area. */
export const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mpijob:jobs-sidebar',
  description:
    'Lists every MPI job in the left sidebar with live phase, age and scale, and acts on them.',
  autoStart: true,
  requires: [IMpiJobManager],
  optional: [ILayoutRestorer, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    manager: IMpiJobManager,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_mpijob');
    const { commands } = app;
    const args = (job: IJobRecord) => ({
      namespace: job.namespace,
      name: job.name
    });
    const open = (job: IJobRecord): void =>
      void commands.execute(CommandIDs.openJob, args(job));

    const sidebar = new JobsSidebar({
      manager,
      trans,
      refresh: () => void commands.execute(CommandIDs.refreshJobs),
      actions: {
        open,
        logs: job =>
          void commands.execute(CommandIDs.openJob, {
            ...args(job),
            focus: 'logs'
          }),
        rerun: job => void commands.execute(CommandIDs.launch, args(job)),
        remove: job => void commands.execute(CommandIDs.deleteJob, args(job))
      }
    });
    app.shell.add(sidebar, 'left', { rank: 750 });
    restorer?.add(sidebar, sidebar.id);

    commands.addCommand(CommandIDs.showJobs, {
      label: trans.__('Show MPI Jobs'),
      caption: trans.__('Show every MPI job in the sidebar'),
      icon: a => (a.isPalette ? undefined : mpijobIcon),
      execute: () => app.shell.activateById(sidebar.id)
    });

    commands.addCommand(CommandIDs.refreshJobs, {
      label: trans.__('Refresh MPI Jobs'),
      caption: trans.__('List the MPI jobs again'),
      icon: a => (a.isPalette ? undefined : refreshIcon),
      execute: async () => {
        try {
          await manager.model.refresh();
        } catch (error) {
          await showErrorMessage(
            trans.__('Cannot list MPI jobs'),
            error as Error
          );
        }
      }
    });

    commands.addCommand(CommandIDs.deleteJob, {
      label: a =>
        typeof a.name === 'string'
          ? trans.__('Delete MPI Job %1…', a.name)
          : trans.__('Delete MPI Job…'),
      caption: trans.__('Stop every rank of a job and remove it'),
      isEnabled: a => jobKeyFromArgs(a) !== null || manager.activeJob !== null,
      execute: async a => {
        const key = jobKeyFromArgs(a) ?? manager.activeJob;
        if (!key) {
          return;
        }
        const result = await showDialog({
          title: trans.__('Delete MPI job %1?', key.name),
          body: trans.__(
            'Every rank of %1 is stopped and the job is removed with its output. This cannot be undone.',
            key.name
          ),
          buttons: [
            Dialog.cancelButton({ label: trans.__('Cancel') }),
            Dialog.warnButton({ label: trans.__('Delete') })
          ]
        });
        if (!result.button.accept) {
          return;
        }
        try {
          await manager.model.delete(key.namespace, key.name);
        } catch (error) {
          await showErrorMessage(
            trans.__('Cannot delete %1', key.name),
            error as Error
          );
        }
      }
    });

    for (const command of [CommandIDs.showJobs, CommandIDs.refreshJobs]) {
      palette?.addItem({ command, category: trans.__('MPIJob') });
    }
    notifyJobEnds(manager, open, trans);
  }
};
