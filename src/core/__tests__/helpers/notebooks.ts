/**
 * Notebooks built in tests, and what to read off a packaged program.
 */
import { spawnSync } from 'node:child_process';

import { ValidationError } from '../../errors';
import type { IPackagedProgram } from '../../notebook';

export interface ITestCell {
  cell_type: string;
  metadata: { tags?: string[] };
  source: string | string[];
  outputs?: unknown[];
}

export const PYTHON_METADATA = {
  kernelspec: {
    display_name: 'Python 3 (ipykernel)',
    language: 'python',
    name: 'python3'
  },
  language_info: { name: 'python' }
};

export function codeCell(
  source: string | string[],
  tags: string[] = []
): ITestCell {
  return {
    cell_type: 'code',
    metadata: tags.length > 0 ? { tags } : {},
    source,
    outputs: []
  };
}

export function markdownCell(source: string): ITestCell {
  return { cell_type: 'markdown', metadata: {}, source };
}

export function notebook(
  cells: ITestCell[],
  metadata: Record<string, unknown> = PYTHON_METADATA
): Record<string, unknown> {
  return { nbformat: 4, nbformat_minor: 5, metadata, cells };
}

/** Lines the way Python and the packager count them: a final newline does not start another line. */
export function splitSource(source: string): string[] {
  const lines = source.split(/\r\n?|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}

export function programLines(program: IPackagedProgram): string[] {
  return program.code.slice(0, -1).split('\n');
}

/** The program lines that came from one cell, in order. */
export function linesOfCell(
  program: IPackagedProgram,
  cellNumber: number
): string[] {
  const lines = programLines(program);
  return lines.filter(
    (_, index) => program.sourceMap[index]?.cellNumber === cellNumber
  );
}

export function validationError(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}

export const hasPython =
  spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * `it` for tests that run python3, or `it.skip` with the reason printed when
 * there is none. In CI (`CI`, or `MPIJOB_TESTENV_REQUIRED=1` as
 * scripts/test.sh sets) a missing python3 fails instead: nothing is skipped
 * there without anyone noticing, as with the Kubernetes suites.
 *
 * @returns the `it` to use
 * @throws {Error} in CI without python3
 */
function pythonIt(): jest.It {
  if (hasPython) {
    return it;
  }
  const why =
    'python3 is not on PATH: run scripts/setup.sh, or put a Python 3 on PATH';
  if (
    process.env.MPIJOB_TESTENV_REQUIRED === '1' ||
    (process.env.CI !== undefined && process.env.CI !== 'false')
  ) {
    throw new Error(`CI must run the tests that need Python, but ${why}`);
  }
  console.warn(`skipping the tests that need Python: ${why}`);
  return it.skip;
}

export const itWithPython = pythonIt();

/**
 * The text of an nbformat 4.5 notebook of code cells, as a test writes it
 * to a file.
 *
 * @param cells - each code cell's source
 * @returns the JSON text
 */
export function notebookText(cells: readonly string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map((source, i) => ({
      cell_type: 'code',
      id: `cell-${i + 1}`,
      execution_count: null,
      metadata: {},
      outputs: [],
      source
    }))
  });
}
