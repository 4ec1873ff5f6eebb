/**
 * Results files: one JSON file per benchmark run, named after the scenario
 * and its start time, checked against schema/results.json when read.
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';

import type { IBenchResults } from '../../core/benchResults';
import { parseResults } from '../../core/benchResults';
import { errorMessage, ValidationError } from '../../core/errors';

/**
 * The default file of a run: `<dir>/<name>-<YYYYMMDD-HHMMSS>.json` (UTC).
 *
 * @param dir - the results folder
 * @param name - scenario name, or `micro`
 * @param startedAt - the run's start, RFC 3339
 * @returns the path
 */
export function defaultResultsPath(
  dir: string,
  name: string,
  startedAt: string
): string {
  const stamp = startedAt.slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return join(dir, `${name}-${stamp}.json`);
}

/**
 * Writes results as indented JSON, creating the folder.
 *
 * @param path - the file
 * @param results - the results
 */
export async function writeResults(
  path: string,
  results: IBenchResults
): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  await fs.writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}

/**
 * Reads and validates a results file.
 *
 * @param path - the file
 * @returns the results
 * @throws {ValidationError} when it cannot be read, is not JSON or does not
 *   match schema/results.json (every problem with its field path)
 */
export async function readResults(path: string): Promise<IBenchResults> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError(
      [{ path, message: `cannot be read: ${errorMessage(error)}` }],
      'no results'
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      [{ path, message: `is not JSON: ${errorMessage(error)}` }],
      'invalid results'
    );
  }
  try {
    return parseResults(parsed, path);
  } catch (error) {
    if (error instanceof ValidationError) {
      // Name the file in every problem: several files may be read at once.
      throw new ValidationError(
        error.problems.map(p => ({
          path: p.path ? `${path}: ${p.path}` : path,
          message: p.message
        })),
        `${path} is not a results file`
      );
    }
    throw error;
  }
}
