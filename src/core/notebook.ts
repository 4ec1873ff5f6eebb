/**
 * Packages the code cells of an nbformat 4 notebook into one plain Python
 * program that every MPI rank runs, plus a source map back to the cells.
 *
 * IPython-only syntax is translated where a faithful plain-Python form exists
 * and rejected otherwise; every rejection in every cell is reported at once.
 * Each cell line becomes exactly one program line, so a traceback line number
 * always maps back to a cell and a line the user can see.
 */

import { ValidationError } from './errors';
import type { IProblem } from './errors';

/** File name of the generated program, next to its source map in the ConfigMap. */
export const PROGRAM_FILE_NAME = 'mpijob_main.py';

/** Cells with this tag are always left out of the program. */
export const SKIP_TAG = 'skip-mpijob';

/** Cells with this tag are packaged when the selection mode is `tagged`. */
export const INCLUDE_TAG = 'mpijob';

/** Notebook path used in messages and tracebacks when the caller gives none. */
export const DEFAULT_NOTEBOOK_PATH = 'notebook.ipynb';

/** Which cells to package; cell numbers are 1-based and count every cell, markdown too, as the user sees them. */
export type CellSelection =
  | { mode: 'all' }
  | { mode: 'up-to'; upToCell: number }
  | { mode: 'tagged' }
  | { mode: 'selected'; cellNumbers: readonly number[] };

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

/** Options of {@link packageNotebook}. */
export interface IPackageOptions {
  /** Which cells to package; all cells when absent. */
  selection?: CellSelection;
  /** The notebook's path, used in messages and rewritten tracebacks; `notebook.ipynb` when absent. */
  notebookPath?: string;
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
  const summary = `${notebookPath} cannot run as an MPIJob`;
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
      `${notebookPath} cannot run as an MPIJob`
    );
  }
  const cellNumbers = selectCells(notebook, options.selection, notebookPath);
  const builder = new ProgramBuilder();
  for (const cellNumber of cellNumbers) {
    builder.addCell(cellNumber, notebook.cells[cellNumber - 1].source);
  }
  if (builder.problems.length > 0) {
    throw new ValidationError(
      builder.problems,
      `${notebookPath} cannot run as an MPIJob`
    );
  }
  const prelude = buildPrelude(
    notebookPath,
    builder.helpers,
    builder.futureImports
  );
  const sourceMap: (ISourceLocation | null)[] = new Array<null>(
    prelude.length
  ).fill(null);
  return {
    code: `${prelude.join('\n')}\n${builder.chunks.join('\n')}\n`,
    sourceMap: sourceMap.concat(builder.map),
    cellNumbers,
    warnings: builder.finishWarnings(),
    notebookPath
  };
}

/**
 * Finds the cell line that a program line came from.
 *
 * @param program - a packaged program (only its source map is used)
 * @param line - 1-based program line, e.g. from a traceback
 * @returns the cell and line, or null for generated lines and lines outside the program
 */
export function locateProgramLine(
  program: Pick<IPackagedProgram, 'sourceMap'>,
  line: number
): ISourceLocation | null {
  if (!Number.isInteger(line) || line < 1) {
    return null;
  }
  return program.sourceMap[line - 1] ?? null;
}

/**
 * Rewrites Python traceback locations in the generated program into notebook cell locations.
 * `File ".../mpijob_main.py", line N` becomes `File "<notebook>", cell C, line L` wherever it
 * appears in a line (mpirun may prefix lines with `[1,0]<stderr>:`); other files and generated
 * lines are left as they are.
 *
 * @param text - log or traceback text
 * @param program - the packaged program's source map and notebook path
 * @returns the text with program locations replaced
 */
export function mapTraceback(
  text: string,
  program: Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'>
): string {
  if (!text.includes(PROGRAM_FILE_NAME)) {
    return text;
  }
  return text.replace(
    TRACEBACK_LOCATION,
    (match, file: string, line: string) => {
      if (!isProgramFile(file)) {
        return match;
      }
      const location = locateProgramLine(program, Number(line));
      return location
        ? `File "${program.notebookPath}", cell ${location.cellNumber}, line ${location.line}`
        : match;
    }
  );
}

/**
 * Serializes a source map compactly: runs of consecutive cell lines become one range.
 *
 * @param program - the packaged program's source map and notebook path
 * @returns JSON text for the job's ConfigMap, read back by {@link decodeSourceMap}
 */
export function encodeSourceMap(
  program: Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'>
): string {
  const ranges: [number, number, number, number][] = [];
  let last: [number, number, number, number] | undefined;
  program.sourceMap.forEach((location, index) => {
    if (!location) {
      return;
    }
    const programLine = index + 1;
    if (
      last &&
      last[0] + last[3] === programLine &&
      last[1] === location.cellNumber &&
      last[2] + last[3] === location.line
    ) {
      last[3]++;
      return;
    }
    last = [programLine, location.cellNumber, location.line, 1];
    ranges.push(last);
  });
  const encoded: ISourceMapJson = {
    version: SOURCE_MAP_VERSION,
    notebookPath: program.notebookPath,
    lines: program.sourceMap.length,
    ranges
  };
  return JSON.stringify(encoded);
}

/**
 * Reads a source map written by {@link encodeSourceMap}.
 *
 * @param text - the JSON text
 * @returns the source map and notebook path
 * @throws {ValidationError} when the text is not a source map this version wrote
 */
export function decodeSourceMap(
  text: string
): Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'> {
  const summary = 'the notebook source map is damaged';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      [{ path: '', message: `it is not valid JSON (${errorMessage(error)})` }],
      summary
    );
  }
  if (!isRecord(value)) {
    throw new ValidationError(
      [
        {
          path: '',
          message: `it must be a JSON object, not ${describe(value)}`
        }
      ],
      summary
    );
  }
  const problems: IProblem[] = [];
  if (value.version !== SOURCE_MAP_VERSION) {
    problems.push({
      path: 'version',
      message: `must be ${SOURCE_MAP_VERSION}, not ${describe(value.version)}; package the notebook again`
    });
  }
  if (typeof value.notebookPath !== 'string') {
    problems.push({
      path: 'notebookPath',
      message: `must be text, not ${describe(value.notebookPath)}`
    });
  }
  const lines = value.lines;
  if (!isCount(lines) || lines > MAX_PROGRAM_LINES) {
    problems.push({
      path: 'lines',
      message: `must be a whole number from 0 to ${MAX_PROGRAM_LINES}, not ${describe(lines)}`
    });
  }
  if (!Array.isArray(value.ranges)) {
    problems.push({
      path: 'ranges',
      message: `must be a list, not ${describe(value.ranges)}`
    });
  }
  if (problems.length > 0) {
    throw new ValidationError(problems, summary);
  }
  const total = lines as number;
  const sourceMap: (ISourceLocation | null)[] = new Array<null>(total).fill(
    null
  );
  let next = 1;
  (value.ranges as unknown[]).forEach((range, index) => {
    if (problems.length >= MAX_PROBLEMS) {
      return;
    }
    if (
      !Array.isArray(range) ||
      range.length !== 4 ||
      !range.every(part => isCount(part) && part >= 1)
    ) {
      problems.push({
        path: `ranges[${index}]`,
        message:
          'must be [programLine, cellNumber, cellLine, count], all whole numbers from 1'
      });
      return;
    }
    const [programLine, cellNumber, line, count] = range as number[];
    if (programLine < next || programLine + count - 1 > total) {
      problems.push({
        path: `ranges[${index}]`,
        message: `lines ${programLine} to ${programLine + count - 1} overlap an earlier range or lie outside the program's ${total} lines`
      });
      return;
    }
    for (let offset = 0; offset < count; offset++) {
      sourceMap[programLine - 1 + offset] = {
        cellNumber,
        line: line + offset
      };
    }
    next = programLine + count;
  });
  if (problems.length > 0) {
    throw new ValidationError(problems, summary);
  }
  return { sourceMap, notebookPath: value.notebookPath as string };
}

/** Shape of an encoded source map: ranges are [programLine, cellNumber, cellLine, count]. */
interface ISourceMapJson {
  version: number;
  notebookPath: string;
  lines: number;
  ranges: [number, number, number, number][];
}

const SOURCE_MAP_VERSION = 1;

// Decoding allocates one slot per program line; refuse sizes no notebook reaches rather than exhaust memory.
const MAX_PROGRAM_LINES = 10_000_000;

// A thoroughly broken file would otherwise produce one problem per cell.
const MAX_PROBLEMS = 50;

const NON_BLANK = /\S/;

const PYTHON_LANGUAGE = /^i?python[\d.]*$/i;

const TRACEBACK_LOCATION = /File "([^"\r\n]*)", line (\d+)/g;

function isProgramFile(file: string): boolean {
  return (
    file === PROGRAM_FILE_NAME ||
    file.endsWith(`/${PROGRAM_FILE_NAME}`) ||
    file.endsWith(`\\${PROGRAM_FILE_NAME}`)
  );
}

// ---------------------------------------------------------------------------
// Reading the notebook file

function decodeInput(input: unknown, notebookPath: string): unknown {
  const summary = `${notebookPath} is not a notebook that can be read`;
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
          message: `the notebook is not valid JSON (${jsonErrorDetail(error, text)}); it may be truncated or not a notebook at all`
        }
      ],
      summary
    );
  }
}

function jsonErrorDetail(error: unknown, text: string): string {
  if (text.trim() === '') {
    return 'the file is empty';
  }
  // Engines word JSON errors differently and do not all give a position, so find it here.
  const offset = jsonErrorOffset(text);
  if (offset < 0) {
    return errorMessage(error);
  }
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const found =
    offset >= text.length
      ? 'the text ends too early'
      : `unexpected ${JSON.stringify(text.slice(offset, offset + 12))}`;
  return `${found} at line ${line}, column ${column}`;
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Offset of the first JSON syntax error in `text`, or -1 when it has none. Only runs after
 * JSON.parse has failed, so it favours brevity over speed; an explicit stack instead of
 * recursion copes with any nesting depth.
 */
function jsonErrorOffset(text: string): number {
  const containers: string[] = [];
  let expecting: 'value' | 'key' | 'next' = 'value';
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) {
      i++;
    }
  };
  // Leaves i at the first character that breaks the string when there is one.
  const matchString = (): boolean => {
    if (text.charAt(i) !== '"') {
      return false;
    }
    for (let j = i + 1; j < text.length; j++) {
      const code = text.charCodeAt(j);
      if (code === 34) {
        i = j + 1;
        return true;
      }
      if (code < 32) {
        i = j;
        return false;
      }
      if (code === 92) {
        const escape = text.charAt(j + 1);
        if (
          escape === 'u' &&
          /^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))
        ) {
          j += 5;
        } else if ('"\\/bfnrt'.includes(escape) && escape !== '') {
          j++;
        } else {
          i = j;
          return false;
        }
      }
    }
    i = text.length;
    return false;
  };
  const match = (pattern: RegExp): boolean => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) {
      return false;
    }
    i = pattern.lastIndex;
    return true;
  };
  for (;;) {
    skipSpace();
    const char = text.charAt(i);
    if (expecting === 'next' && containers.length === 0) {
      return i < text.length ? i : -1;
    }
    if (i >= text.length) {
      return i;
    }
    if (expecting === 'key') {
      if (!matchString()) {
        return i;
      }
      skipSpace();
      if (text.charAt(i) !== ':') {
        return i;
      }
      i++;
      expecting = 'value';
    } else if (expecting === 'next') {
      const open = containers[containers.length - 1];
      if (char === ',') {
        i++;
        expecting = open === '{' ? 'key' : 'value';
      } else if (char === (open === '{' ? '}' : ']')) {
        i++;
        containers.pop();
      } else {
        return i;
      }
    } else if (char === '{' || char === '[') {
      i++;
      skipSpace();
      if (text.charAt(i) === (char === '{' ? '}' : ']')) {
        i++;
        expecting = 'next';
      } else {
        containers.push(char);
        expecting = char === '{' ? 'key' : 'value';
      }
    } else {
      const literal = ['true', 'false', 'null'].find(word =>
        text.startsWith(word, i)
      );
      if (literal) {
        i += literal.length;
      } else if (!(char === '"' ? matchString() : match(JSON_NUMBER))) {
        return i;
      }
      expecting = 'next';
    }
  }
}

function checkNotebook(value: unknown, notebookPath: string): INotebook {
  const summary = `${notebookPath} is not a notebook that can be read`;
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
  if (nbformat !== 4) {
    throw fail(
      'nbformat',
      typeof nbformat === 'number' && nbformat < 4
        ? `this is an nbformat ${nbformat} notebook; open it in Jupyter and save it to convert it to nbformat 4`
        : `only nbformat 4 notebooks are supported, not ${describe(nbformat)}`
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

// ---------------------------------------------------------------------------
// Cell selection

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

// ---------------------------------------------------------------------------
// Translation of cells into program lines

interface IHelpers {
  /** `_mpijob_os` is used. */
  os: boolean;
  /** `_mpijob_expand` is used. */
  expand: boolean;
  /** `_mpijob_shell` is used. */
  shell: boolean;
  /** `_mpijob_writefile` is used. */
  writefile: boolean;
}

const ESCAPE_CANDIDATE = /^[ \t\f]*[!%]|=[ \t]*[!%]/m;

/**
 * Whether a cell can go into the program verbatim: nothing in it can be IPython syntax, need a
 * warning or the end-of-cell string check; its first code line is not indented; its line breaks
 * are plain newlines. Most cells qualify, and sparing them the per-line split and the
 * per-character scanner keeps large notebooks fast. Anything doubtful goes the slow way.
 */
function isPlainPython(source: string): boolean {
  // Substring searches are much cheaper than one regex with many alternatives.
  if (
    source.includes('?') ||
    source.includes('\r') ||
    source.includes("'''") ||
    source.includes('"""') ||
    source.includes('get_ipython') ||
    source.includes('await') ||
    source.includes('__future__')
  ) {
    return false;
  }
  if (
    (source.includes('!') || source.includes('%')) &&
    ESCAPE_CANDIDATE.test(source)
  ) {
    return false;
  }
  const code = NON_BLANK.exec(source);
  return (
    code !== null && source.lastIndexOf('\n', code.index) + 1 === code.index
  );
}

const HELP =
  /^(?:\?{1,2}[\p{L}\p{N}_.*%[\]]*|[\p{L}_%][\p{L}\p{N}_.*%[\]]*\?{1,2})$/u;

const ASSIGN_ESCAPE =
  /^[\p{L}_][\p{L}\p{N}_.]*(?:\s*,\s*[\p{L}_][\p{L}\p{N}_.]*)*\s*=\s*([!%])/u;

const FUTURE_IMPORT = /^from[ \t]+__future__[ \t]+import\b(.*)$/;

// Setup magics that only configure the interactive session; they do nothing useful in a batch job.
const DROPPED_LINE_MAGICS = new Set([
  'matplotlib',
  'load_ext',
  'reload_ext',
  'unload_ext',
  'config',
  'autoreload',
  'aimport'
]);

const PACKAGE_MAGICS = new Set(['pip', 'conda', 'mamba', 'micromamba']);

const DISPLAY_CELL_MAGICS = new Set([
  'html',
  'javascript',
  'js',
  'latex',
  'markdown',
  'svg'
]);

const SHELL_PROGRAMS = new Map([
  ['bash', 'bash'],
  ['sh', 'sh'],
  ['/bin/bash', 'bash'],
  ['/bin/sh', 'sh'],
  ['/usr/bin/bash', 'bash']
]);

class ProgramBuilder {
  /** Program text after the prelude, in pieces of one or more whole lines, to be joined with newlines. */
  readonly chunks: string[] = [];
  /** Source map entries, one per line of {@link chunks}. */
  readonly map: (ISourceLocation | null)[] = [];
  /** Rejections, thrown together once every cell is read. */
  readonly problems: IProblem[] = [];
  /** `from __future__` names, which Python only accepts at the top of the program. */
  readonly futureImports: string[] = [];
  /** Generated helpers the program needs. */
  readonly helpers: IHelpers = {
    os: false,
    expand: false,
    shell: false,
    writefile: false
  };

  private readonly warnings: IProblem[] = [];
  private readonly getIpythonWarnings = new Set<IProblem>();
  private importsGetIpython = false;
  private cellNumber = 0;

  addCell(cellNumber: number, source: string): void {
    this.cellNumber = cellNumber;
    this.chunks.push(`# %% [cell ${cellNumber}]`);
    this.map.push(null);
    if (isPlainPython(source)) {
      this.emitVerbatim(source);
      return;
    }
    const lines = splitLines(source);
    let first = 0;
    while (first < lines.length && !NON_BLANK.test(lines[first])) {
      this.emit(lines[first], first + 1);
      first++;
    }
    if (first === lines.length) {
      return;
    }
    let start = first;
    const head = lines[first].trimStart();
    if (head.startsWith('%%')) {
      if (!this.cellMagic(lines, first, head)) {
        return;
      }
      start = first + 1;
    }
    // Like IPython, strip the first code line's indentation from every line that has it.
    let indented = start;
    while (indented < lines.length && !NON_BLANK.test(lines[indented])) {
      indented++;
    }
    const prefix =
      indented < lines.length ? leadingWhitespace(lines[indented]) : '';
    this.scanLines(lines, start, prefix);
  }

  finishWarnings(): IProblem[] {
    return this.importsGetIpython
      ? this.warnings.filter(warning => !this.getIpythonWarnings.has(warning))
      : this.warnings;
  }

  /** Emits a cell that needs no translation as one chunk, without splitting it into lines. */
  private emitVerbatim(source: string): void {
    const text = source.endsWith('\n') ? source.slice(0, -1) : source;
    this.chunks.push(text);
    const cellNumber = this.cellNumber;
    let line = 1;
    this.map.push({ cellNumber, line });
    for (
      let at = text.indexOf('\n');
      at >= 0;
      at = text.indexOf('\n', at + 1)
    ) {
      line++;
      this.map.push({ cellNumber, line });
    }
  }

  private emit(text: string, line: number): void {
    this.chunks.push(text);
    this.map.push({ cellNumber: this.cellNumber, line });
  }

  private reject(line: number, message: string): void {
    this.problems.push({ path: this.where(line), message });
  }

  private warn(line: number, message: string): IProblem {
    const warning = { path: this.where(line), message };
    this.warnings.push(warning);
    return warning;
  }

  private where(line: number): string {
    return `cell ${this.cellNumber}, line ${line}`;
  }

  private scanLines(lines: string[], start: number, prefix: string): void {
    const scanner = new PythonScanner();
    for (let index = start; index < lines.length; index++) {
      const line = stripPrefix(lines[index], prefix);
      if (scanner.atLogicalLineStart) {
        index = this.logicalLine(lines, index, prefix, scanner);
      } else {
        this.emitPython(line, index + 1, scanner);
      }
    }
    if (scanner.insideTripleQuotedString) {
      this.reject(
        scanner.logicalLineStart,
        'the triple-quoted string that starts here is not closed by the end of the cell; close it (Jupyter fails on this cell too)'
      );
    }
  }

  private emitPython(
    line: string,
    lineNumber: number,
    scanner: PythonScanner
  ): void {
    this.emit(line, lineNumber);
    scanner.scan(line, lineNumber);
    if (scanner.sawGetIpython) {
      if (/\bimport\b/.test(line)) {
        this.importsGetIpython = true;
      } else {
        this.getIpythonWarnings.add(
          this.warn(
            lineNumber,
            "get_ipython() exists only inside IPython; this line raises NameError in the MPIJob unless it imports it with 'from IPython import get_ipython' (which then returns None)"
          )
        );
      }
    }
    if (scanner.sawTopLevelAwait) {
      this.reject(
        lineNumber,
        'top-level await only works in IPython: put the code in an async function and run it with asyncio.run(...)'
      );
    }
  }

  /** Translates the logical line starting at `index`; returns the index of its last physical line. */
  private logicalLine(
    lines: string[],
    index: number,
    prefix: string,
    scanner: PythonScanner
  ): number {
    const line = stripPrefix(lines[index], prefix);
    const lineNumber = index + 1;
    if (line.startsWith('from')) {
      const future = FUTURE_IMPORT.exec(line);
      if (future) {
        this.hoistFuture(line, future[1], lineNumber);
        return index;
      }
    }
    // Every form handled below contains one of these characters; most lines contain none.
    if (!line.includes('!') && !line.includes('%') && !line.includes('?')) {
      this.emitPython(line, lineNumber, scanner);
      return index;
    }
    const indent = leadingWhitespace(line);
    const rest = line.slice(indent.length);
    const head = rest.charAt(0);
    const trimmed = rest.trimEnd();
    if (HELP.test(trimmed)) {
      this.emit(
        `${indent}pass  # dropped IPython help: ${commentText(trimmed)}`,
        lineNumber
      );
      this.warn(lineNumber, `'${trimmed}' shows IPython help; it was left out`);
      return index;
    }
    const assignment = ASSIGN_ESCAPE.exec(rest);
    if (assignment) {
      this.reject(
        lineNumber,
        assignment[1] === '!'
          ? "'x = !command' keeps a shell command's output, which only works in IPython: use subprocess.run(command, shell=True, capture_output=True, text=True).stdout instead"
          : "'x = %magic' keeps a magic's result, which only works in IPython: rewrite the line in plain Python"
      );
      this.emit(line, lineNumber);
      return index;
    }
    if (head === '!') {
      const { text, end } = joinEscapedLine(lines, index, prefix, rest);
      const command = text.slice(text.startsWith('!!') ? 2 : 1);
      this.emitShell(indent, command, lineNumber);
      this.emitContinuations(lines, index, end, prefix);
      return end;
    }
    if (head === '%') {
      const { text, end } = joinEscapedLine(lines, index, prefix, rest);
      this.lineMagic(indent, text, lineNumber, scanner);
      this.emitContinuations(lines, index, end, prefix);
      return end;
    }
    this.emitPython(line, lineNumber, scanner);
    return index;
  }

  private emitContinuations(
    lines: string[],
    index: number,
    end: number,
    prefix: string
  ): void {
    for (let next = index + 1; next <= end; next++) {
      this.emit(`# ${commentText(stripPrefix(lines[next], prefix))}`, next + 1);
    }
  }

  private emitShell(indent: string, command: string, lineNumber: number): void {
    this.helpers.shell = true;
    this.emit(`${indent}_mpijob_shell(${pythonString(command)})`, lineNumber);
  }

  private lineMagic(
    indent: string,
    text: string,
    lineNumber: number,
    scanner: PythonScanner
  ): void {
    const trimmed = text.trimEnd();
    if (trimmed.startsWith('%%')) {
      this.reject(
        lineNumber,
        `${magicName(trimmed)} is a cell magic and only works on the first line of its cell`
      );
      this.emit(`${indent}pass`, lineNumber);
      return;
    }
    const match = /^%(\S*)(?:\s(.*))?$/.exec(trimmed);
    const name = match ? match[1] : '';
    const args = match?.[2]?.trim() ?? '';
    const dropped = `${indent}pass  # dropped IPython magic: ${commentText(trimmed)}`;
    const skip = `or tag the cell '${SKIP_TAG}'`;
    switch (name) {
      case 'env':
        this.envMagic(indent, args, lineNumber, dropped);
        return;
      case 'cd':
        this.cdMagic(indent, args, lineNumber);
        return;
      case 'time':
      case 'timeit': {
        const statement = name === 'timeit' ? stripTimeitOptions(args) : args;
        if (!statement) {
          this.reject(lineNumber, `%${name} needs a statement after it`);
          this.emit(dropped, lineNumber);
          return;
        }
        if (name === 'timeit') {
          this.warn(
            lineNumber,
            '%timeit runs the statement once here instead of timing it; measure with time.perf_counter() if you need the timing'
          );
        }
        this.emitPython(`${indent}${statement}`, lineNumber, scanner);
        return;
      }
      case 'sx':
      case 'system':
        this.emitShell(indent, args, lineNumber);
        return;
      case 'run':
        this.reject(
          lineNumber,
          `%run is IPython-only: import the script as a module or copy its code into a cell, ${skip}`
        );
        break;
      case 'store':
        this.reject(
          lineNumber,
          `%store is IPython-only and the job cannot see what your kernel stored: save the data to a file the job can read, ${skip}`
        );
        break;
      default:
        if (DROPPED_LINE_MAGICS.has(name)) {
          this.emit(dropped, lineNumber);
          return;
        }
        this.reject(
          lineNumber,
          PACKAGE_MAGICS.has(name)
            ? `%${name} is IPython-only: install packages in the job's container image instead, ${skip}`
            : name
              ? `%${name} is an IPython magic with no plain-Python equivalent here: rewrite the line in Python, ${skip}`
              : `'${trimmed}' is IPython syntax with no plain-Python equivalent: rewrite the line in Python, ${skip}`
        );
    }
    this.emit(dropped, lineNumber);
  }

  private envMagic(
    indent: string,
    args: string,
    lineNumber: number,
    dropped: string
  ): void {
    // Same split as IPython's %env: on '=' when there is one, else on the first space.
    const separator = args.includes('=') ? '=' : ' ';
    const at = args.indexOf(separator);
    if (at < 0) {
      this.warn(
        lineNumber,
        '%env without a value only shows variables; it was left out'
      );
      this.emit(dropped, lineNumber);
      return;
    }
    const name = args.slice(0, at).trim();
    const value = args.slice(at + 1).trim();
    if (name === '' || /\s/.test(name)) {
      this.reject(
        lineNumber,
        `%env needs 'NAME=value' or 'NAME value'; '${name}' is not a variable name`
      );
      this.emit(dropped, lineNumber);
      return;
    }
    this.helpers.os = true;
    this.emit(
      `${indent}_mpijob_os.environ[${pythonString(name)}] = ${this.expandable(value)}`,
      lineNumber
    );
  }

  private cdMagic(indent: string, args: string, lineNumber: number): void {
    let path = args.replace(/^-q(?:\s+|$)/, '');
    if (path.startsWith('-')) {
      this.reject(
        lineNumber,
        `'%cd ${args}' uses IPython's directory history or bookmarks: give a real path, or use os.chdir(path)`
      );
      this.emit(`${indent}pass`, lineNumber);
      return;
    }
    path = unquote(path) || '~';
    this.helpers.os = true;
    this.emit(
      `${indent}_mpijob_os.chdir(_mpijob_os.path.expanduser(${this.expandable(path)}))`,
      lineNumber
    );
  }

  /** A Python expression for `text` after IPython's `{expr}` / `$name` expansion, which only runs when needed. */
  private expandable(text: string): string {
    if (!/[{}$]/.test(text)) {
      return pythonString(text);
    }
    this.helpers.expand = true;
    return `_mpijob_expand(${pythonString(text)})`;
  }

  private hoistFuture(line: string, names: string, lineNumber: number): void {
    let list = names.replace(/#.*$/, '').trim();
    if (list.startsWith('(') && list.endsWith(')')) {
      list = list.slice(1, -1);
    }
    const parts = list.split(',').map(part => part.trim());
    if (
      parts.length === 0 ||
      !parts.every(part => /^[A-Za-z_]\w*(?:\s+as\s+[A-Za-z_]\w*)?$/.test(part))
    ) {
      this.reject(
        lineNumber,
        'write this __future__ import on a line of its own so it can be moved to the top of the program'
      );
      this.emit(line, lineNumber);
      return;
    }
    // Python accepts __future__ imports only before any other statement, so they go to the top.
    for (const part of parts) {
      if (!this.futureImports.includes(part)) {
        this.futureImports.push(part);
      }
    }
    this.emit(
      `pass  # moved to the top of the program: ${commentText(line)}`,
      lineNumber
    );
  }

  /** Handles a `%%` first line; returns true when the rest of the cell is ordinary code. */
  private cellMagic(lines: string[], first: number, head: string): boolean {
    const lineNumber = first + 1;
    const magic = head.trimEnd();
    const match = /^%%(\S*)\s*(.*)$/.exec(magic);
    const name = match ? match[1] : '';
    const args = match ? match[2].trim() : '';
    const dropped = `pass  # dropped IPython magic: ${commentText(magic)}`;
    const skip = `or tag the cell '${SKIP_TAG}'`;
    switch (name) {
      case 'time':
        if (args) {
          this.reject(
            lineNumber,
            '%%time takes nothing after it on its line: move the statement into the cell'
          );
        }
        this.emit(dropped, lineNumber);
        return true;
      case 'timeit': {
        this.warn(
          lineNumber,
          '%%timeit runs the cell once here instead of timing it; measure with time.perf_counter() if you need the timing'
        );
        const setup = stripTimeitOptions(args);
        this.emit(setup || dropped, lineNumber);
        return true;
      }
      case 'capture': {
        const variable = splitArguments(args).find(arg => !arg.startsWith('-'));
        if (variable !== undefined) {
          this.reject(
            lineNumber,
            `'%%capture ${variable}' keeps the cell's output in a variable, which only works in IPython: remove '${variable}' (the output then goes to the job log), ${skip}`
          );
        }
        this.emit(dropped, lineNumber);
        return true;
      }
      case 'writefile': {
        const parts = splitArguments(args);
        const append = parts.some(part => part === '-a' || part === '--append');
        const paths = parts.filter(
          part => part !== '-a' && part !== '--append'
        );
        if (paths.length !== 1) {
          this.reject(
            lineNumber,
            '%%writefile needs exactly one file name (and -a to append)'
          );
          this.emitWholeCell(lines, first, 'pass');
          return false;
        }
        if (append) {
          this.warn(
            lineNumber,
            'every MPI rank runs this cell, so on a shared volume the text is appended once per rank'
          );
        }
        this.helpers.writefile = true;
        this.emitWholeCell(
          lines,
          first,
          `_mpijob_writefile(${pythonString(paths[0])}, ${pythonString(cellBody(lines, first))}${append ? ', True' : ''})`
        );
        return false;
      }
      case 'bash':
      case 'sh':
      case 'script': {
        const program =
          name === 'script'
            ? SHELL_PROGRAMS.get(args)
            : args
              ? undefined
              : name;
        if (program === undefined) {
          this.reject(
            lineNumber,
            name === 'script'
              ? `'%%script ${args}' is IPython-only; only '%%script bash' and '%%script sh' can run in the job: rewrite the cell in Python, ${skip}`
              : `options of %%${name} are IPython-only: remove '${args}', ${skip}`
          );
          this.emitWholeCell(lines, first, 'pass');
          return false;
        }
        this.helpers.shell = true;
        this.emitWholeCell(
          lines,
          first,
          `_mpijob_shell(${pythonString(cellBody(lines, first))}, ${pythonString(program)})`
        );
        return false;
      }
      default:
        this.reject(
          lineNumber,
          DISPLAY_CELL_MAGICS.has(name)
            ? `%%${name} only displays something in Jupyter and does nothing in an MPIJob: tag the cell '${SKIP_TAG}'`
            : `%%${name} is an IPython cell magic with no plain-Python equivalent here: rewrite the cell in Python, ${skip}`
        );
        this.emitWholeCell(lines, first, 'pass');
        return false;
    }
  }

  /** Emits a whole-cell magic as one statement on the magic's line; the body stays visible as comments so lines still map 1:1. */
  private emitWholeCell(
    lines: string[],
    first: number,
    statement: string
  ): void {
    this.emit(statement, first + 1);
    for (let index = first + 1; index < lines.length; index++) {
      const line = lines[index];
      this.emit(line === '' ? '' : `# ${commentText(line)}`, index + 1);
    }
  }
}

function cellBody(lines: readonly string[], first: number): string {
  // IPython hands a cell magic the text after its first line, ending with a newline.
  return first + 1 < lines.length
    ? `${lines.slice(first + 1).join('\n')}\n`
    : '';
}

function joinEscapedLine(
  lines: readonly string[],
  index: number,
  prefix: string,
  rest: string
): { text: string; end: number } {
  // IPython joins backslash-continued `!`/`%` lines with single spaces.
  let text = rest;
  let end = index;
  while (text.endsWith('\\') && end + 1 < lines.length) {
    end++;
    text = `${text.slice(0, -1)} ${stripPrefix(lines[end], prefix)}`;
  }
  return { text: text.trimEnd(), end };
}

function stripTimeitOptions(args: string): string {
  return args.replace(/^(?:-[nrp]\s*\d+\s*|-[tcqo](?:\s+|$))*/, '').trim();
}

function splitArguments(args: string): string[] {
  const parts: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(args)) !== null) {
    parts.push(match[1] ?? match[2] ?? match[3]);
  }
  return parts;
}

function unquote(text: string): string {
  const trimmed = text.trim();
  return /^(["']).*\1$/.test(trimmed) && trimmed.length >= 2
    ? trimmed.slice(1, -1)
    : trimmed;
}

function magicName(text: string): string {
  return /^%*\S*/.exec(text)?.[0] ?? text;
}

function splitLines(source: string): string[] {
  // Python ends lines at \r\n, \r and \n, and nothing else; splitting the same way keeps lines 1:1.
  const lines = source.split(/\r\n?|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}

function leadingWhitespace(line: string): string {
  let end = 0;
  while (end < line.length) {
    const code = line.charCodeAt(end);
    if (code !== 32 && code !== 9 && code !== 12) {
      break;
    }
    end++;
  }
  return line.slice(0, end);
}

function stripPrefix(line: string, prefix: string): string {
  return prefix && line.startsWith(prefix) ? line.slice(prefix.length) : line;
}

function pythonString(text: string): string {
  // JSON string syntax is a subset of Python's: the result is a valid str literal.
  return JSON.stringify(text);
}

function commentText(text: string): string {
  // Python refuses source files containing NUL, even in comments.
  return text.replace(/\0/g, '\uFFFD');
}

// ---------------------------------------------------------------------------
// Python lexical scanner: tells whether the next physical line starts a new logical line

/**
 * An open string literal, or an f-string replacement field (`{...}`, code again with its own
 * bracket depth). One shape for both keeps property access in the hot loop monomorphic.
 */
class Frame {
  /** Bracket depth inside a replacement field. */
  depth = 0;
  /** A replacement field after the `:` that starts its format spec, where quotes are plain text. */
  spec = false;

  constructor(
    readonly field: boolean,
    readonly quote: number,
    readonly triple: boolean,
    readonly raw: boolean,
    readonly format: boolean
  ) {}
}

const CHAR_DOUBLE_QUOTE = 34;
const CHAR_SINGLE_QUOTE = 39;
const CHAR_BACKSLASH = 92;
const CHAR_OPEN_BRACE = 123;
const CHAR_CLOSE_BRACE = 125;
const CHAR_N = 78;

// Character classes of the scanner's code mode; everything else needs no attention.
const QUOTE = 1;
const HASH = 2;
const OPEN = 3;
const CLOSE = 4;
const CLOSE_BRACE = 5;
const COLON = 6;
const BACKSLASH = 7;
const LETTER = 8;
const DIGIT = 9;

const CHAR_CLASS = (() => {
  const table = new Uint8Array(128);
  for (let code = 48; code <= 57; code++) {
    table[code] = DIGIT;
  }
  for (let code = 65; code <= 90; code++) {
    table[code] = LETTER;
    table[code + 32] = LETTER;
  }
  table[95] = LETTER;
  table[CHAR_SINGLE_QUOTE] = QUOTE;
  table[CHAR_DOUBLE_QUOTE] = QUOTE;
  table['#'.charCodeAt(0)] = HASH;
  table['('.charCodeAt(0)] = OPEN;
  table['['.charCodeAt(0)] = OPEN;
  table[CHAR_OPEN_BRACE] = OPEN;
  table[')'.charCodeAt(0)] = CLOSE;
  table[']'.charCodeAt(0)] = CLOSE;
  table[CHAR_CLOSE_BRACE] = CLOSE_BRACE;
  table[':'.charCodeAt(0)] = COLON;
  table[CHAR_BACKSLASH] = BACKSLASH;
  return table;
})();

function charClass(code: number): number {
  // Non-ASCII characters can only matter as parts of identifiers.
  return code < 128 ? CHAR_CLASS[code] : LETTER;
}

function isIdentifierPart(code: number): boolean {
  const kind = charClass(code);
  return kind === LETTER || kind === DIGIT;
}

// r, u, b, f, t in either case: the letters a string prefix is made of.
function isPrefixLetter(code: number): boolean {
  const lower = code | 32;
  return (
    lower === 114 ||
    lower === 117 ||
    lower === 98 ||
    lower === 102 ||
    lower === 116
  );
}

const STRING_PREFIXES = new Set([
  '',
  'r',
  'u',
  'b',
  'f',
  't',
  'br',
  'rb',
  'fr',
  'rf',
  'tr',
  'rt'
]);

/** Index of the quote closing a single-quoted plain string that starts at `from`, or -1 when the line ends first. */
function closingQuote(line: string, from: number, quote: number): number {
  const quoteChar = quote === CHAR_SINGLE_QUOTE ? "'" : '"';
  let i = from;
  for (;;) {
    const quoteAt = line.indexOf(quoteChar, i);
    if (quoteAt < 0) {
      return -1;
    }
    let backslashes = 0;
    while (
      line.charCodeAt(quoteAt - 1 - backslashes) === CHAR_BACKSLASH &&
      quoteAt - 1 - backslashes >= from
    ) {
      backslashes++;
    }
    if (backslashes % 2 === 0) {
      return quoteAt;
    }
    i = quoteAt + 1;
  }
}

class PythonScanner {
  /** 1-based cell line where the logical line being scanned began. */
  logicalLineStart = 0;
  /** The last scanned line names `get_ipython` in code. */
  sawGetIpython = false;
  /** The last scanned line uses `await` in a top-level statement. */
  sawTopLevelAwait = false;

  private readonly frames: Frame[] = [];
  private top: Frame | undefined = undefined;
  private depth = 0;
  private continued = false;
  private topLevel = false;
  private escapedEnd = false;
  private watchIdentifiers = false;

  get atLogicalLineStart(): boolean {
    return this.top === undefined && this.depth === 0 && !this.continued;
  }

  get insideTripleQuotedString(): boolean {
    return this.frames.some(frame => !frame.field && frame.triple);
  }

  scan(line: string, lineNumber: number): void {
    if (this.atLogicalLineStart) {
      this.logicalLineStart = lineNumber;
      const first = line.charCodeAt(0);
      this.topLevel =
        line.length > 0 && first !== 32 && first !== 9 && first !== 12;
    }
    this.sawGetIpython = false;
    this.sawTopLevelAwait = false;
    this.continued = false;
    this.escapedEnd = false;
    // Identifiers only matter for two words; lines without them skip the identifier checks.
    this.watchIdentifiers =
      line.includes('get_ipython') || (this.topLevel && line.includes('await'));
    const length = line.length;
    let i = 0;
    while (i < length) {
      const frame = this.top;
      if (frame === undefined || frame.field) {
        i = this.scanCode(line, i, frame);
      } else {
        i = this.scanString(line, i, frame);
      }
    }
    // A single-quoted string cannot span lines unless the newline is escaped; dropping a broken one
    // keeps it from swallowing the rest of the cell (Python reports the error anyway).
    const top = this.top;
    if (top !== undefined && !top.field && !top.triple && !this.escapedEnd) {
      this.pop();
    }
  }

  private push(frame: Frame): void {
    this.frames.push(frame);
    this.top = frame;
  }

  private pop(): void {
    const frames = this.frames;
    frames.pop();
    this.top = frames.length > 0 ? frames[frames.length - 1] : undefined;
  }

  /** Scans code (top level, or a replacement field) until a frame opens or closes; returns where it stopped. */
  private scanCode(
    line: string,
    start: number,
    field: Frame | undefined
  ): number {
    const length = line.length;
    for (let i = start; i < length; i++) {
      const code = line.charCodeAt(i);
      if (field !== undefined && field.spec) {
        if (code === CHAR_OPEN_BRACE) {
          this.push(new Frame(true, 0, false, false, false));
          return i + 1;
        }
        if (code === CHAR_CLOSE_BRACE) {
          this.pop();
          return i + 1;
        }
        continue;
      }
      switch (charClass(code)) {
        case QUOTE:
          return this.openString(line, i);
        case HASH:
          return length;
        case OPEN:
          if (field !== undefined) {
            field.depth++;
          } else {
            this.depth++;
          }
          break;
        case CLOSE:
          if (field !== undefined) {
            field.depth = Math.max(0, field.depth - 1);
          } else {
            this.depth = Math.max(0, this.depth - 1);
          }
          break;
        case CLOSE_BRACE:
          if (field === undefined) {
            this.depth = Math.max(0, this.depth - 1);
          } else if (field.depth > 0) {
            field.depth--;
          } else {
            this.pop();
            return i + 1;
          }
          break;
        case COLON:
          if (field !== undefined && field.depth === 0) {
            field.spec = true;
          }
          break;
        case BACKSLASH:
          if (i === length - 1) {
            this.continued = true;
          }
          break;
        case LETTER:
          if (
            this.watchIdentifiers &&
            (i === 0 || !isIdentifierPart(line.charCodeAt(i - 1)))
          ) {
            this.checkIdentifier(line, i);
          }
          break;
      }
    }
    return length;
  }

  private checkIdentifier(line: string, at: number): void {
    let end = at + 1;
    while (end < line.length && isIdentifierPart(line.charCodeAt(end))) {
      end++;
    }
    const word = line.slice(at, end);
    if (word === 'get_ipython') {
      this.sawGetIpython = true;
    } else if (word === 'await' && this.topLevel) {
      this.sawTopLevelAwait = true;
    }
  }

  private openString(line: string, at: number): number {
    // The prefix is the letters right before the quote, unless they end a longer identifier.
    let from = at;
    while (
      from > 0 &&
      at - from < 2 &&
      isPrefixLetter(line.charCodeAt(from - 1))
    ) {
      from--;
    }
    let prefix = from === at ? '' : line.slice(from, at).toLowerCase();
    if (
      prefix !== '' &&
      ((from > 0 && isIdentifierPart(line.charCodeAt(from - 1))) ||
        !STRING_PREFIXES.has(prefix))
    ) {
      prefix = '';
    }
    const quote = line.charCodeAt(at);
    const triple =
      line.charCodeAt(at + 1) === quote && line.charCodeAt(at + 2) === quote;
    const format = prefix.includes('f') || prefix.includes('t');
    if (!triple && !format) {
      // The common case, a plain string closed on the same line, needs no frame.
      const end = closingQuote(line, at + 1, quote);
      if (end >= 0) {
        return end + 1;
      }
    }
    this.push(new Frame(false, quote, triple, prefix.includes('r'), format));
    return at + (triple ? 3 : 1);
  }

  /** Scans string text until the string ends or a replacement field opens; returns where it stopped. */
  private scanString(line: string, start: number, frame: Frame): number {
    const length = line.length;
    const quoteChar = frame.quote === CHAR_SINGLE_QUOTE ? "'" : '"';
    let i = start;
    while (i < length) {
      if (!frame.format) {
        // Plain strings only care about quotes and backslashes: jump straight to the next one.
        const quoteAt = line.indexOf(quoteChar, i);
        const escapeAt = line.indexOf('\\', i);
        i =
          quoteAt < 0
            ? escapeAt < 0
              ? length
              : escapeAt
            : escapeAt < 0
              ? quoteAt
              : Math.min(quoteAt, escapeAt);
        if (i === length) {
          break;
        }
      }
      const code = line.charCodeAt(i);
      if (code === CHAR_BACKSLASH) {
        if (i + 1 >= length) {
          this.escapedEnd = true;
          return length;
        }
        if (
          frame.format &&
          !frame.raw &&
          line.charCodeAt(i + 1) === CHAR_N &&
          line.charCodeAt(i + 2) === CHAR_OPEN_BRACE
        ) {
          // \N{NAME} is a character name, not a replacement field.
          const close = line.indexOf('}', i + 3);
          i = close < 0 ? length : close + 1;
        } else {
          i += 2;
        }
        continue;
      }
      if (code === frame.quote) {
        if (!frame.triple) {
          this.pop();
          return i + 1;
        }
        if (
          line.charCodeAt(i + 1) === frame.quote &&
          line.charCodeAt(i + 2) === frame.quote
        ) {
          this.pop();
          return i + 3;
        }
      } else if (frame.format && code === CHAR_OPEN_BRACE) {
        if (line.charCodeAt(i + 1) !== CHAR_OPEN_BRACE) {
          this.push(new Frame(true, 0, false, false, false));
          return i + 1;
        }
        i++;
      } else if (frame.format && code === CHAR_CLOSE_BRACE) {
        if (line.charCodeAt(i + 1) === CHAR_CLOSE_BRACE) {
          i++;
        }
      }
      i++;
    }
    return length;
  }
}

// ---------------------------------------------------------------------------
// The generated prelude

const EXCEPTHOOK = [
  'def _mpijob_excepthook(kind, error, trace):',
  '    # One failing rank must stop all ranks: the others would otherwise wait forever in their next collective call.',
  '    _mpijob_sys.__excepthook__(kind, error, trace)',
  '    _mpijob_sys.stderr.flush()',
  "    mpi = _mpijob_sys.modules.get('mpi4py.MPI')",
  '    try:',
  '        if mpi is not None and mpi.Is_initialized() and not mpi.Is_finalized() and mpi.COMM_WORLD.Get_size() > 1:',
  '            mpi.COMM_WORLD.Abort(1)',
  '    except Exception:',
  '        pass'
];

const EXPAND = [
  'class _mpijob_Formatter(_mpijob_string.Formatter):',
  "    # IPython's DollarFormatter: {expr} and $name are evaluated in the caller's namespace.",
  '    def parse(self, text):',
  '        for literal, field, spec, conversion in super().parse(text):',
  "            done, kept = 0, ''",
  `            for match in _mpijob_re.finditer(r"(.*?)\\$(\\$?[\\w\\.]+)(?=([^']*'[^']*')*[^']*$)", literal):`,
  '                before, name = match.group(1, 2)',
  "                if name.startswith('$'):",
  '                    kept += before + name',
  '                else:',
  "                    yield kept + before, name, '', None",
  "                    kept = ''",
  '                done = match.end()',
  '            yield kept + literal[done:], field, spec, conversion',
  '',
  '    def vformat(self, text, args, namespace):',
  '        parts = []',
  '        for literal, field, spec, conversion in self.parse(text):',
  '            parts.append(literal)',
  '            if field is not None:',
  "                value = eval(field + ':' + spec if spec else field, namespace)",
  "                parts.append(self.format_field(self.convert_field(value, conversion), ''))",
  "        return ''.join(parts)",
  '',
  '',
  'def _mpijob_expand(text, depth=1):',
  '    frame = _mpijob_sys._getframe(depth)',
  '    namespace = dict(frame.f_globals)',
  '    namespace.update(frame.f_locals)',
  '    try:',
  '        return _mpijob_Formatter().vformat(text, (), namespace)',
  '    except Exception:',
  '        # Like IPython: text that does not expand cleanly is used exactly as written.',
  '        return text'
];

const SHELL = [
  'def _mpijob_shell(command, program=None):',
  "    # Flush so that what the cell printed so far stays ahead of the command's output in the log.",
  '    _mpijob_sys.stdout.flush()',
  '    _mpijob_sys.stderr.flush()',
  '    if program is None:',
  '        _mpijob_subprocess.run(_mpijob_expand(command, 2), shell=True, check=True)',
  '    else:',
  '        _mpijob_subprocess.run([program], input=command, text=True, check=True)'
];

const WRITEFILE = [
  'def _mpijob_writefile(path, text, append=False):',
  '    path = _mpijob_os.path.expanduser(_mpijob_expand(path, 2))',
  '    if append:',
  "        with open(path, 'a', encoding='utf-8') as out:",
  '            out.write(text)',
  '        return',
  '    # Every rank writes the file; renaming a private copy into place means no rank reads it half-written.',
  "    temporary = '%s.%s.tmp' % (path, _mpijob_uuid.uuid4().hex)",
  "    with open(temporary, 'w', encoding='utf-8') as out:",
  '        out.write(text)',
  '    _mpijob_os.replace(temporary, path)'
];

function buildPrelude(
  notebookPath: string,
  helpers: IHelpers,
  futureImports: readonly string[]
): string[] {
  const shell = helpers.shell;
  const writefile = helpers.writefile;
  const expand = helpers.expand || shell || writefile;
  const lines = [
    `# Generated by jupyterlab-mpijob from ${commentText(notebookPath.replace(/[\r\n]+/g, ' '))}: edit the notebook, not this file.`,
    '# The lines after each "# %% [cell N]" marker are cell N of the notebook, line for line.'
  ];
  if (futureImports.length > 0) {
    lines.push(`from __future__ import ${futureImports.join(', ')}`);
  }
  if (helpers.os || writefile) {
    lines.push('import os as _mpijob_os');
  }
  if (expand) {
    lines.push('import re as _mpijob_re', 'import string as _mpijob_string');
  }
  if (shell) {
    lines.push('import subprocess as _mpijob_subprocess');
  }
  lines.push('import sys as _mpijob_sys');
  if (writefile) {
    lines.push('import uuid as _mpijob_uuid');
  }
  const blocks = [EXCEPTHOOK];
  if (expand) {
    blocks.push(EXPAND);
  }
  if (shell) {
    blocks.push(SHELL);
  }
  if (writefile) {
    blocks.push(WRITEFILE);
  }
  for (const block of blocks) {
    lines.push('', '', ...block);
  }
  lines.push('', '', '_mpijob_sys.excepthook = _mpijob_excepthook', '');
  return lines;
}

// ---------------------------------------------------------------------------
// Small helpers

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  switch (typeof value) {
    case 'string':
      return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'nothing';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
