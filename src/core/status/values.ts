/**
 * Small readers of API values shared by the pod layout and the status.
 */

import type { TimestampLike } from './types';

export function nonEmpty(s: string | null | undefined): string | null {
  return typeof s === 'string' && s !== '' ? s : null;
}

// RFC 3339 text as given (the API server writes UTC already), or a Date's
// ISO form; null when absent or invalid.
export function toIso(t: TimestampLike | null | undefined): string | null {
  if (typeof t === 'string') {
    return t === '' ? null : t;
  }
  if (t instanceof Date) {
    const ms = t.getTime();
    return Number.isNaN(ms) ? null : t.toISOString();
  }
  return null;
}

export function toMs(t: TimestampLike | null | undefined): number {
  if (typeof t === 'string') {
    return Date.parse(t);
  }
  if (t instanceof Date) {
    return t.getTime();
  }
  return NaN;
}
