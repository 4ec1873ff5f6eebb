/**
 * Notebook benchmarks through the job service (`/api/benchmarks`), over a
 * real unix socket with the real local backend and mpirun: a notebook at 1
 * and 2 workers ends in a results file that matches schema/results.json,
 * timed end to end unless the notebook prints the harness's line; bad
 * requests name the field; one benchmark at a time; DELETE interrupts.
 * Nothing here asserts timings.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import type { IBenchResults } from '../../core/benchResults';
import { resultsProblems } from '../../core/benchResults';
import type { INotebookBenchRecord } from '../../core/notebookBench';
import type { IHarness } from './fixtures/service/harness';
import {
  call,
  notebook,
  PYTHON,
  ranksSpec,
  startService
} from './fixtures/service/harness';

jest.setTimeout(120_000);

let h: IHarness;
const out = mkdtempSync(join(tmpdir(), 'mpijob-nb-bench-'));

beforeAll(async () => {
  // No interpreter of its own: the bare runs take the backend's (PYTHON).
  h = await startService();
});

afterAll(async () => {
  await h?.close();
  rmSync(out, { recursive: true, force: true });
});

/** A notebook of code cells. */
function codeNotebook(...cells: string[]): unknown {
  return {
    cells: cells.map(source => ({
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source
    })),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5
  };
}

/** Polls a benchmark until it has ended. */
async function ended(id: string): Promise<INotebookBenchRecord> {
  for (;;) {
    const res = await call(h.target, 'GET', `/api/benchmarks/${id}`);
    expect(res.status).toBe(200);
    const record = res.json<INotebookBenchRecord>();
    if (record.state !== 'running') {
      return record;
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

function readResults(path: string): IBenchResults {
  return JSON.parse(readFileSync(path, 'utf8')) as IBenchResults;
}

describe('POST /api/benchmarks', () => {
  it('should benchmark a notebook at 1 and 2 workers, timed end to end, and write a valid results file', async () => {
    const res = await call(h.target, 'POST', '/api/benchmarks', {
      body: {
        spec: { ...ranksSpec('ranks-bench'), workers: 1 },
        notebook: notebook('ranks.ipynb'),
        workers: [2, 1],
        repeats: 2,
        warmups: 0,
        resultsDir: out
      }
    });
    expect(res.status).toBe(202);
    const started = res.json<INotebookBenchRecord>();
    expect(res.headers.location).toBe(`/api/benchmarks/${started.id}`);
    expect(started).toMatchObject({
      name: 'ranks-bench',
      notebook: 'ranks.ipynb',
      workers: [1, 2],
      repeats: 2,
      warmups: 0,
      state: 'running',
      resultsFile: null
    });
    expect(started.progress.total).toBe(4);

    const record = await ended(started.id);
    expect([record.state, record.message]).toEqual(['completed', null]);
    expect(record.progress).toMatchObject({ done: 4, total: 4 });
    expect(record.resultsName).toMatch(/^ranks-bench-\d{8}-\d{6}\.json$/);
    expect(record.resultsFile).toBe(join(out, record.resultsName ?? ''));
    expect(existsSync(record.resultsFile ?? '')).toBe(true);

    const results = readResults(record.resultsFile ?? '');
    expect(resultsProblems(results)).toEqual([]);
    expect(results.scenario).toMatchObject({
      name: 'ranks-bench',
      notebook: 'ranks.ipynb',
      workers: [1, 2],
      scaling: 'strong',
      bare: true
    });
    // The notebook prints no MPIJOB_BENCH line: the speedup is end to end.
    expect(results.summary?.basis).toBe('e2e');
    expect(results.summary?.rows.map(r => r.workers)).toEqual([1, 2]);
    expect(record.summary).toEqual(results.summary);
    for (const run of results.runs) {
      expect(run.state).toBe('completed');
      expect(run.series.e2e.samples).toHaveLength(2);
      expect(run.series.bare.samples).toHaveLength(2);
      expect(run.series.workload.samples).toHaveLength(0);
    }
    // The jobs are deleted after each run.
    const jobs = await call(h.target, 'GET', '/api/jobs');
    expect(jobs.json<{ items: unknown[] }>().items).toEqual([]);

    const list = await call(h.target, 'GET', '/api/benchmarks');
    expect(
      list.json<{ items: INotebookBenchRecord[] }>().items.map(b => b.id)
    ).toContain(started.id);
  });

  it('should base the speedup on the notebook’s own MPIJOB_BENCH line when it prints one', async () => {
    const res = await call(h.target, 'POST', '/api/benchmarks', {
      body: {
        spec: {
          name: 'timed',
          workers: 1,
          oversubscribe: true,
          source: { notebook: 'timed.ipynb', cells: 'all' }
        },
        notebook: codeNotebook(
          'from mpi4py import MPI\nimport json\nrank = MPI.COMM_WORLD.Get_rank()',
          'size = MPI.COMM_WORLD.Get_size()\nif rank == 0:\n    print("MPIJOB_BENCH " + json.dumps({"seconds": 1.0 / size, "ranks": size}), flush=True)'
        ),
        workers: [1, 2],
        repeats: 1,
        warmups: 0,
        bare: false,
        resultsDir: out
      }
    });
    expect(res.status).toBe(202);
    const record = await ended(res.json<INotebookBenchRecord>().id);
    expect(record.state).toBe('completed');
    const results = readResults(record.resultsFile ?? '');
    expect(resultsProblems(results)).toEqual([]);
    expect(results.summary?.basis).toBe('workload');
    expect(results.summary?.rows.map(r => r.speedup)).toEqual([1, 2]);
    expect(results.runs[1].attempts[0].metrics).toEqual({ ranks: 2 });
    expect(results.runs[0].series.bare.samples).toEqual([]);
  });

  it('should run the bare baseline in the jobs’ interpreter and environment', async () => {
    const venv = dirname(dirname(PYTHON));
    const res = await call(h.target, 'POST', '/api/benchmarks', {
      body: {
        spec: {
          name: 'same-python',
          workers: 1,
          oversubscribe: true,
          env: [{ name: 'EXPECTED_PREFIX', value: venv }],
          source: { notebook: 'same.ipynb', cells: 'all' }
        },
        // mpirun puts /usr/bin first on the ranks' PATH: a baseline that
        // ran `python3` by name would get another interpreter there.
        notebook: codeNotebook(
          'import os, sys\nif sys.prefix != os.environ["EXPECTED_PREFIX"]:\n    sys.exit(f"ranks run {sys.executable}")'
        ),
        workers: [1, 2],
        repeats: 1,
        warmups: 0,
        resultsDir: out
      }
    });
    expect(res.status).toBe(202);
    const record = await ended(res.json<INotebookBenchRecord>().id);
    expect([record.state, record.message]).toEqual(['completed', null]);
    const results = readResults(record.resultsFile ?? '');
    for (const run of results.runs) {
      expect(run.bareSkipped).toBeUndefined();
      expect(run.series.bare.samples).toHaveLength(1);
    }
  });

  it('should refuse bad requests, naming the fields', async () => {
    const bad = await call(h.target, 'POST', '/api/benchmarks', {
      body: {
        spec: ranksSpec('bad'),
        notebook: notebook('ranks.ipynb'),
        workers: [0, 2, 2],
        repeats: 0,
        resultsDir: 'relative/dir',
        extra: 1
      }
    });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ title: 'Invalid' });
    expect(
      bad
        .json<{ errors: { path: string }[] }>()
        .errors.map(e => e.path)
        .sort()
    ).toEqual(['extra', 'repeats', 'resultsDir', 'workers']);

    const spec = await call(h.target, 'POST', '/api/benchmarks', {
      body: {
        spec: { ...ranksSpec('Bad Name'), workers: 1 },
        notebook: notebook('ranks.ipynb'),
        workers: [1]
      }
    });
    expect(spec.status).toBe(400);
    expect(
      spec.json<{ errors: { path: string }[] }>().errors.map(e => e.path)
    ).toEqual(['name']);

    const cell = await call(h.target, 'POST', '/api/benchmarks', {
      body: {
        spec: { ...ranksSpec('magic'), workers: 1 },
        notebook: codeNotebook('print(1)', '%pip install numpy'),
        workers: [1]
      }
    });
    expect(cell.status).toBe(400);
    expect(cell.text).toContain('cell 2');

    const command = await call(h.target, 'POST', '/api/benchmarks', {
      body: {
        spec: { name: 'cmd', workers: 1, command: ['true'] },
        notebook: null,
        workers: [1]
      }
    });
    expect(command.status).toBe(400);
    expect(
      command.json<{ errors: { path: string }[] }>().errors.map(e => e.path)
    ).toEqual(['command']);

    const missing = await call(h.target, 'GET', '/api/benchmarks/nope');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({
      detail: 'benchmarks "nope" not found'
    });
  });

  it('should run one benchmark at a time, and write what was measured when stopped', async () => {
    const slow = {
      spec: {
        name: 'slow',
        workers: 1,
        source: { notebook: 'slow.ipynb', cells: 'all' }
      },
      notebook: codeNotebook('import time\ntime.sleep(60)'),
      workers: [1],
      repeats: 1,
      warmups: 0,
      bare: false,
      resultsDir: out
    };
    const first = await call(h.target, 'POST', '/api/benchmarks', {
      body: slow
    });
    expect(first.status).toBe(202);
    const { id } = first.json<INotebookBenchRecord>();

    const second = await call(h.target, 'POST', '/api/benchmarks', {
      body: slow
    });
    expect(second.status).toBe(409);
    expect(second.json()).toMatchObject({ title: 'Conflict' });
    expect(second.json<{ detail: string }>().detail).toContain(id);

    // Stop it once its job runs.
    for (;;) {
      const jobs = await call(h.target, 'GET', '/api/jobs');
      if (jobs.json<{ items: unknown[] }>().items.length > 0) {
        break;
      }
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    const stopped = await call(h.target, 'DELETE', `/api/benchmarks/${id}`);
    expect(stopped.status).toBe(200);
    const record = await ended(id);
    expect(record.state).toBe('interrupted');
    const results = readResults(record.resultsFile ?? '');
    expect(resultsProblems(results)).toEqual([]);
    expect(results.state).toBe('interrupted');
    expect(results.runs[0].state).toBe('interrupted');
    const jobs = await call(h.target, 'GET', '/api/jobs');
    expect(jobs.json<{ items: unknown[] }>().items).toEqual([]);
  });
});
