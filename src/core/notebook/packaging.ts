/**
 * Packaging as a whole: read the notebook, check it is Python, choose the
 * cells, translate them, and put the prelude the translation needs in front.
 */

import { ValidationError } from '../errors';
import type { FigureRanks } from '../jobFiles';
import { IPythonTranslator } from './ipythonSyntax';
import { cannotRunSummary, DEFAULT_NOTEBOOK_PATH } from './model';
import type { IPackagedProgram } from './model';
import { parseNotebook } from './parse';
import { buildPrelude } from './prelude';
import { ProgramBuilder } from './programBuilder';
import { selectCells } from './selection';
import type { CellSelection } from './selection';

/** Options of {@link packageNotebook}. */
export interface IPackageOptions {
  /** Which cells to package; all cells when absent. */
  selection?: CellSelection;
  /** The notebook's path, used in messages and rewritten tracebacks; `notebook.ipynb` when absent. */
  notebookPath?: string;
  /** Which ranks keep the figures their cells leave; rank 0 when absent. */
  figures?: FigureRanks;
}

const PYTHON_LANGUAGE = /^i?python[\d.]*$/i;

/**
 * Packages a notebook's code cells into one Python program with a source map.
 *
 * @param input - the notebook as JSON text, UTF-8 bytes or an already parsed object
 * @param options - cell selection and notebook path
 * @returns the program, its source map, the cells used and any warnings
 * @throws {ValidationError} when the notebook cannot be read, is not Python, the selection picks no code,
 *   or cells use IPython syntax that has no plain-Python form (all such lines are listed)
 */
export function packageNotebook(
  input: unknown,
  options: IPackageOptions = {}
): IPackagedProgram {
  const notebookPath = options.notebookPath ?? DEFAULT_NOTEBOOK_PATH;
  const notebook = parseNotebook(input, notebookPath);
  if (!PYTHON_LANGUAGE.test(notebook.language.trim())) {
    throw new ValidationError(
      [
        {
          path: 'metadata.kernelspec.language',
          message: `only Python notebooks can run as MPIJobs; this one is ${notebook.language}`
        }
      ],
      cannotRunSummary(notebookPath)
    );
  }
  const cellNumbers = selectCells(notebook, options.selection, notebookPath);
  const builder = new ProgramBuilder();
  const translator = new IPythonTranslator(builder);
  for (const cellNumber of cellNumbers) {
    translator.translateCell(cellNumber, notebook.cells[cellNumber - 1].source);
  }
  if (translator.problems.length > 0) {
    throw new ValidationError(
      translator.problems,
      cannotRunSummary(notebookPath)
    );
  }
  const { code, sourceMap } = builder.finish(
    buildPrelude(
      notebookPath,
      translator.helpers,
      translator.futureImports,
      options.figures
    )
  );
  return {
    code,
    sourceMap,
    cellNumbers,
    warnings: translator.finishWarnings(),
    notebookPath
  };
}
