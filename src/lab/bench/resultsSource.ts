/**
 * A benchmark results file as the viewer sees it: its path and either the
 * results or every reason it is not a results file.
 */
import type { IBenchResults } from '../../core/benchResults';
import { resultsProblems } from '../../core/benchResults';
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

/** Most problems listed for one file: a wrong file can have hundreds. */
const MAX_PROBLEMS = 20;

/**
 * Reads a results file's text: JSON, valid against schema/results.json.
 *
 * @param path - the file, for the record
 * @param text - its content
 * @returns the results, or the problems (the JSON error, or the schema's)
 */
export function readResultsText(path: string, text: string): ResultsSource {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return {
      path,
      ok: false,
      problems: [
        {
          path: '',
          message: `is not JSON: ${error instanceof Error ? error.message : String(error)}`
        }
      ]
    };
  }
  const problems = resultsProblems(parsed);
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    if (problems.length > MAX_PROBLEMS) {
      shown.push({
        path: '',
        message: `… and ${problems.length - MAX_PROBLEMS} more problems`
      });
    }
    return { path, ok: false, problems: shown };
  }
  return { path, ok: true, results: parsed as IBenchResults };
}
