/**
 * Problems that belong to no form field: cells that cannot run, the
 * notebook, the request. Cell problems link to the cell.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IProblem } from '../../core/errors';
import { CellLink } from '../CellText';
import type { OpenCell } from '../CellText';
import { cellRefOfProblem } from '../cellRefs';

/** Properties of {@link ProblemList}. */
export interface IProblemListProps {
  /** The problems. */
  readonly problems: readonly IProblem[];
  /** `error` blocks the launch; `warning` does not. */
  readonly level: 'error' | 'warning';
  /** The notebook the cells are in. */
  readonly notebookPath: string | null;
  /** Opens a cell. */
  readonly onOpen: OpenCell;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** A list of problems; nothing when empty. */
export function ProblemList(props: IProblemListProps): JSX.Element | null {
  const { problems, level, notebookPath, onOpen, trans } = props;
  if (!problems.length) {
    return null;
  }
  return (
    <ul
      className={`mpijob-Problems mpijob-mod-${level}`}
      aria-label={
        level === 'error'
          ? trans.__('Problems to fix')
          : trans.__('Packaging notes')
      }
    >
      {problems.map((problem, i) => {
        const ref = cellRefOfProblem(problem.path);
        return (
          <li key={i} className="mpijob-Problem">
            {ref && notebookPath ? (
              <CellLink
                cellRef={{ ...ref, path: notebookPath }}
                text={problem.path}
                onOpen={onOpen}
                trans={trans}
              />
            ) : (
              problem.path && (
                <span className="mpijob-Problem-path">{problem.path}</span>
              )
            )}
            {problem.path ? ': ' : ''}
            {problem.message}
          </li>
        );
      })}
    </ul>
  );
}
