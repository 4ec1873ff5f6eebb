/**
 * Follows one job live through the service's per-job event stream (status,
 * output lines, end), read with fetch and resumed by Last-Event-ID after a
 * cut; when the stream cannot be opened, polls the logs endpoint instead.
 */
import { ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { IJobEvent, IJobRecord, ILogLine } from '../../../core/jobRecord';
import type { IJobKey } from '../../commands';
import { isFinal } from '../../phase';
import { serviceUrl } from '../../request';
import type { IStreamEvent } from './eventStream';
import { readEventStream } from './eventStream';
import type { LogStore } from './LogStore';
import { errorMessage } from '../../../core/errors';

/** How the follower gets the output. */
export type FollowState =
  'connecting' | 'live' | 'polling' | 'ended' | 'failed';

/** Poll interval of the fallback. */
const POLL_MS = 2000;

/** Wait before reconnecting a stream that broke off. */
const RECONNECT_MS = 1000;

/** Failed connections in a row before falling back to polling. */
const MAX_FAILURES = 3;

/** What a follower needs. */
export interface ILogFollowerOptions {
  /** The job. */
  readonly key: IJobKey;
  /** Where lines go. */
  readonly store: LogStore;
  /** Called with every status of the job (the final one included). */
  readonly onStatus: (job: IJobRecord, deleted: boolean) => void;
  /** Server settings; the default connection when omitted. */
  readonly settings?: ServerConnection.ISettings;
}

/** Follows one job's status and output. */
export class LogFollower implements IDisposable {
  readonly #options: ILogFollowerOptions;
  readonly #settings: ServerConnection.ISettings;
  readonly #stateChanged = new Signal<this, FollowState>(this);
  #state: FollowState = 'connecting';
  #abort: AbortController | null = null;
  #lastId = '';
  #failures = 0;
  #timer = 0;
  #final = false;
  #error = '';
  #disposed = false;

  /**
   * @param options - job, store and status callback
   */
  constructor(options: ILogFollowerOptions) {
    this.#options = options;
    this.#settings = options.settings ?? ServerConnection.makeSettings();
  }

  /** How the output arrives. */
  get state(): FollowState {
    return this.#state;
  }

  /** Why following failed, when it did. */
  get error(): string {
    return this.#error;
  }

  /** Emits when {@link state} changes. */
  get stateChanged(): ISignal<this, FollowState> {
    return this.#stateChanged;
  }

  /** Whether the follower is disposed. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Opens the stream; falls back to polling when it cannot be opened. */
  start(): void {
    void this.#connect();
  }

  /** Closes the stream and stops polling. */
  dispose(): void {
    if (this.#disposed) {
      return;
    }
    this.#disposed = true;
    this.#close();
    window.clearTimeout(this.#timer);
    Signal.clearData(this);
  }

  #path(tail: string): string {
    const { namespace, name } = this.#options.key;
    return `jobs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${tail}`;
  }

  #status(job: IJobRecord, deleted: boolean): void {
    this.#final = isFinal(job.status.phase) || deleted;
    this.#options.onStatus(job, deleted);
  }

  #close(): void {
    this.#abort?.abort();
    this.#abort = null;
  }

  /** Follows the stream; reconnects (resuming after the last line) while the job runs. */
  async #connect(): Promise<void> {
    while (!this.#done()) {
      const abort = new AbortController();
      this.#abort = abort;
      let response: Response;
      try {
        response = await ServerConnection.makeRequest(
          serviceUrl(this.#path('stream'), this.#settings),
          {
            headers: {
              Accept: 'text/event-stream',
              ...(this.#lastId ? { 'Last-Event-ID': this.#lastId } : {})
            },
            signal: abort.signal
          },
          this.#settings
        );
      } catch {
        response = new Response(null, { status: 599 });
      }
      if (this.#disposed) {
        return;
      }
      if (!response.ok || !response.body) {
        if (++this.#failures >= MAX_FAILURES || response.status === 404) {
          this.#poll();
          return;
        }
      } else {
        this.#failures = 0;
        this.#setState('live');
        try {
          await readEventStream(response.body, events => this.#handle(events));
        } catch {
          // Cut off (or aborted): reconnect below unless done.
        }
      }
      if (this.#done()) {
        return;
      }
      this.#setState('connecting');
      await new Promise(resolve => window.setTimeout(resolve, RECONNECT_MS));
    }
  }

  /** Whether following is over (or handed to the poll). */
  #done(): boolean {
    return (
      this.#disposed || this.#state === 'ended' || this.#state === 'polling'
    );
  }

  #handle(events: IStreamEvent[]): void {
    const lines: ILogLine[] = [];
    const flush = (): void => {
      if (lines.length) {
        this.#options.store.appendAll(lines.splice(0));
      }
    };
    for (const { event, data, id } of events) {
      if (id !== null) {
        this.#lastId = id;
      }
      if (event === 'log') {
        lines.push(JSON.parse(data) as ILogLine);
      } else if (event === 'status') {
        flush();
        const change = JSON.parse(data) as IJobEvent;
        this.#status(change.job, change.type === 'DELETED');
      } else if (event === 'end') {
        flush();
        this.#status(JSON.parse(data) as IJobRecord, false);
        this.#setState('ended');
        this.#close();
      } else if (event === 'error') {
        flush();
        this.#error = (JSON.parse(data) as { detail?: string }).detail ?? '';
      }
    }
    flush();
  }

  #setState(state: FollowState): void {
    if (!this.#disposed && this.#state !== state) {
      this.#state = state;
      this.#stateChanged.emit(state);
    }
  }

  /** The fallback: fetch the whole output as NDJSON, keep what is new. */
  #poll(): void {
    if (this.#disposed) {
      return;
    }
    this.#setState('polling');
    const wasFinal = this.#final;
    this.#fetchLines()
      .then(lines => {
        const store = this.#options.store;
        if (lines.length > store.count) {
          store.appendAll(lines.slice(store.count));
        }
        return this.#fetchStatus();
      })
      .then(() => {
        if (wasFinal) {
          this.#setState('ended');
        } else {
          this.#timer = window.setTimeout(() => this.#poll(), POLL_MS);
        }
      })
      .catch((error: unknown) => {
        this.#error = errorMessage(error);
        this.#setState('failed');
      });
  }

  async #fetchLines(): Promise<ILogLine[]> {
    const response = await ServerConnection.makeRequest(
      serviceUrl(this.#path('logs'), this.#settings),
      { headers: { Accept: 'application/x-ndjson' } },
      this.#settings
    );
    if (!response.ok) {
      throw new ServerConnection.ResponseError(response);
    }
    const lines: ILogLine[] = [];
    for (const row of (await response.text()).split('\n')) {
      if (row) {
        const value = JSON.parse(row) as
          ILogLine | { error: { detail: string } };
        if ('error' in value) {
          throw new Error(value.error.detail);
        }
        lines.push(value);
      }
    }
    return lines;
  }

  async #fetchStatus(): Promise<void> {
    const response = await ServerConnection.makeRequest(
      serviceUrl(this.#path('').replace(/\/$/, ''), this.#settings),
      {},
      this.#settings
    );
    if (response.status === 404) {
      this.#final = true;
      return;
    }
    if (response.ok) {
      this.#status((await response.json()) as IJobRecord, false);
    }
  }
}
