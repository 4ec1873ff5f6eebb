/**
 * The backend's watches, fanned out to every event stream. The hub watches
 * what clients follow (its home scope always, other namespaces while a
 * stream asks for them: one backend watch per namespace, never per job),
 * keeps the current state of every job it watches and numbers each change,
 * keeping the last ones for a while, so a client can list-then-follow
 * without a gap and can reconnect with `Last-Event-ID` without losing or
 * repeating a change.
 */
import { jobKey } from '../../core/jobKey';
import type { IJobEvent, IJobRecord } from '../../core/jobRecord';
import type { JobPhase } from '../../core/status';
import type { IDisposable, IMpiJobBackend } from '../backends/backend';
import { ALL_NAMESPACES } from '../backends/backend';

// Phases in which a job has processes (or is about to, or is stopping them).
const ACTIVE_PHASES: ReadonlySet<JobPhase> = new Set([
  'Pending',
  'Running',
  'Deleting'
]);

/** How long a namespace nobody follows any more stays watched (a reload comes back). */
export const DEFAULT_LINGER_MS = 60_000;

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
 * Whether a scope covers a namespace.
 *
 * @param scope - a namespace, or {@link ALL_NAMESPACES}
 * @param namespace - the namespace of a job
 * @returns true when jobs of `namespace` are in the scope
 */
export function inScope(scope: string, namespace: string): boolean {
  return scope === ALL_NAMESPACES || scope === namespace;
}

/** One watched scope: a namespace or every namespace. */
interface IScope {
  readonly key: string;
  /** Streams (and the hub itself, for its home scope) that follow it. */
  refs: number;
  watch: IDisposable | null;
  /** Resolves when its jobs are known; rejects when the first list failed. */
  ready: Promise<void>;
  /** Changes received while its first list runs. */
  pending: IJobEvent[] | null;
  /** The sequence number at which it became complete. */
  syncedAt: number;
  /** When it became complete (ms since the epoch). */
  syncedTime: number;
  /** Ends the scope after the last follower left. */
  linger: NodeJS.Timeout | null;
}

/** Options of {@link JobEventHub}. */
export interface IJobEventHubOptions {
  /** What the hub always watches: a namespace or {@link ALL_NAMESPACES}. */
  readonly home?: string;
  /** How many changes are kept for resuming. */
  readonly capacity?: number;
  /** How long a scope nobody follows stays watched, ms. */
  readonly lingerMs?: number;
}

/** The fan-out of the backend's watches. */
export class JobEventHub {
  private readonly jobs = new Map<string, IJobRecord>();
  private readonly buffer: ISequencedEvent[] = [];
  private readonly listeners = new Set<HubListener>();
  private readonly scopes = new Map<string, IScope>();
  private readonly capacity: number;
  private readonly lingerMs: number;
  private startedAt = Infinity;
  private closed = false;
  private seq: number;
  /** The scope the hub always watches. */
  readonly home: string;

  /**
   * @param backend - the backend to watch
   * @param options - home scope, replay capacity, linger time
   */
  constructor(
    private readonly backend: IMpiJobBackend,
    options: IJobEventHubOptions = {}
  ) {
    this.home =
      options.home ??
      (backend.kind === 'local'
        ? ALL_NAMESPACES
        : (backend.defaultNamespace ?? ALL_NAMESPACES));
    this.capacity = options.capacity ?? 1024;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    // Ids start at the clock, so an id from an earlier run of the service is
    // (almost certainly) older than anything buffered and leads to a resync.
    this.seq = Date.now();
  }

  /** The id of the latest change. */
  get lastId(): number {
    return this.seq;
  }

  /** The scopes watched now (namespaces, or `*`), for tests and metrics. */
  get watched(): string[] {
    return [...this.scopes.keys()].sort();
  }

  /**
   * Starts watching the home scope and reads its jobs.
   *
   * @param tolerate - decides whether the service may run without its home
   *   scope (say, a user who may not list their context's namespace: they
   *   still choose others); by default every failure is fatal
   * @returns when the hub knows every job of it
   * @throws the first list's failure, unless tolerated
   */
  async start(
    tolerate: (error: unknown) => boolean = () => false
  ): Promise<void> {
    this.startedAt = Date.now();
    const scope = this.scope(this.home);
    scope.refs++;
    try {
      await scope.ready;
    } catch (error) {
      if (!tolerate(error)) {
        this.close();
        throw error;
      }
    }
  }

  /**
   * Watches scopes for as long as the returned handle is not disposed.
   *
   * @param keys - namespaces, or {@link ALL_NAMESPACES}
   * @returns a handle that ends the follow
   * @throws {BackendError} when a first list fails (403, unreachable…)
   */
  async follow(keys: readonly string[]): Promise<IDisposable> {
    const scopes = [...new Set(keys)].map(key => {
      const scope = this.scope(key);
      scope.refs++;
      if (scope.linger) {
        clearTimeout(scope.linger);
        scope.linger = null;
      }
      return scope;
    });
    let released = false;
    const release = (): void => {
      if (released) {
        return;
      }
      released = true;
      for (const scope of scopes) {
        this.unref(scope);
      }
    };
    try {
      await Promise.all(scopes.map(s => s.ready));
    } catch (error) {
      release();
      throw error;
    }
    return { dispose: release };
  }

  /**
   * Whether every change of these scopes after a point went through the
   * hub (they were all watched since then), so a replay from there is complete.
   *
   * @param keys - scopes
   * @param after - a change id, or a time (ms since the epoch)
   * @returns true when they were watched since then
   */
  watchedSince(
    keys: readonly string[],
    after: { readonly id: number } | { readonly time: number }
  ): boolean {
    const since = (scope: IScope | undefined): boolean =>
      scope !== undefined &&
      ('id' in after
        ? scope.syncedAt <= after.id
        : scope.syncedTime <= after.time);
    // A namespace is watched by its own scope or by the one of every namespace.
    return keys.every(
      key =>
        since(this.scopes.get(key)) || since(this.scopes.get(ALL_NAMESPACES))
    );
  }

  /** Stops watching and drops every listener. */
  close(): void {
    this.closed = true;
    for (const scope of this.scopes.values()) {
      scope.watch?.dispose();
      if (scope.linger) {
        clearTimeout(scope.linger);
      }
    }
    this.scopes.clear();
    this.listeners.clear();
  }

  /**
   * The current jobs and the id they are current at. Taken together with
   * {@link subscribe} in the same tick, nothing is missed or repeated.
   *
   * @param keys - scopes (namespaces or `*`); the home scope when omitted
   * @returns jobs, oldest first, and the id of the latest change
   */
  snapshot(keys: readonly string[] = [this.home]): {
    id: number;
    jobs: IJobRecord[];
  } {
    const jobs = [...this.jobs.values()]
      .filter(job => keys.some(key => inScope(key, job.namespace)))
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
    return this.jobs.get(jobKey({ namespace, name }));
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

  /** The scope of a key, started when it is new. */
  private scope(key: string): IScope {
    let scope = this.scopes.get(key);
    if (scope) {
      return scope;
    }
    const created: IScope = {
      key,
      refs: 0,
      watch: null,
      ready: Promise.resolve(),
      pending: [],
      syncedAt: Infinity,
      syncedTime: Infinity,
      linger: null
    };
    scope = created;
    this.scopes.set(key, created);
    created.ready = this.load(created);
    // A failed first list ends the scope; the next follower tries again.
    created.ready.catch(() => {
      if (this.scopes.get(key) === created) {
        created.watch?.dispose();
        this.scopes.delete(key);
      }
    });
    return created;
  }

  /** Watches a scope, then lists it: a change between the two is buffered, not lost. */
  private async load(scope: IScope): Promise<void> {
    scope.watch = this.backend.watch(scope.key, event =>
      this.receive(scope, event)
    );
    try {
      const jobs = await this.backend.list(scope.key);
      for (const job of jobs) {
        // Jobs another scope follows already are as fresh as its watch.
        if (!this.jobs.has(jobKey(job))) {
          this.jobs.set(jobKey(job), job);
        }
      }
      for (const event of scope.pending ?? []) {
        this.apply(event);
      }
    } finally {
      scope.pending = null;
    }
    scope.syncedAt = this.seq;
    scope.syncedTime = Date.now();
  }

  private unref(scope: IScope): void {
    scope.refs--;
    if (scope.refs > 0 || this.closed || this.scopes.get(scope.key) !== scope) {
      return;
    }
    scope.linger = setTimeout(() => {
      scope.linger = null;
      if (scope.refs > 0 || this.scopes.get(scope.key) !== scope) {
        return;
      }
      scope.watch?.dispose();
      this.scopes.delete(scope.key);
      // Forget the jobs no other scope covers; no follower asks for them.
      for (const [key, job] of this.jobs) {
        if (![...this.scopes.keys()].some(k => inScope(k, job.namespace))) {
          this.jobs.delete(key);
        }
      }
    }, this.lingerMs);
    scope.linger.unref?.();
  }

  private receive(scope: IScope, event: IJobEvent): void {
    if (scope.pending) {
      scope.pending.push(event);
      return;
    }
    if (!this.apply(event)) {
      return;
    }
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

  /**
   * Applies a change in the order watches deliver them (versions are
   * opaque: the latest change wins).
   *
   * @returns false for a change the hub knows already (two scopes watching one namespace)
   */
  private apply(event: IJobEvent): boolean {
    const key = jobKey(event.job);
    const known = this.jobs.get(key);
    if (event.type === 'DELETED') {
      if (!known || known.uid !== event.job.uid) {
        return false;
      }
      this.jobs.delete(key);
      return true;
    }
    if (
      known &&
      known.uid === event.job.uid &&
      known.resourceVersion === event.job.resourceVersion
    ) {
      return false;
    }
    this.jobs.set(key, event.job);
    return true;
  }
}
