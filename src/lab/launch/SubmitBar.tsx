/**
 * The foot of the launch panel: Submit (enabled only when nothing blocks the
 * launch), Cancel, and the reasons Submit is disabled.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IDraftState } from './draft';
import type { PreflightState } from './PreflightView';

/** What can keep a launch from being submitted. */
export interface IBlockerInputs {
  /** The evaluated draft. */
  readonly draft: IDraftState;
  /** Whether the service refused the last submission. */
  readonly refused: boolean;
  /** The preflight checks. */
  readonly preflight: PreflightState;
  /** Whether a submission is under way. */
  readonly submitting: boolean;
}

/**
 * Why Submit is disabled.
 *
 * @param inputs - draft, preflight and submission state
 * @param trans - translations
 * @returns sentences; empty when the launch can be submitted
 */
export function submitBlockers(
  inputs: IBlockerInputs,
  trans: TranslationBundle
): string[] {
  const { draft, refused, preflight, submitting } = inputs;
  const reasons: string[] = [];
  if (draft.problems.length || refused) {
    reasons.push(trans.__('Fix the problems marked above.'));
  } else if (!draft.built) {
    reasons.push(draft.summary);
  }
  if (preflight.state === 'pending') {
    reasons.push(trans.__('Waiting for the preflight checks.'));
  } else if (preflight.state === 'unreachable') {
    reasons.push(trans.__('The MPI job service is not reachable.'));
  } else if (!preflight.report.ok) {
    const failed = preflight.report.checks.filter(
      c => !c.ok && c.severity === 'error'
    );
    reasons.push(
      trans.__('Preflight failed: %1', failed.map(c => c.message).join(' '))
    );
  }
  if (submitting) {
    reasons.push(trans.__('Submitting…'));
  }
  return reasons;
}

/** Properties of {@link SubmitBar}. */
export interface ISubmitBarProps {
  /** Why Submit is disabled; empty when it is not. */
  readonly reasons: readonly string[];
  /** Whether Submit is enabled. */
  readonly enabled: boolean;
  /** Submits. */
  readonly onSubmit: () => void;
  /** Closes the panel. */
  readonly onCancel: () => void;
  /** Id of the reasons list. */
  readonly reasonsId: string;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** Submit, Cancel and the reasons. */
export function SubmitBar(props: ISubmitBarProps): JSX.Element {
  const { reasons, trans } = props;
  return (
    <footer className="mpijob-Launch-footer">
      <button
        type="button"
        className="jp-mod-styled jp-mod-accept mpijob-Launch-submit"
        disabled={!props.enabled}
        aria-describedby={props.reasonsId}
        onClick={props.onSubmit}
      >
        {trans.__('Submit')}
      </button>
      <button
        type="button"
        className="jp-mod-styled jp-mod-reject"
        onClick={props.onCancel}
      >
        {trans.__('Cancel')}
      </button>
      <ul
        id={props.reasonsId}
        className="mpijob-Launch-reasons"
        aria-live="polite"
      >
        {reasons.map(reason => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
    </footer>
  );
}
