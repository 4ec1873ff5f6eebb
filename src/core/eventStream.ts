/**
 * The Server-Sent Events wire format (WHATWG HTML, "Server-sent events",
 * §9.2.6 "Interpreting an event stream"), both ways: the service writes
 * events with {@link formatEvent}; the CLI client, the tests and the
 * frontend read them with {@link EventStreamParser}. Text only: the caller
 * decodes bytes (UTF-8) and owns the connection.
 */

/** Media type of an event stream. */
export const SSE_MEDIA_TYPE = 'text/event-stream';

/** One dispatched event. */
export interface IServerSentEvent {
  /** The event type; `message` when the stream named none. */
  readonly event: string;
  /** The data lines, joined with newlines. */
  readonly data: string;
  /** The last event id as of this event: ids persist until the stream changes them. */
  readonly lastEventId: string;
  /** Whether this event itself carried an `id` field (the service leaves it off events a resume cannot start after). */
  readonly hasId: boolean;
}

/** Ends a line: CRLF, a lone LF or a lone CR, as the spec allows. */
const LINE_END = /\r\n|\r|\n/g;

/** Incremental parser: feed text split anywhere, take out the events it completes. */
export class EventStreamParser {
  #partial = '';
  #started = false;
  #afterCR = false;
  #event = '';
  #data: string[] = [];
  #idBuffer: string;
  #sawId = false;
  #lastEventId: string;
  #retry: number | null = null;

  /**
   * @param lastEventId - the id to start from (that of the stream a reconnect resumes)
   */
  constructor(lastEventId = '') {
    this.#idBuffer = lastEventId;
    this.#lastEventId = lastEventId;
  }

  /**
   * The last event id as of the last dispatch: what a reconnect sends as
   * `Last-Event-ID`. An id in an event not yet complete does not count.
   */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** The reconnection time the stream asked for (`retry`), in ms; null when it did not. */
  get retry(): number | null {
    return this.#retry;
  }

  /**
   * Consumes a piece of the stream.
   *
   * @param text - decoded text, split anywhere (inside a CRLF too)
   * @returns the events this piece completed, in order
   */
  push(text: string): IServerSentEvent[] {
    const events: IServerSentEvent[] = [];
    if (!text) {
      return events;
    }
    let from = 0;
    if (!this.#started) {
      this.#started = true;
      // One leading byte order mark is not part of the stream.
      from = text.startsWith('\uFEFF') ? 1 : 0;
    }
    // A CR that ended the last piece already ended its line; an LF right
    // after it is the second half of that CRLF, not an empty line.
    if (this.#afterCR && text.startsWith('\n', from)) {
      from += 1;
    }
    LINE_END.lastIndex = from;
    for (let end = LINE_END.exec(text); end; end = LINE_END.exec(text)) {
      this.#line(this.#partial + text.slice(from, end.index), events);
      this.#partial = '';
      from = LINE_END.lastIndex;
    }
    this.#partial += text.slice(from);
    this.#afterCR = text.endsWith('\r');
    return events;
  }

  #line(line: string, events: IServerSentEvent[]): void {
    if (line === '') {
      this.#dispatch(events);
      return;
    }
    if (line.startsWith(':')) {
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.#idBuffer = value;
          this.#sawId = true;
        }
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) {
          this.#retry = Number(value);
        }
        break;
      default:
        break;
    }
  }

  #dispatch(events: IServerSentEvent[]): void {
    // The id counts even for an event without data; the buffer is kept.
    this.#lastEventId = this.#idBuffer;
    const hasId = this.#sawId;
    const event = this.#event || 'message';
    const data = this.#data;
    this.#event = '';
    this.#data = [];
    this.#sawId = false;
    if (data.length) {
      events.push({
        event,
        data: data.join('\n'),
        lastEventId: this.#lastEventId,
        hasId
      });
    }
  }
}

/** An event to write. */
export interface IEventToSend {
  /** The event type. */
  readonly event: string;
  /** The data; line ends in it become separate `data` lines. */
  readonly data: string;
  /** The id a reconnect resumes after; absent for events a resume cannot start after. */
  readonly id?: string;
}

/**
 * Frames one event for the wire.
 *
 * @param event - type, data and optional id
 * @returns the event's lines, ending with the blank line that dispatches it
 * @throws {Error} when the type or id holds a line end (or the id a NUL), which would change the stream
 */
export function formatEvent(event: IEventToSend): string {
  const { id } = event;
  if (/[\r\n]/.test(event.event) || (id !== undefined && /[\r\n\0]/.test(id))) {
    throw new Error(
      `event type or id cannot be framed: ${JSON.stringify(event)}`
    );
  }
  const data = event.data
    .split(/\r\n|\r|\n/)
    .map(line => `data: ${line}\n`)
    .join('');
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event.event}\n${data}\n`;
}
