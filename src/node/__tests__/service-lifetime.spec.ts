/**
 * @jest-environment node
 *
 * How long the job service lives: one the CLI starts stops once idle (no job
 * running, no client connected) and at once when its data directory is
 * deleted; one started for Jupyter (`--parent-pid`) outlives both; a
 * forwarder serves in place of an owner that stopped. Real `mpijob serve`
 * processes of the bundled CLI, real mpirun jobs.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { call, PYTHON, SseReader, tempDir } from './fixtures/service/harness';
import { CLI, mpijob } from './helpers';

/** A `mpijob serve` child process. */
class Serve {
  /** Everything it wrote to stderr. */
  stderr = '';
  /** Its exit: code and when (ms since the epoch). */
  readonly exited: Promise<{ code: number | null; at: number }>;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();
  private hasExited = false;

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [CLI, 'serve', ...args], {
      env: { ...process.env, MPIJOB_PYTHON: PYTHON },
      stdio: ['ignore', 'ignore', 'pipe']
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderr += chunk;
      for (const waiter of [...this.waiters]) {
        waiter();
      }
    });
    this.exited = new Promise(resolve =>
      this.child.once('exit', code => {
        this.hasExited = true;
        resolve({ code, at: Date.now() });
      })
    );
    running.add(this);
  }

  /** Its process id. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** Whether it has exited. */
  get done(): boolean {
    return this.hasExited;
  }

  /**
   * Waits until stderr matches.
   *
   * @param pattern - what to wait for
   * @returns when it does
   * @throws {Error} when the process exits first
   */
  waitFor(pattern: RegExp): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (pattern.test(this.stderr)) {
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
      check();
      void this.exited.then(() => {
        if (this.waiters.delete(check)) {
          reject(
            new Error(
              `exited before printing ${pattern}; stderr:\n${this.stderr}`
            )
          );
        }
      });
    });
  }

  /** Stops it (SIGTERM) and waits for its exit. */
  async stop(): Promise<void> {
    if (!this.hasExited) {
      this.child.kill('SIGTERM');
    }
    await this.exited;
  }
}

const running = new Set<Serve>();
const dirs: string[] = [];

function dataDir(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
}

/** Whether a process (not necessarily our child) is alive. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ids of the processes whose command line contains `text` (Linux /proc). */
function processesWith(text: string): number[] {
  return readdirSync('/proc')
    .filter(entry => /^\d+$/.test(entry))
    .filter(pid => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Waits until a condition holds (checked every 50 ms, for up to 30 s). */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('the condition did not hold within 30 s');
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

afterAll(async () => {
  await Promise.all([...running].map(serve => serve.stop()));
  // Services the CLI started for the checks below stop themselves (1s idle).
  for (const dir of dirs) {
    const pidFile = join(dir, 'service.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      await waitFor(() => !isAlive(pid)).catch(() => process.kill(pid));
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the job service started on demand', () => {
  it('should be started by the CLI with an idle timeout and stop once idle', async () => {
    const dir = dataDir();
    const listed = await mpijob(['--data-dir', dir, 'list'], {
      env: { MPIJOB_IDLE_TIMEOUT: '1s' }
    });
    expect(listed.stderr).toBe('No resources found in default namespace.\n');
    const pid = Number(readFileSync(join(dir, 'service.pid'), 'utf8'));
    expect(isAlive(pid)).toBe(true);
    await waitFor(() => !isAlive(pid));
    expect(readFileSync(join(dir, 'service.log'), 'utf8')).toMatch(
      /no job running and no client connected for 1s: stopping\n$/
    );
    expect(existsSync(join(dir, 'service.pid'))).toBe(false);
    expect(existsSync(join(dir, 'service.sock'))).toBe(false);
  }, 60_000);

  it('should refuse an idle timeout that is no duration', async () => {
    const dir = dataDir();
    const listed = await mpijob(['--data-dir', dir, 'list'], {
      env: { MPIJOB_IDLE_TIMEOUT: 'soon' }
    });
    expect(listed.code).toBe(2);
    expect(listed.stderr).toBe(
      'error: invalid $MPIJOB_IDLE_TIMEOUT "soon": use a duration such as 90s or 5m, or 0 for never\n'
    );
    expect(existsSync(join(dir, 'service.pid'))).toBe(false);
    const serve = await mpijob([
      'serve',
      '--data-dir',
      dir,
      '--idle-timeout',
      '5 minutes'
    ]);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain('error: invalid --idle-timeout "5 minutes"');
  });

  it('should keep running while a job runs, then stop once idle', async () => {
    const dir = dataDir();
    const serve = new Serve(['--data-dir', dir, '--idle-timeout', '1s']);
    await serve.waitFor(/listening on /);
    // Three times the idle timeout, with no client connected once created.
    const created = await mpijob([
      '--data-dir',
      dir,
      'create',
      '--name',
      'nap',
      '--workers',
      '1',
      '--',
      PYTHON,
      '-c',
      'import time; time.sleep(3); print("rested", flush=True)'
    ]);
    expect(created.stdout).toBe('mpijob.kubeflow.org/nap created\n');
    const exit = await serve.exited;
    expect(exit.code).toBe(0);

    // Stopped while the job ran, the service would have failed it (ServiceStopped).
    const got = await mpijob(['--data-dir', dir, 'get', 'nap', '-o', 'json'], {
      env: { MPIJOB_IDLE_TIMEOUT: '1s' }
    });
    const job = JSON.parse(got.stdout) as {
      status: { phase: string; completionTime: string };
    };
    expect(job.status.phase).toBe('Succeeded');
    expect(
      exit.at - Date.parse(job.status.completionTime)
    ).toBeGreaterThanOrEqual(1000);
  }, 60_000);

  it('should keep running while a client is connected, then stop once idle', async () => {
    const dir = dataDir();
    const serve = new Serve(['--data-dir', dir, '--idle-timeout', '1s']);
    await serve.waitFor(/listening on /);
    const events = await SseReader.open(
      { socketPath: join(dir, 'service.sock') },
      '/api/events'
    );
    // The clock: an idle service with the same timeout, started after the
    // client connected, stops after at least that long.
    const clock = new Serve(['--data-dir', dataDir(), '--idle-timeout', '1s']);
    expect((await clock.exited).code).toBe(0);
    expect(serve.done).toBe(false);

    const closed = Date.now();
    events.close();
    const exit = await serve.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - closed).toBeGreaterThanOrEqual(1000);
  }, 60_000);

  it('should stop at once when its data directory is deleted, stopping its jobs', async () => {
    const dir = dataDir();
    const serve = new Serve(['--data-dir', dir]);
    await serve.waitFor(/listening on /);
    const marker = `mpijob-lifetime-${process.pid}-${Date.now()}`;
    const created = await mpijob([
      '--data-dir',
      dir,
      'create',
      '--name',
      'forever',
      '--workers',
      '1',
      '--',
      PYTHON,
      '-c',
      `import time; time.sleep(600)  # ${marker}`
    ]);
    expect(created.code).toBe(0);
    await waitFor(() => processesWith(marker).length > 0);

    rmSync(dir, { recursive: true, force: true });
    const exit = await serve.exited;
    expect(exit.code).toBe(0);
    expect(serve.stderr).toContain(
      `the data directory ${dir} was deleted: stopping`
    );
    expect(processesWith(marker)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  }, 60_000);
});

describe('the job service started for Jupyter', () => {
  it('should outlive a deleted data directory while its parent lives', async () => {
    const dir = dataDir();
    const extra = join(tempDir(), 'proxy.sock');
    dirs.push(join(extra, '..'));
    const serve = new Serve([
      '--data-dir',
      dir,
      '--socket',
      extra,
      '--parent-pid',
      String(process.pid)
    ]);
    await serve.waitFor(new RegExp(`listening on ${extra}`));
    rmSync(dir, { recursive: true, force: true });
    // The clock: twice its check interval after the deletion.
    const clock = new Serve(['--data-dir', dataDir(), '--idle-timeout', '2s']);
    expect((await clock.exited).code).toBe(0);
    expect(serve.done).toBe(false);
    const health = await call({ socketPath: extra }, 'GET', '/api/health');
    expect(health.status).toBe(200);
    await serve.stop();
  }, 60_000);

  it('should serve in place of the owner it forwarded to once that stopped', async () => {
    const dir = dataDir();
    const owner = new Serve(['--data-dir', dir, '--idle-timeout', '1s']);
    await owner.waitFor(/listening on /);
    // Held busy until the forwarder is up.
    const events = await SseReader.open(
      { socketPath: join(dir, 'service.sock') },
      '/api/events'
    );
    const extra = join(tempDir(), 'proxy.sock');
    dirs.push(join(extra, '..'));
    const forwarder = new Serve([
      '--data-dir',
      dir,
      '--socket',
      extra,
      '--parent-pid',
      String(process.pid)
    ]);
    await forwarder.waitFor(/forwarding .* to the running service/);
    const through = await call({ socketPath: extra }, 'GET', '/api/health');
    expect(through.status).toBe(200);

    events.close();
    expect((await owner.exited).code).toBe(0);
    await forwarder.waitFor(/stopped: taking over/);
    await forwarder.waitFor(new RegExp(`listening on ${extra}`));
    for (const socketPath of [extra, join(dir, 'service.sock')]) {
      const health = await call({ socketPath }, 'GET', '/api/health');
      expect(health.status).toBe(200);
    }
    expect(readFileSync(join(dir, 'service.pid'), 'utf8')).toBe(
      String(forwarder.pid)
    );
    await forwarder.stop();
  }, 60_000);
});
