/**
 * kubectl's table layout: upper-case headers, columns padded to the widest
 * cell plus three spaces, `<none>` for empty cells, one line per row.
 */

/** A value for a table cell; empty values print as `<none>`. */
export type Cell = string | number | null | undefined;

/**
 * Lays out rows under headers.
 *
 * @param headers - column titles (printed upper-case)
 * @param rows - the cells, one array per row
 * @returns the table text, ending with a newline; empty when there are no rows
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[]
): string {
  if (!rows.length) {
    return '';
  }
  const text = [
    headers.map(h => h.toUpperCase()),
    ...rows.map(row => row.map(cellText))
  ];
  const widths = headers.map((_, column) =>
    Math.max(...text.map(row => row[column]?.length ?? 0))
  );
  return text
    .map(row =>
      row
        .map((cell, column) =>
          column === row.length - 1 ? cell : cell.padEnd(widths[column] + 3)
        )
        .join('')
        .trimEnd()
    )
    .map(line => `${line}\n`)
    .join('');
}

function cellText(cell: Cell): string {
  // A multi-line value (a failure message with its traceback) stays in its
  // row: its lines are joined, so the columns line up and rows can be counted.
  const text =
    cell === null || cell === undefined
      ? ''
      : String(cell)
          .split(/\r?\n|\r/)
          .map(line => line.trim())
          .filter(line => line !== '')
          .join(' ');
  return text === '' ? '<none>' : text;
}
