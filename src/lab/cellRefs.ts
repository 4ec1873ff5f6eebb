/**
 * Notebook cell references in text: `File "<path>", cell N, line L` in
 * tracebacks and `cell N, line L` in problem paths.
 */

/** A reference to a notebook cell. */
export interface ICellRef {
  /** The notebook path; null when the text names no notebook. */
  readonly path: string | null;
  /** 1-based cell number. */
  readonly cell: number;
  /** 1-based line in the cell. */
  readonly line: number;
}

/** A piece of text: plain, or a cell reference. */
export type TextPart =
  string | { readonly text: string; readonly ref: ICellRef };

const TRACEBACK_REF = /File "([^"\r\n]+)", cell (\d+), line (\d+)/g;
const PROBLEM_REF = /^cell (\d+)(?:, line (\d+))?/;

/**
 * Splits text into plain parts and traceback cell references.
 *
 * @param text - one line of output or a message
 * @returns the parts in order; a single string when there is no reference
 */
export function splitCellRefs(text: string): TextPart[] {
  if (!text.includes('", cell ')) {
    return [text];
  }
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(TRACEBACK_REF)) {
    const start = match.index ?? 0;
    if (start > last) {
      parts.push(text.slice(last, start));
    }
    parts.push({
      text: match[0],
      ref: { path: match[1], cell: Number(match[2]), line: Number(match[3]) }
    });
    last = start + match[0].length;
  }
  if (last < text.length) {
    parts.push(text.slice(last));
  }
  return parts;
}

/**
 * The cell a problem path names (`cell 3, line 2`).
 *
 * @param path - a problem path
 * @returns the cell and line, without a notebook path; null for field paths
 */
export function cellRefOfProblem(path: string): ICellRef | null {
  const match = PROBLEM_REF.exec(path);
  return match
    ? { path: null, cell: Number(match[1]), line: Number(match[2] ?? 1) }
    : null;
}
