/**
 * Submitting a launch: the request, the notification that follows it from
 * in-progress to success or error, and the problems of a refused one.
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IProblem } from '../../core/errors';
import type { IJobRecord } from '../../core/jobRecord';
import type { ILaunchSpec } from '../../core/spec';
import { MpiJobResponseError } from '../request';
import type { IMpiJobManager, ProgramSourceMap } from '../tokens';
import { errorMessage } from '../../core/errors';

/** How long the in-progress notification shows at least. */
const MIN_PENDING_MS = 600;

/** What a submission gave. */
export type SubmitOutcome =
  | { readonly ok: true; readonly job: IJobRecord }
  | {
      readonly ok: false;
      /** The service's reason (`AlreadyExists`, `Invalid`, `Forbidden`…), when it answered. */
      readonly reason: string | null;
      /** One sentence for the user. */
      readonly detail: string;
      /** Problems with spec-relative paths (or cells). */
      readonly problems: readonly IProblem[];
    };

/** What {@link submitLaunch} needs. */
export interface ISubmitOptions {
  /** The shared manager. */
  readonly manager: IMpiJobManager;
  /** The spec to submit. */
  readonly spec: ILaunchSpec;
  /** The notebook's JSON; null for a command. */
  readonly notebook: unknown;
  /** The program built from the same notebook, for tracebacks. */
  readonly program: ProgramSourceMap | null;
  /** Opens the job view. */
  readonly open: (job: IJobRecord) => void;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/**
 * The problems of a refused submission.
 *
 * @param error - what the request threw
 * @param trans - translations
 * @returns a sentence and the field or cell problems
 */
export function describeFailure(
  error: unknown,
  trans: TranslationBundle
): { reason: string | null; detail: string; problems: IProblem[] } {
  if (error instanceof MpiJobResponseError && error.problem) {
    const { problem } = error;
    const problems = [...(problem.errors ?? [])];
    if (problem.title === 'AlreadyExists' && !problems.length) {
      problems.push({
        path: 'name',
        message: trans.__('is taken by another job: choose another name')
      });
    }
    return { reason: problem.title, detail: problem.detail, problems };
  }
  return {
    reason: null,
    detail: errorMessage(error),
    problems: []
  };
}

/**
 * Submits a launch, with a notification that ends in success (with an
 * action opening the job); a refusal is the panel's to show.
 *
 * @param options - what to submit and how to report it
 * @returns the job, or why it was refused
 */
export async function submitLaunch(
  options: ISubmitOptions
): Promise<SubmitOutcome> {
  const { manager, spec, notebook, program, open, trans } = options;
  const id = Notification.emit(
    trans.__('Submitting %1…', spec.name),
    'in-progress',
    { autoClose: false }
  );
  const shown = Date.now();
  // A toast updated before it has rendered keeps its first state (JupyterLab
  // creates it asynchronously): let the in-progress one show first.
  const settle = (): Promise<void> =>
    new Promise(resolve =>
      window.setTimeout(
        resolve,
        Math.max(0, MIN_PENDING_MS - (Date.now() - shown))
      )
    );
  try {
    const job = await manager.model.submit(spec, notebook);
    manager.recordLaunch(job, program);
    await settle();
    Notification.update({
      id,
      type: 'success',
      message: trans._n(
        'Submitted %2 (%1 worker).',
        'Submitted %2 (%1 workers).',
        job.workers,
        job.name
      ),
      autoClose: 5000,
      actions: [
        {
          label: trans.__('Open'),
          caption: trans.__('Open the job view of %1', job.name),
          callback: () => open(job)
        }
      ]
    });
    return { ok: true, job };
  } catch (error) {
    await settle();
    const { reason, detail, problems } = describeFailure(error, trans);
    // The panel shows why, next to the fields and at Submit: no toast
    // that stays (and piles up) over the form.
    Notification.dismiss(id);
    return { ok: false, reason, detail, problems };
  }
}
