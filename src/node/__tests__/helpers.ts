/**
 * Runs the real bundled `mpijob` CLI (lib/node/cli.js, built by jest's
 * global setup) as a child process.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Repository root. */
export const ROOT = join(__dirname, '..', '..', '..');

/** The bundled CLI. */
export const CLI = join(ROOT, 'lib', 'node', 'cli.js');

/** The ranks' Python: $MPIJOB_PYTHON, else the repository's venv. */
export const PYTHON =
  process.env.MPIJOB_PYTHON ?? join(ROOT, '.venv', 'bin', 'python');

/** What a CLI run produced. */
export interface ICliRun {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/**
 * Runs a program and collects its output.
 *
 * @param file - the program
 * @param args - arguments
 * @param options - working directory, stdin and extra environment
 * @returns exit code and output
 */
export function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}
): Promise<ICliRun> {
  return new Promise(resolve => {
    const child = execFile(
      file,
      [...args],
      {
        cwd: options.cwd ?? ROOT,
        // Jest sandboxes process.env: children must be given it explicitly.
        env: { ...process.env, ...options.env },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024
      },
      (error, stdout, stderr) => {
        const code = error
          ? typeof error.code === 'number'
            ? error.code
            : 1
          : 0;
        resolve({ code, stdout, stderr });
      }
    );
    child.stdin?.end(options.input ?? '');
  });
}

/**
 * Runs `mpijob ARGS`.
 *
 * @param args - arguments
 * @param options - working directory and stdin
 * @returns exit code and output
 */
export function mpijob(
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}
): Promise<ICliRun> {
  return run(process.execPath, [CLI, ...args], options);
}

/** What a run cut short by its reader produced. */
export interface ICutRun {
  /** Exit code (null when a signal ended it). */
  code: number | null;
  /** The first chunk of standard output, the only one read. */
  first: string;
  /** Standard error. */
  stderr: string;
}

/**
 * Runs `mpijob ARGS` as `mpijob ARGS | head` would: its output is read up to
 * the first chunk, then the reading end of the pipe is closed.
 *
 * @param args - arguments
 * @param options - extra environment
 * @returns exit code, first chunk and stderr
 */
export function mpijobUntilFirstOutput(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv } = {}
): Promise<ICutRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let first = '';
  let stderr = '';
  child.stdout.once('data', (chunk: Buffer) => {
    first = chunk.toString('utf8');
    child.stdout.destroy();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise(resolve =>
    child.once('close', code => resolve({ code, first, stderr }))
  );
}

/**
 * Stops the job service that CLI commands started for a data directory, and
 * waits until it has exited.
 *
 * @param dataDir - the `--data-dir` the commands were given
 * @throws {Error} when the service outlives SIGTERM by 10 s
 */
export async function stopService(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'service.pid');
  if (!existsSync(pidFile)) {
    return;
  }
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    if (!running(pid)) {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error(`the job service (pid ${pid}) did not stop on SIGTERM`);
}

// Alive and not a zombie: a service the CLI started outlives the CLI, and
// once it exits nobody may reap it (init here does not).
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    try {
      process.kill(pid, 0);
      return existsSync('/proc/self') ? false : true;
    } catch {
      return false;
    }
  }
}
