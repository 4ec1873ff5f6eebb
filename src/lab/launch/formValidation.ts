/**
 * Validation of the launch forms: the rjsf validator speaking the same
 * sentences as the CLI and the service, and problems from anywhere (the
 * spec's cross-field rules, packaging, the service) placed next to fields.
 */
import type { ReadonlyJSONObject } from '@lumino/coreutils';
import type { ErrorSchema, RJSFSchema, ValidatorType } from '@rjsf/utils';
import { customizeValidator } from '@rjsf/validator-ajv8';
import type { ErrorObject } from 'ajv';

import type { IProblem } from '../../core/errors';
import { describeAjvErrors } from '../../core/spec';
import type { FormPart, IFormLayout } from './formSchema';
import { formPartOf } from './formSchema';

/** The validator type of the forms. */
export type FormValidator = ValidatorType<ReadonlyJSONObject>;

/** Rewrites ajv's messages into the launch spec's own sentences. */
function localize(errors?: null | ErrorObject[]): void {
  for (const error of errors ?? []) {
    const [problem] = describeAjvErrors([error]);
    if (problem) {
      error.message = problem.message;
    }
  }
}

/**
 * A validator for one form (forms compile different schemas, so each gets
 * its own ajv instance).
 *
 * @returns an ajv8 validator with the spec's messages
 */
export function createFormValidator(): FormValidator {
  return customizeValidator<ReadonlyJSONObject>({}, localize);
}

/**
 * Splits a field path into its segments: `env[0].name` → `env`, `0`, `name`.
 *
 * @param path - a dotted path, with `[n]` or `["key"]` segments
 * @returns the segments
 */
export function pathSegments(path: string): string[] {
  const segments: string[] = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) {
      segments.push(match[1]);
    } else if (match[2] !== undefined) {
      segments.push(match[2]);
    } else {
      segments.push(JSON.parse(match[3]) as string);
    }
  }
  return segments;
}

/**
 * Field paths that the rjsf validator already reports for some form data.
 *
 * @param validator - the form's validator
 * @param schema - the form's schema
 * @param data - the form data
 * @returns paths joined with `.`
 */
export function reportedPaths(
  validator: FormValidator,
  schema: RJSFSchema,
  data: ReadonlyJSONObject
): Set<string> {
  const { errors } = validator.validateFormData(data, schema);
  return new Set(
    errors.map(e =>
      pathSegments((e.property ?? '').replace(/^\./, '')).join('.')
    )
  );
}

/** Problems sorted by where they show. */
export interface ISortedProblems {
  /** Per form, as rjsf extra errors. */
  readonly fields: Record<FormPart, ErrorSchema>;
  /** Problems that are no form field (cells, the notebook, the request). */
  readonly general: IProblem[];
}

/**
 * Sorts problems into field errors of the forms and general ones.
 *
 * @param problems - problems with spec-relative paths
 * @param layout - where the fields show
 * @param skip - per form, paths the form reports itself (not repeated)
 * @returns the sorted problems
 */
export function sortProblems(
  problems: readonly IProblem[],
  layout: IFormLayout,
  skip: Partial<Record<FormPart, Set<string>>> = {}
): ISortedProblems {
  const fields: Record<FormPart, ErrorSchema> = {
    basic: {},
    advanced: {},
    kubernetes: {}
  };
  const general: IProblem[] = [];
  for (const problem of problems) {
    const part = formPartOf(problem.path, layout);
    if (!part) {
      general.push(problem);
      continue;
    }
    const segments = pathSegments(problem.path);
    if (skip[part]?.has(segments.join('.'))) {
      continue;
    }
    let node = fields[part] as Record<string, unknown>;
    for (const segment of segments) {
      node[segment] ??= {};
      node = node[segment] as Record<string, unknown>;
    }
    const list = (node.__errors ??= []) as string[];
    if (!list.includes(problem.message)) {
      list.push(problem.message);
    }
  }
  return { fields, general };
}
