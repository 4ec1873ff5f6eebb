/**
 * Local jobs outlive their service: a kill -9 of `mpijob serve` in the
 * middle of a job leaves its ranks running and their logs being written;
 * the next CLI call starts a service at once (a stale pid file does not
 * block it), which adopts the job: it ends Succeeded with every line once.
 * Jobs that ended while no service ran are recorded as they ended. Real
 * CLI, real service, real mpirun.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { notebookText } from '../../core/__tests__/helpers/notebooks';
import { mpijob as run, PYTHON, ROOT, stopService } from './helpers';

const VENV = join(ROOT, '.venv');
const ENV = {
  MPIJOB_PYTHON: PYTHON,
  PATH: `${join(VENV, 'bin')}${delimiter}${process.env.PATH}`
};
const work = mkdtempSync(join(tmpdir(), 'mpijob-survive-nb-'));
const dataDirs: string[] = [];
// Processes a test started itself, stopped at the end whatever happened.
const owned: number[] = [];

// Each rank prints five lines, then ticks until the file named by its
// first argument exists, then five more lines; rank $2 then exits 3.
const PROGRAM = [
  'import os, sys, time',
  'from mpi4py import MPI',
  'rank = MPI.COMM_WORLD.Get_rank()',
  'for i in range(5):',
  '    print(f"before {rank} {i}", flush=True)',
  'k = 0',
  'while not os.path.exists(sys.argv[1]):',
  '    print(f"tick {rank} {k}", flush=True)',
  '    k += 1',
  '    time.sleep(0.1)',
  'for i in range(5):',
  '    print(f"after {rank} {i}", flush=True)',
  'sys.exit(3 if len(sys.argv) > 2 and rank == int(sys.argv[2]) else 0)',
  ''
].join('\n');
writeFileSync(join(work, 'ticks.py'), PROGRAM);

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpijob-survive-'));
  dataDirs.push(dir);
  return dir;
}

function mpijob(dataDir: string, args: readonly string[]) {
  return run(['--data-dir', dataDir, ...args], { cwd: work, env: ENV });
}

/** Alive and not a zombie (a killed process nobody reaped yet). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(
      stat.lastIndexOf(')') + 2,
      stat.lastIndexOf(')') + 3
    );
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function waitUntil(
  what: string,
  condition: () => boolean
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within 30 s`);
    }
    await new Promise(resolve => setTimeout(resolve, 25));
  }
}

function servicePid(dataDir: string): number {
  try {
    return Number(readFileSync(join(dataDir, 'service.pid'), 'utf8'));
  } catch {
    return 0;
  }
}

interface IStoredRun {
  phase: string;
  owner: { pid: number };
  supervisor?: { pid: number } | null;
}

function storedRun(dataDir: string, name: string): IStoredRun {
  const path = join(dataDir, 'jobs', 'default', name, 'job.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { run: IStoredRun }).run;
}

function logLineCount(dataDir: string, name: string, rank: number): number {
  const path = join(
    dataDir,
    'jobs',
    'default',
    name,
    'logs',
    `rank-${rank}.jsonl`
  );
  return existsSync(path)
    ? readFileSync(path, 'utf8').split('\n').length - 1
    : 0;
}

/** Stops the data directory's service with a signal and waits until it is gone. */
async function killService(
  dataDir: string,
  signal: NodeJS.Signals
): Promise<number> {
  const pid = servicePid(dataDir);
  expect(alive(pid)).toBe(true);
  process.kill(pid, signal);
  await waitUntil('the killed service is gone', () => !alive(pid));
  return pid;
}

/** The rank-tagged lines of `mpijob logs`, by rank. */
function byRank(text: string): Map<number, string[]> {
  const ranks = new Map<number, string[]>();
  for (const line of text.split('\n').filter(Boolean)) {
    const match = /^\[rank (\d+)\] (.*)$/.exec(line);
    if (match === null) {
      throw new Error(`an untagged line: ${line}`);
    }
    const rank = Number(match[1]);
    ranks.set(rank, [...(ranks.get(rank) ?? []), match[2]]);
  }
  return ranks;
}

/** What PROGRAM prints on one rank that ticked `ticks` times. */
function expectedLines(rank: number, ticks: number): string[] {
  const five = [0, 1, 2, 3, 4];
  return [
    ...five.map(i => `before ${rank} ${i}`),
    ...Array.from({ length: ticks }, (_, k) => `tick ${rank} ${k}`),
    ...five.map(i => `after ${rank} ${i}`)
  ];
}

/** Every line of every rank exactly once, in order. */
function expectCompleteLogs(logs: string, ranks: number): void {
  const lines = byRank(logs);
  expect([...lines.keys()].sort()).toEqual(
    Array.from({ length: ranks }, (_, r) => r)
  );
  for (const [rank, got] of lines) {
    const ticks = got.filter(line => line.startsWith('tick ')).length;
    expect(got).toEqual(expectedLines(rank, ticks));
  }
}

afterAll(async () => {
  for (const pid of owned) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  for (const dir of dataDirs) {
    await stopService(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  rmSync(work, { recursive: true, force: true });
});

describe('a local job when its service is killed', () => {
  // SIGKILL: an OOM kill; SIGTERM: a restart (of the service, or of the
  // Jupyter server that runs it), where the service leaves jobs running.
  it.each(['SIGKILL', 'SIGTERM'] as const)(
    'should keep running after %s, be adopted by the next service and Succeed with complete logs',
    async signal => {
      const dataDir = newDataDir();
      const go = join(work, `go-survivor-${signal}`);
      const created = await mpijob(dataDir, [
        'create',
        '--name',
        'survivor',
        '--workers',
        '2',
        '--',
        'python3',
        'ticks.py',
        go
      ]);
      expect(created.stderr).toBe('');
      // The signal: the ranks are past their first lines, ticking.
      await waitUntil(
        'both ranks tick',
        () =>
          logLineCount(dataDir, 'survivor', 0) > 5 &&
          logLineCount(dataDir, 'survivor', 1) > 5
      );
      const supervisor = storedRun(dataDir, 'survivor').supervisor?.pid ?? 0;
      const killed = await killService(dataDir, signal);

      // Without any service, the ranks run on and their lines are written.
      expect(alive(supervisor)).toBe(true);
      const before = logLineCount(dataDir, 'survivor', 0);
      await waitUntil(
        'lines written with no service',
        () => logLineCount(dataDir, 'survivor', 1) > before + 2
      );

      const started = Date.now();
      const waited = mpijob(dataDir, [
        'wait',
        'survivor',
        '--for=condition=Succeeded',
        '--timeout=60s'
      ]);
      // The next call's service adopts the job while its ranks still run.
      await waitUntil('a new service adopts the job', () => {
        const owner = servicePid(dataDir);
        return (
          owner !== 0 &&
          owner !== killed &&
          storedRun(dataDir, 'survivor').owner.pid === owner
        );
      });
      const adoptedMs = Date.now() - started;
      expect(storedRun(dataDir, 'survivor').phase).toBe('Running');
      writeFileSync(go, '');
      const result = await waited;
      const waitedMs = Date.now() - started;
      process.stdout.write(
        `first CLI call after ${signal}: service up and job adopted in ${adoptedMs} ms; wait returned in ${waitedMs} ms\n`
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      // Far from the 20 s a stale pid file used to cost.
      expect(adoptedMs).toBeLessThan(10_000);

      const logs = await mpijob(dataDir, ['logs', 'survivor']);
      expectCompleteLogs(logs.stdout, 2);
      const got = JSON.parse(
        (await mpijob(dataDir, ['get', 'survivor', '-o', 'json'])).stdout
      );
      expect(got.status.phase).toBe('Succeeded');
      expect((await mpijob(dataDir, ['describe', 'survivor'])).stdout).toMatch(
        /^Exit Code:\s+0$/m
      );
      expect(alive(supervisor)).toBe(false);
      expect(readFileSync(join(dataDir, 'service.log'), 'utf8')).not.toContain(
        'already running'
      );
    },
    120_000
  );

  it('should record the end of jobs whose ranks ended while no service ran', async () => {
    const dataDir = newDataDir();
    const go = join(work, 'go-offline');
    const ok = await mpijob(dataDir, [
      'create',
      '--name',
      'offline-ok',
      '--workers',
      '2',
      '--',
      'python3',
      'ticks.py',
      go
    ]);
    expect(ok.stderr).toBe('');
    const path = join(work, 'offline-bad.ipynb');
    writeFileSync(
      path,
      notebookText([
        'import os, time\nfrom mpi4py import MPI\nrank = MPI.COMM_WORLD.Get_rank()',
        `print("waiting", flush=True)\nwhile not os.path.exists(${JSON.stringify(go)}):\n    time.sleep(0.05)`,
        'if rank == 1:\n    raise ValueError("late failure")'
      ])
    );
    const bad = await mpijob(dataDir, [
      'create',
      '--from-notebook',
      path,
      '--workers',
      '2'
    ]);
    expect(bad.stderr).toBe('');
    await waitUntil(
      'every rank printed',
      () =>
        [0, 1].every(rank => logLineCount(dataDir, 'offline-ok', rank) > 5) &&
        [0, 1].every(rank => logLineCount(dataDir, 'offline-bad', rank) > 0)
    );
    const supervisors = ['offline-ok', 'offline-bad'].map(
      name => storedRun(dataDir, name).supervisor?.pid ?? 0
    );
    await killService(dataDir, 'SIGKILL');
    writeFileSync(go, '');
    // Both jobs end, and their supervisors with them, with no service.
    await waitUntil('both supervisors ended', () =>
      supervisors.every(pid => !alive(pid))
    );
    expect(existsSync(join(dataDir, 'service.sock'))).toBe(true);

    const started = Date.now();
    const got = await mpijob(dataDir, ['get', 'offline-ok', '-o', 'json']);
    const startMs = Date.now() - started;
    process.stdout.write(
      `first CLI call after kill -9 (jobs ended meanwhile): ${startMs} ms\n`
    );
    expect(startMs).toBeLessThan(10_000);
    const okRecord = JSON.parse(got.stdout);
    expect(okRecord.status.phase).toBe('Succeeded');
    expect((await mpijob(dataDir, ['describe', 'offline-ok'])).stdout).toMatch(
      /^Exit Code:\s+0$/m
    );
    expectCompleteLogs(
      (await mpijob(dataDir, ['logs', 'offline-ok'])).stdout,
      2
    );

    const waited = await mpijob(dataDir, [
      'wait',
      'offline-bad',
      '--for=condition=Succeeded',
      '--timeout=30s'
    ]);
    expect(waited.code).toBe(1);
    expect(waited.stderr).toMatch(
      /^error: mpijobs\/offline-bad ended Failed, not Succeeded: .*rank 1.*cell 3.*ValueError: late failure/m
    );
    const rank1 = await mpijob(dataDir, ['logs', 'offline-bad', '--rank', '1']);
    expect(rank1.stdout).toMatch(
      /^waiting\n(.*\n)*.*File "[^"]*offline-bad\.ipynb", cell 3, line 2, in <module>\n(.*\n)*ValueError: late failure\n$/
    );
  }, 120_000);
});

describe('a stale pid file', () => {
  // A pid that names no job service of this data directory.
  const cases: Array<[string, () => Promise<number>]> = [
    [
      'a dead process',
      () =>
        new Promise(resolve => {
          const child = spawn('true');
          child.once('exit', () => resolve(child.pid ?? 0));
        })
    ],
    [
      'a live process that is no job service',
      async () => {
        const child = spawn('sleep', ['600'], { stdio: 'ignore' });
        owned.push(child.pid ?? 0);
        return child.pid ?? 0;
      }
    ],
    [
      'a killed process nobody reaped (a zombie)',
      () =>
        new Promise(resolve => {
          // The parent keeps its exited child unreaped, as init here does
          // with a service killed after the CLI that started it exited.
          const parent = spawn(
            PYTHON,
            [
              '-c',
              'import os, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nwhile open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] != "Z":\n    time.sleep(0.01)\nprint(pid, flush=True)\ntime.sleep(600)'
            ],
            { stdio: ['ignore', 'pipe', 'inherit'] }
          );
          owned.push(parent.pid ?? 0);
          parent.stdout.once('data', (chunk: Buffer) =>
            resolve(Number(chunk.toString().trim()))
          );
        })
    ]
  ];

  it.each(cases)(
    'naming %s should not block or delay a start',
    async (_, stale) => {
      const dataDir = newDataDir();
      const pid = await stale();
      expect(pid).toBeGreaterThan(0);
      writeFileSync(join(dataDir, 'service.pid'), String(pid));
      const started = Date.now();
      const listed = await mpijob(dataDir, ['list']);
      const startMs = Date.now() - started;
      expect(listed.stderr).toBe('No resources found in default namespace.\n');
      expect(listed.code).toBe(0);
      expect(startMs).toBeLessThan(10_000);
      const owner = servicePid(dataDir);
      expect(owner).not.toBe(pid);
      expect(alive(owner)).toBe(true);
      expect(readFileSync(join(dataDir, 'service.log'), 'utf8')).not.toContain(
        'already running'
      );
    },
    60_000
  );
});
