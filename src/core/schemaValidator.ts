/**
 * The one way this project sets up ajv for its JSON schemas (results files,
 * benchmark scenarios and requests, MPIJob structure; the launch spec's
 * validator is compiled with the same options at build time,
 * scripts/embed-schemas.mjs, so `mpijob` loads no ajv to check one):
 * every error reported (allErrors) with the failing subschema at hand
 * (verbose, for the schemas' own message annotations), compiled once on
 * first use, since ajv's code generation is the expensive part.
 */
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';

/** How a schema is validated. */
export interface ISchemaValidatorOptions {
  /** Fill the schema's defaults into the validated value (default false). */
  readonly useDefaults?: boolean;
  /**
   * Refuse unknown keywords and formats (default true); false for schemas
   * that describe other projects' objects loosely.
   */
  readonly strict?: boolean;
  /** The schema's message annotations (e.g. `patternMessage`): keywords ajv must accept. */
  readonly messageKeywords?: readonly string[];
}

/**
 * A validator for a schema, compiled the first time it is asked for.
 *
 * @param schema - the JSON schema
 * @param options - defaults, strictness, message keywords
 * @returns a function that gives the compiled validator
 */
export function lazyValidator(
  schema: object,
  options: ISchemaValidatorOptions = {}
): () => ValidateFunction {
  let compiled: ValidateFunction | null = null;
  return () => {
    if (compiled === null) {
      const ajv = new Ajv({
        allErrors: true,
        verbose: true,
        allowUnionTypes: true,
        strict: options.strict ?? true,
        useDefaults: options.useDefaults ?? false
      });
      for (const keyword of options.messageKeywords ?? []) {
        ajv.addKeyword({ keyword, schemaType: 'string' });
      }
      compiled = ajv.compile(schema);
    }
    return compiled;
  };
}

export type { CopyValidation } from './validateCopy';
export { validateCopy } from './validateCopy';
