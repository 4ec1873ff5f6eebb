/**
 * The Kubernetes events of a job's objects (the MPIJob, its launcher Job,
 * its pods): where cluster problems show first (FailedScheduling, quota,
 * image pulls). Warnings stand out; oldest first, as `kubectl describe`.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { humanDuration } from '../../core/format';
import type { IJobKubeEvent } from '../../core/jobRecord';

/** Properties of {@link KubeEvents}. */
export interface IKubeEventsProps {
  /** The events; null while loading. */
  readonly events: readonly IJobKubeEvent[] | null;
  /** Why they could not be read, if so. */
  readonly error: string;
  /** The current time, for ages. */
  readonly now: number;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** A table of events. */
export function KubeEvents(props: IKubeEventsProps): JSX.Element {
  const { events, error, now, trans } = props;
  if (error) {
    return (
      <p className="mpijob-KubeEvents-error">
        {trans.__('Cannot read the events: %1', error)}
      </p>
    );
  }
  if (events === null) {
    return <p>{trans.__('Reading the events…')}</p>;
  }
  if (!events.length) {
    return (
      <p>
        {trans.__(
          'No events (the cluster keeps them for about an hour after they happen).'
        )}
      </p>
    );
  }
  return (
    <table className="mpijob-Conditions-table mpijob-KubeEvents-table">
      <thead>
        <tr>
          <th scope="col">{trans.__('Type')}</th>
          <th scope="col">{trans.__('Reason')}</th>
          <th scope="col">{trans.__('Age')}</th>
          <th scope="col">{trans.__('Object')}</th>
          <th scope="col">{trans.__('Message')}</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e, i) => (
          <tr
            key={i}
            className={
              e.type === 'Warning' ? 'mpijob-mod-warning' : 'mpijob-mod-true'
            }
            data-reason={e.reason}
          >
            <td>{e.type}</td>
            <td>{e.reason}</td>
            <td title={e.lastSeen ?? ''}>
              {e.lastSeen
                ? e.count > 1
                  ? trans.__(
                      '%1 (×%2)',
                      humanDuration(now - Date.parse(e.lastSeen)),
                      e.count
                    )
                  : humanDuration(now - Date.parse(e.lastSeen))
                : '—'}
            </td>
            <td>{`${e.kind.toLowerCase()}/${e.object}`}</td>
            <td className="mpijob-Conditions-message">{e.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
