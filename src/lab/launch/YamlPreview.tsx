/**
 * The objects a launch creates, as YAML, ready to copy.
 */
import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

/** Properties of {@link YamlPreview}. */
export interface IYamlPreviewProps {
  /** The YAML; null while it cannot be built. */
  readonly yaml: string | null;
  /** One line about what runs. */
  readonly summary: string;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** A read-only, copyable YAML preview. */
export function YamlPreview(props: IYamlPreviewProps): JSX.Element {
  const { yaml, summary, trans } = props;
  const [copied, setCopied] = useState(false);
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
      <pre
        className="mpijob-Yaml-text"
        tabIndex={0}
        aria-label={trans.__('MPIJob YAML')}
      >
        {yaml ?? trans.__('Fix the problems to see the YAML.')}
      </pre>
    </section>
  );
}
