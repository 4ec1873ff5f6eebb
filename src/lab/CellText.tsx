/**
 * Text with its notebook cell references turned into links that open the
 * notebook at that cell.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { ICellRef } from './cellRefs';
import { splitCellRefs } from './cellRefs';

/** Opens a cell reference. */
export type OpenCell = (ref: ICellRef) => void;

/** Properties of {@link CellLink}. */
export interface ICellLinkProps {
  /** The reference. */
  readonly cellRef: ICellRef;
  /** The link text. */
  readonly text: string;
  /** Opens it. */
  readonly onOpen: OpenCell;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** A link (a button, so it works with the keyboard) to a notebook cell. */
export function CellLink(props: ICellLinkProps): JSX.Element {
  const { cellRef, text, onOpen, trans } = props;
  return (
    <button
      type="button"
      className="mpijob-CellLink"
      title={trans.__(
        'Open %1 at cell %2, line %3',
        cellRef.path ?? '',
        cellRef.cell,
        cellRef.line
      )}
      data-cell={cellRef.cell}
      onClick={event => {
        event.stopPropagation();
        onOpen(cellRef);
      }}
    >
      {text}
    </button>
  );
}

/** Properties of {@link CellText}. */
export interface ICellTextProps {
  /** The text, possibly with traceback locations. */
  readonly text: string;
  /** Opens a cell reference; plain text when null. */
  readonly onOpen: OpenCell | null;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** Text whose `File "…", cell N, line L` locations are links. */
export function CellText(props: ICellTextProps): JSX.Element {
  const { text, onOpen, trans } = props;
  const parts = splitCellRefs(text);
  if (!onOpen || (parts.length === 1 && typeof parts[0] === 'string')) {
    return <>{text}</>;
  }
  return (
    <>
      {parts.map((part, i) =>
        typeof part === 'string' ? (
          <React.Fragment key={i}>{part}</React.Fragment>
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
    </>
  );
}
