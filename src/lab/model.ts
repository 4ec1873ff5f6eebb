/**
 * The jobs model of the frontend: the jobs of the namespaces shown (the
 * service's current namespace unless the user chose others, or every one
 * they may see), kept live by the service's Server-Sent Events; a
 * backing-off poll only while the stream is down.
 */
import { ServerConnection } from '@jupyterlab/services';
import { Poll } from '@lumino/polling';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { IServerSentEvent } from '../core/eventStream';
import { jobApiPath, jobKey } from '../core/jobKey';
import type {
  IJobEvent,
  IJobRecord,
  INamespaceList,
  IPreflightReport
} from '../core/jobRecord';
import { SSE_EVENTS } from '../core/serviceEvents';
import type { ILaunchSpec } from '../core/spec';
import { EventStreamSource } from './eventStream';
import { MpiJobResponseError, requestAPI } from './request';
import type { ConnectionState, IJobsModel, NamespaceScope } from './tokens';

/** Failed checks before the model reports the service missing. */
const CHECKS_BEFORE_UNAVAILABLE = 3;

/** Wait before reconnecting a stream that broke off, unless it says otherwise (`retry`). */
const RECONNECT_MS = 3000;

/** Wait before trying the stream again after the service refused it. */
const RETRY_REFUSED_MS = 15000;

/**
 * The query parameters of a scope.
 *
 * @param scope - the scope
 * @returns `namespace=a&namespace=b`, `allNamespaces=true`, or '' for the current namespace
 */
export function scopeQuery(scope: NamespaceScope): string {
  if (scope === null) {
    return '';
  }
  const query = new URLSearchParams();
  if (scope.all) {
    query.set('allNamespaces', 'true');
  } else {
    scope.namespaces.forEach(ns => query.append('namespace', ns));
  }
  return query.toString();
}

/** The jobs of the namespaces shown, live. */
export class JobsModel implements IJobsModel {
  readonly #settings: ServerConnection.ISettings;
  readonly #jobs = new Map<string, IJobRecord>();
  readonly #jobsChanged = new Signal<this, readonly IJobRecord[]>(this);
  readonly #jobChanged = new Signal<this, IJobEvent>(this);
  readonly #stateChanged = new Signal<this, ConnectionState>(this);
  readonly #scopeChanged = new Signal<this, NamespaceScope>(this);
  readonly #poll: Poll;
  #scope: NamespaceScope = null;
  #namespaces: Promise<INamespaceList> | null = null;
  #current: string | null = null;
  #namespacesAt = 0;
  #stream: AbortController | null = null;
  #started = false;
  #state: ConnectionState = 'connecting';
  #failures = 0;
  #disposed = false;

  /**
   * @param settings - server settings; the default connection when omitted
   */
  constructor(
    settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {
    this.#settings = settings;
    this.#poll = new Poll({
      factory: () => this.refresh(),
      frequency: { interval: 5000, backoff: true, max: 60000 },
      standby: 'when-hidden',
      auto: false
    });
  }

  /** Jobs, oldest first. */
  get jobs(): readonly IJobRecord[] {
    return [...this.#jobs.values()].sort((a, b) =>
      a.createdAt.localeCompare(b.createdAt)
    );
  }

  /** Emits the whole list whenever any job changes. */
  get jobsChanged(): ISignal<this, readonly IJobRecord[]> {
    return this.#jobsChanged;
  }

  /** Emits each change of one job. */
  get jobChanged(): ISignal<this, IJobEvent> {
    return this.#jobChanged;
  }

  /** How the model is connected. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Emits when {@link state} changes. */
  get stateChanged(): ISignal<this, ConnectionState> {
    return this.#stateChanged;
  }

  /** Whether the model is disposed. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** The namespaces shown; null for the service's current one. */
  get scope(): NamespaceScope {
    return this.#scope;
  }

  /** Emits when {@link scope} changes. */
  get scopeChanged(): ISignal<this, NamespaceScope> {
    return this.#scopeChanged;
  }

  /**
   * Shows other namespaces: the list follows them from now on.
   *
   * @param scope - namespaces, every one, or null for the current one
   */
  setScope(scope: NamespaceScope): void {
    if (JSON.stringify(scope) === JSON.stringify(this.#scope)) {
      return;
    }
    this.#scope = scope;
    this.#jobs.clear();
    this.#jobsChanged.emit(this.jobs);
    this.#scopeChanged.emit(scope);
    if (this.#started && !this.#disposed) {
      this.#stream?.abort();
      this.#stream = null;
      this.#connect();
    }
  }

  /**
   * Whether the list shows a namespace.
   *
   * @param namespace - a namespace
   * @param current - the service's current namespace, when known
   * @returns true when its jobs are listed
   */
  shows(namespace: string, current?: string): boolean {
    const scope = this.#scope;
    if (scope === null) {
      return current === undefined || namespace === current;
    }
    return scope.all || scope.namespaces.includes(namespace);
  }

  /**
   * The namespaces the user may create and follow jobs in, and the current
   * one (asked again after a while: rights change).
   *
   * @param fresh - ask the cluster again (the user looks at the list)
   * @returns the service's answer
   */
  namespaces(fresh = false): Promise<INamespaceList> {
    if (
      fresh ||
      !this.#namespaces ||
      Date.now() - this.#namespacesAt > 60_000
    ) {
      const asked = requestAPI<INamespaceList>(
        fresh ? 'namespaces?fresh=true' : 'namespaces',
        {},
        this.#settings
      );
      this.#namespaces = asked;
      this.#namespacesAt = Date.now();
      asked.then(
        list => (this.#current = list.current),
        () => undefined
      );
      asked.catch(() => {
        if (this.#namespaces === asked) {
          this.#namespaces = null;
        }
      });
    }
    return this.#namespaces;
  }

  /**
   * The names of the jobs of one namespace, shown or not (to pick a free name).
   *
   * @param namespace - the namespace
   * @returns the names in use there
   */
  async namesIn(namespace: string): Promise<Set<string>> {
    const body = await requestAPI<{ items: IJobRecord[] }>(
      `jobs?${scopeQuery({ all: false, namespaces: [namespace] })}`,
      {},
      this.#settings
    );
    return new Set(body.items.map(job => job.name));
  }

  /**
   * One job by namespace and name.
   *
   * @returns the job, or undefined
   */
  find(namespace: string, name: string): IJobRecord | undefined {
    return this.#jobs.get(jobKey({ namespace, name }));
  }

  /** Connects to the event stream (and lists the jobs). */
  start(): void {
    this.#started = true;
    this.#connect();
  }

  /** Lists the jobs again. */
  async refresh(): Promise<void> {
    try {
      const query = scopeQuery(this.#scope);
      const body = await requestAPI<{ items: IJobRecord[] }>(
        query ? `jobs?${query}` : 'jobs',
        {},
        this.#settings
      );
      this.#replaceAll(body.items);
      this.#failures = 0;
      if (this.#state === 'unavailable') {
        this.#setState(this.#stream ? 'connecting' : 'polling');
      }
    } catch (error) {
      this.#failures += 1;
      if (this.#failures >= CHECKS_BEFORE_UNAVAILABLE) {
        this.#setState('unavailable');
      }
      throw error;
    }
  }

  /**
   * Submits a launch spec with the notebook it runs.
   *
   * @param spec - the launch spec (validated again by the service)
   * @param notebook - the notebook's nbformat JSON
   * @param dryRun - only validate and package
   * @returns the job record
   * @throws {MpiJobResponseError} naming the field or cell at fault
   */
  async submit(
    spec: Partial<ILaunchSpec>,
    notebook: unknown,
    dryRun = false
  ): Promise<IJobRecord> {
    const record = await requestAPI<IJobRecord>(
      `jobs?dryRun=${dryRun}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ spec, notebook })
      },
      this.#settings
    );
    if (!dryRun) {
      const scope = this.#scope;
      const current =
        this.#current ??
        (await this.namespaces().then(
          list => list.current,
          () => undefined
        ));
      if (
        (current !== undefined || scope !== null) &&
        !this.shows(record.namespace, current)
      ) {
        // Launched into a namespace not shown: show it, the job with it.
        this.setScope({
          all: false,
          namespaces: [
            ...(scope === null
              ? [current as string]
              : scope.all
                ? []
                : scope.namespaces),
            record.namespace
          ]
        });
      }
      // The stream may have brought it (and newer states) already.
      if (!this.#jobs.has(jobKey(record))) {
        this.#apply({ type: 'ADDED', job: record });
      }
    }
    return record;
  }

  /**
   * Stops and removes a job.
   *
   * @returns the job as it was
   */
  async delete(namespace: string, name: string): Promise<IJobRecord> {
    const record = await requestAPI<IJobRecord>(
      jobApiPath({ namespace, name }),
      { method: 'DELETE' },
      this.#settings
    );
    this.#apply({ type: 'DELETED', job: record });
    return record;
  }

  /**
   * Runs the backend's preflight checks.
   *
   * @param spec - the launch about to be submitted; checks that it can run
   * @param notebook - the notebook it runs, whose code is checked as well
   * @returns the checks
   */
  preflight(spec?: ILaunchSpec, notebook?: unknown): Promise<IPreflightReport> {
    return requestAPI<IPreflightReport>(
      'preflight',
      spec
        ? {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(
              notebook !== undefined && notebook !== null
                ? { spec, notebook }
                : spec
            )
          }
        : {},
      this.#settings
    );
  }

  /** Closes the stream and stops polling. */
  dispose(): void {
    if (this.#disposed) {
      return;
    }
    this.#disposed = true;
    this.#stream?.abort();
    this.#stream = null;
    this.#poll.dispose();
    Signal.clearData(this);
  }

  #connect(): void {
    const abort = new AbortController();
    this.#stream = abort;
    void this.#follow(abort.signal);
  }

  /**
   * Follows the change feed as `EventSource` would (reconnecting with
   * `Last-Event-ID` after a cut, polling meanwhile), but through the
   * service's one request path: the token goes in a header, not the URL.
   */
  async #follow(signal: AbortSignal): Promise<void> {
    const query = scopeQuery(this.#scope);
    const stream = new EventStreamSource(
      query ? `events?${query}` : 'events',
      this.#settings
    );
    while (!signal.aborted) {
      try {
        await stream.read(
          {
            onOpen: () => {
              this.#failures = 0;
              this.#poll.stop().catch(() => undefined);
              this.#setState('live');
            },
            onEvents: events => events.forEach(e => this.#onEvent(e))
          },
          signal
        );
      } catch (error) {
        if (!signal.aborted && error instanceof MpiJobResponseError) {
          // Refused (as EventSource fails on an HTTP error): poll, try later.
          this.#stream = null;
          this.#fallBackToPolling();
          return;
        }
      }
      if (signal.aborted) {
        return;
      }
      if (this.#state === 'live') {
        this.#setState('connecting');
        this.#poll.start().catch(() => undefined);
      }
      await new Promise(resolve =>
        setTimeout(resolve, stream.retryMs(RECONNECT_MS))
      );
    }
  }

  #onEvent(event: IServerSentEvent): void {
    if (event.event === SSE_EVENTS.status) {
      this.#apply(JSON.parse(event.data) as IJobEvent);
    } else if (event.event === SSE_EVENTS.resync) {
      this.refresh().catch(() => undefined);
    }
  }

  #fallBackToPolling(): void {
    this.#setState('polling');
    this.#poll.start().catch(() => undefined);
    // Try the stream again later; a service that restarted streams again.
    setTimeout(() => {
      if (!this.#disposed && !this.#stream) {
        this.#connect();
      }
    }, RETRY_REFUSED_MS);
  }

  #replaceAll(jobs: readonly IJobRecord[]): void {
    this.#jobs.clear();
    for (const job of jobs) {
      this.#jobs.set(jobKey(job), job);
    }
    this.#jobsChanged.emit(this.jobs);
  }

  #apply(event: IJobEvent): void {
    const id = jobKey(event.job);
    const known = this.#jobs.get(id);
    if (event.type === 'DELETED') {
      if (!known) {
        return;
      }
      this.#jobs.delete(id);
    } else {
      // The stream delivers changes in order; versions are opaque, so only
      // an exact repeat is dropped.
      if (
        known &&
        known.uid === event.job.uid &&
        known.resourceVersion === event.job.resourceVersion
      ) {
        return;
      }
      this.#jobs.set(id, event.job);
    }
    this.#jobChanged.emit(event);
    this.#jobsChanged.emit(this.jobs);
  }

  #setState(state: ConnectionState): void {
    if (this.#state !== state) {
      this.#state = state;
      this.#stateChanged.emit(state);
    }
  }
}
