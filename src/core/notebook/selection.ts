/**
 * Cell selection: which cells of a notebook go into the program, by mode
 * (all, up to a cell, tagged, hand-picked) and by the skip tag.
 */

import { ValidationError } from '../errors';
import type { IProblem } from '../errors';
import { describe, isCount, isRecord } from './jsonValues';
import { cannotRunSummary, DEFAULT_NOTEBOOK_PATH } from './model';
import type { INotebook, INotebookCell } from './model';

/** Cells with this tag are always left out of the program. */
export const SKIP_TAG = 'skip-mpijob';

/** Cells with this tag are packaged when the selection mode is `tagged`. */
export const INCLUDE_TAG = 'mpijob';

/** Which cells to package; cell numbers are 1-based and count every cell, markdown too, as the user sees them. */
export type CellSelection =
  | { mode: 'all' }
  | { mode: 'up-to'; upToCell: number }
  | { mode: 'tagged' }
  | { mode: 'selected'; cellNumbers: readonly number[] };

/**
 * Chooses the cells a selection packages: non-empty code cells without the skip tag, in notebook order.
 *
 * @param notebook - the parsed notebook
 * @param selection - which cells the user asked for
 * @param notebookPath - the notebook's path, for messages
 * @returns 1-based cell numbers, ascending
 * @throws {ValidationError} when the selection is malformed, names a cell the notebook does not have, or picks no code cell
 */
export function selectCells(
  notebook: INotebook,
  selection: CellSelection = { mode: 'all' },
  notebookPath: string = DEFAULT_NOTEBOOK_PATH
): number[] {
  const cells = notebook.cells;
  const summary = cannotRunSummary(notebookPath);
  const wanted = wantedCells(selection, cells);
  if (Array.isArray(wanted)) {
    throw new ValidationError(wanted, summary);
  }
  const chosen: number[] = [];
  cells.forEach((cell, index) => {
    if (
      wanted(index + 1, cell) &&
      cell.cell_type === 'code' &&
      !cell.tags.includes(SKIP_TAG) &&
      NON_BLANK.test(cell.source)
    ) {
      chosen.push(index + 1);
    }
  });
  if (chosen.length === 0) {
    throw new ValidationError(
      [{ path: '', message: emptySelectionMessage(selection, cells) }],
      summary
    );
  }
  return chosen;
}

const NON_BLANK = /\S/;

function wantedCells(
  selection: CellSelection,
  cells: readonly INotebookCell[]
): IProblem[] | ((cellNumber: number, cell: INotebookCell) => boolean) {
  const count = cells.length;
  const missing = (path: string, value: unknown): IProblem => ({
    path,
    message: isCount(value)
      ? `cell ${value} does not exist: the notebook has ${count} cell${count === 1 ? '' : 's'}`
      : `must be a cell number (1 or more), not ${describe(value)}`
  });
  const inRange = (value: unknown): boolean =>
    isCount(value) && value >= 1 && value <= count;
  const mode: unknown = isRecord(selection) ? selection.mode : undefined;
  switch (mode) {
    case 'all':
      return () => true;
    case 'tagged':
      return (_, cell) => cell.tags.includes(INCLUDE_TAG);
    case 'up-to': {
      const upTo = (selection as { upToCell: unknown }).upToCell;
      if (!inRange(upTo)) {
        return [missing('selection.upToCell', upTo)];
      }
      return cellNumber => cellNumber <= (upTo as number);
    }
    case 'selected': {
      const numbers = (selection as { cellNumbers: unknown }).cellNumbers;
      if (!Array.isArray(numbers)) {
        return [
          {
            path: 'selection.cellNumbers',
            message: `must be a list of cell numbers, not ${describe(numbers)}`
          }
        ];
      }
      const problems: IProblem[] = [];
      numbers.forEach((value: unknown, index) => {
        if (!inRange(value)) {
          problems.push(missing(`selection.cellNumbers[${index}]`, value));
        }
      });
      if (problems.length > 0) {
        return problems;
      }
      const chosen = new Set(numbers as number[]);
      return cellNumber => chosen.has(cellNumber);
    }
    default:
      return [
        {
          path: 'selection.mode',
          message: `must be 'all', 'up-to', 'tagged' or 'selected', not ${describe(mode)}`
        }
      ];
  }
}

function emptySelectionMessage(
  selection: CellSelection,
  cells: readonly INotebookCell[]
): string {
  const lead = 'no code cells to run: ';
  const usable = `non-empty code cell without the '${SKIP_TAG}' tag`;
  if (!cells.some(cell => cell.cell_type === 'code')) {
    return `${lead}the notebook has no code cells (${cells.length} cell${cells.length === 1 ? '' : 's'}, none of them code); put the code to run in code cells`;
  }
  switch (selection.mode) {
    case 'up-to':
      return `${lead}cells 1 to ${selection.upToCell} contain no ${usable}; run up to a later cell`;
    case 'tagged':
      return `${lead}no ${usable} is tagged '${INCLUDE_TAG}'; tag the cells to run with '${INCLUDE_TAG}', or run all cells`;
    case 'selected':
      return selection.cellNumbers.length === 0
        ? `${lead}no cells are selected; select the code cells to run`
        : `${lead}the selected cells (${[...new Set(selection.cellNumbers)].sort((a, b) => a - b).join(', ')}) contain no ${usable}; select code cells`;
    default:
      return `${lead}the notebook has no ${usable}; add code, or remove the '${SKIP_TAG}' tag from the cells to run`;
  }
}
