/**
 * The job service's REST API over a real unix socket, with the real local
 * backend running mpirun: submitting, following, logs, and every way a
 * request can be refused.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type {
  IJobRecord,
  ILogLine,
  IPreflightReport
} from '../../core/jobRecord';
import type { IMpiJobBackend } from '../backends/backend';
import { BackendError } from '../backends/errors';
import { ServiceClient } from '../client';
import { createService } from '../service';
import type { IJobService } from '../service';
import type { IHarness } from './fixtures/service/harness';
import {
  call,
  notebook,
  PYTHON,
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

describe('the service on a unix socket', () => {
  it('creates the socket with mode 0600', () => {
    const stat = statSync(h.socketPath);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);
  });

  it('answers health with the backend kind and what it watches', async () => {
    const res = await call(h.target, 'GET', '/api/health');
    expect(res.status).toBe(200);
    // The local backend's jobs are all in this process: one watch of every namespace.
    expect(res.json()).toEqual({ ok: true, backend: 'local', watching: ['*'] });
  });

  it('answers the namespaces jobs may use, and lists jobs of several namespaces', async () => {
    const res = await call(h.target, 'GET', '/api/namespaces');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      backend: 'local',
      current: 'default',
      clusterWide: true,
      namespaces: expect.arrayContaining([
        { name: 'default', canCreate: true, canWatch: true }
      ])
    });
    const both = await call(
      h.target,
      'GET',
      '/api/jobs?namespace=default&namespace=team-a'
    );
    expect(both.status).toBe(200);
    const all = await call(h.target, 'GET', '/api/jobs?allNamespaces=true');
    expect(all.status).toBe(200);
    const bad = await call(h.target, 'GET', '/api/jobs?namespace=Team_A');
    expect(bad.status).toBe(400);
    const mixed = await call(
      h.target,
      'GET',
      '/api/jobs?namespace=default&allNamespaces=true'
    );
    expect(mixed.status).toBe(400);
    expect(mixed.json()).toMatchObject({
      detail: 'give namespace or allNamespaces=true, not both'
    });
  });

  it('runs a notebook job posted to /api/jobs to Succeeded, followed over SSE', async () => {
    const feed = await SseReader.open(
      h.target,
      '/api/events?namespace=default'
    );
    try {
      await feed.waitFor(e => e.event === 'synced');
      const created = await call(h.target, 'POST', '/api/jobs', {
        body: { spec: ranksSpec('hello'), notebook: notebook('ranks.ipynb') }
      });
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe('/api/jobs/default/hello');
      expect(created.json<IJobRecord>()).toMatchObject({
        name: 'hello',
        namespace: 'default',
        backend: 'local',
        workers: 2
      });
      const done = await feed.waitFor(reached('hello', 'Succeeded'));
      expect(done.hasId).toBe(true);
      const ids = feed.events
        .filter(e => e.hasId)
        .map(e => Number(e.lastEventId));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      feed.close();
    }
  });

  it('streams the logs of both ranks as text, by rank, with timestamps and tail', async () => {
    const all = await call(h.target, 'GET', '/api/jobs/default/hello/logs');
    expect(all.status).toBe(200);
    expect(all.headers['content-type']).toMatch(/^text\/plain/);
    const says = all.text.split('\n').filter(l => l.includes('says'));
    expect([...says].sort()).toEqual([
      'rank 0 of 2 says 0',
      'rank 0 of 2 says 1',
      'rank 0 of 2 says 2',
      'rank 1 of 2 says 0',
      'rank 1 of 2 says 1',
      'rank 1 of 2 says 2'
    ]);

    const one = await call(
      h.target,
      'GET',
      '/api/jobs/default/hello/logs?rank=1'
    );
    expect(one.text.split('\n').filter(Boolean)).toEqual([
      'rank 1 of 2 says 0',
      'rank 1 of 2 says 1',
      'rank 1 of 2 says 2'
    ]);

    const stamped = await call(
      h.target,
      'GET',
      '/api/jobs/default/hello/logs?rank=0&timestamps=true&tail=2'
    );
    const lines = stamped.text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    for (const [i, line] of lines.entries()) {
      expect(line).toMatch(
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z rank 0 of 2 says ${i + 1}$`
        )
      );
    }
  });

  it('streams the logs as NDJSON log lines on request', async () => {
    const res = await call(
      h.target,
      'GET',
      '/api/jobs/default/hello/logs?follow=true',
      {
        headers: { Accept: 'application/x-ndjson' }
      }
    );
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    const lines = res.text
      .split('\n')
      .filter(Boolean)
      .map(l => JSON.parse(l) as ILogLine)
      .filter(l => l.text.includes('says'));
    expect(lines.filter(l => l.rank === 0)).toHaveLength(3);
    expect(lines.filter(l => l.rank === 1)).toHaveLength(3);
    expect(lines[0]).toEqual({
      rank: expect.any(Number),
      stream: 'stdout',
      time: expect.any(String),
      text: expect.stringMatching(/^rank \d of 2 says 0$/)
    });
  });

  it('gives the logs of both ranks through ServiceClient', async () => {
    const client = new ServiceClient({ socketPath: h.socketPath });
    try {
      const lines: ILogLine[] = [];
      for await (const line of client.logs('default', 'hello', {
        follow: true
      })) {
        lines.push(line);
      }
      const says = lines.filter(l => l.text.includes('says'));
      expect(says.filter(l => l.rank === 0).map(l => l.text)).toEqual([
        'rank 0 of 2 says 0',
        'rank 0 of 2 says 1',
        'rank 0 of 2 says 2'
      ]);
      expect(says.filter(l => l.rank === 1)).toHaveLength(3);
      const only = [];
      for await (const line of client.logs('default', 'hello', {
        rank: 1,
        tail: 1
      })) {
        only.push(line.text);
      }
      expect(only).toEqual(['rank 1 of 2 says 2']);
    } finally {
      await client.close();
    }
  });

  it('lists, gets and deletes jobs', async () => {
    const list = await call(h.target, 'GET', '/api/jobs');
    expect(
      list.json<{ items: IJobRecord[] }>().items.map(j => j.name)
    ).toContain('hello');
    const other = await call(h.target, 'GET', '/api/jobs?namespace=other');
    expect(other.json()).toEqual({ items: [] });
    const got = await call(h.target, 'GET', '/api/jobs/default/hello');
    expect(got.json<IJobRecord>().status.phase).toBe('Succeeded');
    const deleted = await call(h.target, 'DELETE', '/api/jobs/default/hello');
    expect(deleted.status).toBe(200);
    expect(deleted.json<IJobRecord>().name).toBe('hello');
    expect(
      (await call(h.target, 'GET', '/api/jobs/default/hello')).status
    ).toBe(404);
  });

  it('validates without recording on dryRun', async () => {
    const res = await call(h.target, 'POST', '/api/jobs?dryRun=true', {
      body: { spec: ranksSpec('dry'), notebook: notebook('ranks.ipynb') }
    });
    expect(res.status).toBe(201);
    expect(res.json<IJobRecord>().name).toBe('dry');
    expect((await call(h.target, 'GET', '/api/jobs/default/dry')).status).toBe(
      404
    );
  });

  it('runs preflight checks for any job and for a spec, over HTTP and ServiceClient', async () => {
    const any = await call(h.target, 'GET', '/api/preflight');
    expect(any.status).toBe(200);
    expect(any.json<IPreflightReport>()).toMatchObject({
      backend: 'local',
      ok: true
    });
    const forSpec = await call(h.target, 'POST', '/api/preflight', {
      body: ranksSpec('check')
    });
    expect(forSpec.json<IPreflightReport>().checks.length).toBeGreaterThan(0);
    const invalid = await call(h.target, 'POST', '/api/preflight', {
      body: { name: 'x', workers: 0 }
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json<{ errors: unknown[] }>().errors).toEqual([
      { path: 'workers', message: 'must be at least 1' }
    ]);
    const client = new ServiceClient({ socketPath: h.socketPath });
    try {
      expect((await client.preflight()).backend).toBe('local');
    } finally {
      await client.close();
    }
  });

  it('records 20 concurrent submissions', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
    const results = await Promise.all(
      names.map(name =>
        call(h.target, 'POST', '/api/jobs?namespace=burst', {
          body: { spec: { name, workers: 1, command: ['true'] } }
        })
      )
    );
    expect(results.map(r => r.status)).toEqual(names.map(() => 201));
    const list = await call(h.target, 'GET', '/api/jobs?namespace=burst');
    const listed = list.json<{ items: IJobRecord[] }>().items.map(j => j.name);
    expect(new Set(listed)).toEqual(new Set(names));
    expect(listed).toHaveLength(20);
  });
});

describe('refusals', () => {
  const problem = (text: string): Record<string, unknown> =>
    JSON.parse(text) as Record<string, unknown>;

  it('answers 404 for an unknown job in kubectl words, to HTTP and to ServiceClient', async () => {
    for (const [method, path] of [
      ['GET', '/api/jobs/default/pi'],
      ['DELETE', '/api/jobs/default/pi'],
      ['GET', '/api/jobs/default/pi/logs'],
      ['GET', '/api/jobs/default/pi/stream']
    ]) {
      const res = await call(h.target, method, path);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(
        /^application\/problem\+json/
      );
      expect(problem(res.text)).toEqual({
        type: 'urn:jupyterlab-mpijob:problem:NotFound',
        title: 'NotFound',
        status: 404,
        detail: 'mpijobs.kubeflow.org "pi" not found',
        message: 'mpijobs.kubeflow.org "pi" not found',
        instance: path
      });
    }
    const client = new ServiceClient({ socketPath: h.socketPath });
    try {
      const error = await client.get('default', 'pi').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      const failure = error as BackendError;
      expect(`Error from server (${failure.reason}): ${failure.message}`).toBe(
        'Error from server (NotFound): mpijobs.kubeflow.org "pi" not found'
      );
    } finally {
      await client.close();
    }
  });

  it('answers 400 listing every field path of an invalid spec', async () => {
    const res = await call(h.target, 'POST', '/api/jobs', {
      body: {
        spec: { name: 'Bad_Name', workers: 0, env: [{ value: 'x' }] },
        notebook: notebook('ranks.ipynb')
      }
    });
    expect(res.status).toBe(400);
    const body = problem(res.text);
    expect(body.title).toBe('Invalid');
    const paths = (body.errors as { path: string }[]).map(e => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['name', 'workers', 'env[0].name'])
    );
    expect(body.detail).toMatch(/^The launch spec "Bad_Name" is invalid: /);
  });

  it('answers 400 naming the cell and line a notebook cannot run', async () => {
    const res = await call(h.target, 'POST', '/api/jobs', {
      body: {
        spec: {
          ...ranksSpec('awaits'),
          source: { notebook: 'top-level-await.ipynb', cells: 'all' }
        },
        notebook: JSON.stringify(notebook('top-level-await.ipynb'))
      }
    });
    expect(res.status).toBe(400);
    const body = problem(res.text);
    expect(body.errors).toEqual([
      {
        path: 'cell 2, line 2',
        message: expect.stringContaining('top-level await')
      }
    ]);
    expect(body.detail).toContain('cell 2, line 2');
  });

  it('answers 400 naming the line and column of bad JSON', async () => {
    const res = await call(h.target, 'POST', '/api/jobs', {
      raw: '{"spec": {\n  "name": }\n}'
    });
    expect(res.status).toBe(400);
    expect(problem(res.text)).toMatchObject({
      title: 'BadRequest',
      detail:
        'the request body is not valid JSON: unexpected "}" at line 2, column 11 (position 21)'
    });
  });

  it('answers 400 for an invalid manifest and for unknown fields', async () => {
    const manifest = await call(h.target, 'POST', '/api/jobs', {
      body: {
        manifest: {
          apiVersion: 'kubeflow.org/v1',
          kind: 'MPIJob',
          metadata: { name: 'm' },
          spec: {}
        }
      }
    });
    expect(manifest.status).toBe(400);
    const paths = (problem(manifest.text).errors as { path: string }[]).map(
      e => e.path
    );
    expect(paths).toEqual(
      expect.arrayContaining(['apiVersion', 'spec.mpiReplicaSpecs'])
    );
    const unknown = await call(h.target, 'POST', '/api/jobs', {
      body: { spec: {}, extra: 1 }
    });
    expect(unknown.status).toBe(400);
    expect(problem(unknown.text).errors).toEqual([
      {
        path: 'extra',
        message: expect.stringContaining('is not a known field')
      }
    ]);
  });

  it('answers 409 AlreadyExists for a name in use', async () => {
    const body = { spec: { name: 'twice', workers: 1, command: ['true'] } };
    expect((await call(h.target, 'POST', '/api/jobs', { body })).status).toBe(
      201
    );
    const again = await call(h.target, 'POST', '/api/jobs', { body });
    expect(again.status).toBe(409);
    expect(problem(again.text)).toMatchObject({
      title: 'AlreadyExists',
      detail: 'mpijobs.kubeflow.org "twice" already exists'
    });
    const client = new ServiceClient({ socketPath: h.socketPath });
    try {
      expect((await client.delete('default', 'twice')).name).toBe('twice');
      await expect(client.delete('default', 'twice')).rejects.toMatchObject({
        reason: 'NotFound',
        message: 'mpijobs.kubeflow.org "twice" not found'
      });
    } finally {
      await client.close();
    }
  });

  it('passes a well-formed manifest to the backend and maps its refusal by status', async () => {
    const manifest = {
      apiVersion: 'kubeflow.org/v2beta1',
      kind: 'MPIJob',
      metadata: { name: 'from-manifest' },
      spec: {
        mpiReplicaSpecs: {
          Launcher: {
            replicas: 1,
            template: { spec: { containers: [{ name: 'l', image: 'mpi:1' }] } }
          }
        }
      }
    };
    const res = await call(h.target, 'POST', '/api/jobs', {
      body: { manifest }
    });
    // The local backend runs notebooks, not images: Invalid, 422 as Kubernetes has it.
    expect(res.status).toBe(422);
    expect(problem(res.text)).toMatchObject({
      title: 'Invalid',
      errors: [{ path: 'kind' }]
    });
  });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const huge = JSON.stringify({
      spec: ranksSpec('huge'),
      notebook: 'x'.repeat(9 * 1024 * 1024)
    });
    const res = await call(h.target, 'POST', '/api/jobs', { raw: huge });
    expect(res.status).toBe(413);
    expect(problem(res.text)).toMatchObject({
      title: 'RequestEntityTooLarge',
      detail: 'the request body is larger than the limit of 8 MiB'
    });
    const small = createService({
      backend: h.backend,
      socketPath: join(h.dir, 'small.sock'),
      maxBodyBytes: 1024
    });
    await small.listen();
    try {
      const streamed = await call(
        { socketPath: join(h.dir, 'small.sock') },
        'POST',
        '/api/preflight',
        {
          raw: JSON.stringify({ name: 'x'.repeat(200 * 1024) }),
          chunked: true
        }
      );
      expect(streamed.status).toBe(413);
      expect(problem(streamed.text).detail).toBe(
        'the request body is larger than the limit of 1024 bytes'
      );
    } finally {
      await small.close();
    }
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await call(h.target, 'POST', '/api/jobs', {
      raw: 'name=pi',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }
    });
    expect(res.status).toBe(415);
  });

  it('answers 404 for unknown routes and 405 with Allow for wrong methods', async () => {
    const missing = await call(h.target, 'GET', '/api/nothing');
    expect(missing.status).toBe(404);
    expect(problem(missing.text).title).toBe('NotFound');
    expect((await call(h.target, 'GET', '/elsewhere')).status).toBe(404);
    const wrong = await call(h.target, 'PUT', '/api/jobs/default/pi');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, DELETE');
    expect(problem(wrong.text).title).toBe('MethodNotAllowed');
  });

  it('answers 400 for traversal and invalid names without touching the backend', async () => {
    const calls: string[] = [];
    const spy = new Proxy(h.backend as IMpiJobBackend, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') {
          return value;
        }
        return (...args: unknown[]) => {
          calls.push(String(property));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
    });
    const socketPath = join(h.dir, 'spy.sock');
    const spied: IJobService = createService({ backend: spy, socketPath });
    await spied.listen();
    calls.length = 0;
    try {
      for (const path of [
        '/api/jobs/default/..',
        '/api/jobs/default/%2E%2E',
        '/api/jobs/..%2F..%2Fetc/passwd',
        '/api/jobs/default/a%2Fb',
        '/api/jobs/default/a%5Cb/logs',
        '/api/jobs/default/Not_A_Label',
        '/api/jobs/default/x/../../health',
        '/api/jobs?namespace=..',
        '/api/jobs/default/%zz'
      ]) {
        const res = await call({ socketPath }, 'GET', path);
        expect([path, res.status]).toEqual([path, 400]);
        expect(problem(res.text).title).toBe('BadRequest');
      }
      expect(calls).toEqual([]);
    } finally {
      await spied.close();
    }
  });
});

describe('the API description', () => {
  it('serves the OpenAPI document and the launch spec schema it references', async () => {
    const yaml = await call(h.target, 'GET', '/api/openapi.yaml');
    expect(yaml.status).toBe(200);
    expect(yaml.headers['content-type']).toMatch(/^application\/yaml/);
    expect(yaml.text).toMatch(/^openapi: 3\.1\.0$/m);
    const schema = await call(h.target, 'GET', '/api/launch-spec.json');
    expect(schema.json().title).toBe('MPIJob launch spec');
  });
});

// Guard against a broken environment giving confusing failures above.
if (!existsSync(PYTHON)) {
  throw new Error(`the service tests need ${PYTHON} (with mpi4py)`);
}
