/**
 * One row of the log viewer: line number, rank, and the text with search
 * hits marked and notebook cell locations as links.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { ILogLine } from '../../../core/jobRecord';
import type { OpenCell } from '../../CellText';
import { CellLink } from '../../CellText';
import { splitCellRefs } from '../../cellRefs';

/** Height of every row in pixels; the CSS uses the same value. */
export const ROW_HEIGHT = 18;

/** Properties of {@link LogRow}. */
export interface ILogRowProps {
  /** The line. */
  readonly line: ILogLine;
  /** 0-based position in the view. */
  readonly index: number;
  /** Show the rank column (merged view). */
  readonly showRank: boolean;
  /** Text to mark. */
  readonly query: string;
  /** Whether this row holds the current search hit. */
  readonly current: boolean;
  /** Opens a notebook cell. */
  readonly onOpen: OpenCell;
  /** Translations. */
  readonly trans: TranslationBundle;
}

function marked(text: string, query: string): React.ReactNode {
  if (!query) {
    return text;
  }
  const lower = text.toLowerCase();
  const needle = query.toLowerCase();
  const parts: React.ReactNode[] = [];
  let from = 0;
  for (
    let at = lower.indexOf(needle);
    at >= 0;
    at = lower.indexOf(needle, from)
  ) {
    parts.push(
      text.slice(from, at),
      <mark key={at}>{text.slice(at, at + needle.length)}</mark>
    );
    from = at + needle.length;
  }
  parts.push(text.slice(from));
  return parts;
}

/** A log row, absolutely placed at its position. */
function LogRowView(props: ILogRowProps): JSX.Element {
  const { line, index, showRank, query, current, onOpen, trans } = props;
  const rank = line.rank === null ? 'L' : String(line.rank);
  const tag = `[${rank}]`;
  return (
    <div
      className={`mpijob-LogRow${line.stream === 'stderr' ? ' mpijob-mod-stderr' : ''}${current ? ' mpijob-mod-current' : ''}`}
      style={{ top: index * ROW_HEIGHT }}
      data-rank={rank}
    >
      <span className="mpijob-LogRow-number" aria-hidden="true">
        {index + 1}
      </span>
      {showRank && (
        <span
          className="mpijob-LogRow-rank"
          title={
            line.rank === null
              ? trans.__('launcher (mpirun)')
              : trans.__('rank %1', line.rank)
          }
        >
          {tag}
        </span>
      )}
      <span className="mpijob-LogRow-text">
        {splitCellRefs(line.text).map((part, i) =>
          typeof part === 'string' ? (
            <React.Fragment key={i}>{marked(part, query)}</React.Fragment>
          ) : (
            <CellLink
              key={i}
              cellRef={part.ref}
              text={part.text}
              onOpen={onOpen}
              trans={trans}
            />
          )
        )}
      </span>
    </div>
  );
}

/** A log row, re-rendered only when its props change. */
export const LogRow = React.memo(LogRowView);
