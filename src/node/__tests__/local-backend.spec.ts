/**
 * The local backend with real MPI: Open MPI's mpirun and MPICH's mpiexec,
 * 2 ranks, Python with mpi4py. No mocks.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

import type { IJobEvent } from '../../core/jobRecord';
import { parseLaunchSpec } from '../../core/spec';
import { BackendError } from '../backends/errors';
import type { IOutputLine, MpiFlavor } from '../../core/mpiOutput';
import { MpiOutputParser } from '../../core/mpiOutput';
import { replicaOutcome } from '../../core/status';
import {
  caught,
  collect,
  command,
  dataDir,
  isFailed,
  launch,
  MPI_HELLO,
  open,
  sleep,
  stdoutText,
  useLocalBackends,
  waitFinished
} from './fixtures/localBackend';

jest.setTimeout(30_000);

useLocalBackends();

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
