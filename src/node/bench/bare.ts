/**
 * A bare `mpirun` of a job, outside the job service: the baseline the
 * harness's end-to-end time is compared with. It runs what the local
 * backend would run for the same launch spec — launcher, rank count,
 * interpreter, program and environment, built by the same functions —
 * without the backend's rank wrapper, output tags, job store or events.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ILaunchSpec, MpiImplementation } from '../../core/spec';
import {
  ensureMpichAbiDir,
  findLauncher,
  jobLauncherArgs,
  launchEnv,
  missingLauncherMessage
} from '../backends/local/launch';

/** What a bare run produced. */
export interface IBareResult {
  /** Seconds from spawning mpirun until it exited and its output closed. */
  readonly seconds: number;
  /** Exit code; null when killed by a signal. */
  readonly code: number | null;
  /** Standard output lines. */
  readonly stdout: readonly string[];
  /** The last lines of standard error, for messages. */
  readonly stderrTail: string;
}

/** Options of {@link BareMpirun.run}. */
export interface IBareRunOptions {
  /** The job's launch spec: ranks, command or packaged program, variables. */
  readonly spec: ILaunchSpec;
  /** Absolute path of the ranks' interpreter (a spec without a command). */
  readonly python: string;
  /** The packaged program file (a spec without a command). */
  readonly programFile: string;
  /** Working folder of the ranks. */
  readonly cwd?: string;
  /** Stop it after this long. */
  readonly timeoutMs: number;
  /** Stops it. */
  readonly signal?: AbortSignal;
}

const STDERR_TAIL_BYTES = 4000;
const KILL_GRACE_MS = 2000;

/** Runs jobs' programs under a bare mpirun of one MPI implementation. */
export class BareMpirun {
  /** Absolute path of the launcher. */
  readonly launcher: string;
  readonly #flavor: 'openmpi' | 'mpich';
  readonly #abiDir: string | null;

  private constructor(
    launcher: string,
    flavor: 'openmpi' | 'mpich',
    abiDir: string | null
  ) {
    this.launcher = launcher;
    this.#flavor = flavor;
    this.#abiDir = abiDir;
  }

  /**
   * Finds the launcher of an MPI implementation.
   *
   * @param implementation - OpenMPI or MPICH
   * @returns the runner
   * @throws {Error} when the MPI is not installed
   */
  static async open(implementation: MpiImplementation): Promise<BareMpirun> {
    const flavor = implementation === 'MPICH' ? 'mpich' : 'openmpi';
    const launcher = await findLauncher(flavor, undefined);
    if (launcher.path === null) {
      throw new Error(missingLauncherMessage(launcher));
    }
    const abiDir =
      flavor === 'mpich'
        ? await ensureMpichAbiDir(
            join(tmpdir(), 'mpijob-bench'),
            launcher.path
          ).catch(() => null)
        : null;
    return new BareMpirun(launcher.path, flavor, abiDir);
  }

  /**
   * Runs a job's program on its ranks and times it.
   *
   * @param options - the job's spec and program, timeout, abort signal
   * @returns the time, exit code and output
   * @throws {Error} when it timed out or was aborted (the processes are killed first)
   */
  run(options: IBareRunOptions): Promise<IBareResult> {
    const env = launchEnv(
      this.#flavor,
      process.env,
      options.spec.env ?? [],
      null,
      this.#abiDir
    );
    const args = jobLauncherArgs(
      this.#flavor,
      options.spec,
      options.python,
      options.programFile,
      true
    );
    return new Promise((resolve, reject) => {
      const start = performance.now();
      // A process group of its own: stopping it stops every rank.
      const child = spawn(this.launcher, args, {
        cwd: options.cwd,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe']
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
      });
      let stopped: Error | null = null;
      const stop = (why: Error): void => {
        if (stopped !== null) {
          return;
        }
        stopped = why;
        killGroup(child.pid, 'SIGTERM');
        setTimeout(
          () => killGroup(child.pid, 'SIGKILL'),
          KILL_GRACE_MS
        ).unref();
      };
      const timer = setTimeout(
        () =>
          stop(
            new Error(
              `bare mpirun timed out after ${options.timeoutMs / 1000} s`
            )
          ),
        options.timeoutMs
      );
      const onAbort = (): void => stop(new Error('interrupted'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) {
        onAbort();
      }
      child.on('error', error => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        reject(error);
      });
      child.on('close', code => {
        const seconds = (performance.now() - start) / 1000;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (stopped !== null) {
          reject(stopped);
          return;
        }
        resolve({
          seconds,
          code,
          stdout: stdout.split('\n').filter(line => line !== ''),
          stderrTail: stderr.trim()
        });
      });
    });
  }
}

/**
 * The gist of a failed run's stderr: the last Python exception line when
 * there is one, else the last line outside MPI's banners.
 *
 * @param text - the end of stderr
 * @returns one line
 */
export function stderrSummary(text: string): string {
  const lines = text
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '' && !/^-{10,}$/.test(line));
  const exception = lines
    .filter(line => /^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b/.test(line))
    .pop();
  return exception ?? lines.pop() ?? 'no output on stderr';
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) {
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
