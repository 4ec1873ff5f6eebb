/**
 * The vocabulary every stage of notebook packaging shares: the parsed notebook,
 * the packaged program, and where each program line came from.
 */

import type { IProblem } from '../errors';

/** File name of the generated program, next to its source map in the ConfigMap. */
export const PROGRAM_FILE_NAME = 'mpijob_main.py';

/** Notebook path used in messages and tracebacks when the caller gives none. */
export const DEFAULT_NOTEBOOK_PATH = 'notebook.ipynb';

/** One notebook cell, normalized: `source` is joined text even when the file stores a list of lines. */
export interface INotebookCell {
  /** `code`, `markdown` or `raw`. */
  cell_type: string;
  /** The cell's text. */
  source: string;
  /** The cell's tags (`metadata.tags`), empty when it has none. */
  tags: readonly string[];
}

/** A parsed and checked nbformat 4 notebook. */
export interface INotebook {
  /** `nbformat_minor` of the file (0 when absent). */
  nbformatMinor: number;
  /** Every cell, in notebook order. */
  cells: readonly INotebookCell[];
  /** Kernel language from `metadata.kernelspec.language` or `metadata.language_info.name`; `python` when neither is set. */
  language: string;
}

/** Where a program line came from. */
export interface ISourceLocation {
  /** 1-based cell number, counting every cell. */
  cellNumber: number;
  /** 1-based line within the cell. */
  line: number;
}

/** A notebook packaged as one Python program. */
export interface IPackagedProgram {
  /** The Python program; ends with a newline. */
  readonly code: string;
  /** Entry i describes program line i + 1; null for generated lines. */
  readonly sourceMap: readonly (ISourceLocation | null)[];
  /** The cells that went into the program, in order. */
  readonly cellNumbers: readonly number[];
  /** Things that were changed or dropped and that the user should know about. */
  readonly warnings: readonly IProblem[];
  /** The notebook path used in messages and tracebacks. */
  readonly notebookPath: string;
}

/**
 * The summary line of every error that stops a notebook from being packaged.
 *
 * @param notebookPath - the notebook's path
 * @returns the summary for a ValidationError
 */
export function cannotRunSummary(notebookPath: string): string {
  return `${notebookPath} cannot run as an MPIJob`;
}
