/**
 * Who hears about the local backend's changes: watchers of a namespace get
 * every job event, and log followers waiting on one job are woken when it
 * changes or prints.
 */
import type { IJobEvent } from '../../../core/jobRecord';
import type { IDisposable } from '../backend';

/** Job events for watchers, wake-ups for followers of one job. */
export class JobHub {
  private readonly listeners = new Set<{
    namespace: string | undefined;
    listener: (event: IJobEvent) => void;
  }>();
  private readonly waiters = new Map<string, Set<() => void>>();

  /**
   * Calls `listener` for every event of a namespace's jobs.
   *
   * @param namespace - one namespace, or undefined for all
   * @param listener - receives ADDED, MODIFIED and DELETED events
   * @returns a handle that stops the watch
   */
  watch(
    namespace: string | undefined,
    listener: (event: IJobEvent) => void
  ): IDisposable {
    const registration = { namespace, listener };
    this.listeners.add(registration);
    return {
      dispose: () => {
        this.listeners.delete(registration);
      }
    };
  }

  /**
   * Tells the watchers of the event's namespace.
   *
   * @param event - the change
   */
  emit(event: IJobEvent): void {
    for (const { namespace, listener } of [...this.listeners]) {
      if (namespace === undefined || namespace === event.job.namespace) {
        try {
          listener(event);
        } catch {
          // A listener's failure is its own; others still hear the event.
        }
      }
    }
  }

  /**
   * Wakes whoever waits on a job.
   *
   * @param key - the job's key
   */
  notify(key: string): void {
    const waiting = this.waiters.get(key);
    if (waiting === undefined) {
      return;
    }
    this.waiters.delete(key);
    for (const wake of waiting) {
      wake();
    }
  }

  /**
   * Resolves when the job changes, after `ms`, or on abort, whichever comes
   * first.
   *
   * @param key - the job's key
   * @param ms - the longest wait
   * @param signal - ends the wait early
   */
  waitForChange(
    key: string,
    ms: number,
    signal: AbortSignal | undefined
  ): Promise<void> {
    return new Promise(resolve => {
      let waiting = this.waiters.get(key);
      if (waiting === undefined) {
        waiting = new Set();
        this.waiters.set(key, waiting);
      }
      const set = waiting;
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Ends every watch and wakes every waiter: the backend shut down. */
  close(): void {
    this.listeners.clear();
    for (const key of [...this.waiters.keys()]) {
      this.notify(key);
    }
  }
}
