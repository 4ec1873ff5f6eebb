/**
 * Going from a job back to its notebook: opening it at a cell, and the cell
 * numbers of a selection.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { Notebook, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { contentsPath } from './contentsPath';

/**
 * Opens a notebook and selects cell `cellNumber` (1-based, counting every
 * cell), with the cursor on `line` when the cell's editor is ready.
 *
 * @param app - the application
 * @param trans - the translation bundle
 * @param path - the notebook path as the job recorded it: relative to the
 *   Jupyter root, or absolute (from the CLI)
 * @param cellNumber - 1-based cell number
 * @param line - 1-based line in the cell
 */
export async function openNotebookCell(
  app: JupyterFrontEnd,
  trans: TranslationBundle,
  path: string,
  cellNumber: number,
  line = 1
): Promise<void> {
  const inContents = contentsPath(path);
  if (inContents === null) {
    Notification.warning(
      trans.__(
        '%1 is outside the folder JupyterLab serves, so it cannot be opened here (cell %2, line %3).',
        path,
        cellNumber,
        line
      ),
      { autoClose: 8000 }
    );
    return;
  }
  const widget = (await app.commands.execute('docmanager:open', {
    path: inContents,
    factory: 'Notebook'
  })) as NotebookPanel | undefined;
  if (!widget?.content) {
    return;
  }
  await widget.context.ready;
  app.shell.activateById(widget.id);
  const notebook = widget.content;
  const index = Math.min(
    Math.max(cellNumber - 1, 0),
    notebook.widgets.length - 1
  );
  if (index < 0) {
    return;
  }
  notebook.mode = 'command';
  notebook.activeCellIndex = index;
  notebook.deselectAll();
  const cell = notebook.widgets[index];
  await notebook.scrollToCell(cell, 'center');
  await cell.ready;
  cell.editor?.setCursorPosition({ line: Math.max(line - 1, 0), column: 0 });
  notebook.node.focus();
}

/**
 * The 1-based numbers of the selected cells (the active one when nothing
 * else is selected).
 *
 * @param notebook - the notebook widget
 * @returns the cell numbers, ascending
 */
export function selectedCellNumbers(notebook: Notebook): number[] {
  const numbers: number[] = [];
  notebook.widgets.forEach((cell, index) => {
    if (notebook.isSelectedOrActive(cell)) {
      numbers.push(index + 1);
    }
  });
  return numbers;
}
