/**
 * Reading a notebook file: UTF-8 and JSON decoding, then checking it is an
 * nbformat 4 notebook (nbformat 3 is converted first), reporting every
 * broken cell at once.
 */

import { ValidationError } from '../errors';
import type { IProblem } from '../errors';
import { jsonErrorDetail } from '../jsonErrorPosition';
import { describe, isCount, isRecord, MAX_PROBLEMS } from './jsonValues';
import { DEFAULT_NOTEBOOK_PATH } from './model';
import { upgradeFromV3 } from './nbformat3';
import type { INotebook, INotebookCell } from './model';

/**
 * Reads and checks an nbformat 4 notebook.
 *
 * @param input - the notebook as JSON text, UTF-8 bytes (a Uint8Array) or an already parsed object
 * @param notebookPath - the notebook's path, for messages
 * @returns the cells, with sources joined and tags collected, and the kernel language
 * @throws {ValidationError} when the input is not UTF-8, not JSON, or not an nbformat 4 notebook
 */
export function parseNotebook(
  input: unknown,
  notebookPath: string = DEFAULT_NOTEBOOK_PATH
): INotebook {
  return checkNotebook(decodeInput(input, notebookPath), notebookPath);
}

function unreadable(notebookPath: string): string {
  return `${notebookPath} is not a notebook that can be read`;
}

function decodeInput(input: unknown, notebookPath: string): unknown {
  const summary = unreadable(notebookPath);
  let text: string;
  // ArrayBuffer.isView, unlike instanceof, also recognizes bytes made in another realm (a Node Buffer under Jest).
  if (ArrayBuffer.isView(input)) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new ValidationError(
        [
          {
            path: '',
            message:
              'the notebook is not valid UTF-8 text; save it again from Jupyter'
          }
        ],
        summary
      );
    }
  } else if (typeof input === 'string') {
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    return input;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError(
      [
        {
          path: '',
          message: `the notebook is not valid JSON (${text.trim() === '' ? 'the file is empty' : jsonErrorDetail(error, text)}); it may be truncated or not a notebook at all`
        }
      ],
      summary
    );
  }
}

function checkNotebook(value: unknown, notebookPath: string): INotebook {
  const summary = unreadable(notebookPath);
  const fail = (path: string, message: string): ValidationError =>
    new ValidationError([{ path, message }], summary);
  if (!isRecord(value)) {
    throw fail(
      '',
      `a notebook is a JSON object with "nbformat" and "cells", not ${describe(value)}`
    );
  }
  const nbformat = value.nbformat;
  if (nbformat === undefined) {
    throw fail(
      'nbformat',
      'is missing, so this is not a Jupyter notebook (or the file is damaged)'
    );
  }
  if (nbformat === 3) {
    return checkNotebook(upgradeFromV3(value), notebookPath);
  }
  if (nbformat !== 4) {
    throw fail(
      'nbformat',
      typeof nbformat === 'number' && nbformat < 3
        ? `this is an nbformat ${nbformat} notebook, older than Jupyter reads; convert it with 'jupyter nbconvert --to notebook' and save it from Jupyter`
        : `only nbformat 3 and 4 notebooks are supported, not ${describe(nbformat)}`
    );
  }
  const problems: IProblem[] = [];
  const minor = value.nbformat_minor ?? 0;
  if (!isCount(minor)) {
    problems.push({
      path: 'nbformat_minor',
      message: `must be a whole number, not ${describe(minor)}`
    });
  }
  if (!Array.isArray(value.cells)) {
    throw fail(
      'cells',
      value.cells === undefined
        ? 'is missing; an nbformat 4 notebook lists its cells there'
        : `must be a list of cells, not ${describe(value.cells)}`
    );
  }
  const cells: INotebookCell[] = [];
  value.cells.forEach((cell: unknown, index) => {
    const parsed = checkCell(cell, `cell ${index + 1}`, problems);
    if (parsed) {
      cells.push(parsed);
    }
  });
  if (problems.length > MAX_PROBLEMS) {
    const extra = problems.length - MAX_PROBLEMS;
    problems.length = MAX_PROBLEMS;
    problems.push({ path: '', message: `and ${extra} more problems` });
  }
  if (problems.length > 0) {
    throw new ValidationError(problems, summary);
  }
  return {
    nbformatMinor: minor as number,
    cells,
    language: kernelLanguage(value.metadata)
  };
}

function checkCell(
  cell: unknown,
  path: string,
  problems: IProblem[]
): INotebookCell | undefined {
  if (!isRecord(cell)) {
    problems.push({
      path,
      message: `must be an object, not ${describe(cell)}`
    });
    return undefined;
  }
  const before = problems.length;
  const cellType = cell.cell_type;
  if (typeof cellType !== 'string') {
    problems.push({
      path,
      message:
        cellType === undefined
          ? 'has no "cell_type"'
          : `"cell_type" must be text, not ${describe(cellType)}`
    });
  }
  const source = joinSource(cell.source);
  if (source === undefined) {
    problems.push({
      path,
      message:
        cell.source === undefined
          ? 'has no "source"'
          : `"source" must be text or a list of text lines, not ${describe(cell.source)}`
    });
  }
  const metadata = cell.metadata ?? {};
  let tags: readonly string[] = [];
  if (!isRecord(metadata)) {
    problems.push({
      path,
      message: `"metadata" must be an object, not ${describe(metadata)}`
    });
  } else if (metadata.tags !== undefined) {
    if (
      Array.isArray(metadata.tags) &&
      metadata.tags.every(tag => typeof tag === 'string')
    ) {
      tags = [...(metadata.tags as string[])];
    } else {
      problems.push({
        path,
        message: `"metadata.tags" must be a list of text tags, not ${Array.isArray(metadata.tags) ? 'a list with other things in it' : describe(metadata.tags)}`
      });
    }
  }
  if (problems.length > before) {
    return undefined;
  }
  return { cell_type: cellType as string, source: source as string, tags };
}

function joinSource(source: unknown): string | undefined {
  if (typeof source === 'string') {
    return source;
  }
  if (Array.isArray(source) && source.every(part => typeof part === 'string')) {
    return source.join('');
  }
  return undefined;
}

function kernelLanguage(metadata: unknown): string {
  if (isRecord(metadata)) {
    const kernelspec = metadata.kernelspec;
    if (isRecord(kernelspec) && typeof kernelspec.language === 'string') {
      return kernelspec.language;
    }
    const info = metadata.language_info;
    if (isRecord(info) && typeof info.name === 'string') {
      return info.name;
    }
  }
  return 'python';
}
