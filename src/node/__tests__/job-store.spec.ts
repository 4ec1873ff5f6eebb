/**
 * The local backend's job store: layout, atomic writes, listing by scanning
 * directories, name validation, log files.
 */
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IJobRecord } from '../../core/jobRecord';
import { BackendError } from '../backends/errors';
import { defaultDataDir } from '../paths';
import type { IStoredJob } from '../backends/local/store';
import {
  assertJobKey,
  JobStore,
  jobKeyProblems,
  LogCursor,
  LogWriter,
  RECORD_FILE_NAME
} from '../backends/local/store';

interface ITestRun {
  pid: number;
  payload?: string;
}

let dataDir: string;

beforeEach(async () => {
  dataDir = await fs.mkdtemp(join(tmpdir(), 'mpijob-store-'));
});

afterEach(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

function record(
  name: string,
  namespace = 'default',
  createdAt = new Date().toISOString()
): IJobRecord {
  return {
    name,
    namespace,
    uid: `uid-${namespace}-${name}`,
    backend: 'local',
    createdAt,
    startedAt: null,
    finishedAt: null,
    spec: null,
    workers: 2,
    slotsPerWorker: 1,
    gpusPerWorker: 0,
    mpiImplementation: 'OpenMPI',
    notebook: null,
    status: { phase: 'Pending' },
    conditions: [],
    topology: { launcher: null, workers: [] },
    exitCode: null,
    resourceVersion: '1'
  };
}

function job(
  name: string,
  namespace = 'default',
  run: ITestRun = { pid: 1 }
): IStoredJob<ITestRun> {
  return { version: 1, record: record(name, namespace), run };
}

const TRAVERSALS = [
  '../x',
  '..',
  '.',
  'a/b',
  '%2e%2e',
  '..%2f..',
  '/etc',
  'x\u0000y',
  'A',
  '-a',
  'a-',
  'a'.repeat(64),
  ''
];

describe('defaultDataDir', () => {
  it('should prefer MPIJOB_DATA_DIR, then XDG_DATA_HOME, then ~/.local/share', () => {
    expect(
      defaultDataDir({ MPIJOB_DATA_DIR: '/d', XDG_DATA_HOME: '/x', HOME: '/h' })
    ).toBe('/d');
    expect(defaultDataDir({ XDG_DATA_HOME: '/x', HOME: '/h' })).toBe(
      '/x/jupyterlab-mpijob'
    );
    expect(defaultDataDir({ HOME: '/h' })).toBe(
      '/h/.local/share/jupyterlab-mpijob'
    );
  });

  it('should ignore a relative XDG_DATA_HOME, as the XDG spec says', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: 'rel', HOME: '/h' })).toBe(
      '/h/.local/share/jupyterlab-mpijob'
    );
  });
});

describe('#assertJobKey', () => {
  it.each(TRAVERSALS)('should reject the name %j', name => {
    expect(jobKeyProblems('default', name)).toEqual([
      expect.objectContaining({ path: 'name' })
    ]);
    expect(() => assertJobKey('default', name)).toThrow(BackendError);
  });

  it('should reject a bad namespace with the reason asked for', () => {
    let caught: unknown;
    try {
      assertJobKey('../etc', 'pi', 'Invalid');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BackendError);
    expect((caught as BackendError).reason).toBe('Invalid');
    expect((caught as BackendError).problems[0].path).toBe('namespace');
    expect((caught as BackendError).message).toMatch(/namespace/);
  });

  it('should accept DNS labels', () => {
    expect(jobKeyProblems('team-a', 'train-mnist-2')).toEqual([]);
  });
});

describe('#create', () => {
  it('should lay out the job directory with the record first', async () => {
    const store = new JobStore<ITestRun>(dataDir);
    await store.create(job('pi'), { 'mpijob_main.py': 'print(1)\n' });
    const dir = join(dataDir, 'jobs', 'default', 'pi');
    expect((await fs.readdir(dir)).sort()).toEqual([
      'job.json',
      'logs',
      'mpijob_main.py'
    ]);
    const stored = JSON.parse(
      await fs.readFile(join(dir, RECORD_FILE_NAME), 'utf8')
    ) as IStoredJob<ITestRun>;
    expect(stored.record.name).toBe('pi');
    expect(stored.run.pid).toBe(1);
    expect(await store.readJobFile('default', 'pi', 'mpijob_main.py')).toBe(
      'print(1)\n'
    );
  });

  it('should refuse a name already taken in the namespace', async () => {
    const store = new JobStore<ITestRun>(dataDir);
    await store.create(job('pi'));
    await expect(store.create(job('pi'))).rejects.toMatchObject({
      reason: 'AlreadyExists',
      message: 'mpijobs.kubeflow.org "pi" already exists'
    });
    await store.create(job('pi', 'other'));
  });

  it('should let exactly one of concurrent creates of a name win', async () => {
    const store = new JobStore<ITestRun>(dataDir);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.create(job('pi', 'default', { pid: i }))
      )
    );
    expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      results.filter(
        r =>
          r.status === 'rejected' &&
          (r.reason as BackendError).reason === 'AlreadyExists'
      )
    ).toHaveLength(9);
  });

  it.each(TRAVERSALS)(
    'should refuse the name %j before touching the disk',
    async name => {
      const store = new JobStore<ITestRun>(dataDir);
      await expect(store.create(job(name))).rejects.toMatchObject({
        reason: 'BadRequest'
      });
      await expect(store.read('default', name)).rejects.toBeInstanceOf(
        BackendError
      );
      await expect(fs.readdir(dataDir)).resolves.toEqual([]);
    }
  );
});

describe('#save', () => {
  it('should never show a concurrent reader a partial record', async () => {
    const store = new JobStore<ITestRun>(dataDir);
    await store.create(job('pi'));
    const file = join(dataDir, 'jobs', 'default', 'pi', RECORD_FILE_NAME);
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const text = await fs.readFile(file, 'utf8');
        // Throws on a partial write.
        const value = JSON.parse(text) as IStoredJob<ITestRun>;
        expect(value.run.payload?.length ?? 0).toBeGreaterThanOrEqual(0);
        reads++;
      }
    })();
    for (let i = 0; i < 60; i++) {
      await store.save(
        job('pi', 'default', {
          pid: i,
          payload: String(i % 10).repeat(100_000 + i * 997)
        })
      );
    }
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect((await store.read('default', 'pi'))?.run.pid).toBe(59);
    // No temporary files are left behind.
    expect(
      (await fs.readdir(join(dataDir, 'jobs', 'default', 'pi'))).sort()
    ).toEqual(['job.json', 'logs']);
  });

  it('should not bring back a removed job', async () => {
    const store = new JobStore<ITestRun>(dataDir);
    await store.create(job('pi'));
    await store.remove('default', 'pi');
    await expect(store.save(job('pi'))).rejects.toMatchObject({
      reason: 'NotFound'
    });
    expect(await store.read('default', 'pi')).toBeNull();
  });
});

describe('#list', () => {
  it('should find every job by scanning, from a fresh store object', async () => {
    const first = new JobStore<ITestRun>(dataDir);
    const a = job('a');
    const b = {
      ...job('b', 'team'),
      record: record('b', 'team', '2020-01-01T00:00:00.000Z')
    };
    await first.create(a);
    await first.create(b);
    const second = new JobStore<ITestRun>(dataDir);
    expect((await second.list()).map(j => j.record.name)).toEqual(['b', 'a']);
    expect((await second.list('team')).map(j => j.record.name)).toEqual(['b']);
    expect(await second.list('nobody')).toEqual([]);
  });

  it('should skip damaged records and directories that are not jobs', async () => {
    const store = new JobStore<ITestRun>(dataDir);
    await store.create(job('good'));
    const bad = join(dataDir, 'jobs', 'default', 'bad');
    await fs.mkdir(bad);
    await fs.writeFile(join(bad, RECORD_FILE_NAME), '{"version": 1, "rec');
    await fs.mkdir(join(dataDir, 'jobs', 'default', 'NOT_A_JOB'));
    await fs.mkdir(join(dataDir, 'jobs', 'Bad_Namespace'));
    await fs.mkdir(join(dataDir, 'jobs', 'default', 'empty'));
    const damaged: string[] = [];
    const jobs = await store.list(undefined, path => damaged.push(path));
    expect(jobs.map(j => j.record.name)).toEqual(['good']);
    expect(damaged).toEqual([bad + '/' + RECORD_FILE_NAME]);
    await expect(store.read('default', 'bad')).rejects.toMatchObject({
      reason: 'InternalError'
    });
  });

  it('should refuse a traversal namespace', async () => {
    const store = new JobStore<ITestRun>(dataDir);
    await expect(store.list('..')).rejects.toMatchObject({
      reason: 'BadRequest'
    });
  });
});

describe('#remove', () => {
  it('should remove the directory and report whether there was one', async () => {
    const store = new JobStore<ITestRun>(dataDir);
    await store.create(job('pi'), { 'mpijob_main.py': 'x = 1\n' });
    expect(await store.remove('default', 'pi')).toBe(true);
    expect(await store.remove('default', 'pi')).toBe(false);
    expect(await fs.readdir(join(dataDir, 'jobs', 'default'))).toEqual([]);
    await store.create(job('pi'));
  });
});

describe('LogWriter', () => {
  it('should append lines that a cursor reads incrementally, complete lines only', async () => {
    const store = new JobStore<ITestRun>(dataDir);
    await store.create(job('pi'));
    const dir = store.logsDir('default', 'pi');
    let flushes = 0;
    const writer = new LogWriter(dir, () => flushes++);
    const t = new Date().toISOString();
    writer.append(0, { n: 0, t, s: 'stdout', x: 'rank 0' });
    writer.append(null, { n: 1, t, s: 'stderr', x: 'launcher' });
    writer.append(1, { n: 2, t, s: 'stdout', x: 'rank 1 "quoted"\ttab' });
    await writer.flush();
    expect(flushes).toBe(1);
    const all = new LogCursor(dir);
    const rank1 = new LogCursor(dir, 1);
    expect(
      (await all.readNew()).sort((a, b) => a.n - b.n).map(l => [l.rank, l.x])
    ).toEqual([
      [0, 'rank 0'],
      [null, 'launcher'],
      [1, 'rank 1 "quoted"\ttab']
    ]);
    expect((await rank1.readNew()).map(l => l.x)).toEqual([
      'rank 1 "quoted"\ttab'
    ]);
    expect(await all.readNew()).toEqual([]);
    // A line being written (no newline yet) is not read until it is complete.
    await fs.appendFile(join(dir, 'rank-1.jsonl'), '{"n":3,"t":"x","s":"std');
    expect(await rank1.readNew()).toEqual([]);
    await fs.appendFile(join(dir, 'rank-1.jsonl'), 'out","x":"late"}\n');
    expect((await rank1.readNew()).map(l => l.x)).toEqual(['late']);
    writer.append(0, { n: 4, t, s: 'stdout', x: 'after' });
    await writer.close();
    expect((await all.readNew()).map(l => l.x).sort()).toEqual([
      'after',
      'late'
    ]);
  });
});
