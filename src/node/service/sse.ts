/**
 * Server-Sent Events on one response: framing, heartbeats, and a bound on
 * what a slow client may leave unread.
 */
import type { ServerResponse } from 'node:http';

import { formatEvent, SSE_MEDIA_TYPE } from '../../core/eventStream';

/** Options of an {@link SseStream}. */
export interface ISseOptions {
  /** Interval of `: ping` comments, which keep proxies from timing the stream out. */
  readonly heartbeatMs: number;
  /**
   * Unsent bytes allowed before the stream is cut. Events are pushed, not
   * pulled, so a client that stops reading would otherwise grow memory
   * without bound; cut off, it reconnects with `Last-Event-ID` and loses nothing.
   */
  readonly maxBufferedBytes?: number;
}

/** One event. */
export interface ISseEvent {
  /** Event name (`status`, `log`, …). */
  readonly event: string;
  /** Id a reconnect resumes after; absent for events that are not resumable. */
  readonly id?: number;
  /** Serialized as one line of JSON. */
  readonly data: unknown;
  /**
   * The same data object goes to many clients (a job change): its JSON is
   * made once and kept as long as the object lives.
   */
  readonly shared?: boolean;
}

const DEFAULT_MAX_BUFFERED = 8 * 1024 * 1024;

// One job change goes to every client that follows it: its JSON is made
// once (a 100-worker job's record is tens of kilobytes). See ISseEvent.shared.
const serialized = new WeakMap<object, string>();

function json(data: unknown): string {
  if (data === null || typeof data !== 'object') {
    return JSON.stringify(data);
  }
  let text = serialized.get(data);
  if (text === undefined) {
    text = JSON.stringify(data);
    serialized.set(data, text);
  }
  return text;
}

/** An open event stream. */
export class SseStream {
  private readonly res: ServerResponse;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxBuffered: number;
  private readonly closeHandlers: (() => void)[] = [];
  private ended = false;

  /**
   * Writes the headers and starts the heartbeat.
   *
   * @param res - the response to stream on
   * @param options - heartbeat and buffer limit
   */
  constructor(res: ServerResponse, options: ISseOptions) {
    this.res = res;
    this.maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    res.writeHead(200, {
      'Content-Type': `${SSE_MEDIA_TYPE}; charset=utf-8`,
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
      Connection: 'keep-alive'
    });
    // A first comment puts the headers on the wire, so clients know the stream is open.
    res.write(': connected\n\n');
    this.heartbeat = setInterval(
      () => this.comment('ping'),
      options.heartbeatMs
    );
    res.once('close', () => this.finish());
  }

  /** True once the stream ended or the client left. */
  get closed(): boolean {
    return this.ended;
  }

  /**
   * Registers a clean-up step run once when the stream ends for any reason.
   *
   * @param handler - the step
   */
  onClose(handler: () => void): void {
    if (this.ended) {
      handler();
    } else {
      this.closeHandlers.push(handler);
    }
  }

  /**
   * Sends an event.
   *
   * @param event - name, id and data
   * @returns false when the stream is closed or the client is too far behind (then it is closed)
   */
  send(event: ISseEvent): boolean {
    return this.write(
      formatEvent({
        event: event.event,
        data: event.shared ? json(event.data) : JSON.stringify(event.data),
        ...(event.id === undefined ? {} : { id: String(event.id) })
      })
    );
  }

  /**
   * Waits until the client has read what was written (for pull-based senders).
   *
   * @returns when the socket drained or the stream closed
   */
  drained(): Promise<void> {
    if (this.ended || !this.res.writableNeedDrain) {
      return Promise.resolve();
    }
    return new Promise(resolve => {
      const done = (): void => {
        this.res.removeListener('drain', done);
        this.res.removeListener('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }

  /** Ends the stream. */
  close(): void {
    if (!this.ended) {
      this.res.end();
      this.finish();
    }
  }

  private comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  private write(chunk: string): boolean {
    if (this.ended) {
      return false;
    }
    this.res.write(chunk);
    if (this.res.writableLength > this.maxBuffered) {
      this.res.destroy();
      this.finish();
      return false;
    }
    return true;
  }

  private finish(): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    clearInterval(this.heartbeat);
    for (const handler of this.closeHandlers.splice(0)) {
      handler();
    }
  }
}
