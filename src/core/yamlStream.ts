/**
 * YAML streams (`---`-separated documents), as kubectl reads and writes them.
 */
import { parseAllDocuments, stringify } from 'yaml';

import { ValidationError } from './errors';

/**
 * Prints objects as one YAML stream.
 *
 * @param objects - the documents
 * @returns YAML text, documents separated by `---`
 */
export function toYamlStream(objects: readonly unknown[]): string {
  return objects
    .map(o => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false }))
    .join('---\n');
}

/**
 * Parses a YAML (or JSON) stream; empty documents are skipped.
 *
 * @param text - file contents
 * @param source - the file name, for messages
 * @returns the documents in order
 * @throws {ValidationError} naming the line of every syntax error
 */
export function parseYamlStream(text: string, source = 'input'): unknown[] {
  const documents = parseAllDocuments(text, { prettyErrors: true });
  const problems = [];
  const values: unknown[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    for (const error of document.errors) {
      const line = error.linePos?.[0].line;
      problems.push({
        path: line ? `${source}:${line}` : source,
        message: error.message.split('\n')[0]
      });
    }
    if (!document.errors.length) {
      const value: unknown = document.toJS();
      if (value !== null && value !== undefined) {
        values.push(value);
      }
    }
  }
  if (problems.length) {
    throw new ValidationError(problems, `cannot parse ${source}`);
  }
  return values;
}
