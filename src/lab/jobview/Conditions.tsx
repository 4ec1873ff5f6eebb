/**
 * The conditions of a job, latest last, as the operator reports them.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IJobCondition } from '../../core/status';

/** Properties of {@link Conditions}. */
export interface IConditionsProps {
  /** The conditions. */
  readonly conditions: readonly IJobCondition[];
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** A table of conditions. */
export function Conditions(props: IConditionsProps): JSX.Element {
  const { conditions, trans } = props;
  return (
    <section className="mpijob-Conditions" aria-label={trans.__('Conditions')}>
      <h3>{trans.__('Conditions')}</h3>
      {conditions.length ? (
        <table className="mpijob-Conditions-table">
          <thead>
            <tr>
              <th scope="col">{trans.__('Type')}</th>
              <th scope="col">{trans.__('Status')}</th>
              <th scope="col">{trans.__('Reason')}</th>
              <th scope="col">{trans.__('Last change')}</th>
              <th scope="col">{trans.__('Message')}</th>
            </tr>
          </thead>
          <tbody>
            {conditions.map((c, i) => (
              <tr
                key={i}
                className={c.status === 'True' ? 'mpijob-mod-true' : ''}
              >
                <td>{c.type}</td>
                <td>{c.status}</td>
                <td>{c.reason ?? ''}</td>
                <td>
                  {c.lastTransitionTime
                    ? new Date(c.lastTransitionTime).toLocaleTimeString()
                    : ''}
                </td>
                <td
                  className="mpijob-Conditions-message"
                  title={c.message ?? ''}
                >
                  {(c.message ?? '').split('\n')[0]}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{trans.__('No conditions yet.')}</p>
      )}
    </section>
  );
}
