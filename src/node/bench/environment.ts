/**
 * Where a benchmark ran: machine, load, MPI, Python and the checkout, read
 * once per run and stored with the results.
 */
import { execFile } from 'node:child_process';
import {
  arch,
  availableParallelism,
  cpus,
  hostname,
  loadavg,
  platform,
  release,
  totalmem
} from 'node:os';

import type { IBenchEnvironment } from '../../core/benchResults';
import type { MpiImplementation } from '../../core/spec';
import { findLauncher } from '../backends/local/launch';

/** What to inspect besides the machine. */
export interface IEnvironmentOptions {
  /** Backend of the jobs; null for micro-benchmarks. */
  readonly backend: string | null;
  /** MPI whose launcher to ask for its version; null for none. */
  readonly mpiImplementation: MpiImplementation | null;
  /** Python to ask for its numpy and mpi4py versions; null for none. */
  readonly python: string | null;
  /** Folder of the git checkout to identify. */
  readonly cwd: string;
}

const COMMAND_TIMEOUT_MS = 15_000;

/**
 * Reads the environment.
 *
 * @param options - backend, MPI, Python and checkout to describe
 * @returns the environment; what cannot be found is null or 'unknown', never an error
 */
export async function readEnvironment(
  options: IEnvironmentOptions
): Promise<IBenchEnvironment> {
  const [mpi, python, git] = await Promise.all([
    options.mpiImplementation !== null && options.backend !== 'kubernetes'
      ? mpiVersion(options.mpiImplementation)
      : Promise.resolve(null),
    options.python !== null
      ? pythonVersions(options.python)
      : Promise.resolve(null),
    gitCommit(options.cwd)
  ]);
  const load = currentLoad();
  return {
    hostname: hostname(),
    platform: platform(),
    release: release(),
    arch: arch(),
    cpuModel: cpus()[0]?.model.trim() || 'unknown',
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    loadAverage: { start: load, end: load },
    node: process.version,
    mpi,
    python,
    git,
    backend: options.backend,
    date: new Date().toISOString()
  };
}

/**
 * The 1, 5 and 15 minute load averages, rounded to 2 decimals.
 *
 * @returns three numbers
 */
export function currentLoad(): number[] {
  return loadavg().map(x => Math.round(x * 100) / 100);
}

async function mpiVersion(
  implementation: MpiImplementation
): Promise<IBenchEnvironment['mpi']> {
  if (implementation === 'Intel') {
    return null;
  }
  const launcher = await findLauncher(
    implementation === 'MPICH' ? 'mpich' : 'openmpi',
    undefined
  );
  if (launcher.path === null) {
    return null;
  }
  const out = await run(launcher.path, ['--version']);
  const version =
    out
      ?.split('\n')
      .map(line => line.trim())
      .find(line => /\d+\.\d+/.test(line))
      ?.replace(/\s+/g, ' ') ?? 'unknown';
  return { implementation, launcher: launcher.path, version };
}

const PYTHON_PROBE = `
import json, sys
def version(name):
    try:
        return __import__(name).__version__
    except Exception:
        return None
print(json.dumps({"executable": sys.executable, "version": sys.version.split()[0],
                  "numpy": version("numpy"), "mpi4py": version("mpi4py")}))
`;

async function pythonVersions(
  python: string
): Promise<IBenchEnvironment['python']> {
  const out = await run(python, ['-c', PYTHON_PROBE]);
  if (out === null) {
    return { executable: python, version: null, numpy: null, mpi4py: null };
  }
  try {
    const parsed = JSON.parse(out.trim().split('\n').pop() ?? '') as {
      executable?: unknown;
      version?: unknown;
      numpy?: unknown;
      mpi4py?: unknown;
    };
    const text = (v: unknown): string | null =>
      typeof v === 'string' ? v : null;
    return {
      executable: text(parsed.executable) ?? python,
      version: text(parsed.version),
      numpy: text(parsed.numpy),
      mpi4py: text(parsed.mpi4py)
    };
  } catch {
    return { executable: python, version: null, numpy: null, mpi4py: null };
  }
}

async function gitCommit(cwd: string): Promise<IBenchEnvironment['git']> {
  const commit = (await run('git', ['rev-parse', 'HEAD'], cwd))?.trim();
  if (!commit || !/^[0-9a-f]{7,64}$/.test(commit)) {
    return null;
  }
  const status = await run(
    'git',
    ['status', '--porcelain', '--untracked-files=no'],
    cwd
  );
  return { commit, dirty: status === null || status.trim() !== '' };
}

/** Runs a command; its stdout, or null when it failed. */
function run(
  file: string,
  args: readonly string[],
  cwd?: string
): Promise<string | null> {
  return new Promise(resolve => {
    execFile(
      file,
      [...args],
      { cwd, timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout) => resolve(error ? null : stdout)
    );
  });
}
