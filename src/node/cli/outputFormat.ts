/**
 * The `-o` flag's value, kubectl's way: a printer name (`json`, `yaml`,
 * `name`, `wide`), or a template (`jsonpath=…`, `custom-columns=…`).
 * Parsing only: the printers load when they print.
 */
import { usageError } from './errors';

/** Formats every command accepts for objects. */
export const OBJECT_FORMATS = ['json', 'yaml', 'name'] as const;

/** One of {@link OBJECT_FORMATS}. */
export type ObjectFormat = (typeof OBJECT_FORMATS)[number];

/** A printer of objects that takes no template. */
export type PlainFormat = 'json' | 'yaml' | 'name';

/** One column of `-o custom-columns=HEADER:.path,…`. */
export interface ICustomColumn {
  /** The header as given (printed upper-case, like every header). */
  readonly header: string;
  /** A JSONPath expression, relative to each object. */
  readonly path: string;
}

/** A parsed `-o` value. */
export type OutputFormat =
  | { readonly kind: PlainFormat }
  | { readonly kind: 'wide' }
  | { readonly kind: 'jsonpath'; readonly template: string }
  | {
      readonly kind: 'custom-columns';
      readonly columns: readonly ICustomColumn[];
    };

/** A format the object printers print (`wide` is a table's). */
export type PrintFormat = Exclude<OutputFormat, { readonly kind: 'wide' }>;

/** Every kind of {@link OutputFormat}. */
export type OutputKind = OutputFormat['kind'];

/**
 * Checks an `-o` value that names a printer.
 *
 * @param value - what the user passed
 * @param allowed - the formats this command supports
 * @param commandName - for the usage error
 * @returns the format
 * @throws {CliError} (exit 2) with kubectl's wording for unknown formats
 */
export function parseFormat<T extends string>(
  value: string,
  allowed: readonly T[],
  commandName: string
): T {
  if ((allowed as readonly string[]).includes(value)) {
    return value as T;
  }
  throw usageError(
    `unable to match a printer suitable for the output format "${value}", allowed formats are: ${allowed.join(',')}`,
    commandName
  );
}

/**
 * Parses an `-o` value that may be a template.
 *
 * @param value - what the user passed, e.g. `jsonpath={.items[*].metadata.name}`
 * @param allowed - the kinds this command supports
 * @param commandName - for usage errors
 * @returns the format
 * @throws {CliError} (exit 2) for unknown formats and empty or malformed templates
 */
export function parseOutput(
  value: string,
  allowed: readonly OutputKind[],
  commandName: string
): OutputFormat {
  const template = /^(jsonpath|custom-columns)=(.*)$/s.exec(value);
  if (!template) {
    const names = allowed.map(kind =>
      kind === 'jsonpath' || kind === 'custom-columns' ? `${kind}=…` : kind
    );
    return {
      kind: parseFormat(value, names, commandName) as PlainFormat | 'wide'
    };
  }
  const [, kind, text] = template;
  if (!(allowed as readonly string[]).includes(kind)) {
    parseFormat(value, allowed, commandName);
  }
  if (text.trim() === '') {
    throw usageError(
      `-o ${kind}= needs a template, e.g. -o ${kind === 'jsonpath' ? "jsonpath='{.items[*].metadata.name}'" : 'custom-columns=NAME:.metadata.name,PHASE:.status.phase'}`,
      commandName
    );
  }
  if (kind === 'jsonpath') {
    return { kind, template: text };
  }
  return { kind: 'custom-columns', columns: parseColumns(text, commandName) };
}

function parseColumns(text: string, commandName: string): ICustomColumn[] {
  return text.split(',').map(spec => {
    const colon = spec.indexOf(':');
    const header = spec.slice(0, colon).trim();
    const path = spec.slice(colon + 1).trim();
    if (colon < 1 || header === '' || path === '') {
      throw usageError(
        `custom-columns format "${spec}": expected HEADER:JSONPATH, e.g. NAME:.metadata.name`,
        commandName
      );
    }
    return { header, path };
  });
}
