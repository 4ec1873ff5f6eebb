/**
 * One job in the jobs sidebar: phase, age, scale and its actions.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { humanDuration } from '../../core/format';
import type { IJobRecord } from '../../core/jobRecord';
import { statusSummary } from '../../core/status';
import { contentsPath } from '../contentsPath';
import { isFinal, jobDurations, phaseClass } from '../phase';

/** What a card can do with its job. */
export interface IJobActions {
  /** Opens the job view. */
  readonly open: (job: IJobRecord) => void;
  /** Opens the job view at its logs. */
  readonly logs: (job: IJobRecord) => void;
  /** Opens the launch panel prefilled with the job's spec. */
  readonly rerun: (job: IJobRecord) => void;
  /** Deletes the job, after confirmation. */
  readonly remove: (job: IJobRecord) => void;
}

/** Properties of {@link JobCard}. */
export interface IJobCardProps {
  /** The job. */
  readonly job: IJobRecord;
  /** Whether its view is the current one. */
  readonly active: boolean;
  /** The current time. */
  readonly now: number;
  /** Actions. */
  readonly actions: IJobActions;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** A job card. */
export function JobCard(props: IJobCardProps): JSX.Element {
  const { job, active, now, actions, trans } = props;
  const phase = job.status.phase;
  const { age, running } = jobDurations(job, now);
  const gpus = job.workers * job.gpusPerWorker;
  const reason =
    'reason' in job.status && job.status.reason ? job.status.reason : '';
  const ready = job.topology.workers.filter(w => w.ready).length;
  return (
    <li
      className={`mpijob-JobCard ${phaseClass(phase)}${active ? ' jp-mod-active' : ''}`}
      data-job-name={job.name}
      data-job-namespace={job.namespace}
      data-phase={phase}
    >
      <div className="mpijob-JobCard-head">
        <button
          type="button"
          className="mpijob-JobCard-name"
          title={trans.__('Open %1 (namespace %2)', job.name, job.namespace)}
          onClick={() => actions.open(job)}
        >
          {job.name}
        </button>
        <span
          className={`mpijob-Phase ${phaseClass(phase)}`}
          title={reason || phase}
        >
          {trans.__(phase)}
        </span>
      </div>
      <div className="mpijob-JobCard-facts">
        <span
          className="mpijob-JobCard-namespace"
          title={trans.__('Namespace %1', job.namespace)}
        >
          {job.namespace}
        </span>
        <span title={trans.__('Age')}>
          {trans.__('%1 ago', humanDuration(age))}
        </span>
        <span
          title={trans._n(
            '%1 slot per worker',
            '%1 slots per worker',
            job.slotsPerWorker
          )}
        >
          {phase === 'Running'
            ? trans.__('%1/%2 workers', ready, job.workers)
            : trans._n('%1 worker', '%1 workers', job.workers)}
        </span>
        {gpus > 0 && <span>{trans._n('%1 GPU', '%1 GPUs', gpus)}</span>}
        {running !== null && (
          <span title={trans.__('Run time')}>
            {isFinal(phase)
              ? trans.__('ran %1', humanDuration(running))
              : trans.__('running %1', humanDuration(running))}
          </span>
        )}
      </div>
      {job.notebook && (
        <div className="mpijob-JobCard-notebook" title={job.notebook.path}>
          {contentsPath(job.notebook.path) ?? job.notebook.path}
        </div>
      )}
      {reason && phase === 'Failed' && (
        <div className="mpijob-JobCard-reason" title={reason}>
          {statusSummary(job.status)}
        </div>
      )}
      <div
        className="mpijob-JobCard-actions"
        role="group"
        aria-label={trans.__('Actions of %1', job.name)}
      >
        <button
          type="button"
          className="mpijob-TextButton"
          aria-label={trans.__('Open %1', job.name)}
          onClick={() => actions.open(job)}
        >
          {trans.__('Open')}
        </button>
        <button
          type="button"
          className="mpijob-TextButton"
          aria-label={trans.__('Logs of %1', job.name)}
          onClick={() => actions.logs(job)}
        >
          {trans.__('Logs')}
        </button>
        <button
          type="button"
          className="mpijob-TextButton"
          aria-label={trans.__('Rerun %1 at another scale', job.name)}
          title={trans.__('Open the launch panel with this job’s settings')}
          onClick={() => actions.rerun(job)}
        >
          {trans.__('Rerun…')}
        </button>
        <button
          type="button"
          className="mpijob-TextButton mpijob-mod-danger"
          aria-label={trans.__('Delete %1', job.name)}
          onClick={() => actions.remove(job)}
        >
          {trans.__('Delete')}
        </button>
      </div>
    </li>
  );
}
