/**
 * Reads Server-Sent Events the way browsers do (the WHATWG event stream
 * format), for {@link ServiceClient} and the tests.
 */

/** One dispatched event. */
export interface IParsedEvent {
  /** Event name; `message` when the stream gave none. */
  readonly event: string;
  /** The data lines, joined with newlines. */
  readonly data: string;
  /** The last event id as of this event (ids persist until changed). */
  readonly lastEventId: string;
  /** Whether this event itself carried an `id:` field. */
  readonly hasId: boolean;
}

/** Incremental parser: feed text, receive events. */
export class EventStreamParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private sawId = false;
  private lastId: string;

  /**
   * @param onEvent - called for every dispatched event
   * @param lastEventId - the id to start from (a resumed stream's)
   */
  constructor(
    private readonly onEvent: (event: IParsedEvent) => void,
    lastEventId = ''
  ) {
    this.lastId = lastEventId;
  }

  /** The last event id seen. */
  get lastEventId(): string {
    return this.lastId;
  }

  /**
   * Consumes a chunk of the stream.
   *
   * @param text - decoded text, split anywhere
   */
  push(text: string): void {
    this.buffer += text;
    // A lone CR at the end may be the first half of CRLF: wait for more.
    const lines = this.buffer.split(/\r\n|\r(?!$)|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) {
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
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
        this.event = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.lastId = value;
          this.sawId = true;
        }
        break;
      default:
        // `retry` and unknown fields do not matter here.
        break;
    }
  }

  private dispatch(): void {
    const hasId = this.sawId;
    const event = this.event || 'message';
    const data = this.data;
    this.event = '';
    this.data = [];
    this.sawId = false;
    if (data.length === 0) {
      return;
    }
    this.onEvent({
      event,
      data: data.join('\n'),
      lastEventId: this.lastId,
      hasId
    });
  }
}
