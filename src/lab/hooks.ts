/**
 * React hooks shared by the views: following Lumino signals and a ticking
 * clock for ages and durations.
 */
import type { ISignal } from '@lumino/signaling';
import { useEffect, useReducer, useState } from 'react';

/**
 * Re-renders the component whenever a signal emits.
 *
 * @param signal - the signal to follow; nothing when null
 */
export function useSignal<T, U>(signal: ISignal<T, U> | null): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!signal) {
      return;
    }
    const slot = (): void => bump();
    signal.connect(slot);
    return () => {
      signal.disconnect(slot);
    };
  }, [signal]);
}

/**
 * The current time, updated every `intervalMs` while `active`.
 *
 * @param active - whether anything on screen depends on the time
 * @param intervalMs - tick interval
 * @returns milliseconds since the epoch
 */
export function useNow(active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) {
      return;
    }
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}
