/**
 * List-then-watch of one kind in one namespace (or all), kept in memory:
 * the watch resumes from the last resourceVersion it saw (bookmarks keep it
 * fresh), a 410 Gone re-lists and reports the difference, and a dropped
 * connection reconnects after an exponential backoff with full jitter. One
 * of these serves every job of a namespace: nothing polls per job.
 */
import { Watch } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';

import { backoffDelay } from './backoff';

/** The object fields a watch needs. */
export interface IWatchedObject {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
  } | null;
}

/** A change seen by the watch. */
export type WatchChange<T> = {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: T;
};

/** A list call's answer. */
export interface IListResult<T> {
  readonly items: T[];
  readonly metadata?: { resourceVersion?: string };
}

/** What a watch needs to know. */
export interface IResourceWatchOptions<T> {
  /** Client configuration. */
  readonly config: KubeConfig;
  /** Watch path, e.g. `/api/v1/namespaces/team-a/pods`. */
  readonly path: string;
  /** Label selector. */
  readonly labelSelector?: string;
  /** Lists the same collection (used at start and after 410 Gone). */
  readonly list: () => Promise<IListResult<T>>;
  /** Called for every change, in order. */
  readonly onChange: (change: WatchChange<T>) => void;
  /** Called after every (re)list, when the cache is complete. */
  readonly onSynced?: () => void;
  /** Called when a connection fails (before the backoff). */
  readonly onError?: (error: unknown) => void;
  /** First backoff delay, ms. */
  readonly initialBackoffMs?: number;
  /** Largest backoff delay, ms. */
  readonly maxBackoffMs?: number;
  /** Server-side timeout of one watch request, s (the server closes it; we resume). */
  readonly timeoutSeconds?: number;
  /**
   * Files each object under a group (its job, its namespace…) that
   * {@link ResourceWatch.itemsIn} answers without going through them all.
   */
  readonly groupBy?: (object: T) => string | undefined;
  /**
   * Keeps of each object only what is read of it: applied to every object
   * as it arrives, before it is kept or reported.
   */
  readonly slim?: (object: T) => T;
}

/** A kept-up-to-date collection. */
export class ResourceWatch<T extends IWatchedObject> {
  private readonly objects = new Map<string, T>();
  private readonly groups = new Map<string, Map<string, T>>();
  private readonly options: IResourceWatchOptions<T>;
  private resourceVersion = '';
  private abort: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = false;
  private syncedOnce: Promise<void>;
  private resolveSynced: () => void = () => undefined;
  private rejectSynced: (error: unknown) => void = () => undefined;
  /** Number of lists done (1 + re-lists after 410 Gone). */
  lists = 0;
  /** Number of watch connections opened. */
  connections = 0;

  constructor(options: IResourceWatchOptions<T>) {
    this.options = options;
    this.syncedOnce = new Promise((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    // A first list that fails is reported by synced(); later ones only retry.
    this.syncedOnce.catch(() => undefined);
  }

  /** Starts listing and watching. */
  start(): this {
    void this.relist();
    return this;
  }

  /**
   * Resolves once the first list is in; rejects when it failed.
   *
   * @returns a promise of the first sync
   */
  synced(): Promise<void> {
    return this.syncedOnce;
  }

  /** The objects now known. */
  items(): T[] {
    return [...this.objects.values()];
  }

  /**
   * The objects now known in one group (see the `groupBy` option).
   *
   * @param group - the group
   * @returns its objects, none when there is no `groupBy`
   */
  itemsIn(group: string): T[] {
    const members = this.groups.get(group);
    return members ? [...members.values()] : [];
  }

  /** Number of objects now known. */
  get size(): number {
    return this.objects.size;
  }

  private put(key: string, object: T): void {
    const old = this.objects.get(key);
    this.objects.set(key, object);
    const groupBy = this.options.groupBy;
    if (groupBy) {
      const was = old === undefined ? undefined : groupBy(old);
      const now = groupBy(object);
      if (was !== undefined && was !== now) {
        this.leave(was, key);
      }
      if (now !== undefined) {
        let members = this.groups.get(now);
        if (!members) {
          members = new Map();
          this.groups.set(now, members);
        }
        members.set(key, object);
      }
    }
  }

  private remove(key: string): void {
    const old = this.objects.get(key);
    this.objects.delete(key);
    const group = old === undefined ? undefined : this.options.groupBy?.(old);
    if (group !== undefined) {
      this.leave(group, key);
    }
  }

  private leave(group: string, key: string): void {
    const members = this.groups.get(group);
    members?.delete(key);
    if (members?.size === 0) {
      this.groups.delete(group);
    }
  }

  private slimmed(object: T): T {
    const kept = slim(object);
    return this.options.slim ? this.options.slim(kept) : kept;
  }

  /** Stops watching; no callbacks afterwards. */
  stop(): void {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.abort?.abort();
    this.abort = null;
  }

  private async relist(): Promise<void> {
    if (this.stopped) {
      return;
    }
    let listed: IListResult<T>;
    try {
      listed = await this.options.list();
    } catch (error) {
      if (this.lists === 0) {
        this.rejectSynced(error);
      }
      this.retry(error, () => this.relist());
      return;
    }
    if (this.stopped) {
      return;
    }
    this.lists++;
    const fresh = new Map<string, T>();
    for (const item of listed.items) {
      fresh.set(keyOf(item), this.slimmed(item));
    }
    // Report what changed while we were not watching, as a watch would have.
    for (const [key, old] of this.objects) {
      if (!fresh.has(key)) {
        this.remove(key);
        this.options.onChange({ type: 'DELETED', object: old });
      }
    }
    for (const [key, item] of fresh) {
      const old = this.objects.get(key);
      this.put(key, item);
      if (!old) {
        this.options.onChange({ type: 'ADDED', object: item });
      } else if (
        old.metadata?.resourceVersion !== item.metadata?.resourceVersion
      ) {
        this.options.onChange({ type: 'MODIFIED', object: item });
      }
    }
    this.resourceVersion = listed.metadata?.resourceVersion ?? '';
    this.resolveSynced();
    this.options.onSynced?.();
    await this.watch();
  }

  private async watch(): Promise<void> {
    if (this.stopped) {
      return;
    }
    let gone = false;
    let ended = false;
    const finish = (error: unknown): void => {
      if (ended || this.stopped) {
        return;
      }
      ended = true;
      this.abort = null;
      if (gone || isGone(error)) {
        this.resourceVersion = '';
        void this.relist();
      } else if (error && !isAbort(error)) {
        this.retry(error, () => this.watch());
      } else {
        // The server closed the watch (timeoutSeconds): resume at once.
        void this.watch();
      }
    };
    try {
      this.connections++;
      this.abort = await new Watch(this.options.config).watch(
        this.options.path,
        {
          resourceVersion: this.resourceVersion || undefined,
          allowWatchBookmarks: true,
          labelSelector: this.options.labelSelector,
          timeoutSeconds: this.options.timeoutSeconds ?? 300
        },
        (type: string, object: T) => {
          if (this.stopped) {
            return;
          }
          this.failures = 0;
          if (type === 'ERROR') {
            // A Status object: 410 means our version is too old.
            if ((object as { code?: number }).code === 410) {
              gone = true;
            }
            return;
          }
          const version = object?.metadata?.resourceVersion;
          if (version) {
            this.resourceVersion = version;
          }
          if (type === 'BOOKMARK') {
            return;
          }
          const kept = this.slimmed(object);
          const key = keyOf(kept);
          if (type === 'DELETED') {
            this.remove(key);
            this.options.onChange({ type, object: kept });
          } else if (type === 'ADDED' || type === 'MODIFIED') {
            const known = this.objects.has(key);
            this.put(key, kept);
            this.options.onChange({
              type: known ? 'MODIFIED' : 'ADDED',
              object: kept
            });
          }
        },
        finish
      );
    } catch (error) {
      finish(error);
    }
  }

  private retry(error: unknown, again: () => Promise<void>): void {
    if (this.stopped) {
      return;
    }
    this.options.onError?.(error);
    this.failures++;
    const delay = backoffDelay(
      this.failures,
      this.options.initialBackoffMs ?? 250,
      this.options.maxBackoffMs ?? 15_000
    );
    this.timer = setTimeout(() => {
      this.timer = null;
      void again();
    }, delay);
    this.timer.unref?.();
  }
}

/**
 * Drops what nothing here reads and is half of a pod's size: server-side
 * apply's field ownership. A namespace of 5,000 pods held in memory is
 * ~100 MB of JSON with it.
 */
function slim<T extends IWatchedObject>(object: T): T {
  const meta = object?.metadata as { managedFields?: unknown } | undefined;
  if (meta && 'managedFields' in meta) {
    delete meta.managedFields;
  }
  return object;
}

function keyOf(object: IWatchedObject): string {
  const meta = object?.metadata ?? {};
  return meta.uid ?? `${meta.namespace ?? ''}/${meta.name ?? ''}`;
}

function isGone(error: unknown): boolean {
  const e = error as { code?: unknown; statusCode?: unknown } | null;
  return e?.code === 410 || e?.statusCode === 410;
}

function isAbort(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'AbortError';
}
