/**
 * The job service's requests as kube-apiserver saw them: its audit log
 * (JSON lines, `--audit-log-path`), whose policy records the user the
 * service runs as. Counted by verb and resource; watches also by how many
 * were open at once, which is what must not grow with the number of jobs.
 */
import { promises as fs } from 'node:fs';

import type { IRequestCount } from '../../../core/scaleResults';

interface IAuditEvent {
  auditID?: string;
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; apiGroup?: string };
  requestURI?: string;
}

/** A position in an audit log, to count only what came after it. */
export interface IAuditMark {
  readonly file: string;
  readonly offset: number;
}

/**
 * Where the audit log ends now.
 *
 * @param file - the audit log
 * @returns a mark; offset 0 when the file does not exist yet
 */
export async function auditMark(file: string): Promise<IAuditMark> {
  const size = await fs.stat(file).then(
    s => s.size,
    () => 0
  );
  return { file, offset: size };
}

/**
 * Counts one user's requests logged after a mark.
 *
 * @param mark - where to start
 * @param user - the user name
 * @returns requests by verb and resource, most first
 * @throws {Error} when the log cannot be read
 */
export async function countRequests(
  mark: IAuditMark,
  user: string
): Promise<IRequestCount[]> {
  const handle = await fs.open(mark.file, 'r');
  let text: string;
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - mark.offset));
    await handle.read(buffer, 0, buffer.length, mark.offset);
    text = buffer.toString('utf8');
  } finally {
    await handle.close();
  }
  return countAuditLines(text.split('\n'), user);
}

/**
 * Counts one user's requests in audit log lines (a request appears once
 * per stage: it counts once; a watch is open from ResponseStarted to
 * ResponseComplete).
 *
 * @param lines - JSON lines of the audit log
 * @param user - the user name
 * @returns requests by verb and resource, most first
 */
export function countAuditLines(
  lines: readonly string[],
  user: string
): IRequestCount[] {
  const seen = new Set<string>();
  const counts = new Map<
    string,
    { verb: string; resource: string; count: number; open: number; max: number }
  >();
  for (const line of lines) {
    if (!line.trim()) {
      continue;
    }
    let event: IAuditEvent;
    try {
      event = JSON.parse(line) as IAuditEvent;
    } catch {
      // The last line may be half written.
      continue;
    }
    if (event.user?.username !== user || !event.verb) {
      continue;
    }
    const ref = event.objectRef;
    const resource = ref?.resource
      ? `${ref.resource}${ref.apiGroup ? `.${ref.apiGroup}` : ''}${ref.subresource ? `/${ref.subresource}` : ''}`
      : (event.requestURI ?? '').split('?')[0];
    const key = `${event.verb} ${resource}`;
    let entry = counts.get(key);
    if (!entry) {
      entry = { verb: event.verb, resource, count: 0, open: 0, max: 0 };
      counts.set(key, entry);
    }
    if (event.auditID && !seen.has(event.auditID)) {
      seen.add(event.auditID);
      entry.count++;
    }
    if (event.verb === 'watch') {
      if (event.stage === 'ResponseStarted') {
        entry.open++;
        entry.max = Math.max(entry.max, entry.open);
      } else if (event.stage === 'ResponseComplete') {
        entry.open = Math.max(0, entry.open - 1);
      }
    }
  }
  return [...counts.values()]
    .sort(
      (a, b) =>
        b.count - a.count ||
        a.verb.localeCompare(b.verb) ||
        a.resource.localeCompare(b.resource)
    )
    .map(({ verb, resource, count, max }) =>
      verb === 'watch'
        ? { verb, resource, count, maxOpen: max }
        : { verb, resource, count }
    );
}
