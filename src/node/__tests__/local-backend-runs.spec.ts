/**
 * The local backend with real MPI, once jobs run: following logs, output
 * order, deleting, restarting after the service died, shutting down.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

import { buildSync } from 'esbuild';

import type { IJobEvent, ILogLine } from '../../core/jobRecord';
import type { ILocalRun } from '../backends/local/model';
import { statusSummary } from '../../core/status';
import { JobStore } from '../backends/local/store';
import {
  alive,
  caught,
  collect,
  command,
  dataDir,
  firstLines,
  launch,
  MPI_HELLO,
  notebook,
  open,
  processesMentioning,
  processesOfJob,
  PYTHON,
  ROOT,
  stdoutText,
  useLocalBackends,
  waitFinished
} from './fixtures/localBackend';

jest.setTimeout(30_000);

useLocalBackends();

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
        /the process that ran this job stopped while the job was running; its ranks were stopped\. Run it again\./
      );
      expect(record.finishedAt).not.toBeNull();
    }
    // And it stays so: a third backend finds a finished record.
    await restarted.close();
    const third = await open();
    expect((await third.get('default', 'gone')).status.phase).toBe('Failed');
  });

  it('should adopt the running job of a killed service, and stop its ranks on delete', async () => {
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

      // The job runs on; a new backend adopts it.
      const restarted = await open();
      expect(survivors.filter(alive)).toEqual(survivors);
      const record = await restarted.get('default', 'orphan');
      expect(record.uid).toBe(uid);
      expect(record.status.phase).toBe('Running');
      // Its output from before the crash is there.
      expect(
        stdoutText(await collect(restarted.logs('default', 'orphan')))
      ).toEqual(['up', 'up']);
      // Deleting the adopted job stops every process of it.
      await restarted.delete('default', 'orphan');
      expect(survivors.filter(alive)).toEqual([]);
      expect(processesOfJob(uid)).toEqual([]);
      await expect(restarted.get('default', 'orphan')).rejects.toMatchObject({
        reason: 'NotFound'
      });
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
