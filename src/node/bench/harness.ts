/**
 * One benchmark job through a backend, the way a user's job goes: submit,
 * follow the watch until it is done, read rank 0's output, delete it.
 */
import type { IBuiltJob } from '../../core/job';
import type { IJobRecord } from '../../core/jobRecord';
import type { IMpiJobBackend } from '../backends/backend';
import type { IJobReport } from '../../core/jobReport';
import { BackendError } from '../backends/errors';

/** How a job ended, as the benchmark sees it. */
export interface IJobOutcome {
  /** Milliseconds from just before submitting until the watch reported it done. */
  readonly e2eMs: number;
  /** The final record. */
  readonly record: IJobRecord;
  /** Rank 0's output lines. */
  readonly rank0: readonly string[];
  /** Where its ranks ran and how its start went; null when the backend could not tell. */
  readonly report: IJobReport | null;
}

/** Options of {@link runJob}. */
export interface IRunJobOptions {
  /** Stop the job after this long. */
  readonly timeoutMs: number;
  /** Stops the job (it is deleted). */
  readonly signal?: AbortSignal;
  /** The clock, in milliseconds (tinybench's, so samples share one clock). */
  readonly now?: () => number;
  /**
   * Give up when the job stays Unschedulable this long, ms (default
   * {@link UNSCHEDULABLE_MS}).
   */
  readonly unschedulableMs?: number;
}

/**
 * How long a benchmark job may stay Unschedulable. Not at once: the pods of
 * the job before it may still hold what this one needs while they end.
 */
export const UNSCHEDULABLE_MS = 60_000;

/** A job that ended Failed, or was stopped. */
export class JobRunError extends Error {
  /** The job's name. */
  readonly job: string;
  /** Why: failed, timed out or interrupted. */
  readonly reason: 'failed' | 'timeout' | 'interrupted';

  /**
   * @param job - the job's name
   * @param reason - why it did not succeed
   * @param message - what to tell the user
   */
  constructor(
    job: string,
    reason: 'failed' | 'timeout' | 'interrupted',
    message: string
  ) {
    super(message);
    this.name = 'JobRunError';
    this.job = job;
    this.reason = reason;
  }
}

// A watch event can be lost with a dropped connection; the job is read
// directly this often as well.
const POLL_MS = 5000;

/**
 * Submits a job, waits until it is done and reads rank 0's output. The job
 * is deleted afterwards whatever happened (not part of the time).
 *
 * @param backend - where it runs
 * @param job - the built job
 * @param options - timeout, abort signal, clock
 * @returns its end-to-end time, final record and rank 0's output
 * @throws {JobRunError} when it failed, timed out or was interrupted
 * @throws {BackendError} when the backend refused it
 */
export async function runJob(
  backend: IMpiJobBackend,
  job: IBuiltJob,
  options: IRunJobOptions
): Promise<IJobOutcome> {
  const now = options.now ?? (() => performance.now());
  const { namespace, name } = job.spec;
  let ended: (record: IJobRecord) => void = () => undefined;
  let stuck: (error: JobRunError) => void = () => undefined;
  const done = new Promise<IJobRecord>((resolve, reject) => {
    ended = resolve;
    stuck = reject;
  });
  // Settled late (a poll answered after the end) it must not go unhandled.
  done.catch(() => undefined);
  const unschedulableMs = options.unschedulableMs ?? UNSCHEDULABLE_MS;
  let unschedulableSince: number | null = null;
  const check = (record: IJobRecord): void => {
    if (record.name !== name) {
      return;
    }
    const status = record.status;
    if (status.phase === 'Succeeded' || status.phase === 'Failed') {
      ended(record);
    } else if (
      status.phase === 'Pending' &&
      status.reason === 'Unschedulable'
    ) {
      unschedulableSince ??= performance.now();
      if (performance.now() - unschedulableSince >= unschedulableMs) {
        stuck(
          new JobRunError(
            name,
            'failed',
            `job ${name} could not be scheduled for ${Math.round(unschedulableMs / 1000)} s: ${status.message ?? 'no node fits it'}`
          )
        );
      }
    } else {
      unschedulableSince = null;
    }
  };
  // Watch first, then submit: the end cannot be missed.
  const watch = backend.watch(namespace, event => {
    if (event.type !== 'DELETED') {
      check(event.job);
    }
  });
  let submitted = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let poll: ReturnType<typeof setInterval> | null = null;
  let onAbort: (() => void) | null = null;
  try {
    const start = now();
    check(await backend.submit({ kind: 'launch', job }));
    submitted = true;
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new JobRunError(
              name,
              'timeout',
              `timed out after ${options.timeoutMs / 1000} s`
            )
          ),
        options.timeoutMs
      );
      onAbort = () =>
        reject(new JobRunError(name, 'interrupted', 'interrupted'));
      if (options.signal?.aborted) {
        onAbort();
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    poll = setInterval(
      () => {
        backend.get(namespace, name).then(check, () => undefined);
      },
      Math.min(POLL_MS, unschedulableMs / 2)
    );
    const record = await Promise.race([done, stopped]);
    const e2eMs = now() - start;
    const rank0 = await readRank0(backend, namespace, name);
    const report = await backend.report(namespace, name).catch(() => null);
    if (record.status.phase === 'Failed') {
      throw new JobRunError(
        name,
        'failed',
        `job ${name} failed (${record.status.reason}): ${record.status.message}`
      );
    }
    return { e2eMs, record, rank0, report };
  } finally {
    watch.dispose();
    if (timer !== null) {
      clearTimeout(timer);
    }
    if (poll !== null) {
      clearInterval(poll);
    }
    if (onAbort !== null) {
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (submitted) {
      await backend.delete(namespace, name).catch((error: unknown) => {
        if (!(error instanceof BackendError && error.reason === 'NotFound')) {
          throw error;
        }
      });
    }
  }
}

async function readRank0(
  backend: IMpiJobBackend,
  namespace: string,
  name: string
): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of backend.logs(namespace, name, { rank: 0 })) {
    lines.push(line.text);
  }
  return lines;
}
