/**
 * Reading a local job's output from its log files: merged over ranks in
 * capture order, tracebacks mapped to the notebook's cells, and with
 * `follow`, new lines as they are printed until the job ended and all its
 * output was delivered.
 */

import type { IJobRecord, ILogLine } from '../../../core/jobRecord';
import { mapTraceback } from '../../../core/notebook';
import { jobKey } from '../../../core/jobKey';
import type { ILogOptions } from '../backend';
import { assertRankOf, BackendError } from '../errors';
import type { IRankedLogLine } from './store';
import { assertJobKey, LogCursor, readSourceMap } from './store';

// How often a follow looks at files written by another process.
const FOLLOW_POLL_MS = 250;

// How long a follow waits for a line missing from the sequence before
// giving up on it (it may have been lost in a crash).
const FOLLOW_GAP_MS = 1000;

/** What a log follower needs of the backend. */
export interface ILogSource {
  /** The job's record; throws NotFound. */
  get(namespace: string, name: string): Promise<IJobRecord>;
  /** Whether the job of that uid ended (or is gone): no more output comes. */
  hasEnded(namespace: string, name: string, uid: string): Promise<boolean>;
  /** Where the job's files are. */
  jobDir(namespace: string, name: string): string;
  /** Where the job's log files are. */
  logsDir(namespace: string, name: string): string;
  /** Resolves when the job changes or prints, or after `ms`. */
  waitForChange(
    key: string,
    ms: number,
    signal: AbortSignal | undefined
  ): Promise<void>;
}

/**
 * A job's output lines.
 *
 * @param source - the backend
 * @param namespace - the job's namespace
 * @param name - the job's name
 * @param options - follow, rank, tail, signal
 * @returns the lines
 * @throws {BackendError} NotFound; BadRequest for bad names or ranks
 */
export async function* followLogs(
  source: ILogSource,
  namespace: string,
  name: string,
  options: ILogOptions
): AsyncGenerator<ILogLine> {
  assertJobKey(namespace, name);
  const rank = options.rank;
  if (rank !== undefined && (!Number.isInteger(rank) || rank < 0)) {
    throw new BackendError(
      'BadRequest',
      `rank must be a whole number from 0, not ${String(rank)}`
    );
  }
  const tail = options.tail;
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
    throw new BackendError(
      'BadRequest',
      `tail must be a whole number from 0, not ${String(tail)}`
    );
  }
  const key = jobKey({ namespace, name });
  // The job must exist; this also reads its uid for the end check.
  const first = await source.get(namespace, name);
  assertRankOf(rank, first.workers * first.slotsPerWorker);
  const uid = first.uid;
  const cursor = new LogCursor(source.logsDir(namespace, name), rank);
  const sourceMap = await readSourceMap(source.jobDir(namespace, name));
  const pending: IRankedLogLine[] = [];
  let expected = 0;
  let gapSince: number | null = null;
  let firstBatch = true;

  // Lines in capture order. Files are flushed one after another, so a
  // read may see line n + 1 before line n: hold lines back until the
  // sequence is complete (briefly; a crash may have lost a line).
  const ready = (final: boolean): IRankedLogLine[] => {
    pending.sort((a, b) => a.n - b.n);
    const out: IRankedLogLine[] = [];
    while (pending.length > 0) {
      const head = pending[0];
      const gapExpired =
        gapSince !== null && Date.now() - gapSince > FOLLOW_GAP_MS;
      if (head.n > expected && !final && rank === undefined && !gapExpired) {
        gapSince ??= Date.now();
        break;
      }
      // A line that turns up after its gap was given up on still comes, late.
      pending.shift();
      out.push(head);
      expected = Math.max(expected, head.n + 1);
      gapSince = null;
    }
    return out;
  };

  for (;;) {
    if (options.signal?.aborted) {
      return;
    }
    // Whether the job had ended before this read: then the read is complete.
    const ended =
      !options.follow || (await source.hasEnded(namespace, name, uid));
    pending.push(...(await cursor.readNew()));
    let lines = ready(ended);
    if (firstBatch && tail !== undefined) {
      lines = tail === 0 ? [] : lines.slice(-tail);
    }
    firstBatch = false;
    for (const line of lines) {
      yield {
        rank: line.rank,
        stream: line.s,
        time: line.t,
        // Tracebacks name the notebook's cells, for every reader.
        text: sourceMap ? mapTraceback(line.x, sourceMap) : line.x
      };
    }
    if (ended) {
      return;
    }
    await source.waitForChange(key, FOLLOW_POLL_MS, options.signal);
  }
}
