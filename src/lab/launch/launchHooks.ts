/**
 * React hooks of the launch panel: the notebook's JSON, kept current, and
 * the backend's preflight checks.
 */
import { useCallback, useEffect, useState } from 'react';

import type { IMpiJobManager } from '../tokens';
import type { NotebookSource } from './notebookSource';
import type { PreflightState } from './PreflightView';

/**
 * The notebook's JSON, read again (debounced) whenever the open document
 * changes.
 *
 * @param source - the notebook; null for a command job
 * @param onError - told when the notebook cannot be read
 * @returns the JSON; undefined while loading, null without a notebook
 */
export function useNotebook(
  source: NotebookSource | null,
  onError: (message: string) => void
): unknown {
  const [notebook, setNotebook] = useState<unknown>(source ? undefined : null);
  useEffect(() => {
    if (!source) {
      return;
    }
    let timer = 0;
    const load = (): void => {
      source
        .read()
        .then(setNotebook, (error: unknown) => onError(String(error)));
    };
    load();
    source.onChange(() => {
      window.clearTimeout(timer);
      timer = window.setTimeout(load, 300);
    });
    return () => window.clearTimeout(timer);
  }, [source]);
  return notebook;
}

/**
 * The backend's preflight checks, run once and on request.
 *
 * @param manager - the shared manager
 * @returns the checks and a function running them again
 */
export function usePreflight(
  manager: IMpiJobManager
): [PreflightState, () => void] {
  const [preflight, setPreflight] = useState<PreflightState>({
    state: 'pending'
  });
  const run = useCallback(() => {
    setPreflight({ state: 'pending' });
    manager.model.preflight().then(
      report => setPreflight({ state: 'done', report }),
      (error: unknown) =>
        setPreflight({
          state: 'unreachable',
          message: error instanceof Error ? error.message : String(error)
        })
    );
  }, [manager]);
  useEffect(run, [run]);
  return [preflight, run];
}
