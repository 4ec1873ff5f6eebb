/**
 * The local backend with real MPI: Open MPI's mpirun and MPICH's mpiexec,
 * 2 ranks, Python with mpi4py. No mocks.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildSync } from 'esbuild';

import { buildJob } from '../../core/job';
import type { IJobEvent, IJobRecord, ILogLine } from '../../core/jobRecord';
import { parseLaunchSpec } from '../../core/spec';
import type { Submission } from '../backends/backend';
import { BackendError } from '../backends/errors';
import type { ILocalBackendOptions } from '../backends/local';
import { LocalBackend } from '../backends/local';
import type { ILocalRun } from '../backends/local/model';
import type { IOutputLine, MpiFlavor } from '../../core/mpiOutput';
import { MpiOutputParser } from '../../core/mpiOutput';
import { replicaOutcome, statusSummary } from '../../core/status';
import { JobStore } from '../backends/local/store';

jest.setTimeout(30_000);

const ROOT = join(__dirname, '..', '..', '..');
const PYTHON =
  process.env.MPIJOB_PYTHON ?? join(ROOT, '.venv', 'bin', 'python');

let dataDir: string;
const dataDirs: string[] = [];
const backends: LocalBackend[] = [];

async function open(options: ILocalBackendOptions = {}): Promise<LocalBackend> {
  const backend = await LocalBackend.open({
    dataDir,
    python: PYTHON,
    killGraceMs: 2000,
    ...options
  });
  backends.push(backend);
  return backend;
}

beforeEach(async () => {
  dataDir = await fs.mkdtemp(join(tmpdir(), 'mpijob-local-'));
  dataDirs.push(dataDir);
});

afterEach(async () => {
  await Promise.all(backends.splice(0).map(b => b.close()));
  expect(processesMentioning(dataDir)).toEqual([]);
  await fs.rm(dataDir, { recursive: true, force: true });
});

afterAll(() => {
  // Nothing any test started may outlive the suite.
  expect(dataDirs.flatMap(dir => processesMentioning(dir))).toEqual([]);
});

// ---------------------------------------------------------------------------
// Helpers

function notebook(cells: readonly string[]): unknown {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      }
    },
    cells: cells.map((source, i) => ({
      id: `cell-${i}`,
      cell_type: 'code',
      metadata: {},
      execution_count: null,
      outputs: [],
      source
    }))
  };
}

function launch(
  name: string,
  cells: readonly string[],
  spec: Record<string, unknown> = {}
): Submission {
  const parsed = parseLaunchSpec({
    name,
    source: { notebook: `${name}.ipynb`, cells: 'all' },
    ...spec
  });
  return { kind: 'launch', job: buildJob(parsed, notebook(cells)) };
}

function command(
  name: string,
  argv: readonly string[],
  spec: Record<string, unknown> = {}
): Submission {
  const parsed = parseLaunchSpec({ name, command: argv, ...spec });
  return { kind: 'launch', job: buildJob(parsed, null) };
}

const MPI_HELLO = [
  'from mpi4py import MPI\ncomm = MPI.COMM_WORLD',
  "print(f'rank {comm.Get_rank()} of {comm.Get_size()}')"
];

function isFailed(event: IJobEvent): boolean {
  return event.job.status.phase === 'Failed';
}

async function waitFinished(
  backend: LocalBackend,
  name: string,
  timeoutMs = 20_000,
  namespace = 'default'
): Promise<IJobRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await backend.get(namespace, name);
    // finishedAt: the launcher ended and the outcome is recorded (a failed
    // rank makes the status Failed while mpirun still winds down).
    if (record.finishedAt !== null) {
      return record;
    }
    if (Date.now() > deadline) {
      throw new Error(`${name} still ${record.status.phase}`);
    }
    await sleep(50);
  }
}

async function collect(lines: AsyncIterable<ILogLine>): Promise<ILogLine[]> {
  const out: ILogLine[] = [];
  for await (const line of lines) {
    out.push(line);
  }
  return out;
}

// Waits until `count` lines arrived, then stops following.
async function firstLines(
  backend: LocalBackend,
  name: string,
  count: number
): Promise<ILogLine[]> {
  const controller = new AbortController();
  const out: ILogLine[] = [];
  for await (const line of backend.logs('default', name, {
    follow: true,
    signal: controller.signal
  })) {
    out.push(line);
    if (out.length >= count) {
      controller.abort();
      break;
    }
  }
  return out;
}

function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  const state = procState(pid);
  return state !== null && state !== 'Z' && state !== 'X';
}

// Live processes whose command line mentions `text` (the data directory is
// in every rank's command line: it runs <dataDir>/jobs/.../mpijob_main.py).
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
      continue;
    }
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(text) && alive(Number(entry))) {
        found.push(`${entry}: ${cmdline.replace(/\0/g, ' ')}`);
      }
    } catch {
      // Gone.
    }
  }
  return found;
}

// Live processes carrying a job's environment marker, found independently
// of the backend's own search.
function processesOfJob(uid: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
      continue;
    }
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split(
        '\0'
      );
      if (environ.includes(`MPIJOB_LOCAL_UID=${uid}`) && alive(Number(entry))) {
        found.push(Number(entry));
      }
    } catch {
      // Gone.
    }
  }
  return found;
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

async function caught(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BackendError);
    return error as BackendError;
  }
  throw new Error('expected a BackendError');
}

function stdoutText(lines: readonly ILogLine[]): string[] {
  return lines.filter(l => l.stream === 'stdout').map(l => l.text);
}

// ---------------------------------------------------------------------------

describe('MpiOutputParser', () => {
  function parse(
    flavor: MpiFlavor,
    chunks: ReadonlyArray<['stdout' | 'stderr', string]>
  ): { lines: IOutputLine[]; exits: Array<[number, number]> } {
    const lines: IOutputLine[] = [];
    const exits: Array<[number, number]> = [];
    const parser = new MpiOutputParser(flavor, 2, {
      line: line => lines.push(line),
      rankExit: (rank, code) => exits.push([rank, code])
    });
    for (const [pipe, chunk] of chunks) {
      parser.push(pipe, chunk);
    }
    parser.finish();
    return { lines, exits };
  }

  it('should join the write chunks Open MPI tags one by one into lines', () => {
    // Measured: print(rank, size) on rank 1 under mpirun --tag-output.
    const { lines } = parse('openmpi', [
      ['stdout', '[1,1]<stdout>:1[1,1]<stdout>: [1,1]<stdout>:2'],
      ['stdout', '[1,0]<stdout>:0 2\n'],
      ['stdout', '[1,1]<stdout>:\n']
    ]);
    expect(lines).toEqual([
      { rank: 0, stream: 'stdout', text: '0 2' },
      { rank: 1, stream: 'stdout', text: '1 2' }
    ]);
  });

  it('should find tags cut in two between reads and keep launcher lines apart', () => {
    const { lines } = parse('openmpi', [
      ['stderr', '[1,1]<stderr>:Traceback (most recent call last):\n[1,1]<std'],
      [
        'stderr',
        'err>:ZeroDivisionError: division by zero\n-----\nMPI_ABORT was '
      ],
      ['stderr', 'invoked on rank 1\n[1,0]<stddiag>:diag\n']
    ]);
    expect(lines).toEqual([
      { rank: 1, stream: 'stderr', text: 'Traceback (most recent call last):' },
      {
        rank: 1,
        stream: 'stderr',
        text: 'ZeroDivisionError: division by zero'
      },
      { rank: null, stream: 'stderr', text: '-----' },
      { rank: null, stream: 'stderr', text: 'MPI_ABORT was invoked on rank 1' },
      { rank: 0, stream: 'stderr', text: 'diag' }
    ]);
  });

  it("should read MPICH's rank prefixes and the rank wrapper's exit reports", () => {
    const { lines, exits } = parse('mpich', [
      ['stdout', '[0] 0[0]  [0] 2[0] \n[1] a\n[1] b\n[1] c'],
      ['stdout', 'hello\n[7] not a rank of this job\n'],
      [
        'stderr',
        '[1] oops\n[1] \u001empijob-exit 3\n[0] partial[0] \u001empijob-exit 0\n'
      ]
    ]);
    expect(lines).toEqual([
      { rank: 0, stream: 'stdout', text: '0 2' },
      { rank: 1, stream: 'stdout', text: 'a' },
      { rank: 1, stream: 'stdout', text: 'b' },
      { rank: 1, stream: 'stdout', text: 'chello' },
      { rank: null, stream: 'stdout', text: '[7] not a rank of this job' },
      { rank: 1, stream: 'stderr', text: 'oops' },
      { rank: 0, stream: 'stderr', text: 'partial' }
    ]);
    expect(exits).toEqual([
      [1, 3],
      [0, 0]
    ]);
  });

  it('should give back the stderr lines a rank marked in its stdout, in order', () => {
    const { lines } = parse('openmpi', [
      [
        'stdout',
        '[1,1]<stdout>:out\n[1,1]<stdout>:\u001ferr\n[1,1]<stdout>:par'
      ],
      [
        'stdout',
        '[1,1]<stdout>:tial\u001fTraceback (most recent call last):\n'
      ],
      ['stdout', '[1,1]<stdout>:\u001f\n[1,0]<stdout>:\u001fzero\n']
    ]);
    expect(lines).toEqual([
      { rank: 1, stream: 'stdout', text: 'out' },
      { rank: 1, stream: 'stderr', text: 'err' },
      { rank: 1, stream: 'stdout', text: 'partial' },
      {
        rank: 1,
        stream: 'stderr',
        text: 'Traceback (most recent call last):'
      },
      { rank: 1, stream: 'stderr', text: '' },
      { rank: 0, stream: 'stderr', text: 'zero' }
    ]);
  });

  it('should flush a last line without a newline when the launcher ends', () => {
    const { lines } = parse('openmpi', [
      ['stdout', '[1,0]<stdout>:no newline']
    ]);
    expect(lines).toEqual([{ rank: 0, stream: 'stdout', text: 'no newline' }]);
  });
});

describe('#preflight', () => {
  it('should find Open MPI, MPICH, Python with mpi4py and the cores', async () => {
    const backend = await open();
    const report = await backend.preflight();
    const byName = new Map(report.checks.map(c => [c.name, c]));
    expect(report).toMatchObject({ backend: 'local', ok: true });
    expect(byName.get('mpirun')).toMatchObject({ ok: true });
    expect(byName.get('mpirun')?.message).toMatch(/Open MPI \d+\.\d+/);
    expect(byName.get('mpiexec.mpich')?.message).toMatch(/MPICH \d+\.\d+/);
    expect(byName.get('mpi4py')).toMatchObject({ ok: true });
    expect(byName.get('cores')).toMatchObject({ ok: true });

    const mpich = await backend.preflight(
      parseLaunchSpec({
        name: 'x',
        mpiImplementation: 'MPICH',
        source: { notebook: 'x.ipynb', cells: 'all' }
      })
    );
    expect(mpich.ok).toBe(true);
    expect(mpich.checks.find(c => c.name === 'mpi4py')?.message).toMatch(
      /MPICH/
    );
  });

  it('should say how to fix a missing mpirun, Intel MPI and too many ranks', async () => {
    const backend = await open({
      mpirun: { openmpi: '/nonexistent/mpirun' },
      cores: 2
    });
    const report = await backend.preflight(
      parseLaunchSpec({ name: 'x', workers: 4, command: ['true'] })
    );
    expect(report.ok).toBe(false);
    const mpirun = report.checks.find(c => c.name === 'mpirun');
    expect(mpirun).toMatchObject({ ok: false, severity: 'error' });
    expect(mpirun?.message).toMatch(/\/nonexistent\/mpirun was not found/);
    expect(mpirun?.fix).toMatch(/apt-get install openmpi-bin/);
    const cores = report.checks.find(c => c.name === 'cores');
    // In the launch panel's words: the fields, not the CLI's flags.
    expect(cores).toEqual({
      name: 'cores',
      ok: false,
      severity: 'error',
      message:
        '4 ranks (Workers × Slots per worker) but this machine has 2 cores.',
      fix: 'Turn on "Allow more ranks than cores" to run them anyway, slower, or lower Workers × Slots per worker to 2.'
    });

    const intel = await backend.preflight(
      parseLaunchSpec({
        name: 'x',
        mpiImplementation: 'Intel',
        command: ['true']
      })
    );
    expect(intel.checks.find(c => c.name === 'intel-mpi')).toMatchObject({
      ok: false,
      severity: 'error'
    });
  });
});

describe('#submit', () => {
  it('should run a notebook on 2 Open MPI ranks and keep its record, files and output', async () => {
    const backend = await open();
    const events: IJobEvent[] = [];
    backend.watch('default', event => events.push(event));
    const started = Date.now();
    const submitted = await backend.submit(launch('hello', MPI_HELLO));
    expect(submitted).toMatchObject({
      name: 'hello',
      namespace: 'default',
      backend: 'local',
      status: { phase: 'Running' },
      notebook: { path: 'hello.ipynb', cells: [1, 2] }
    });
    const record = await waitFinished(backend, 'hello');
    const elapsed = Date.now() - started;
    expect(record.status).toMatchObject({ phase: 'Succeeded' });
    expect(record.exitCode).toBe(0);
    expect(record.topology.launcher).toMatchObject({ phase: 'Succeeded' });
    expect(record.topology.workers.map(w => w.phase)).toEqual([
      'Succeeded',
      'Succeeded'
    ]);
    expect(record.topology.workers[0].nodeName).toBeTruthy();
    expect(record.conditions.map(c => [c.type, c.status])).toEqual([
      ['Created', 'True'],
      ['Running', 'False'],
      ['Succeeded', 'True']
    ]);

    const lines = await collect(backend.logs('default', 'hello'));
    expect(stdoutText(lines).sort()).toEqual(['rank 0 of 2', 'rank 1 of 2']);
    expect(lines.filter(l => l.text === 'rank 1 of 2')[0].rank).toBe(1);
    expect(
      stdoutText(await collect(backend.logs('default', 'hello', { rank: 0 })))
    ).toEqual(['rank 0 of 2']);

    const dir = join(dataDir, 'jobs', 'default', 'hello');
    expect((await fs.readdir(dir)).sort()).toEqual(
      expect.arrayContaining([
        'job.json',
        'logs',
        'mpijob_main.py',
        'sourcemap.json'
      ])
    );
    expect((await fs.readdir(join(dir, 'logs'))).sort()).toEqual(
      expect.arrayContaining(['rank-0.jsonl', 'rank-1.jsonl'])
    );

    // Every change was an event, in increasing order of this backend's
    // change counter (its versions; opaque to clients).
    expect(events[0].type).toBe('ADDED');
    expect(events[events.length - 1].job.status.phase).toBe('Succeeded');
    const versions = events.map(e => Number(e.job.resourceVersion));
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
    // Launch overhead on this machine is well under this.
    expect(elapsed).toBeLessThan(10_000);
  });

  it('should run a notebook on 2 MPICH ranks that see each other', async () => {
    const backend = await open();
    await backend.submit(
      launch('hello-mpich', MPI_HELLO, { mpiImplementation: 'MPICH' })
    );
    const record = await waitFinished(backend, 'hello-mpich');
    expect(record.status.phase).toBe('Succeeded');
    expect(record.mpiImplementation).toBe('MPICH');
    const lines = await collect(backend.logs('default', 'hello-mpich'));
    // World size 2: a misconfigured MPICH runs each rank alone with size 1.
    expect(stdoutText(lines).sort()).toEqual(['rank 0 of 2', 'rank 1 of 2']);
  });

  it('should fail fast, naming the rank and the cell, when a rank raises', async () => {
    const backend = await open();
    const events: IJobEvent[] = [];
    backend.watch('default', event => events.push(event));
    const started = Date.now();
    await backend.submit(
      launch('boom', [
        'from mpi4py import MPI\ncomm = MPI.COMM_WORLD',
        'import time\nrank = comm.Get_rank()',
        'if rank == 1:\n    1 / 0\ncomm.Barrier()\ntime.sleep(600)'
      ])
    );
    const record = await waitFinished(backend, 'boom');
    // A hang would take 600 s; fail-fast takes about a launch.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(record.status).toMatchObject({
      phase: 'Failed',
      reason: 'WorkerFailed',
      failedReplica: { role: 'worker', index: 1 }
    });
    const message =
      record.status.phase === 'Failed' ? record.status.message : '';
    expect(message).toMatch(
      /rank 1 failed \(exit code 1\) in cell 3, line 2: ZeroDivisionError: division by zero/
    );
    expect(message).toMatch(/File "boom.ipynb", cell 3, line 2/);
    // The first Failed anyone sees already says why: waits end on it.
    // (Watch events are delivered after the store is written: give the
    // event a moment to arrive after get() saw the outcome.)
    for (let i = 0; i < 100 && !events.some(isFailed); i++) {
      await sleep(50);
    }
    const firstFailed = events.find(isFailed);
    expect(firstFailed?.job.status).toEqual(record.status);
    expect(record.topology.workers[1]).toMatchObject({
      phase: 'Failed',
      reason: 'Error',
      exitCode: 1
    });
    // Rank 1 failed first; mpirun and rank 0 only ended because of it.
    const { launcher, workers } = record.topology;
    expect(
      [launcher!, ...workers].map(node => replicaOutcome(node, record.status))
    ).toEqual(['Stopped', 'Stopped', 'Failed']);
  });

  it('should stop the other ranks when one exits non-zero, also under MPICH', async () => {
    const backend = await open();
    const started = Date.now();
    // MPICH lets the other ranks run on when one exits without MPI_Abort.
    await backend.submit(
      command(
        'quits',
        ['sh', '-c', 'if [ "$PMI_RANK" = 1 ]; then exit 3; fi; sleep 600'],
        { mpiImplementation: 'MPICH' }
      )
    );
    const record = await waitFinished(backend, 'quits');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(record.status).toMatchObject({
      phase: 'Failed',
      reason: 'WorkerFailed',
      failedReplica: { role: 'worker', index: 1 }
    });
    expect(record.status.phase === 'Failed' && record.status.message).toMatch(
      /rank 1 exited with code 3/
    );
    expect(record.topology.workers[1].exitCode).toBe(3);
  });

  it('should run spec.command, and record 20 concurrent submissions', async () => {
    const backend = await open();
    const names = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
    const records = await Promise.all(
      names.map(name =>
        backend.submit(
          command(name, ['echo', `hello from ${name}`], { workers: 1 })
        )
      )
    );
    expect(new Set(records.map(r => r.uid)).size).toBe(20);
    const finished = await Promise.all(
      names.map(name => waitFinished(backend, name, 25_000))
    );
    expect(finished.map(r => r.status.phase)).toEqual(
      names.map(() => 'Succeeded')
    );
    const listed = await backend.list('default');
    expect(listed.map(r => r.name).sort()).toEqual([...names].sort());
    expect(new Set(listed.map(r => r.uid)).size).toBe(20);
    const lines = await collect(backend.logs('default', 'burst-7'));
    expect(stdoutText(lines)).toEqual(['hello from burst-7']);
  });

  it('should refuse a name that is taken with AlreadyExists', async () => {
    const backend = await open();
    await backend.submit(command('taken', ['true'], { workers: 1 }));
    const error = await caught(
      backend.submit(command('taken', ['true'], { workers: 1 }))
    );
    expect(error.reason).toBe('AlreadyExists');
    expect(error.message).toBe('mpijobs.kubeflow.org "taken" already exists');
    await waitFinished(backend, 'taken');
  });

  it('should refuse path traversal in names and namespaces', async () => {
    const backend = await open();
    const valid = command('ok', ['true'], { workers: 1 });
    if (valid.kind !== 'launch') {
      throw new Error('unreachable');
    }
    for (const [namespace, name] of [
      ['default', '../x'],
      ['default', 'a/b'],
      ['default', '%2e%2e'],
      ['..', 'x']
    ]) {
      const job = {
        ...valid.job,
        spec: { ...valid.job.spec, name, namespace }
      };
      const error = await caught(backend.submit({ kind: 'launch', job }));
      expect(error.reason).toBe('Invalid');
      expect(error.message).toMatch(/is not valid/);
      expect((await caught(backend.get(namespace, name))).reason).toBe(
        'BadRequest'
      );
      expect((await caught(backend.delete(namespace, name))).reason).toBe(
        'BadRequest'
      );
      expect(
        (await caught(collect(backend.logs(namespace, name)))).reason
      ).toBe('BadRequest');
    }
    // Nothing was written: no job directory, inside the store or out.
    expect(await backend.list()).toEqual([]);
    expect(
      (await fs.readdir(dataDir, { recursive: true })).filter(p =>
        p.includes('x')
      )
    ).toEqual([]);
  });

  it('should refuse more ranks than cores unless oversubscribe is set', async () => {
    const backend = await open({ cores: 2 });
    const error = await caught(
      backend.submit(command('wide', ['true'], { workers: 4 }))
    );
    expect(error.reason).toBe('Invalid');
    expect(error.message).toMatch(
      /^4 ranks \(Workers × Slots per worker\) but this machine has 2 cores\. Turn on "Allow more ranks than cores"/
    );
    expect(error.problems).toEqual([
      {
        path: 'oversubscribe',
        message:
          'must be on to run 4 ranks on 2 cores; or lower Workers × Slots per worker to 2'
      }
    ]);

    await backend.submit(
      command('wide', ['true'], {
        workers: 2,
        slotsPerWorker: 2,
        oversubscribe: true
      })
    );
    const record = await waitFinished(backend, 'wide');
    expect(record.status.phase).toBe('Succeeded');
    expect(record.topology.workers).toHaveLength(2);
  });

  it('should refuse exactly the jobs whose preflight cores check fails', async () => {
    const backend = await open({ cores: 2 });
    const scales = [
      { workers: 2 },
      { workers: 3 },
      { workers: 3, oversubscribe: true },
      { workers: 2, slotsPerWorker: 2, oversubscribe: true },
      { workers: 65, oversubscribe: true }
    ];
    const outcomes = [];
    for (const [i, scale] of scales.entries()) {
      const submission = command(`scale-${i}`, ['true'], scale);
      if (submission.kind !== 'launch') {
        throw new Error('expected a launch');
      }
      const report = await backend.preflight(submission.job.spec);
      const cores = report.checks.find(c => c.name === 'cores');
      const refused = await backend.submit(submission, { dryRun: true }).then(
        () => null,
        (error: BackendError) => error.problems[0]?.path
      );
      outcomes.push([cores?.ok, cores?.severity, refused]);
    }
    expect(outcomes).toEqual([
      [true, 'error', null],
      [false, 'error', 'oversubscribe'],
      [false, 'warning', null],
      [false, 'warning', null],
      [false, 'error', 'workers']
    ]);
  });

  it('should refuse Intel MPI and MPIJob manifests as Invalid', async () => {
    const backend = await open();
    const intel = await caught(
      backend.submit(command('intel', ['true'], { mpiImplementation: 'Intel' }))
    );
    expect(intel.reason).toBe('Invalid');
    expect(intel.message).toMatch(/Intel MPI is not installed/);
    expect(intel.problems[0].path).toBe('mpiImplementation');

    const manifest = await caught(
      backend.submit({
        kind: 'manifest',
        object: {
          apiVersion: 'kubeflow.org/v2beta1',
          kind: 'MPIJob',
          metadata: { name: 'm' }
        }
      })
    );
    expect(manifest.reason).toBe('Invalid');
    expect(manifest.message).toMatch(/kubernetes backend/);
  });

  it('should refuse clearly when mpirun is missing', async () => {
    const backend = await open({ mpirun: { openmpi: '/nonexistent/mpirun' } });
    const error = await caught(backend.submit(launch('nompi', MPI_HELLO)));
    expect(error.reason).toBe('ServiceUnavailable');
    expect(error.message).toMatch(
      /Open MPI is not installed here: \/nonexistent\/mpirun was not found/
    );
    expect(error.message).toMatch(/apt-get install openmpi-bin/);
    expect(await backend.list()).toEqual([]);
  });

  it('should write and start nothing on a dry run', async () => {
    const backend = await open();
    const record = await backend.submit(launch('dry', MPI_HELLO), {
      dryRun: true
    });
    expect(record).toMatchObject({ name: 'dry', status: { phase: 'Pending' } });
    expect(await backend.list()).toEqual([]);
    expect((await caught(backend.get('default', 'dry'))).reason).toBe(
      'NotFound'
    );
  });
});

describe('#logs', () => {
  it('should deliver lines as they are printed and end when the job ends', async () => {
    const backend = await open();
    await backend.submit(
      launch(
        'ticks',
        [
          'import time',
          "for i in range(4):\n    print('tick', i, flush=True)\n    time.sleep(0.4)"
        ],
        { workers: 1 }
      )
    );
    const arrivals: number[] = [];
    const lines: ILogLine[] = [];
    for await (const line of backend.logs('default', 'ticks', {
      follow: true
    })) {
      arrivals.push(Date.now());
      lines.push(line);
    }
    const ended = Date.now();
    expect(stdoutText(lines)).toEqual(['tick 0', 'tick 1', 'tick 2', 'tick 3']);
    // Streamed: the first line came long before the last was printed.
    expect(arrivals[3] - arrivals[0]).toBeGreaterThan(800);
    // And the follow ended with the job, having delivered everything.
    const record = await backend.get('default', 'ticks');
    expect(record.status.phase).toBe('Succeeded');
    expect(Date.parse(record.finishedAt ?? '')).toBeLessThanOrEqual(ended);
    expect(Date.parse(lines[0].time)).toBeLessThan(
      Date.parse(record.finishedAt ?? '') - 800
    );

    const tail = await collect(
      backend.logs('default', 'ticks', { tail: 2, follow: true })
    );
    expect(stdoutText(tail)).toEqual(['tick 2', 'tick 3']);
    // A rank the job does not have is refused, not an empty log.
    expect(
      await caught(collect(backend.logs('default', 'ticks', { rank: 5 })))
    ).toMatchObject({
      reason: 'BadRequest',
      message: 'rank 5 does not exist: the job has 1 rank (0)'
    });
    expect(
      (await caught(collect(backend.logs('default', 'nope')))).reason
    ).toBe('NotFound');
  });
});

describe('output order', () => {
  // mpirun forwards a rank's stdout and stderr on separate pipes; each rank's
  // lines must still read in the order the rank printed them.
  it.each(['OpenMPI', 'MPICH'])(
    "should keep each rank's lines in order, tracebacks after what the rank printed before, under %s",
    async implementation => {
      const backend = await open();
      const name = `order-${implementation.toLowerCase()}`;
      await backend.submit(
        launch(
          name,
          [
            'import sys\nfrom mpi4py import MPI\nrank = MPI.COMM_WORLD.Get_rank()',
            [
              'for i in range(3):',
              "    print(f'out {rank}.{i}')",
              "    print(f'err {rank}.{i}', file=sys.stderr)",
              "print(f'hello {rank}')",
              'if rank == 1:',
              "    raise ValueError('boom')",
              'MPI.COMM_WORLD.Barrier()'
            ].join('\n')
          ],
          { mpiImplementation: implementation }
        )
      );
      const record = await waitFinished(backend, name);
      expect(record.status).toMatchObject({
        phase: 'Failed',
        failedReplica: { role: 'worker', index: 1 }
      });
      const lines = (
        await collect(backend.logs('default', name, { rank: 1 }))
      ).map(l => [l.stream, l.text]);
      expect(lines.slice(0, 7)).toEqual([
        ['stdout', 'out 1.0'],
        ['stderr', 'err 1.0'],
        ['stdout', 'out 1.1'],
        ['stderr', 'err 1.1'],
        ['stdout', 'out 1.2'],
        ['stderr', 'err 1.2'],
        ['stdout', 'hello 1']
      ]);
      // Then the traceback, told apart as stderr (the MPI's own abort
      // report may follow it).
      const traceback = lines.slice(7);
      expect(traceback[0]).toEqual([
        'stderr',
        'Traceback (most recent call last):'
      ]);
      const error = traceback.findIndex(
        ([, text]) => text === 'ValueError: boom'
      );
      expect(error).toBeGreaterThan(0);
      expect(traceback.slice(0, error + 1).map(([stream]) => stream)).toEqual(
        Array(error + 1).fill('stderr')
      );
      // The one line the sidebar shows.
      expect(statusSummary(record.status)).toBe(
        'rank 1 failed (exit code 1) in cell 2, line 6: ValueError: boom'
      );
    }
  );
});

describe('#delete', () => {
  it('should stop every rank of a running job and remove it', async () => {
    const backend = await open();
    const events: IJobEvent[] = [];
    backend.watch(undefined, event => events.push(event));
    const submitted = await backend.submit(
      launch('sleeper', [
        'import time',
        "print('sleeping', flush=True)\ntime.sleep(600)"
      ])
    );
    await firstLines(backend, 'sleeper', 2);
    const stored = await backend.store.read('default', 'sleeper');
    const launcherPid = stored?.run.launcher?.pid ?? -1;
    expect(alive(launcherPid)).toBe(true);
    const pids = processesOfJob(submitted.uid);
    // mpirun, and per rank the wrapper and python (and Open MPI's helpers).
    expect(pids.length).toBeGreaterThanOrEqual(5);
    expect(processesMentioning(dataDir).length).toBeGreaterThanOrEqual(3);

    const started = Date.now();
    const deleted = await backend.delete('default', 'sleeper');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(deleted).toMatchObject({
      name: 'sleeper',
      uid: submitted.uid,
      status: { phase: 'Running' }
    });
    expect(pids.filter(alive)).toEqual([]);
    expect(processesOfJob(submitted.uid)).toEqual([]);
    expect(events.map(e => e.type)).toContain('DELETED');
    expect(events[events.length - 1]).toMatchObject({
      type: 'DELETED',
      job: { uid: submitted.uid }
    });
    expect((await caught(backend.get('default', 'sleeper'))).reason).toBe(
      'NotFound'
    );
    await expect(
      fs.access(join(dataDir, 'jobs', 'default', 'sleeper'))
    ).rejects.toThrow();
    expect((await caught(backend.delete('default', 'sleeper'))).reason).toBe(
      'NotFound'
    );
    // The name is free again.
    await backend.submit(command('sleeper', ['true'], { workers: 1 }));
    expect((await waitFinished(backend, 'sleeper')).uid).not.toBe(
      submitted.uid
    );
  });
});

describe('restart', () => {
  it('should list every earlier job from a new backend on the same directory', async () => {
    const first = await open();
    await first.submit(command('one', ['true'], { workers: 1 }));
    await first.submit(
      command('two', ['false'], { workers: 1, namespace: 'team' })
    );
    await waitFinished(first, 'one');
    await waitFinished(first, 'two', 20_000, 'team');
    await first.close();
    const second = await open();
    const listed = await second.list();
    expect(
      listed.map(r => `${r.namespace}/${r.name}:${r.status.phase}`)
    ).toEqual(['default/one:Succeeded', 'team/two:Failed']);
    expect((await second.get('team', 'two')).status).toMatchObject({
      phase: 'Failed',
      reason: 'WorkerFailed'
    });
    expect(
      (await collect(second.logs('default', 'one'))).filter(
        l => l.rank !== null
      )
    ).toEqual([]);
    // Newer changes get newer versions than any stored one.
    await second.submit(command('three', ['true'], { workers: 1 }));
    const three = await waitFinished(second, 'three');
    expect(Number(three.resourceVersion)).toBeGreaterThan(
      Math.max(...listed.map(r => Number(r.resourceVersion)))
    );
  });

  it('should mark jobs whose service and processes died as LostProcess', async () => {
    const backend = await open();
    const template = await backend.submit(launch('gone', MPI_HELLO), {
      dryRun: true
    });
    await backend.close();
    const deadPid = await deadProcessId();
    const store = new JobStore<Partial<ILocalRun>>(dataDir);
    const identity = { pid: deadPid, startTicks: 1, bootId: null };
    await store.create({
      version: 1,
      record: { ...template, status: { phase: 'Running', startTime: null } },
      run: {
        flavor: 'openmpi',
        ranks: 2,
        phase: 'Running',
        owner: identity,
        launcher: identity,
        startedAt: template.createdAt
      }
    });
    await store.create({
      version: 1,
      record: { ...template, name: 'never-started', uid: 'u-2' },
      run: { phase: 'Pending', owner: identity }
    });
    const restarted = await open();
    for (const name of ['gone', 'never-started']) {
      const record = await restarted.get('default', name);
      expect(record.status).toMatchObject({
        phase: 'Failed',
        reason: 'LostProcess'
      });
      expect(record.status.phase === 'Failed' && record.status.message).toMatch(
        /the MPI job service stopped while this job was running; its ranks were stopped\. Run it again\./
      );
      expect(record.finishedAt).not.toBeNull();
    }
    // And it stays so: a third backend finds a finished record.
    await restarted.close();
    const third = await open();
    expect((await third.get('default', 'gone')).status.phase).toBe('Failed');
  });

  it('should stop the ranks a killed service left behind', async () => {
    const driver = await bundleDriver();
    const service = spawn(
      process.execPath,
      [
        driver,
        dataDir,
        PYTHON,
        JSON.stringify({
          name: 'orphan',
          source: { notebook: 'orphan.ipynb', cells: 'all' }
        }),
        JSON.stringify(
          notebook(['import time', "print('up', flush=True)\ntime.sleep(600)"])
        )
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] }
    );
    try {
      const uid = await readyLine(service);
      const survivors = processesOfJob(uid);
      expect(survivors.length).toBeGreaterThanOrEqual(5);
      // The service dies without any chance to clean up.
      service.kill('SIGKILL');
      await new Promise(resolve => service.once('exit', resolve));
      await sleep(100);
      expect(survivors.filter(alive).length).toBeGreaterThan(0);

      const restarted = await open();
      expect(survivors.filter(alive)).toEqual([]);
      expect(processesOfJob(uid)).toEqual([]);
      const record = await restarted.get('default', 'orphan');
      expect(record.uid).toBe(uid);
      expect(record.status).toMatchObject({
        phase: 'Failed',
        reason: 'LostProcess'
      });
      expect(record.topology.workers.map(w => w.phase)).toEqual([
        'Unknown',
        'Unknown'
      ]);
      // Its output up to the crash is still there.
      expect(
        stdoutText(
          await collect(restarted.logs('default', 'orphan', { follow: true }))
        )
      ).toEqual(['up', 'up']);
    } finally {
      service.kill('SIGKILL');
    }
  });
});

describe('#close', () => {
  it('should stop running jobs and mark them ServiceStopped', async () => {
    const backend = await open();
    const submitted = await backend.submit(
      launch('long', [
        'import time',
        "print('on', flush=True)\ntime.sleep(600)"
      ])
    );
    await firstLines(backend, 'long', 2);
    const follower = collect(backend.logs('default', 'long', { follow: true }));
    await backend.close();
    expect(processesOfJob(submitted.uid)).toEqual([]);
    // The follow ends with the job.
    expect(stdoutText(await follower)).toEqual(['on', 'on']);
    const record = await backend.get('default', 'long');
    expect(record.status).toMatchObject({
      phase: 'Failed',
      reason: 'ServiceStopped'
    });
    expect(
      (await caught(backend.submit(launch('late', MPI_HELLO)))).reason
    ).toBe('ServiceUnavailable');
  });
});

// ---------------------------------------------------------------------------
// A service in a child process, to be killed with SIGKILL.

async function bundleDriver(): Promise<string> {
  const source = join(dataDir, 'driver.ts');
  const outfile = join(dataDir, 'driver.js');
  const here = (path: string): string => JSON.stringify(join(ROOT, path));
  await fs.writeFile(
    source,
    [
      `import { LocalBackend } from ${here('src/node/backends/local')};`,
      `import { buildJob } from ${here('src/core/job')};`,
      `import { parseLaunchSpec } from ${here('src/core/spec')};`,
      'async function main(): Promise<void> {',
      '  const [dataDir, python, spec, nb] = process.argv.slice(2);',
      '  const backend = await LocalBackend.open({ dataDir, python });',
      '  const job = buildJob(parseLaunchSpec(JSON.parse(spec)), JSON.parse(nb));',
      "  const record = await backend.submit({ kind: 'launch', job });",
      '  let seen = 0;',
      '  for await (const line of backend.logs(record.namespace, record.name, { follow: true })) {',
      "    if (line.stream === 'stdout' && ++seen === 2) {",
      '      process.stdout.write(`ready ${record.uid}\\n`);',
      '    }',
      '  }',
      '}',
      'void main();',
      ''
    ].join('\n')
  );
  buildSync({
    entryPoints: [source],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'silent'
  });
  return outfile;
}

function readyLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      text += chunk;
      const match = /ready (\S+)\n/.exec(text);
      if (match) {
        resolve(match[1]);
      }
    });
    child.once('exit', code => reject(new Error(`driver exited (${code})`)));
  });
}

function deadProcessId(): Promise<number> {
  return new Promise(resolve => {
    const child = spawn('true');
    const pid = child.pid ?? 999_999;
    child.once('exit', () => resolve(pid));
  });
}
