/**
 * The SSE reader and writer against the WHATWG spec ("Interpreting an event
 * stream"): its worked examples, line ends, id persistence, and properties
 * over random streams cut into random pieces.
 */
import fc from 'fast-check';

import type { IServerSentEvent } from '../eventStream';
import { EventStreamParser, formatEvent } from '../eventStream';

/** Feeds the pieces in order to one parser and collects every event. */
function parse(
  pieces: readonly string[],
  lastEventId = ''
): IServerSentEvent[] {
  const parser = new EventStreamParser(lastEventId);
  return pieces.flatMap(piece => parser.push(piece));
}

/** Cuts a text at the given offsets (taken modulo its length, sorted). */
function cut(text: string, offsets: readonly number[]): string[] {
  const at = [
    ...new Set(offsets.map(o => (text.length ? o % (text.length + 1) : 0)))
  ].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const to of at) {
    pieces.push(text.slice(from, to));
    from = to;
  }
  pieces.push(text.slice(from));
  return pieces;
}

const message = (
  data: string,
  lastEventId = '',
  hasId = false
): IServerSentEvent => ({ event: 'message', data, lastEventId, hasId });

describe('the spec examples', () => {
  it('joins data lines with LF', () => {
    expect(parse(['data: YHOO\ndata: +2\ndata: 10\n\n'])).toEqual([
      message('YHOO\n+2\n10')
    ]);
  });

  it('ignores comments, names events and keeps the id', () => {
    const stream =
      ': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n';
    expect(parse([stream])).toEqual([
      message('first event', '1', true),
      message('second event', '', true),
      message(' third event', '', false)
    ]);
  });

  it('dispatches an empty data field and drops the incomplete last event', () => {
    expect(parse(['data\n\ndata\ndata\n\ndata:'])).toEqual([
      message(''),
      message('\n')
    ]);
  });

  it('strips exactly one space after the colon', () => {
    expect(parse(['data:test\n\ndata: test\n\n'])).toEqual([
      message('test'),
      message('test')
    ]);
  });
});

describe('line ends', () => {
  it('ends a line at a lone CR, CRLF or LF', () => {
    expect(parse(['event: a\rdata: 1\r\rdata: 2\r\n\r\ndata: 3\n\n'])).toEqual([
      { ...message('1'), event: 'a' },
      message('2'),
      message('3')
    ]);
  });

  it('dispatches on a CR that ends a piece, and reads a following LF as the rest of CRLF', () => {
    const parser = new EventStreamParser();
    expect(parser.push('data: a\r\r')).toEqual([message('a')]);
    expect(parser.push('\n')).toEqual([]);
    expect(parser.push('data: b\r')).toEqual([]);
    expect(parser.push('\n\n')).toEqual([message('b')]);
  });

  it('ignores one leading byte order mark, only at the start', () => {
    expect(parse(['\uFEFFdata: a\n\n\uFEFFdata: b\n\n'])).toEqual([
      message('a')
    ]);
    expect(parse(['', '\uFEFF', 'data: a\n\n'])).toEqual([message('a')]);
  });
});

describe('event ids', () => {
  it('keeps the last id across events until the stream changes it', () => {
    const parser = new EventStreamParser();
    const events = parser.push(
      'id: 7\ndata: a\n\ndata: b\n\nid: 8\nevent: x\ndata: c\n\ndata: d\n\n'
    );
    expect(events.map(e => [e.lastEventId, e.hasId])).toEqual([
      ['7', true],
      ['7', false],
      ['8', true],
      ['8', false]
    ]);
    expect(parser.lastEventId).toBe('8');
  });

  it('starts from the id a reconnect resumes after', () => {
    expect(parse(['data: a\n\n'], '41')).toEqual([message('a', '41')]);
  });

  it('counts an id only once its event is dispatched, even without data', () => {
    const parser = new EventStreamParser('1');
    parser.push('id: 2\ndata: cut off here');
    expect(parser.lastEventId).toBe('1');
    const other = new EventStreamParser('1');
    expect(other.push('id: 3\n\n')).toEqual([]);
    expect(other.lastEventId).toBe('3');
  });

  it('ignores an id that holds NUL', () => {
    expect(parse(['id: 5\n\nid: a\0b\ndata: x\n\n'])).toEqual([
      message('x', '5', false)
    ]);
  });

  it('reads retry only when it is all digits', () => {
    const parser = new EventStreamParser();
    parser.push('retry: 1500\n\nretry: 2s\n\n');
    expect(parser.retry).toBe(1500);
  });
});

/** Stream text made of the pieces that matter to the parser. */
const streamText = fc
  .array(
    fc.constantFrom(
      'data',
      'id',
      'event',
      'retry',
      ':',
      ' ',
      'x',
      '7',
      'é',
      '\0',
      '\r',
      '\n',
      '\r\n',
      '\uFEFF'
    ),
    { maxLength: 60 }
  )
  .map(parts => parts.join(''));

const offsets = fc.array(fc.nat(), { maxLength: 8 });

describe('properties', () => {
  it('yields the same events however the stream is cut', () => {
    fc.assert(
      fc.property(streamText, offsets, fc.string(), (text, at, id) => {
        const resume = id.replace(/[\r\n\0]/g, '');
        expect(parse(cut(text, at), resume)).toEqual(parse([text], resume));
      })
    );
  });

  it('yields the same events whichever line end each line has', () => {
    const line = fc
      .array(fc.constantFrom('data', 'id', 'event', ':', ' ', 'x', '1'), {
        maxLength: 6
      })
      .map(parts => parts.join(''));
    const ending = fc.constantFrom('\n', '\r', '\r\n');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(line, ending), { maxLength: 30 }),
        offsets,
        (lines, at) => {
          let text = '';
          let previous = '';
          for (const [content, end] of lines) {
            // After a CR, an empty line ended by LF would read as CRLF.
            const safe =
              previous === '\r' && content === '' && end === '\n' ? '\r' : end;
            text += content + safe;
            previous = safe;
          }
          const plain = lines.map(([content]) => `${content}\n`).join('');
          expect(parse(cut(text, at))).toEqual(parse([plain]));
        }
      )
    );
  });

  it('reads back what it writes, ids persisting', () => {
    const name = fc
      .string()
      .map(s => s.replace(/[\r\n]/g, ''))
      .filter(s => s !== '');
    const event = fc.record(
      {
        event: name,
        data: fc.string(),
        id: fc.string().map(s => s.replace(/[\r\n\0]/g, ''))
      },
      { requiredKeys: ['event', 'data'] }
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 10 }), offsets, (sent, at) => {
        const text = sent.map(e => formatEvent(e)).join('');
        let lastId = '';
        const expected = sent.map(e => {
          lastId = e.id ?? lastId;
          return {
            event: e.event,
            data: e.data.replace(/\r\n|\r/g, '\n'),
            lastEventId: lastId,
            hasId: e.id !== undefined
          };
        });
        expect(parse(cut(text, at))).toEqual(expected);
      })
    );
  });

  it('refuses to frame a type or id that would change the stream', () => {
    expect(() => formatEvent({ event: 'a\nb', data: '' })).toThrow();
    expect(() => formatEvent({ event: 'a', data: '', id: '1\r' })).toThrow();
  });
});
