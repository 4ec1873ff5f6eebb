/**
 * The job service under test: `mpijob serve --backend kubernetes` as a child
 * process on a unix socket, as jupyter-server-proxy starts it, so its CPU
 * time and resident memory can be read from /proc while it works.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';

import { ServiceClient } from '../../client';

/** How to start the service. */
export interface IServiceProcessOptions {
  /** The CLI script (this one). */
  readonly cli: string;
  /** kubeconfig of the cluster. */
  readonly kubeconfig?: string;
  /** Context the service runs as. */
  readonly context?: string;
  /** Namespace it serves. */
  readonly namespace: string;
  /** Its data directory. */
  readonly dataDir: string;
}

/** CPU and memory of a process, from /proc. */
export interface IProcessUsage {
  /** User + system CPU seconds. */
  readonly cpuSeconds: number;
  /** Resident set now, bytes. */
  readonly rssBytes: number;
  /** Largest resident set so far (VmHWM), bytes. */
  readonly peakRssBytes: number;
}

// USER_HZ: what /proc/<pid>/stat counts CPU time in on Linux.
const CLOCK_TICKS = 100;

/**
 * Reads a process's CPU time and memory.
 *
 * @param pid - the process
 * @returns its usage; null when it is gone
 */
export async function processUsage(pid: number): Promise<IProcessUsage | null> {
  try {
    const [stat, status] = await Promise.all([
      fs.readFile(`/proc/${pid}/stat`, 'utf8'),
      fs.readFile(`/proc/${pid}/status`, 'utf8')
    ]);
    // The command name may hold spaces and parentheses: fields follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const kib = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) *
      1024;
    return {
      cpuSeconds: ticks / CLOCK_TICKS,
      rssBytes: kib('VmRSS'),
      peakRssBytes: kib('VmHWM')
    };
  } catch {
    return null;
  }
}

/** A running service and what it used. */
export class ServiceProcess {
  #child: ChildProcess;
  #log = '';
  #sampler: NodeJS.Timeout;
  // CPU of earlier incarnations (a restart fault starts a new process).
  #cpuBefore = 0;
  #last: IProcessUsage | null = null;
  #maxRss = 0;
  /** Its client. */
  readonly client: ServiceClient;
  /** Its socket. */
  readonly socketPath: string;

  private constructor(
    private readonly options: IServiceProcessOptions,
    child: ChildProcess
  ) {
    this.#child = child;
    this.#capture(child);
    this.socketPath = join(options.dataDir, 'kubernetes-service.sock');
    this.client = new ServiceClient({ socketPath: this.socketPath });
    this.#sampler = setInterval(() => void this.sample(), 500);
  }

  /**
   * Starts the service and waits until it answers.
   *
   * @param options - cluster, namespace, data directory
   * @returns the running service
   * @throws {Error} when it exits or does not answer within 60 s
   */
  static async start(options: IServiceProcessOptions): Promise<ServiceProcess> {
    await fs.mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    const service = new ServiceProcess(options, spawnService(options));
    await service.ready();
    return service;
  }

  /** Its process id. */
  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** What it printed on stderr (the end of it). */
  get log(): string {
    return this.#log;
  }

  /**
   * CPU seconds of every incarnation and the largest resident set seen.
   *
   * @returns the usage so far
   */
  async usage(): Promise<{ cpuSeconds: number; maxRssBytes: number }> {
    await this.sample();
    return {
      cpuSeconds: this.#cpuBefore + (this.#last?.cpuSeconds ?? 0),
      maxRssBytes: this.#maxRss
    };
  }

  /** Reads /proc once. */
  async sample(): Promise<void> {
    const usage = await processUsage(this.pid);
    if (usage) {
      this.#last = usage;
      this.#maxRss = Math.max(this.#maxRss, usage.peakRssBytes, usage.rssBytes);
    }
  }

  /**
   * Kills the service (-9, as a crash would) and starts it again on the
   * same data directory and socket.
   *
   * @returns seconds until it answered again
   */
  async restart(): Promise<number> {
    const started = Date.now();
    await this.sample();
    this.#cpuBefore += this.#last?.cpuSeconds ?? 0;
    this.#last = null;
    await this.#stopChild('SIGKILL');
    // A killed service leaves its socket and pid file behind.
    for (const file of ['kubernetes-service.sock', 'kubernetes-service.pid']) {
      await fs.rm(join(this.options.dataDir, file), { force: true });
    }
    this.#child = spawnService(this.options);
    this.#capture(this.#child);
    await this.ready();
    return (Date.now() - started) / 1000;
  }

  /** Stops it (TERM) and removes its data directory. */
  async stop(): Promise<void> {
    clearInterval(this.#sampler);
    await this.client.close();
    await this.#stopChild('SIGTERM');
    await fs.rm(this.options.dataDir, { recursive: true, force: true });
  }

  private async ready(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.#child.exitCode !== null) {
        throw new Error(`mpijob serve exited: ${this.#log.trim()}`);
      }
      if (
        existsSync(this.socketPath) &&
        (await this.client.health().then(
          () => true,
          () => false
        ))
      ) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `mpijob serve did not answer within 60 s: ${this.#log.trim()}`
        );
      }
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  }

  #capture(child: ChildProcess): void {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#log = (this.#log + chunk).slice(-20_000);
    });
  }

  async #stopChild(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise(resolve => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

function spawnService(options: IServiceProcessOptions): ChildProcess {
  return spawn(
    process.execPath,
    [
      options.cli,
      '--backend',
      'kubernetes',
      ...(options.kubeconfig ? ['--kubeconfig', options.kubeconfig] : []),
      ...(options.context ? ['--context', options.context] : []),
      '--data-dir',
      options.dataDir,
      'serve',
      '-n',
      options.namespace
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  );
}
