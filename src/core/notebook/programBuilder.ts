/**
 * The program text and its source map, built side by side: every line goes in
 * together with the cell line it came from, or null when it is generated, so
 * the two cannot drift apart.
 */

import { CELL_MARKER_PREFIX } from './cellRunner';
import type { ISourceLocation } from './model';

/** Collects the program's lines after a cell marker each, then puts the prelude in front; use once. */
export class ProgramBuilder {
  /** Program text in pieces of one or more whole lines, joined with newlines; slot 0 is kept for the prelude. */
  private readonly chunks: string[] = [''];
  /** Source map entries, one per line of the chunks after the prelude. */
  private readonly map: (ISourceLocation | null)[] = [];
  private cellNumber = 0;

  /**
   * Starts a cell: the lines emitted next are its lines, after a generated marker line.
   *
   * @param cellNumber - the 1-based cell number
   */
  startCell(cellNumber: number): void {
    this.cellNumber = cellNumber;
    this.chunks.push(`${CELL_MARKER_PREFIX}${cellNumber}]`);
    this.map.push(null);
  }

  /**
   * Adds one program line that stands for one line of the current cell.
   *
   * @param text - the program line, without a line break
   * @param line - the 1-based cell line it stands for
   */
  emit(text: string, line: number): void {
    this.chunks.push(text);
    this.map.push({ cellNumber: this.cellNumber, line });
  }

  /**
   * Adds a whole cell as it is, without splitting it into lines.
   *
   * @param source - the cell's text; its line breaks must all be `\n`
   */
  emitVerbatim(source: string): void {
    const text = source.endsWith('\n') ? source.slice(0, -1) : source;
    this.chunks.push(text);
    const cellNumber = this.cellNumber;
    const map = this.map;
    let line = 1;
    map.push({ cellNumber, line });
    for (
      let at = text.indexOf('\n');
      at >= 0;
      at = text.indexOf('\n', at + 1)
    ) {
      line++;
      map.push({ cellNumber, line });
    }
  }

  /**
   * Puts the prelude in front and returns the finished program.
   *
   * @param prelude - the generated lines that go before the first cell
   * @returns the program text, ending with a newline, and its source map
   */
  finish(prelude: readonly string[]): {
    code: string;
    sourceMap: (ISourceLocation | null)[];
  } {
    const chunks = this.chunks;
    chunks[0] = prelude.join('\n');
    // The empty last piece ends the program with a newline; one join keeps the result a flat string.
    chunks.push('');
    const sourceMap: (ISourceLocation | null)[] = new Array<null>(
      prelude.length
    ).fill(null);
    return { code: chunks.join('\n'), sourceMap: sourceMap.concat(this.map) };
  }
}
