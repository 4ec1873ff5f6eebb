/**
 * nbformat 3 notebooks, converted in memory the way nbformat's own v3 -> v4
 * upgrade does: the worksheets' cells in order, a code cell's `input` as its
 * source, heading cells as markdown with as many `#` as their level.
 */
import { isRecord } from './jsonValues';

/**
 * An nbformat 3 notebook as nbformat 4 would have it.
 *
 * @param notebook - the parsed nbformat 3 JSON object
 * @returns an nbformat 4 shaped object (cells left for the v4 checks)
 */
export function upgradeFromV3(
  notebook: Record<string, unknown>
): Record<string, unknown> {
  const worksheets = Array.isArray(notebook.worksheets)
    ? notebook.worksheets
    : [];
  const cells: unknown[] = [];
  for (const sheet of worksheets) {
    if (isRecord(sheet) && Array.isArray(sheet.cells)) {
      cells.push(...sheet.cells.map(upgradeCell));
    }
  }
  const metadata = isRecord(notebook.metadata) ? notebook.metadata : {};
  // v3 kept the language on each code cell.
  const language = cells
    .map(cell => (isRecord(cell) ? cell.language : undefined))
    .find((name): name is string => typeof name === 'string');
  return {
    nbformat: 4,
    nbformat_minor: 0,
    metadata: {
      ...metadata,
      ...(language !== undefined && !isRecord(metadata.language_info)
        ? { language_info: { name: language } }
        : {})
    },
    cells
  };
}

function upgradeCell(cell: unknown): unknown {
  if (!isRecord(cell)) {
    return cell;
  }
  if (cell.cell_type === 'code') {
    const { input, ...rest } = cell;
    return { ...rest, source: input ?? cell.source };
  }
  if (cell.cell_type === 'heading') {
    const level = typeof cell.level === 'number' ? cell.level : 1;
    const text = Array.isArray(cell.source)
      ? cell.source.join('')
      : cell.source;
    return {
      cell_type: 'markdown',
      metadata: cell.metadata ?? {},
      source:
        typeof text === 'string'
          ? `${'#'.repeat(Math.min(Math.max(level, 1), 6))} ${text.replace(/\n/g, ' ')}`
          : text
    };
  }
  return cell;
}
