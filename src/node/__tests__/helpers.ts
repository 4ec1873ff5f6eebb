/**
 * Runs the real bundled `mpijob` CLI (lib/node/cli.js, built by jest's
 * global setup) as a child process.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** Repository root. */
export const ROOT = join(__dirname, '..', '..', '..');

/** The bundled CLI. */
export const CLI = join(ROOT, 'lib', 'node', 'cli.js');

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
