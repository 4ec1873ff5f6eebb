/**
 * Evaluating a launch being edited, as the user types: the validated spec,
 * every problem (fields, name clashes, cells) and the objects it creates.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IProblem } from '../../core/errors';
import { ValidationError } from '../../core/errors';
import type { IBuiltJob } from '../../core/job';
import { buildJob } from '../../core/job';
import type { ILaunchSpec } from '../../core/spec';
import { totalRanks, validateLaunchSpec } from '../../core/spec';
import { toYamlStream } from '../../core/yamlStream';
import type { ILaunchSettings } from '../settings';
import type { SpecValues } from './specDraft';
import { toSpecInput } from './specDraft';

/** A launch being edited, evaluated. */
export interface IDraftState {
  /** The spec with defaults filled; null while it is invalid. */
  readonly spec: ILaunchSpec | null;
  /** The packaged program and objects; null while they cannot be built. */
  readonly built: IBuiltJob | null;
  /** The objects as YAML; null while they cannot be built. */
  readonly yaml: string | null;
  /** One line about what runs. */
  readonly summary: string;
  /** What blocks the launch, with spec-relative paths or cells. */
  readonly problems: readonly IProblem[];
  /** What packaging changed or dropped; does not block. */
  readonly warnings: readonly IProblem[];
  /** The problem (among `problems`) that the job name is taken, if it is. */
  readonly nameTaken?: IProblem;
}

/** What a draft is evaluated with. */
export interface IDraftInputs {
  /** The form values. */
  readonly values: SpecValues;
  /** The user's settings. */
  readonly settings: ILaunchSettings;
  /** The notebook JSON; undefined while loading, null when there is none. */
  readonly notebook: unknown;
  /** Job names in use, by namespace. */
  readonly takenNames: (namespace: string) => ReadonlySet<string>;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** Packaging names the cell selection `selection.*`; the form calls it `source.*`. */
function asSourcePath(problem: IProblem): IProblem {
  return problem.path.startsWith('selection.')
    ? { ...problem, path: `source.${problem.path.slice('selection.'.length)}` }
    : problem;
}

/**
 * Evaluates a draft.
 *
 * @param inputs - values, settings, notebook
 * @returns the spec, problems and preview
 */
export function evaluateDraft(inputs: IDraftInputs): IDraftState {
  const { values, settings, notebook, takenNames, trans } = inputs;
  const validation = validateLaunchSpec(toSpecInput(values, settings));
  const problems: IProblem[] = validation.ok ? [] : [...validation.problems];
  const name = typeof values.name === 'string' ? values.name : '';
  const namespace =
    typeof values.namespace === 'string' ? values.namespace : 'default';
  const nameTaken =
    name && takenNames(namespace).has(name)
      ? {
          path: 'name',
          message: trans.__(
            'is taken by another job in namespace %1: choose another name',
            namespace
          )
        }
      : undefined;
  if (nameTaken) {
    problems.push(nameTaken);
  }
  const empty = {
    spec: null,
    built: null,
    yaml: null,
    warnings: [],
    problems,
    nameTaken
  };
  if (!validation.ok) {
    return { ...empty, summary: trans.__('Fix the marked fields.') };
  }
  const spec = validation.spec;
  if (notebook === undefined && !spec.command) {
    return { ...empty, spec, summary: trans.__('Reading the notebook…') };
  }
  let built: IBuiltJob;
  try {
    built = buildJob(spec, notebook);
  } catch (error) {
    const found =
      error instanceof ValidationError
        ? error.problems.map(asSourcePath)
        : [{ path: '', message: String(error) }];
    return {
      ...empty,
      spec,
      problems: [...problems, ...found],
      summary: trans.__('The notebook cannot run as an MPIJob yet.')
    };
  }
  const scale = trans.__(
    '%1 on %2',
    trans._n('%1 MPI rank', '%1 MPI ranks', totalRanks(spec)),
    trans._n('%1 worker', '%1 workers', spec.workers)
  );
  const summary = built.program
    ? trans._n(
        '%1 cell of %2 becomes one program run by %3.',
        '%1 cells of %2 become one program run by %3.',
        built.program.cellNumbers.length,
        built.program.notebookPath,
        scale
      )
    : trans.__('The command runs as %1.', scale);
  return {
    spec,
    built,
    yaml: toYamlStream(built.rendered.objects),
    summary,
    problems,
    nameTaken,
    warnings: built.program?.warnings ?? []
  };
}
