/**
 * Notifications when a job launched from this session ends.
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IDisposable } from '@lumino/disposable';

import type { IJobEvent, IJobRecord } from '../../core/jobRecord';
import { statusSummary } from '../../core/status';
import { isFinal } from '../phase';
import type { IJobsModel, IMpiJobManager } from '../tokens';

/**
 * Emits a success or error notification, with an action that opens the
 * job, when a job launched from this session succeeds or fails.
 *
 * @param manager - the shared manager
 * @param open - opens a job
 * @param trans - translations
 * @returns a handle that stops it
 */
export function notifyJobEnds(
  manager: IMpiJobManager,
  open: (job: IJobRecord) => void,
  trans: TranslationBundle
): IDisposable {
  const notified = new Set<string>();
  let disposed = false;
  const slot = (_: IJobsModel, event: IJobEvent): void => {
    const { job } = event;
    const phase = job.status.phase;
    if (
      event.type === 'DELETED' ||
      !isFinal(phase) ||
      notified.has(job.uid) ||
      !manager.isLaunchedHere(job.uid)
    ) {
      return;
    }
    notified.add(job.uid);
    const actions = [
      {
        label: trans.__('Open'),
        caption: trans.__('Open the job view of %1', job.name),
        callback: () => open(job)
      }
    ];
    if (phase === 'Succeeded') {
      Notification.success(trans.__('MPI job %1 succeeded.', job.name), {
        autoClose: 8000,
        actions
      });
    } else {
      Notification.error(
        trans.__('MPI job %1 failed: %2', job.name, statusSummary(job.status)),
        {
          autoClose: false,
          actions
        }
      );
    }
  };
  manager.model.jobChanged.connect(slot);
  return {
    get isDisposed() {
      return disposed;
    },
    dispose() {
      disposed = true;
      manager.model.jobChanged.disconnect(slot);
    }
  };
}
