/**
 * The service's Server-Sent Events over a real unix socket and the real
 * local backend: the change feed and one job's stream, and resuming both
 * with Last-Event-ID without gaps or duplicates.
 */
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';

import type { IJobEvent, IJobRecord } from '../../core/jobRecord';
import { buildJob } from '../../core/job';
import { parseLaunchSpec } from '../../core/spec';
import { ServiceClient } from '../client';
import { createService } from '../service';
import type { IServerSentEvent } from '../../core/eventStream';
import type { IHarness } from './fixtures/service/harness';
import {
  call,
  jobEvent,
  notebook,
  ranksSpec,
  reached,
  SseReader,
  startService
} from './fixtures/service/harness';

jest.setTimeout(60_000);

let h: IHarness;

beforeAll(async () => {
  h = await startService();
});

afterAll(async () => {
  await h?.close();
});

const synced = (e: IServerSentEvent): boolean => e.event === 'synced';
const changes = (events: IServerSentEvent[]): IServerSentEvent[] =>
  events.filter(e => e.event === 'status' && e.hasId);
const wire = (events: IServerSentEvent[]): [number, string][] =>
  events.map(e => [Number(e.lastEventId), e.data]);

async function submitCommand(name: string, target = h.target): Promise<void> {
  const res = await call(target, 'POST', '/api/jobs', {
    body: { spec: { name, workers: 1, command: ['true'] } }
  });
  expect(res.status).toBe(201);
}

describe('the change feed /api/events', () => {
  it('starts with every job as ADDED, then synced with the id to resume after', async () => {
    await submitCommand('first');
    const feed = await SseReader.open(h.target, '/api/events');
    try {
      const marker = await feed.waitFor(synced);
      const before = feed.events.slice(0, feed.events.indexOf(marker));
      expect(before.every(e => e.event === 'status' && !e.hasId)).toBe(true);
      expect(before.map(e => jobEvent(e).type)).toEqual(
        before.map(() => 'ADDED')
      );
      expect(before.map(e => jobEvent(e).job.name)).toContain('first');
      expect(JSON.parse(marker.data)).toEqual({
        resumed: false,
        jobs: before.length
      });
      expect(marker.hasId).toBe(true);
    } finally {
      feed.close();
    }
  });

  it('resumes after Last-Event-ID with every later change exactly once', async () => {
    const truth = await SseReader.open(h.target, '/api/events');
    const first = await SseReader.open(h.target, '/api/events');
    try {
      await truth.waitFor(synced);
      await first.waitFor(synced);
      const created = await call(h.target, 'POST', '/api/jobs', {
        body: { spec: ranksSpec('resumed'), notebook: notebook('ranks.ipynb') }
      });
      expect(created.status).toBe(201);
      // Read a little, then drop the connection mid-job.
      await first.waitFor(e => e.event === 'status' && e.hasId);
      first.close();
      const lastId = first.events.filter(e => e.hasId).pop()?.lastEventId ?? '';
      await submitCommand('during-gap');
      await truth.waitFor(reached('resumed', 'Succeeded'));
      await truth.waitFor(reached('during-gap', 'Succeeded'));

      const second = await SseReader.open(h.target, '/api/events', {
        'Last-Event-ID': lastId
      });
      try {
        const marker = await second.waitFor(synced);
        const replayed = second.events.slice(0, second.events.indexOf(marker));
        expect(replayed.every(e => e.event === 'status' && e.hasId)).toBe(true);
        expect(JSON.parse(marker.data)).toEqual({
          resumed: true,
          events: replayed.length
        });
        const upTo = Number(marker.lastEventId);
        await truth.waitFor(e => e.hasId && Number(e.lastEventId) >= upTo);
        const expected = changes(truth.events).filter(
          e => Number(e.lastEventId) <= upTo
        );
        // Before the drop plus the replay is exactly what the uninterrupted stream saw.
        expect([...wire(changes(first.events)), ...wire(replayed)]).toEqual(
          wire(expected)
        );
        expect(replayed.length).toBeGreaterThan(0);
        expect(replayed.map(e => jobEvent(e).job.name)).toContain('during-gap');
      } finally {
        second.close();
      }
    } finally {
      truth.close();
      first.close();
    }
  });

  it('resyncs when Last-Event-ID is older than the replay buffer or not its own', async () => {
    const socketPath = join(h.dir, 'tiny-replay.sock');
    const tiny = createService({
      backend: h.backend,
      socketPath,
      replayEvents: 2
    });
    await tiny.listen();
    const target = { socketPath };
    try {
      const feed = await SseReader.open(target, '/api/events');
      const start = (await feed.waitFor(synced)).lastEventId;
      await submitCommand('overflow', target);
      await feed.waitFor(reached('overflow', 'Succeeded'));
      feed.close();
      expect(changes(feed.events).length).toBeGreaterThan(2);

      for (const id of [start, 'not-a-number']) {
        const again = await SseReader.open(target, '/api/events', {
          'Last-Event-ID': id
        });
        try {
          const marker = await again.waitFor(synced);
          const [resync, ...listed] = again.events.slice(
            0,
            again.events.indexOf(marker)
          );
          expect(resync.event).toBe('resync');
          const jobs = (await call(target, 'GET', '/api/jobs')).json<{
            items: IJobRecord[];
          }>().items;
          expect(listed.map(e => jobEvent(e).job.name).sort()).toEqual(
            jobs.map(j => j.name).sort()
          );
          expect(
            listed.every(e => !e.hasId && jobEvent(e).type === 'ADDED')
          ).toBe(true);
          expect(JSON.parse(marker.data)).toMatchObject({ resumed: false });
        } finally {
          again.close();
        }
      }
    } finally {
      await tiny.close();
    }
  });

  it('starts at a time with ?since=, or resyncs when the service did not see that far back', async () => {
    const now = Date.now();
    await submitCommand('since-then');
    const fromNow = await SseReader.open(h.target, `/api/events?since=${now}`);
    try {
      await fromNow.waitFor(reached('since-then', 'Succeeded'));
      const first = fromNow.events[0];
      expect(first.hasId).toBe(true);
      expect(jobEvent(first)).toMatchObject({
        type: 'ADDED',
        job: { name: 'since-then' }
      });
    } finally {
      fromNow.close();
    }
    const fromEpoch = await SseReader.open(h.target, '/api/events?since=0');
    try {
      await fromEpoch.waitFor(synced);
      expect(fromEpoch.events[0].event).toBe('resync');
    } finally {
      fromEpoch.close();
    }
  });

  it('only sends the namespace asked for, and heartbeats', async () => {
    const feed = await SseReader.open(
      h.target,
      '/api/events?namespace=elsewhere'
    );
    try {
      await feed.waitFor(synced);
      await submitCommand('not-elsewhere');
      const res = await call(
        h.target,
        'POST',
        '/api/jobs?namespace=elsewhere',
        {
          body: { spec: { name: 'there', workers: 1, command: ['true'] } }
        }
      );
      expect(res.status).toBe(201);
      await feed.waitFor(reached('there', 'Succeeded'));
      const names = new Set(
        feed.events
          .filter(e => e.event === 'status')
          .map(e => jobEvent(e).job.name)
      );
      expect(names).toEqual(new Set(['there']));
    } finally {
      feed.close();
    }
    const raw = await rawStream('/api/events', 700);
    expect(raw.text).toMatch(/^: ping$/m);
    expect(raw.headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no'
    });
  });

  it('ServiceClient.watch delivers changes from when it was called and recovers across a service restart', async () => {
    const socketPath = join(h.dir, 'restart.sock');
    let service = createService({
      backend: h.backend,
      socketPath,
      heartbeatMs: 250
    });
    await service.listen();
    const client = new ServiceClient({
      socketPath,
      reconnectMs: 20,
      maxReconnectMs: 100
    });
    const seen: IJobEvent[] = [];
    const waitSeen = (test: (e: IJobEvent) => boolean): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `not seen; got ${JSON.stringify(seen.map(s => [s.type, s.job.name, s.job.status.phase]))}`
              )
            ),
          30_000
        );
        const check = setInterval(() => {
          if (seen.some(test)) {
            clearInterval(check);
            clearTimeout(timer);
            resolve();
          }
        }, 20);
      });
    const watch = client.watch('default', event => seen.push(event));
    try {
      // The packaged program travels with the spec.
      const job = buildJob(
        parseLaunchSpec(ranksSpec('watched')),
        notebook('ranks.ipynb')
      );
      const record = await client.submit({ kind: 'launch', job });
      expect(record.notebook).toEqual({ path: 'ranks.ipynb', cells: [2, 3] });
      await waitSeen(
        e => e.job.name === 'watched' && e.job.status.phase === 'Succeeded'
      );
      expect(seen[0]).toMatchObject({
        type: 'ADDED',
        job: { name: 'watched' }
      });
      // Jobs that existed before the watch do not show up as changes.
      expect(seen.every(e => e.job.name === 'watched')).toBe(true);

      await service.close();
      await h.backend.delete('default', 'watched');
      service = createService({
        backend: h.backend,
        socketPath,
        heartbeatMs: 250
      });
      await service.listen();
      // The new service cannot replay the old one's ids: the client resyncs and reports the difference.
      await waitSeen(e => e.type === 'DELETED' && e.job.name === 'watched');
      await client.submitLaunch({
        name: 'after-restart',
        workers: 1,
        command: ['true']
      });
      await waitSeen(e => e.type === 'ADDED' && e.job.name === 'after-restart');
    } finally {
      watch.dispose();
      await client.close();
      await service.close();
    }
  });
});

describe('one job /api/jobs/{namespace}/{name}/stream', () => {
  it('sends status and log lines, then end; a resume with Last-Event-ID sends the rest exactly once', async () => {
    const client = new ServiceClient({ socketPath: h.socketPath });
    try {
      await client.submitLaunch(
        ranksSpec('streamed'),
        JSON.stringify(notebook('ranks.ipynb'))
      );
    } finally {
      await client.close();
    }
    const path = '/api/jobs/default/streamed/stream';
    const first = await SseReader.open(h.target, path);
    const opening = await first.waitFor(e => e.event === 'status');
    expect(jobEvent(opening)).toMatchObject({
      type: 'ADDED',
      job: { name: 'streamed' }
    });
    const firstLine = await first.waitFor(e => e.event === 'log');
    first.close();
    const lastId = first.events.filter(e => e.hasId).pop()?.lastEventId ?? '';
    expect(Number(lastId)).toBeGreaterThanOrEqual(
      Number(firstLine.lastEventId)
    );

    const rest = await SseReader.open(h.target, path, {
      'Last-Event-ID': lastId
    });
    const end = await rest.waitFor(e => e.event === 'end');
    await rest.ended;
    expect((JSON.parse(end.data) as IJobRecord).status.phase).toBe('Succeeded');
    const statuses = rest.events
      .filter(e => e.event === 'status')
      .map(e => jobEvent(e).job.status.phase);
    expect(statuses[statuses.length - 1]).toBe('Succeeded');

    // The whole stream, read after the end, is the reference.
    const whole = await SseReader.open(h.target, path);
    await whole.waitFor(e => e.event === 'end');
    await whole.ended;
    const logs = (events: IServerSentEvent[]): [number, string][] =>
      wire(events.filter(e => e.event === 'log'));
    const all = logs(whole.events);
    expect(all.map(([id]) => id)).toEqual(all.map((_, i) => i + 1));
    expect([...logs(first.events), ...logs(rest.events)]).toEqual(all);
    const says = all
      .map(([, data]) => JSON.parse(data) as { rank: number; text: string })
      .filter(l => l.text.includes('says'));
    expect(says.filter(l => l.rank === 0)).toHaveLength(3);
    expect(says.filter(l => l.rank === 1)).toHaveLength(3);
    expect(end.lastEventId).toBe(String(all.length));
  });

  it('refuses a Last-Event-ID that is not a line number', async () => {
    const res = await call(
      h.target,
      'GET',
      '/api/jobs/default/streamed/stream',
      {
        headers: { 'Last-Event-ID': 'abc' }
      }
    );
    expect(res.status).toBe(400);
  });
});

/** Reads a stream's headers and raw text for a while. */
function rawStream(
  path: string,
  ms: number
): Promise<{ headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    let headers: IncomingHttpHeaders = {};
    const req = request(
      { socketPath: h.socketPath, path, agent: false },
      res => {
        headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
      }
    );
    req.once('error', error => {
      if (!text) {
        reject(error);
      }
    });
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve({ headers, text });
    }, ms);
  });
}
