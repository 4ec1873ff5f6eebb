/**
 * A benchmark results file as the viewer sees it: its path and either the
 * results or every reason it is not a results file.
 */
import type { IBenchResults } from '../../core/benchResults';
import { readResultsText as checkResultsText } from '../../core/benchResults';
import type { IProblem } from '../../core/errors';

/** One file shown by the viewer. */
export type ResultsSource =
  | {
      /** The file, relative to the server root. */
      readonly path: string;
      readonly ok: true;
      /** The results. */
      readonly results: IBenchResults;
    }
  | {
      /** The file, relative to the server root. */
      readonly path: string;
      readonly ok: false;
      /** Why it is not a results file (schema validator errors, by field). */
      readonly problems: readonly IProblem[];
    };

/**
 * Reads a results file's text: JSON, valid against schema/results.json.
 *
 * @param path - the file, for the record
 * @param text - its content
 * @returns the results, or the problems (the JSON error, or the schema's)
 */
export function readResultsText(path: string, text: string): ResultsSource {
  return { path, ...checkResultsText(text) };
}
