/**
 * The figures a job's cells left (matplotlib, as the inline backend would
 * show them under the cell), fetched from the service as the job moves on.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useState } from 'react';

import type { IJobFileInfo } from '../../core/jobFiles';
import { jobApiPath } from '../../core/jobKey';
import type { IJobKey } from '../commands';
import { fetchAPI, requestAPI } from '../request';
import { errorMessage } from '../../core/errors';

/** What a figure's name says: `cell3-figure1[-rank2].png`. */
const FIGURE_NAME = /^cell(\d+)-figure(\d+)(?:-rank(\d+))?\.png$/;

interface IShown {
  readonly info: IJobFileInfo;
  readonly url: string;
}

async function fetchImage(key: IJobKey, name: string): Promise<string> {
  const response = await fetchAPI(
    jobApiPath(key, `files/${encodeURIComponent(name)}`)
  );
  return URL.createObjectURL(await response.blob());
}

/**
 * The figures section of a job view; nothing while the job has none.
 *
 * @param props - the job, what changes when it may have new files, translations
 * @returns the section
 */
export function Figures(props: {
  jobKey: IJobKey;
  /** Changes whenever the job may have left new files. */
  version: string;
  /** The job is gone, and its files with it. */
  deleted: boolean;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { jobKey, version, deleted, trans } = props;
  const [shown, setShown] = useState<IShown[]>([]);
  const [error, setError] = useState('');

  useEffect(() => {
    if (deleted) {
      return;
    }
    let live = true;
    const kept = new Map(shown.map(s => [s.info.name, s]));
    void (async () => {
      try {
        const list = await requestAPI<{ items: IJobFileInfo[] }>(
          jobApiPath(jobKey, 'files')
        );
        const images = list.items.filter(f => FIGURE_NAME.test(f.name));
        const next: IShown[] = [];
        for (const info of images) {
          const known = kept.get(info.name);
          next.push(
            known && known.info.size === info.size
              ? known
              : { info, url: await fetchImage(jobKey, info.name) }
          );
        }
        if (live) {
          setShown(next);
          setError('');
        }
      } catch (reason) {
        if (live) {
          setError(errorMessage(reason));
        }
      }
    })();
    return () => {
      live = false;
    };
  }, [jobKey.namespace, jobKey.name, version, deleted]);

  // Object URLs hold the image bytes until revoked.
  useEffect(() => () => shown.forEach(s => URL.revokeObjectURL(s.url)), []);

  if (deleted || (shown.length === 0 && !error)) {
    return null;
  }
  return (
    <details className="mpijob-JobView-figures" open>
      <summary>{trans.__('Figures (%1)', shown.length)}</summary>
      {error && (
        <p className="mpijob-JobView-figuresError">
          {trans.__('Figures unavailable: %1', error)}
        </p>
      )}
      <div className="mpijob-JobView-figureGrid">
        {shown.map(({ info, url }) => {
          const [, cell, figure, rank] = FIGURE_NAME.exec(info.name) ?? [];
          const caption =
            rank === undefined
              ? trans.__('Cell %1, figure %2', cell, figure)
              : trans.__('Cell %1, figure %2, rank %3', cell, figure, rank);
          return (
            <figure key={info.name} className="mpijob-JobView-figure">
              <a
                href={url}
                download={info.name}
                title={trans.__('Download %1', info.name)}
              >
                <img src={url} alt={caption} />
              </a>
              <figcaption>{caption}</figcaption>
            </figure>
          );
        })}
      </div>
    </details>
  );
}
