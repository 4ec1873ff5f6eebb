/**
 * The objects a launch creates, as YAML, ready to copy; the generated
 * prelude of the program folded so that the user's cells come first.
 */
import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import type { IPackagedProgram } from '../../core/notebook';
import { PROGRAM_FILE_NAME } from '../../core/notebook';

/** The YAML cut around the program's generated prelude. */
interface IYamlParts {
  /** Up to and including the line that starts the program. */
  readonly head: string;
  /** The prelude's lines. */
  readonly prelude: string;
  /** How many lines the prelude has. */
  readonly preludeLines: number;
  /** From the first cell's marker on. */
  readonly tail: string;
}

// Shorter preludes are not worth a fold.
const MIN_FOLDED_LINES = 3;

/**
 * Finds the program's generated prelude in the YAML: its lines before the
 * marker of the first cell.
 *
 * @param yaml - the objects as YAML
 * @param program - the program in them
 * @returns the parts; null when there is nothing to fold
 */
function splitPrelude(
  yaml: string,
  program: Pick<IPackagedProgram, 'code' | 'sourceMap'> | null
): IYamlParts | null {
  if (!program) {
    return null;
  }
  // The line before the first cell's line is its marker: it stays visible.
  const preludeLines = program.sourceMap.findIndex(line => line !== null) - 1;
  if (preludeLines < MIN_FOLDED_LINES) {
    return null;
  }
  const lines = yaml.split('\n');
  const start = lines.findIndex(line =>
    new RegExp(`^\\s*${PROGRAM_FILE_NAME.replace('.', '\\.')}: \\|`).test(line)
  );
  const firstLine = program.code.split('\n')[0].trim();
  if (start < 0 || lines[start + 1]?.trim() !== firstLine) {
    return null;
  }
  const end = start + 1 + preludeLines;
  return {
    head: lines.slice(0, start + 1).join('\n'),
    prelude: lines.slice(start + 1, end).join('\n'),
    preludeLines,
    tail: lines.slice(end).join('\n')
  };
}

/**
 * YAML lines that wrap under their own text instead of at the margin, so a
 * wrapped line does not pass for the next key.
 */
function YamlLines(props: { readonly text: string }): JSX.Element {
  return (
    <pre>
      {props.text.split('\n').map((line, i) => (
        <span
          key={i}
          className="mpijob-Yaml-line"
          style={
            {
              '--mpijob-yaml-indent': `${line.length - line.trimStart().length}ch`
            } as React.CSSProperties
          }
        >
          {line || <br />}
        </span>
      ))}
    </pre>
  );
}

/** Properties of {@link YamlPreview}. */
export interface IYamlPreviewProps {
  /** The YAML; null while it cannot be built. */
  readonly yaml: string | null;
  /** The notebook program in it; null for a command. */
  readonly program: Pick<IPackagedProgram, 'code' | 'sourceMap'> | null;
  /** One line about what runs. */
  readonly summary: string;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** A read-only, copyable YAML preview. */
export function YamlPreview(props: IYamlPreviewProps): JSX.Element {
  const { yaml, program, summary, trans } = props;
  const [copied, setCopied] = useState(false);
  const parts = yaml === null ? null : splitPrelude(yaml, program);
  return (
    <section className="mpijob-Yaml" aria-label={trans.__('YAML preview')}>
      <div className="mpijob-SectionHeader">
        <h3>{trans.__('What will be created')}</h3>
        <button
          type="button"
          className="mpijob-TextButton"
          disabled={yaml === null}
          onClick={() => {
            if (yaml !== null) {
              Clipboard.copyToSystem(yaml);
              setCopied(true);
              window.setTimeout(() => setCopied(false), 2000);
            }
          }}
        >
          {copied ? trans.__('Copied') : trans.__('Copy YAML')}
        </button>
      </div>
      <p className="mpijob-Yaml-summary">{summary}</p>
      <div
        className="mpijob-Yaml-text"
        tabIndex={0}
        role="region"
        aria-label={trans.__('MPIJob YAML')}
      >
        {parts ? (
          <>
            <YamlLines text={parts.head} />
            <details className="mpijob-Yaml-prelude">
              <summary>
                {trans._n(
                  '%1 generated line before your cells',
                  '%1 generated lines before your cells',
                  parts.preludeLines
                )}
              </summary>
              <YamlLines text={parts.prelude} />
            </details>
            <YamlLines text={parts.tail} />
          </>
        ) : (
          <YamlLines
            text={yaml ?? trans.__('Fix the problems to see the YAML.')}
          />
        )}
      </div>
    </section>
  );
}
