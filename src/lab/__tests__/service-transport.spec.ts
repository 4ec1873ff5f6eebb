/**
 * The frontend's one path to the service, over a fake `fetch` that records
 * what the browser would send: the token travels in a header (never the
 * URL), refused requests and streams keep their problem+json, and an event
 * stream resumes after the last id it saw, however the bytes were cut.
 */
import { ServerConnection } from '@jupyterlab/services';

import { EventStreamSource } from '../eventStream';
import { fetchAPI, MpiJobResponseError, requestAPI } from '../request';

/** An answer of the fake server: status, headers, body pieces. */
interface IAnswer {
  readonly status?: number;
  readonly type?: string;
  readonly pieces: readonly string[];
}

/** A fake server that answers in turn and keeps every request. */
function fakeServer(answers: IAnswer[]): {
  settings: ServerConnection.ISettings;
  requests: Request[];
} {
  const requests: Request[] = [];
  const fetch = async (input: RequestInfo | URL): Promise<Response> => {
    const request = input as Request;
    requests.push(request);
    const answer = answers.shift();
    if (!answer) {
      throw new TypeError('Failed to fetch');
    }
    const bytes = answer.pieces.map(p => new TextEncoder().encode(p));
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = bytes.shift();
        if (next) {
          controller.enqueue(next);
        } else {
          controller.close();
        }
      }
    });
    return new Response(body, {
      status: answer.status ?? 200,
      headers: { 'Content-Type': answer.type ?? 'application/json' }
    });
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://lab.test/user/me/',
    wsUrl: 'ws://lab.test/user/me/',
    token: 'secret-token',
    fetch,
    Request,
    Headers
  });
  return { settings, requests };
}

const problem = {
  type: 'urn:jupyterlab-mpijob:problem:NotFound',
  title: 'NotFound',
  status: 404,
  detail: 'mpijobs.kubeflow.org "pi" not found',
  instance: '/api/jobs/default/pi/stream',
  message: 'mpijobs.kubeflow.org "pi" not found'
};

describe('requests to the service', () => {
  it('send the token in a header, never in the URL', async () => {
    const { settings, requests } = fakeServer([{ pieces: ['{"items":[]}'] }]);
    await expect(requestAPI('jobs?namespace=a', {}, settings)).resolves.toEqual(
      { items: [] }
    );
    const [request] = requests;
    expect(request.url).toMatch(
      /^http:\/\/lab\.test\/user\/me\/mpijob\/api\/jobs\?namespace=a/
    );
    expect(request.url).not.toContain('secret-token');
    expect(request.headers.get('Authorization')).toBe('token secret-token');
  });

  it('keep the problem+json of a refused request', async () => {
    const { settings } = fakeServer([
      {
        status: 404,
        type: 'application/problem+json',
        pieces: [JSON.stringify(problem)]
      }
    ]);
    const error = await fetchAPI('jobs/default/pi', {}, settings).catch(
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(MpiJobResponseError);
    expect((error as MpiJobResponseError).message).toBe(problem.detail);
    expect((error as MpiJobResponseError).problem).toEqual({
      title: 'NotFound',
      status: 404,
      detail: problem.detail
    });
  });

  it('name the status when a proxy answered instead', async () => {
    const { settings } = fakeServer([
      { status: 502, type: 'text/html', pieces: ['<h1>Bad Gateway</h1>'] }
    ]);
    const error = (await requestAPI('jobs', {}, settings).catch(
      (e: unknown) => e
    )) as MpiJobResponseError;
    expect(error.problem).toBeNull();
    expect(error.response.status).toBe(502);
  });
});

describe('event streams', () => {
  const stream = (pieces: string[]): IAnswer => ({
    type: 'text/event-stream',
    pieces
  });

  it('read events cut anywhere and resume after the last id', async () => {
    const { settings, requests } = fakeServer([
      stream([
        ': connected\r\n\r\n',
        'id: 4\revent: log\rdata: {"text":"a"}\r',
        '\r',
        '\nevent: log\ndata: {"text":"b"}\n\nid: 5\nevent: st',
        'atus\ndata: {}\n\nid: 6\ndata: cut off'
      ]),
      stream(['event: end\ndata: {}\n\n'])
    ]);
    const source = new EventStreamSource('jobs/default/pi/stream', settings);
    const seen: [string, string, string][] = [];
    let opened = 0;
    const handlers = {
      onOpen: () => void opened++,
      onEvents: (
        events: { event: string; lastEventId: string; data: string }[]
      ) => events.forEach(e => seen.push([e.event, e.lastEventId, e.data]))
    };
    await source.read(handlers);
    expect(seen).toEqual([
      ['log', '4', '{"text":"a"}'],
      ['log', '4', '{"text":"b"}'],
      ['status', '5', '{}']
    ]);
    // The incomplete event's id does not count.
    expect(source.lastEventId).toBe('5');
    await source.read(handlers);
    expect(seen[3]).toEqual(['end', '5', '{}']);
    expect(opened).toBe(2);
    expect(requests.map(r => r.headers.get('Last-Event-ID'))).toEqual([
      null,
      '5'
    ]);
    expect(requests[0].headers.get('Accept')).toBe('text/event-stream');
    expect(requests.every(r => !r.url.includes('secret-token'))).toBe(true);
  });

  it('fail with the problem+json of a refused stream, unopened', async () => {
    const { settings } = fakeServer([
      {
        status: 404,
        type: 'application/problem+json',
        pieces: [JSON.stringify(problem)]
      }
    ]);
    const source = new EventStreamSource('jobs/default/pi/stream', settings);
    const onOpen = jest.fn();
    const error = await source
      .read({ onOpen, onEvents: () => undefined })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MpiJobResponseError);
    expect((error as MpiJobResponseError).problem?.detail).toBe(problem.detail);
    expect(onOpen).not.toHaveBeenCalled();
  });

  it('wait as long as the stream asks before reconnecting', async () => {
    const { settings } = fakeServer([stream(['retry: 1500\n\n'])]);
    const source = new EventStreamSource('events', settings);
    expect(source.retryMs(3000)).toBe(3000);
    await source.read({ onEvents: () => undefined });
    expect(source.retryMs(3000)).toBe(1500);
  });
});
