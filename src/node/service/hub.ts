/**
 * One watch on the backend, fanned out to every event stream. The hub keeps
 * the current state of every job and numbers each change, keeping the last
 * ones for a while, so a client can list-then-follow without a gap and can
 * reconnect with `Last-Event-ID` without losing or repeating a change.
 */
import type { IJobEvent, IJobRecord } from '../../core/jobRecord';
import type { JobPhase } from '../../core/status';
import type { IDisposable, IMpiJobBackend } from '../backends/backend';

// Phases in which a job has processes (or is about to, or is stopping them).
const ACTIVE_PHASES: ReadonlySet<JobPhase> = new Set([
  'Pending',
  'Running',
  'Deleting'
]);

/** A change with its sequence number. */
export interface ISequencedEvent {
  /** Sequence number: increases by one with every change the service sees. */
  readonly id: number;
  /** When the service received it (ms since the epoch). */
  readonly receivedAt: number;
  /** The change. */
  readonly event: IJobEvent;
}

/** Receives every change after it subscribed. */
export type HubListener = (event: ISequencedEvent) => void;

/**
 * Identifies a job across the backend.
 *
 * @param job - namespace and name
 * @returns `namespace/name`
 */
export function jobKey(job: Pick<IJobRecord, 'namespace' | 'name'>): string {
  return `${job.namespace}/${job.name}`;
}

/** The fan-out of the backend's watch. */
export class JobEventHub {
  private readonly jobs = new Map<string, IJobRecord>();
  private readonly buffer: ISequencedEvent[] = [];
  private readonly listeners = new Set<HubListener>();
  private watch: IDisposable | null = null;
  private pending: IJobEvent[] | null = null;
  private startedAt = Infinity;
  private seq: number;

  /**
   * @param backend - the backend to watch
   * @param capacity - how many changes are kept for resuming
   */
  constructor(
    private readonly backend: IMpiJobBackend,
    private readonly capacity = 1024
  ) {
    // Ids start at the clock, so an id from an earlier run of the service is
    // (almost certainly) older than anything buffered and leads to a resync.
    this.seq = Date.now();
  }

  /** The id of the latest change. */
  get lastId(): number {
    return this.seq;
  }

  /**
   * Starts watching and reads the current jobs.
   *
   * @returns when the hub knows every job
   */
  async start(): Promise<void> {
    // Watch first, then list: a change between the two is buffered, not lost.
    this.startedAt = Date.now();
    this.pending = [];
    this.watch = this.backend.watch(undefined, event => this.receive(event));
    try {
      const jobs = await this.backend.list();
      for (const job of jobs) {
        this.jobs.set(jobKey(job), job);
      }
      for (const event of this.pending) {
        this.apply(event);
      }
    } catch (error) {
      this.close();
      throw error;
    } finally {
      this.pending = null;
    }
  }

  /** Stops watching and drops every listener. */
  close(): void {
    this.watch?.dispose();
    this.watch = null;
    this.listeners.clear();
  }

  /**
   * The current jobs and the id they are current at. Taken together with
   * {@link subscribe} in the same tick, nothing is missed or repeated.
   *
   * @param namespace - one namespace, or all
   * @returns jobs, oldest first, and the id of the latest change
   */
  snapshot(namespace?: string): { id: number; jobs: IJobRecord[] } {
    const jobs = [...this.jobs.values()]
      .filter(job => namespace === undefined || job.namespace === namespace)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return { id: this.seq, jobs };
  }

  /**
   * One job as the hub knows it.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns the record, or undefined
   */
  find(namespace: string, name: string): IJobRecord | undefined {
    return this.jobs.get(`${namespace}/${name}`);
  }

  /**
   * Whether a job is pending, running or being deleted.
   *
   * @returns true when one is
   */
  hasActiveJobs(): boolean {
    for (const job of this.jobs.values()) {
      if (ACTIVE_PHASES.has(job.status.phase)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The changes after an id, when they are all still buffered.
   *
   * @param lastId - the last id a client saw
   * @returns the changes after it (maybe none), or null when some are gone or the id is unknown
   */
  since(lastId: number): ISequencedEvent[] | null {
    const oldest = this.buffer.length ? this.buffer[0].id : this.seq + 1;
    if (
      !Number.isSafeInteger(lastId) ||
      lastId > this.seq ||
      lastId < oldest - 1
    ) {
      return null;
    }
    return this.buffer.filter(e => e.id > lastId);
  }

  /**
   * The changes received at or after a time, when the buffer reaches back that far.
   *
   * @param time - ms since the epoch
   * @returns the changes, or null when older ones may be gone
   */
  receivedSince(time: number): ISequencedEvent[] | null {
    // Changes from before the hub started (say, while the service was down) were never seen.
    const complete =
      time >= this.startedAt &&
      (this.buffer.length < this.capacity || this.buffer[0].receivedAt < time);
    return complete ? this.buffer.filter(e => e.receivedAt >= time) : null;
  }

  /**
   * Calls `listener` for every change from now on.
   *
   * @param listener - the callback
   * @returns a handle that unsubscribes
   */
  subscribe(listener: HubListener): IDisposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private receive(event: IJobEvent): void {
    if (this.pending) {
      this.pending.push(event);
      return;
    }
    this.apply(event);
    const sequenced: ISequencedEvent = {
      id: ++this.seq,
      receivedAt: Date.now(),
      event
    };
    this.buffer.push(sequenced);
    if (this.buffer.length > this.capacity) {
      this.buffer.shift();
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(sequenced);
      } catch {
        // One broken stream must not keep the others from their events.
      }
    }
  }

  private apply(event: IJobEvent): void {
    const key = jobKey(event.job);
    const known = this.jobs.get(key);
    // Same incarnation and not newer: an event the list already reflects.
    const stale =
      known !== undefined &&
      known.uid === event.job.uid &&
      known.resourceVersion > event.job.resourceVersion;
    if (event.type === 'DELETED') {
      if (!known || known.uid === event.job.uid) {
        this.jobs.delete(key);
      }
    } else if (!stale) {
      this.jobs.set(key, event.job);
    }
  }
}
