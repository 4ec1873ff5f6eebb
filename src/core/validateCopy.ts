/**
 * Validating a copy, so that a schema's defaults are filled in without
 * modifying the input. Apart from ./schemaValidator, which loads ajv to
 * compile: a validator compiled at build time (the launch spec's) needs
 * only this.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';

/** What {@link validateCopy} found. */
export type CopyValidation =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly errors: readonly ErrorObject[] };

/**
 * Validates a copy of a value, so that the schema's defaults are filled in
 * without modifying the input.
 *
 * @param validate - a compiled validator (see {@link lazyValidator})
 * @param input - the parsed value
 * @returns the copy, defaults filled in, or ajv's errors
 */
export function validateCopy(
  validate: ValidateFunction,
  input: unknown
): CopyValidation {
  const value: unknown =
    input !== null && typeof input === 'object'
      ? structuredClone(input)
      : input;
  return validate(value)
    ? { ok: true, value }
    : { ok: false, errors: validate.errors ?? [] };
}
