/**
 * The preflight checks of the backend, shown before a launch can be
 * submitted.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IPreflightReport } from '../../core/jobRecord';
import { fieldTitles } from '../../core/spec';
import type { BackendHint } from '../settings';
import type { IPreflight } from './launchHooks';

/** Where the preflight stands. */
export type PreflightState =
  | { readonly state: 'pending' }
  | { readonly state: 'done'; readonly report: IPreflightReport }
  | { readonly state: 'unreachable'; readonly message: string };

/** Properties of {@link PreflightView}. */
export interface IPreflightViewProps {
  /** The checks of the launch being edited. */
  readonly preflight: IPreflight;
  /** The backend the user expects. */
  readonly hint: BackendHint;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** The preflight checks with their fixes. */
export function PreflightView(props: IPreflightViewProps): JSX.Element {
  const { hint, trans } = props;
  const { state: preflight, current, recheck } = props.preflight;
  let body: JSX.Element;
  if (preflight.state === 'pending') {
    body = (
      <p className="mpijob-Preflight-status">
        {trans.__('Checking that jobs can run…')}
      </p>
    );
  } else if (preflight.state === 'unreachable') {
    body = (
      <p className="mpijob-Preflight-status mpijob-mod-error">
        {trans.__(
          'The MPI job service is not reachable: %1',
          preflight.message
        )}
      </p>
    );
  } else {
    const { report } = preflight;
    body = (
      <>
        {!current && (
          <p className="mpijob-Preflight-status mpijob-Preflight-checking">
            {trans.__('Checking the launch as it is now…')}
          </p>
        )}
        <p className="mpijob-Preflight-status">
          {report.ok
            ? trans.__('Jobs can run on the %1 backend.', report.backend)
            : report.checks.every(c => c.ok || c.severity !== 'error' || c.path)
              ? trans.__(
                  'This launch does not fit the %1 backend as it is: see the marked fields.',
                  report.backend
                )
              : trans.__(
                  'Jobs cannot run on the %1 backend yet.',
                  report.backend
                )}
        </p>
        {hint !== 'auto' && hint !== report.backend && (
          <p className="mpijob-Preflight-status mpijob-mod-warn">
            {trans.__(
              'Your settings expect the %1 backend, but the service runs jobs on %2.',
              hint,
              report.backend
            )}
          </p>
        )}
        <ul className="mpijob-Preflight-checks">
          {report.checks.map(check => {
            const level = check.ok ? 'ok' : check.severity;
            return (
              <li
                key={check.name}
                className={`mpijob-Preflight-check mpijob-mod-${level}`}
              >
                <span className="mpijob-Preflight-mark" aria-hidden="true" />
                <span className="mpijob-Preflight-name">{check.name}</span>
                <span className="jp-sr-only">
                  {check.ok
                    ? trans.__('passed')
                    : check.severity === 'error'
                      ? trans.__('failed')
                      : trans.__('warning')}
                </span>
                <span className="mpijob-Preflight-message">
                  {!check.ok && check.path && (
                    <span className="mpijob-Preflight-field">
                      {trans.__(
                        'At %1: ',
                        fieldTitles(check.path)
                          .map(t => trans.__(t))
                          .join(' › ')
                      )}
                    </span>
                  )}
                  {check.message}
                  {!check.ok && check.fix && (
                    <span className="mpijob-Preflight-fix">
                      {' '}
                      {trans.__('Fix: %1', check.fix)}
                    </span>
                  )}
                </span>
              </li>
            );
          })}
        </ul>
      </>
    );
  }
  return (
    <section
      className="mpijob-Preflight"
      aria-label={trans.__('Preflight checks')}
      aria-busy={!current}
    >
      <div className="mpijob-SectionHeader">
        <h3>{trans.__('Preflight')}</h3>
        <button
          type="button"
          className="mpijob-TextButton"
          onClick={recheck}
          disabled={!current}
        >
          {trans.__('Check again')}
        </button>
      </div>
      {body}
    </section>
  );
}
