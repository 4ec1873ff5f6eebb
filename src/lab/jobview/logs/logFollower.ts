/**
 * Follows one job live through the service's per-job event stream (status,
 * output lines, end), read with fetch and resumed by Last-Event-ID after a
 * cut; when the stream cannot be opened, polls the logs endpoint instead.
 */
import { ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { IServerSentEvent } from '../../../core/eventStream';
import type { IJobKey } from '../../../core/jobKey';
import { jobApiPath } from '../../../core/jobKey';
import type { IJobEvent, IJobRecord, ILogLine } from '../../../core/jobRecord';
import { decodeProblem } from '../../../core/problem';
import { SSE_EVENTS } from '../../../core/serviceEvents';
import { EventStreamSource } from '../../eventStream';
import { isFinal } from '../../phase';
import { fetchAPI, MpiJobResponseError, requestAPI } from '../../request';
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
  readonly #stream: EventStreamSource;
  #abort: AbortController | null = null;
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
    this.#stream = new EventStreamSource(
      jobApiPath(options.key, 'stream'),
      this.#settings
    );
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
      let opened = false;
      let refused: MpiJobResponseError | null = null;
      try {
        await this.#stream.read(
          {
            onOpen: () => {
              opened = true;
              this.#failures = 0;
              this.#setState('live');
            },
            onEvents: events => this.#handle(events)
          },
          abort.signal
        );
      } catch (error) {
        // Refused, unreachable, or cut off (or aborted): decided below.
        refused = error instanceof MpiJobResponseError ? error : null;
      }
      if (this.#disposed) {
        return;
      }
      if (
        !opened &&
        (++this.#failures >= MAX_FAILURES || refused?.response.status === 404)
      ) {
        this.#poll();
        return;
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

  #handle(events: IServerSentEvent[]): void {
    const lines: ILogLine[] = [];
    const flush = (): void => {
      if (lines.length) {
        this.#options.store.appendAll(lines.splice(0));
      }
    };
    for (const { event, data } of events) {
      if (event === SSE_EVENTS.log) {
        lines.push(JSON.parse(data) as ILogLine);
      } else if (event === SSE_EVENTS.status) {
        flush();
        const change = JSON.parse(data) as IJobEvent;
        this.#status(change.job, change.type === 'DELETED');
      } else if (event === SSE_EVENTS.end) {
        flush();
        this.#status(JSON.parse(data) as IJobRecord, false);
        this.#setState('ended');
        this.#close();
      } else if (event === SSE_EVENTS.error) {
        flush();
        this.#error = decodeProblem(JSON.parse(data), 500)?.detail ?? '';
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
    const response = await fetchAPI(
      jobApiPath(this.#options.key, 'logs'),
      { headers: { Accept: 'application/x-ndjson' } },
      this.#settings
    );
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
    let job: IJobRecord;
    try {
      job = await requestAPI<IJobRecord>(
        jobApiPath(this.#options.key),
        {},
        this.#settings
      );
    } catch (error) {
      if (
        error instanceof MpiJobResponseError &&
        error.response.status === 404
      ) {
        this.#final = true;
        return;
      }
      if (error instanceof MpiJobResponseError) {
        return;
      }
      throw error;
    }
    this.#status(job, false);
  }
}
