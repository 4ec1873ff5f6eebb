/**
 * Lines of a pod's log as the API server serves them with `timestamps=true`.
 */

const KUBELET_STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/;

/**
 * Splits the kubelet's `timestamps=true` prefix off a log line.
 *
 * @param line - e.g. `2026-01-01T00:00:00.1234Z text` (RFC3339Nano drops trailing zeros)
 * @returns the time with 9 fraction digits (so stamps compare as strings) and the text
 */
export function splitTimestamp(line: string): {
  stamp: string | null;
  text: string;
} {
  const space = line.indexOf(' ');
  const match = space > 0 ? KUBELET_STAMP.exec(line.slice(0, space)) : null;
  if (!match) {
    return { stamp: null, text: line };
  }
  const fraction = (match[2] ?? '').padEnd(9, '0');
  return { stamp: `${match[1]}.${fraction}Z`, text: line.slice(space + 1) };
}
