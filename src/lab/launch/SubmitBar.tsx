/**
 * The foot of the launch panel: Submit (enabled only when nothing blocks the
 * launch), Cancel, and the reasons Submit is disabled. The buttons are
 * JupyterLab's dialog buttons, whose disabled look users know.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IProblem } from '../../core/errors';
import { fieldTitles } from '../../core/spec';
import type { IDraftState } from './draftEvaluation';
import type { IPreflight } from './launchHooks';

/** Problems named one by one in the reasons; the rest are counted. */
const NAMED_PROBLEMS = 3;

/** What can keep a launch from being submitted. */
export interface IBlockerInputs {
  /** The evaluated draft. */
  readonly draft: IDraftState;
  /** What the service refused in the last submission. */
  readonly refused: readonly IProblem[];
  /** The service's sentence about it, when no field carries the refusal. */
  readonly refusedDetail?: string;
  /** The preflight checks. */
  readonly preflight: Pick<IPreflight, 'state' | 'current'>;
  /** Whether a submission is under way. */
  readonly submitting: boolean;
}

/**
 * A problem as one sentence naming its field as the form labels it:
 * `Workers: must be at least 1`.
 *
 * @param problem - a problem with a spec-relative path (or a cell)
 * @param trans - translations (the form's labels are translated)
 * @returns the sentence
 */
export function describeProblem(
  problem: IProblem,
  trans: TranslationBundle
): string {
  const titles = fieldTitles(problem.path);
  const where = titles.length
    ? titles.map(title => trans.__(title)).join(' › ')
    : problem.path;
  return where ? `${where}: ${problem.message}` : problem.message;
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
  if (inputs.refusedDetail && !refused.length) {
    reasons.push(
      trans.__('The service refused the job: %1', inputs.refusedDetail)
    );
  }
  const problems = [...draft.problems, ...refused];
  if (problems.length) {
    for (const problem of problems.slice(0, NAMED_PROBLEMS)) {
      reasons.push(describeProblem(problem, trans));
    }
    if (problems.length > NAMED_PROBLEMS) {
      reasons.push(
        trans._n(
          'And %1 more problem, marked above.',
          'And %1 more problems, marked above.',
          problems.length - NAMED_PROBLEMS
        )
      );
    }
  } else if (!draft.built) {
    reasons.push(draft.summary);
  }
  const { state } = preflight;
  if (state.state === 'pending' || !preflight.current) {
    reasons.push(trans.__('Waiting for the preflight checks.'));
  } else if (state.state === 'unreachable') {
    reasons.push(trans.__('The MPI job service is not reachable.'));
  } else if (!state.report.ok) {
    const failed = state.report.checks.filter(
      c => !c.ok && c.severity === 'error'
    );
    // Checks about a field name it as the form does (the field shows it too).
    for (const check of failed) {
      const text = [check.message, check.fix].filter(Boolean).join('. ');
      reasons.push(
        check.path
          ? trans.__(
              'Preflight: %1',
              describeProblem({ path: check.path, message: text }, trans)
            )
          : trans.__('Preflight failed: %1', text)
      );
    }
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
  /** A one-click fix of the first reason, e.g. making the name unique. */
  readonly fix?: {
    readonly label: string;
    readonly onClick: () => void;
  } | null;
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
        className="jp-Dialog-button jp-mod-styled jp-mod-accept mpijob-Launch-submit"
        disabled={!props.enabled}
        aria-describedby={props.reasonsId}
        onClick={props.onSubmit}
      >
        {trans.__('Submit')}
      </button>
      <button
        type="button"
        className="jp-Dialog-button jp-mod-styled jp-mod-reject"
        onClick={props.onCancel}
      >
        {trans.__('Cancel')}
      </button>
      {props.fix && (
        <button
          type="button"
          className="jp-Dialog-button jp-mod-styled mpijob-Launch-fix"
          onClick={props.fix.onClick}
        >
          {props.fix.label}
        </button>
      )}
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
