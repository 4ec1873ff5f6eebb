/**
 * kubectl's JSONPath templates (`-o jsonpath=…`, custom-columns' paths):
 * text with `{.path}` expressions, `{"literal"}`, and `{range …}…{end}`.
 * The paths themselves are evaluated by jsonpath-plus; this module reads
 * the template around them.
 */
import { JSONPath } from 'jsonpath-plus';

import { errorMessage } from '../../core/errors';
import { CliError, ExitCode } from './errors';

/** A template, read into parts. */
type Part =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'path'; readonly path: string }
  | {
      readonly type: 'range';
      readonly path: string;
      readonly body: readonly Part[];
    };

/**
 * Evaluates a JSONPath expression as kubectl writes it (`.items[*].x`,
 * `{.x}`, `$.x`) against a value.
 *
 * @param path - the expression
 * @param value - the object it starts from
 * @returns every match, in document order
 */
export function queryPath(path: string, value: unknown): unknown[] {
  const bare = path
    .trim()
    .replace(/^\{(.*)\}$/s, '$1')
    .trim();
  const absolute =
    bare === '' || bare === '.' || bare === '$'
      ? '$'
      : bare.startsWith('$')
        ? bare
        : `$${bare.startsWith('.') || bare.startsWith('[') ? '' : '.'}${bare}`;
  try {
    return JSONPath({
      path: absolute,
      json: value as object,
      wrap: true,
      eval: 'safe'
    }) as unknown[];
  } catch (error) {
    throw new CliError(
      [`error executing jsonpath "${path}": ${errorMessage(error)}`],
      ExitCode.usage
    );
  }
}

/**
 * One value as kubectl prints it: strings bare, everything else as JSON.
 *
 * @param value - a match
 * @returns its text
 */
export function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Renders a kubectl JSONPath template.
 *
 * @param template - e.g. `{range .items[*]}{.metadata.name}{"\n"}{end}`
 * @param value - the object (a v1 List for list commands)
 * @returns the text, without an added newline (as kubectl)
 * @throws {CliError} (exit 2) for an unbalanced template or a bad path
 */
export function renderTemplate(template: string, value: unknown): string {
  const [parts, rest] = parse(tokens(template), 0, template);
  if (rest !== null) {
    throw templateError(template, '{end} without {range}');
  }
  return render(parts, value);
}

function render(parts: readonly Part[], value: unknown): string {
  return parts
    .map(part => {
      switch (part.type) {
        case 'text':
          return part.text;
        case 'path':
          return queryPath(part.path, value).map(valueText).join(' ');
        case 'range':
          return queryPath(part.path, value)
            .map(item => render(part.body, item))
            .join('');
      }
    })
    .join('');
}

/** A template split into text and `{…}` expressions (without braces). */
type Token = { text: string } | { expression: string };

function tokens(template: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      out.push({ text: template.slice(i) });
      break;
    }
    if (open > i) {
      out.push({ text: template.slice(i, open) });
    }
    let j = open + 1;
    let quote: string | null = null;
    let depth = 1;
    for (; j < template.length && depth > 0; j++) {
      const c = template[j];
      if (quote) {
        if (c === '\\') {
          j++;
        } else if (c === quote) {
          quote = null;
        }
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '{') {
        depth++;
      } else if (c === '}') {
        depth--;
      }
    }
    if (depth > 0) {
      throw templateError(template, 'unclosed {');
    }
    out.push({ expression: template.slice(open + 1, j - 1).trim() });
    i = j;
  }
  return out;
}

/** Reads parts up to `{end}` (returned as the index after it) or the end (null). */
function parse(
  list: readonly Token[],
  start: number,
  template: string
): [Part[], number | null] {
  const parts: Part[] = [];
  for (let i = start; i < list.length; i++) {
    const token = list[i];
    if ('text' in token) {
      parts.push({ type: 'text', text: token.text });
      continue;
    }
    const { expression } = token;
    if (expression === 'end') {
      return [parts, i + 1];
    }
    const range = /^range\s+(.+)$/s.exec(expression);
    if (range) {
      const [body, next] = parse(list, i + 1, template);
      if (next === null) {
        throw templateError(template, '{range} without {end}');
      }
      parts.push({ type: 'range', path: range[1], body });
      i = next - 1;
    } else if (/^(["']).*\1$/s.test(expression)) {
      parts.push({ type: 'text', text: literal(expression) });
    } else {
      parts.push({ type: 'path', path: expression });
    }
  }
  return [parts, null];
}

function literal(quoted: string): string {
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r' };
  return quoted
    .slice(1, -1)
    .replace(/\\(.)/g, (_, c: string) => escapes[c] ?? c);
}

function templateError(template: string, what: string): CliError {
  return new CliError(
    [
      `error parsing jsonpath ${template}: ${what}; see https://kubernetes.io/docs/reference/kubectl/jsonpath/`
    ],
    ExitCode.usage
  );
}
