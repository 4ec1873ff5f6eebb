/**
 * React hooks of the launch panel: the notebook's JSON, kept current, and
 * the backend's preflight checks of the launch as it is edited.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

import type { BackendKind } from '../../core/jobRecord';
import type { ILaunchSpec } from '../../core/spec';
import type { IMpiJobManager } from '../tokens';
import type { NotebookSource } from './notebookSource';
import type { PreflightState } from './PreflightView';
import { errorMessage } from '../../core/errors';

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

/** How long the form stays unchanged before its preflight runs. */
const PREFLIGHT_DEBOUNCE_MS = 400;

// The service's backend as the last preflight reported it: it does not
// change while the service runs, so a new panel lays out its fields for it
// before its own preflight answers.
let knownBackend: BackendKind | null = null;

/** The backend the last preflight reported; null before any answered. */
export function lastKnownBackend(): BackendKind | null {
  return knownBackend;
}

/** The preflight checks of the launch as it is now. */
export interface IPreflight {
  /** The last answer (or the first check, under way). */
  readonly state: PreflightState;
  /** Whether that answer is about the launch as it is now. */
  readonly current: boolean;
  /** Runs the checks again. */
  readonly recheck: () => void;
}

/**
 * The backend's preflight checks for the launch being edited: run when the
 * panel opens, again (debounced) whenever the launch changes, and on
 * request. Without a valid spec, the backend's general checks.
 *
 * @param manager - the shared manager
 * @param spec - the launch as it is now; null while it is invalid
 * @param notebook - the notebook it runs (its code is checked too: syntax,
 *   imports the ranks' Python lacks); null for a command
 * @returns the checks, whether they are current, and a re-check
 */
export function usePreflight(
  manager: IMpiJobManager,
  spec: ILaunchSpec | null,
  notebook: unknown = null
): IPreflight {
  // A new notebook object is a new notebook content (useNotebook): counted,
  // not serialized into the key on every render.
  const notebookRef = useRef<{ value: unknown; version: number }>({
    value: notebook,
    version: 0
  });
  if (notebookRef.current.value !== notebook) {
    notebookRef.current = {
      value: notebook,
      version: notebookRef.current.version + 1
    };
  }
  const key = spec
    ? `${notebookRef.current.version}:${JSON.stringify(spec)}`
    : '';
  const [round, setRound] = useState(0);
  const asked = `${round}:${key}`;
  const [state, setState] = useState<PreflightState>({ state: 'pending' });
  const [answered, setAnswered] = useState<string | null>(null);
  const specRef = useRef(spec);
  specRef.current = spec;
  const started = useRef(false);
  useEffect(() => {
    let stale = false;
    // The first check runs at once; later ones wait for the typing to stop.
    const delay = started.current ? PREFLIGHT_DEBOUNCE_MS : 0;
    started.current = true;
    const timer = window.setTimeout(() => {
      manager.model
        .preflight(
          specRef.current ?? undefined,
          specRef.current ? notebookRef.current.value : null
        )
        .then(
          report => {
            knownBackend = report.backend;
            if (!stale) {
              setState({ state: 'done', report });
              setAnswered(asked);
            }
          },
          (error: unknown) => {
            if (!stale) {
              setState({
                state: 'unreachable',
                message: errorMessage(error)
              });
              setAnswered(asked);
            }
          }
        );
    }, delay);
    return () => {
      stale = true;
      window.clearTimeout(timer);
    };
  }, [manager, asked]);
  const recheck = useCallback(() => setRound(r => r + 1), []);
  return { state, current: answered === asked, recheck };
}
