/**
 * The service on 127.0.0.1 behind a bearer token, what it refuses to start
 * as, and how it shuts down.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { BackendError } from '../backends/errors';
import { ServiceClient } from '../client';
import { createService } from '../service';
import type { IHarness } from './fixtures/service/harness';
import {
  call,
  PYTHON,
  SseReader,
  startService
} from './fixtures/service/harness';

jest.setTimeout(60_000);

const TOKEN = 'test-token-0123456789abcdef';

describe('the service on loopback with a token', () => {
  let h: IHarness;

  beforeAll(async () => {
    h = await startService({ port: 0, token: TOKEN });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('answers 401 without a token and with a wrong one', async () => {
    const port = (h.target as { port: number }).port;
    const none = await call({ port }, 'GET', '/api/jobs');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="mpijob"');
    expect(JSON.parse(none.text)).toMatchObject({
      title: 'Unauthorized',
      status: 401
    });
    const wrong = await call({ port, token: `${TOKEN}x` }, 'GET', '/api/jobs');
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain(TOKEN);
    const basic = await call({ port }, 'GET', '/api/health', {
      headers: {
        Authorization: `Basic ${Buffer.from(`a:${TOKEN}`).toString('base64')}`
      }
    });
    expect(basic.status).toBe(401);
    // Refused before routing: an unauthenticated caller learns nothing about routes.
    expect((await call({ port }, 'GET', '/api/nothing')).status).toBe(401);
    await expect(SseReader.open({ port }, '/api/events')).rejects.toThrow(
      'status 401'
    );
  });

  it('answers with the right token', async () => {
    const res = await call(h.target, 'GET', '/api/jobs');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ items: [] });
  });

  it('is reached by ServiceClient with the token, and refused without', async () => {
    const port = (h.target as { port: number }).port;
    const client = await ServiceClient.connect({
      url: `http://127.0.0.1:${port}`,
      token: TOKEN
    });
    const anonymous = new ServiceClient({ url: `http://127.0.0.1:${port}` });
    try {
      expect(client.kind).toBe('local');
      expect(await client.list()).toEqual([]);
      const error = (await anonymous
        .list()
        .catch((e: unknown) => e)) as BackendError;
      expect(error).toBeInstanceOf(BackendError);
      expect(error.reason).toBe('Unauthorized');
    } finally {
      await client.close();
      await anonymous.close();
    }
  });
});

describe('a base path', () => {
  it('serves the API below it only, to HTTP and ServiceClient', async () => {
    const h = await startService({
      port: 0,
      token: TOKEN,
      basePath: '/mpijob/'
    });
    try {
      const port = (h.target as { port: number }).port;
      expect((await call(h.target, 'GET', '/mpijob/api/health')).status).toBe(
        200
      );
      expect((await call(h.target, 'GET', '/api/health')).status).toBe(404);
      const client = await ServiceClient.connect({
        url: `http://127.0.0.1:${port}/mpijob`,
        token: TOKEN
      });
      try {
        expect(await client.list()).toEqual([]);
      } finally {
        await client.close();
      }
    } finally {
      await h.close();
    }
  });
});

describe('setups the service refuses', () => {
  it('will not listen on TCP without a token, off loopback, or with a short token', () => {
    const backend = {} as never;
    expect(() => createService({ backend, port: 0 })).toThrow(
      'needs a bearer token'
    );
    expect(() =>
      createService({
        backend,
        port: 0,
        token: TOKEN,
        host: '0.0.0.0' as '127.0.0.1'
      })
    ).toThrow('127.0.0.1 only');
    expect(() => createService({ backend, port: 0, token: 'short' })).toThrow(
      'at least 16'
    );
    expect(() => createService({ backend })).toThrow(
      'exactly one of socketPath and port'
    );
  });

  it('ServiceClient will not send a token off the machine', () => {
    expect(
      () => new ServiceClient({ url: 'http://example.com:8080', token: TOKEN })
    ).toThrow('must be http://127.0.0.1:PORT');
    expect(
      () => new ServiceClient({ url: 'https://127.0.0.1:8080', token: TOKEN })
    ).toThrow('must be http://127.0.0.1:PORT');
  });
});

describe('closing', () => {
  it('ends open streams and connections, removes its socket, and leaves no handles', async () => {
    const before = handleCounts();
    const own = await startService();
    const feed = await SseReader.open(own.target, '/api/events');
    await feed.waitFor(e => e.event === 'synced');
    const client = new ServiceClient({
      socketPath: own.socketPath,
      reconnectMs: 20
    });
    const watch = client.watch(undefined, () => undefined);
    await client.health();
    const started = Date.now();
    await own.service.close();
    await feed.ended;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(existsSync(own.socketPath)).toBe(false);
    watch.dispose();
    await client.close();
    await own.close();
    // Handles close asynchronously; a leaked one (a heartbeat, a socket) stays.
    const leaks = (): string[] => {
      const after = handleCounts();
      return KINDS.filter(kind => (after[kind] ?? 0) > (before[kind] ?? 0));
    };
    const deadline = Date.now() + 2000;
    while (leaks().length && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    expect(leaks()).toEqual([]);
  });

  it('replaces a stale socket file, but not a live service or another file', async () => {
    const own = await startService();
    try {
      const live = createService({
        backend: own.backend,
        socketPath: own.socketPath
      });
      await expect(live.listen()).rejects.toThrow(
        'another MPI job service is listening'
      );
      await live.close();

      // A socket bound by a process that is gone: what a crashed service leaves.
      const stale = join(own.dir, 'stale.sock');
      execFileSync(PYTHON, [
        '-c',
        'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
        stale
      ]);
      const replacing = createService({
        backend: own.backend,
        socketPath: stale
      });
      await replacing.listen();
      expect(
        (await call({ socketPath: stale }, 'GET', '/api/health')).status
      ).toBe(200);
      await replacing.close();

      const file = join(own.dir, 'file.sock');
      writeFileSync(file, 'not a socket');
      const refusing = createService({
        backend: own.backend,
        socketPath: file
      });
      await expect(refusing.listen()).rejects.toThrow(
        'it exists and is not a socket'
      );
      await refusing.close();
    } finally {
      await own.close();
    }
  });

  it('reports an unreachable service as ServiceUnavailable naming the socket', async () => {
    const socketPath = join(__dirname, 'nobody.sock');
    const client = new ServiceClient({ socketPath });
    try {
      const error = (await client
        .list()
        .catch((e: unknown) => e)) as BackendError;
      expect(error).toBeInstanceOf(BackendError);
      expect(error.reason).toBe('ServiceUnavailable');
      expect(error.message).toBe(
        `cannot reach the MPI job service at ${socketPath}: no such socket (is the service running?)`
      );
    } finally {
      await client.close();
    }
  });
});

const KINDS = [
  'PipeServerWrap',
  'PipeWrap',
  'TCPServerWrap',
  'TCPSocketWrap',
  'Timeout'
];

function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}
