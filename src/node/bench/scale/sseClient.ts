/**
 * One follower of the service's change feed (`/api/events`), as a
 * JupyterLab tab follows it: reconnects with `Last-Event-ID`, and checks
 * that the ids it gets go up by one (nothing lost, nothing repeated) and
 * what each job looks like to it.
 */
import { performance } from 'node:perf_hooks';

import { EventStreamParser } from '../../../core/eventStream';
import type { IJobEvent } from '../../../core/jobRecord';
import { mpiJobVersion } from '../../../core/scaleResults';
import { SSE_EVENTS } from '../../../core/serviceEvents';
import type { ServiceClient } from '../../client';

/** A job as one client knows it. */
export interface IClientJob {
  readonly uid: string;
  readonly phase: string;
  /** The MPIJob resourceVersion its record was built from. */
  readonly mpiJobVersion: string;
}

/** Called for each change with an id: job name, MPIJob version, when (performance.now()). */
export type ChangeListener = (
  name: string,
  mpiJobVersion: string,
  at: number
) => void;

/** A follower of `/api/events` of one namespace. */
export class SseFollower {
  /** Jobs by name, as this client sees them. */
  readonly jobs = new Map<string, IClientJob>();
  /** Status events with an id. */
  events = 0;
  /** Connections opened. */
  connections = 0;
  /** Resyncs the service sent. */
  resyncs = 0;
  /** Ids that repeated or went back. */
  duplicates = 0;
  /** Ids skipped. */
  gaps = 0;
  #last: number | null = null;
  #relist: Map<string, IClientJob> | null = null;
  #controller: AbortController | null = null;
  #stopped = false;
  #connected: Promise<void>;
  #markConnected: () => void = () => undefined;
  #loop: Promise<void> = Promise.resolve();

  /**
   * @param client - a client of the service (one per follower: its own connection)
   * @param namespace - the namespace followed
   * @param onChange - told of every change it receives
   */
  constructor(
    private readonly client: ServiceClient,
    private readonly namespace: string,
    private readonly onChange: ChangeListener
  ) {
    this.#connected = new Promise(resolve => (this.#markConnected = resolve));
  }

  /**
   * Connects (and keeps reconnecting until stopped).
   *
   * @returns when the first list is in
   */
  start(): Promise<void> {
    this.#loop = this.#run();
    return this.#connected;
  }

  /** Disconnects. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#controller?.abort();
    await this.#loop;
  }

  /**
   * Cuts the connection; the follower reconnects with Last-Event-ID.
   */
  reconnect(): void {
    this.#controller?.abort();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const controller = new AbortController();
      this.#controller = controller;
      try {
        await this.#follow(controller.signal);
      } catch {
        // Connection lost (a restarting service): try again shortly.
      }
      if (!this.#stopped) {
        await new Promise(resolve => setTimeout(resolve, 200));
      }
    }
  }

  async #follow(signal: AbortSignal): Promise<void> {
    const query = new URLSearchParams({ namespace: this.namespace });
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (this.#last !== null) {
      headers['Last-Event-ID'] = String(this.#last);
    }
    const res = await this.client.open('GET', `/events?${query}`, {
      headers,
      signal,
      idleTimeoutMs: 60_000
    });
    this.connections++;
    // A fresh client gets a list of every job (no ids), then `synced`.
    if (this.#last === null) {
      this.#relist = new Map();
    }
    const parser = new EventStreamParser(
      this.#last === null ? '' : String(this.#last)
    );
    res.setEncoding('utf8');
    for await (const chunk of res) {
      const at = performance.now();
      for (const event of parser.push(chunk as string)) {
        this.#onEvent(
          event.event,
          event.data,
          event.hasId,
          event.lastEventId,
          at
        );
      }
    }
  }

  #onEvent(
    name: string,
    data: string,
    hasId: boolean,
    id: string,
    at: number
  ): void {
    if (name === SSE_EVENTS.resync) {
      this.resyncs++;
      this.#relist = new Map();
      return;
    }
    if (name === SSE_EVENTS.synced) {
      if (this.#relist) {
        this.jobs.clear();
        for (const [key, job] of this.#relist) {
          this.jobs.set(key, job);
        }
        this.#relist = null;
        this.#last = Number(id);
        this.#markConnected();
      } else if (this.#last !== null && Number(id) !== this.#last) {
        // A resume ends at the id of the last change it replayed.
        this.#check(Number(id));
      }
      return;
    }
    if (name !== SSE_EVENTS.status) {
      return;
    }
    const change = JSON.parse(data) as IJobEvent;
    const job = change.job;
    const known: IClientJob = {
      uid: job.uid,
      phase: job.status.phase,
      mpiJobVersion: mpiJobVersion(job.resourceVersion)
    };
    if (!hasId) {
      this.#relist?.set(job.name, known);
      return;
    }
    this.#check(Number(id));
    this.events++;
    if (change.type === 'DELETED') {
      this.jobs.delete(job.name);
    } else {
      this.jobs.set(job.name, known);
    }
    this.onChange(job.name, known.mpiJobVersion, at);
  }

  #check(id: number): void {
    if (this.#last !== null) {
      if (id <= this.#last) {
        this.duplicates++;
        return;
      }
      this.gaps += id - this.#last - 1;
    }
    this.#last = id;
  }
}
