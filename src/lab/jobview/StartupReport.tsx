/**
 * Where a job's ranks ran and how its start went: a warning when the ranks
 * did not spread over the workers, each rank's host (pod) and node, and the
 * start-up step by step. Fetched from the service as the job moves on.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useState } from 'react';

import { jobApiPath } from '../../core/jobKey';
import type { IJobReport, TimelineStep } from '../../core/jobReport';
import { timelineSeconds } from '../../core/jobReport';
import type { IJobKey } from '../commands';
import { requestAPI } from '../request';

/**
 * The start-up section of a job view.
 *
 * @param props - the job, what changes when the report may change, translations
 * @returns the section, or nothing before there is a report
 */
export function StartupReport(props: {
  jobKey: IJobKey;
  /** Changes whenever the report may have changed. */
  version: string;
  /** The job is gone. */
  deleted: boolean;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { jobKey, version, deleted, trans } = props;
  const [report, setReport] = useState<IJobReport | null>(null);

  useEffect(() => {
    if (deleted) {
      return;
    }
    let live = true;
    requestAPI<IJobReport>(jobApiPath(jobKey, 'report')).then(
      next => live && setReport(next),
      // The job's other sections say what is wrong with it.
      () => undefined
    );
    return () => {
      live = false;
    };
  }, [jobKey.namespace, jobKey.name, version, deleted]);

  if (report === null) {
    return null;
  }
  const titles: Record<TimelineStep, string> = {
    created: trans.__('Created'),
    scheduled: trans.__('Scheduled'),
    containersStarted: trans.__('Containers started'),
    workersReady: trans.__('Workers ready'),
    mpirunStarted: trans.__('mpirun started'),
    firstOutput: trans.__('First rank output'),
    finished: trans.__('Finished')
  };
  const seconds = timelineSeconds(report.timeline);
  return (
    <details className="mpijob-JobView-conditions mpijob-StartupReport" open>
      <summary>{trans.__('Start-up and placement')}</summary>
      {report.warning && (
        <p className="mpijob-StartupReport-warning" role="alert">
          {report.warning}
        </p>
      )}
      <ol className="mpijob-StartupReport-timeline">
        {report.timeline.map(({ step, at }) => {
          const s = seconds[step];
          return (
            <li key={step} data-step={step} data-done={at !== null}>
              <span>{titles[step]}</span>
              <span className="mpijob-StartupReport-time">
                {s === null || s === undefined
                  ? '—'
                  : trans.__('+%1 s', s.toFixed(1))}
              </span>
            </li>
          );
        })}
      </ol>
      {report.placement.length > 0 && (
        <table className="mpijob-StartupReport-placement">
          <thead>
            <tr>
              <th>{trans.__('Rank')}</th>
              <th>{trans.__('Host')}</th>
              <th>{trans.__('Replica')}</th>
              <th>{trans.__('Node')}</th>
            </tr>
          </thead>
          <tbody>
            {report.placement.map(p => (
              <tr key={p.rank} data-rank={p.rank}>
                <td>{p.rank}</td>
                <td>{p.host}</td>
                <td>
                  {p.role === 'launcher'
                    ? trans.__('launcher')
                    : p.role === 'worker'
                      ? trans.__('worker %1', p.index)
                      : '—'}
                </td>
                <td>{p.node ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
