/**
 * The head of the job view: name, phase with its reason, timing, scale,
 * the notebook it runs, and actions.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { humanDuration } from '../../core/format';
import type { IJobRecord } from '../../core/jobRecord';
import type { OpenCell } from '../CellText';
import { CellText } from '../CellText';
import { useNow } from '../hooks';
import { isFinal, jobDurations, phaseClass } from '../phase';

/** Properties of {@link JobHeader}. */
export interface IJobHeaderProps {
  /** The job. */
  readonly job: IJobRecord;
  /** Whether it was deleted while shown. */
  readonly deleted: boolean;
  /** Opens a notebook cell. */
  readonly onOpen: OpenCell;
  /** Reruns the job at another scale. */
  readonly onRerun: () => void;
  /** Deletes the job. */
  readonly onDelete: () => void;
  /** Translations. */
  readonly trans: TranslationBundle;
}

function when(time: string | null): string {
  return time ? new Date(time).toLocaleString() : '—';
}

/** The job view's header. */
export function JobHeader(props: IJobHeaderProps): JSX.Element {
  const { job, deleted, onOpen, trans } = props;
  const phase = job.status.phase;
  // Ages keep growing after the end; durations stop there.
  const now = useNow(!deleted);
  const deletedMessage = deleted
    ? trans.__(
        '%1 was deleted: its pods and output are gone; what it showed last stays here.',
        job.name
      )
    : '';
  const { queued, running, age } = jobDurations(job, now);
  const status = job.status;
  const reason = 'reason' in status && status.reason ? status.reason : '';
  const message = 'message' in status && status.message ? status.message : '';
  const notebook = job.notebook;
  return (
    <header className="mpijob-JobHeader">
      <div className="mpijob-JobHeader-title">
        <h2>{job.name}</h2>
        {deleted ? (
          // Gone: whatever it was doing (Deleting, Running…) is over.
          <span
            className="mpijob-Phase mpijob-mod-deleted"
            data-phase="Deleted"
            title={trans.__('Last seen %1', trans.__(phase))}
          >
            {trans.__('Deleted')}
          </span>
        ) : (
          <span
            className={`mpijob-Phase ${phaseClass(phase)}`}
            data-phase={phase}
          >
            {trans.__(phase)}
          </span>
        )}
        {reason && !deleted && (
          <span className="mpijob-JobHeader-reason">{reason}</span>
        )}
        <span className="mpijob-JobHeader-spacer" />
        <button
          type="button"
          className="mpijob-TextButton"
          onClick={props.onRerun}
        >
          {trans.__('Rerun at another scale…')}
        </button>
        <button
          type="button"
          className="mpijob-TextButton mpijob-mod-danger"
          onClick={props.onDelete}
          disabled={deleted}
        >
          {trans.__('Delete')}
        </button>
      </div>
      {deletedMessage && (
        <p className="mpijob-JobHeader-gone" role="status">
          {deletedMessage}
        </p>
      )}
      {message && !deleted && (
        <pre
          className={`mpijob-JobHeader-message ${phaseClass(phase)}`}
          role={phase === 'Failed' ? 'alert' : undefined}
        >
          <CellText text={message} onOpen={onOpen} trans={trans} />
        </pre>
      )}
      <dl className="mpijob-JobHeader-facts">
        <dt>{trans.__('Namespace')}</dt>
        <dd>{job.namespace}</dd>
        <dt>{trans.__('Backend')}</dt>
        <dd>{job.backend}</dd>
        <dt>{trans.__('Scale')}</dt>
        <dd>
          {[
            trans._n('%1 worker', '%1 workers', job.workers),
            trans._n('%1 slot each', '%1 slots each', job.slotsPerWorker),
            trans._n('%1 rank', '%1 ranks', job.workers * job.slotsPerWorker),
            trans._n('%1 GPU', '%1 GPUs', job.workers * job.gpusPerWorker)
          ].join(' · ')}
        </dd>
        <dt>{trans.__('Created')}</dt>
        <dd title={job.createdAt}>
          {trans.__('%1 (%2 ago)', when(job.createdAt), humanDuration(age))}
        </dd>
        <dt>{trans.__('Queued')}</dt>
        <dd>{queued === null ? '—' : humanDuration(queued)}</dd>
        <dt>{isFinal(phase) ? trans.__('Ran') : trans.__('Running for')}</dt>
        <dd>{running === null ? '—' : humanDuration(running)}</dd>
        <dt>{trans.__('Finished')}</dt>
        <dd>{when(job.finishedAt)}</dd>
        {job.exitCode !== null && (
          <>
            <dt>{trans.__('Exit code')}</dt>
            <dd>{job.exitCode}</dd>
          </>
        )}
        {notebook && (
          <>
            <dt>{trans.__('Notebook')}</dt>
            <dd>
              <button
                type="button"
                className="mpijob-CellLink"
                onClick={() =>
                  onOpen({
                    path: notebook.path,
                    cell: notebook.cells[0] ?? 1,
                    line: 1
                  })
                }
                title={trans.__('Open %1', notebook.path)}
              >
                {notebook.path}
              </button>{' '}
              {trans.__('cells %1', notebook.cells.join(', '))}
            </dd>
          </>
        )}
      </dl>
    </header>
  );
}
