/**
 * The mpirun command line and environment of a local job, the MPI
 * installations it needs, and the preflight checks that find them.
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';

import type { IProblem } from '../../../core/errors';
import type { IPreflightCheck } from '../../../core/jobRecord';
import type { ILaunchSpec } from '../../../core/spec';
import { fieldTitles, totalRanks } from '../../../core/spec';
import { JOB_MARKER_ENV } from './procs';
import type { MpiFlavor } from '../../../core/mpiOutput';
import {
  openMpiTagged,
  RANK_WRAPPER_NAME,
  RANK_WRAPPER_SCRIPT
} from '../../../core/mpiOutput';

/** Human names of the MPIs. */
export const FLAVOR_TITLES: Readonly<Record<MpiFlavor, string>> = {
  openmpi: 'Open MPI',
  mpich: 'MPICH'
};

// Launchers tried in order when none is configured. Debian's plain
// `mpirun` is an alternative that may point at either MPI, so the
// implementation-specific names come first.
const DEFAULT_LAUNCHERS: Readonly<Record<MpiFlavor, readonly string[]>> = {
  openmpi: ['mpirun.openmpi', 'mpirun'],
  mpich: ['mpiexec.mpich', 'mpirun.mpich']
};

const INSTALL_HINTS: Readonly<Record<MpiFlavor, string>> = {
  openmpi:
    "Install Open MPI (apt-get install openmpi-bin) or set the local backend's mpirun.openmpi option to its mpirun.",
  mpich:
    "Install MPICH (apt-get install mpich) or set the local backend's mpirun.mpich option to its mpiexec."
};

// What `--version` must mention for the launcher to be that MPI.
const VERSION_SIGNS: Readonly<Record<MpiFlavor, RegExp>> = {
  openmpi: /Open MPI|OpenRTE/i,
  mpich: /HYDRA|MPICH/i
};

// Where pip's mpi4py looks for MPICH under its own name (libmpi.so.12);
// Debian ships it only as libmpich.so.12.
const MPICH_LIBRARY = 'libmpich.so.12';
const MPI_ABI_LIBRARY = 'libmpi.so.12';

const CHECK_TIMEOUT_MS = 15_000;

// Most ranks accepted even with oversubscribe: beyond this a job would
// rather freeze the machine than run.
const MAX_RANKS_PER_CORE = 16;
const MIN_MAX_RANKS = 64;

/** What {@link checkRanks} found. */
export interface IRanksVerdict {
  /** The preflight check `cores`. */
  readonly check: IPreflightCheck;
  /** Why submit refuses the job, naming the field to change; null when it runs. */
  readonly problem: IProblem | null;
}

/**
 * Whether a job's ranks fit on this machine's cores: the one rule behind
 * the preflight check and the refusal to submit. Fields are named as the
 * launch panel shows them; the CLI adds the flag to the problem's path.
 *
 * @param spec - the job's scale
 * @param cores - cores jobs may use without oversubscribing
 * @returns the check, and the problem when the job cannot run
 */
export function checkRanks(
  spec: Pick<ILaunchSpec, 'workers' | 'slotsPerWorker' | 'oversubscribe'>,
  cores: number
): IRanksVerdict {
  const [workers] = fieldTitles('workers');
  const [slots] = fieldTitles('slotsPerWorker');
  const [oversubscribe] = fieldTitles('oversubscribe');
  const scale = `${workers} × ${slots}`;
  const ranks = totalRanks(spec);
  const coreCount = `${cores} core${cores === 1 ? '' : 's'}`;
  const maxRanks = Math.max(MIN_MAX_RANKS, cores * MAX_RANKS_PER_CORE);
  if (ranks <= cores) {
    return {
      check: {
        name: 'cores',
        ok: true,
        severity: 'error',
        message: `The job's ${ranks} rank${ranks === 1 ? '' : 's'} fit on ${coreCount}.`
      },
      problem: null
    };
  }
  if (ranks > maxRanks) {
    const message = `${ranks} ranks are too many for this machine: at most ${maxRanks} on ${coreCount}, even with "${oversubscribe}".`;
    return {
      check: {
        name: 'cores',
        ok: false,
        severity: 'error',
        message,
        fix: `Lower ${scale}, or use the kubernetes backend.`
      },
      problem: {
        path: 'workers',
        message: `${scale} must be at most ${maxRanks} on this machine`
      }
    };
  }
  if (spec.oversubscribe) {
    return {
      check: {
        name: 'cores',
        ok: false,
        severity: 'warning',
        message: `The job's ${ranks} ranks share ${coreCount} ("${oversubscribe}" is on): they run, but slower than on ${ranks} cores.`,
        fix: `Lower ${scale} to ${cores} to measure real speedup.`
      },
      problem: null
    };
  }
  return {
    check: {
      name: 'cores',
      ok: false,
      severity: 'error',
      message: `${ranks} ranks (${scale}) but this machine has ${coreCount}.`,
      fix: `Turn on "${oversubscribe}" to run them anyway, slower, or lower ${scale} to ${cores}.`
    },
    problem: {
      path: 'oversubscribe',
      message: `must be on to run ${ranks} ranks on ${coreCount}; or lower ${scale} to ${cores}`
    }
  };
}

/** A launcher found (or not) on this machine. */
export interface ILauncher {
  /** Which MPI. */
  readonly flavor: MpiFlavor;
  /** What was configured or tried, for messages. */
  readonly command: string;
  /** Absolute path, or null when not found. */
  readonly path: string | null;
}

/** Options of {@link launcherArgs}. */
export interface ILaunchArgsOptions {
  /** Number of ranks. */
  readonly ranks: number;
  /** The program every rank runs (interpreter and script, or the spec's command). */
  readonly program: readonly string[];
  /** Let each rank use several cores (Open MPI binds a rank to one core otherwise). */
  readonly bindNone: boolean;
  /**
   * Leave out the output tags and the rank wrapper: the same mpirun a user
   * would type, which the benchmark harness times as its baseline.
   */
  readonly bare?: boolean;
}

/**
 * A working directory as a path: `~/x` (how JupyterLab names a folder under
 * home) is expanded.
 *
 * @param path - an absolute path, or one starting with `~/`
 * @returns the absolute path
 */
export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/')
    ? join(homedir(), path.slice(1))
    : path;
}

/**
 * Finds an executable the way a shell would, without running a shell.
 *
 * @param command - a name looked up on PATH, or a path
 * @param pathEnv - the PATH to search
 * @returns its absolute path, or null when there is no executable file
 */
export async function resolveExecutable(
  command: string,
  pathEnv: string | undefined = process.env.PATH
): Promise<string | null> {
  if (command === '') {
    return null;
  }
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : join(process.cwd(), command)]
    : (pathEnv ?? '')
        .split(delimiter)
        .filter(dir => dir !== '')
        .map(dir => join(dir, command));
  for (const candidate of candidates) {
    try {
      const stat = await fs.stat(candidate);
      if (stat.isFile()) {
        await fs.access(candidate, fsConstants.X_OK);
        return candidate;
      }
    } catch {
      // Not here.
    }
  }
  return null;
}

/**
 * Finds the launcher of an MPI.
 *
 * @param flavor - which MPI
 * @param configured - the configured launcher; the usual names when absent
 * @returns what was tried and where it is
 */
export async function findLauncher(
  flavor: MpiFlavor,
  configured: string | undefined
): Promise<ILauncher> {
  const names = configured ? [configured] : DEFAULT_LAUNCHERS[flavor];
  for (const name of names) {
    const path = await resolveExecutable(name);
    if (path !== null) {
      return { flavor, command: name, path };
    }
  }
  return { flavor, command: names[names.length - 1], path: null };
}

/**
 * The sentence for an MPI whose launcher is missing.
 *
 * @param launcher - the launcher not found
 * @returns what is missing and how to install it
 */
export function missingLauncherMessage(launcher: ILauncher): string {
  return `${FLAVOR_TITLES[launcher.flavor]} is not installed here: ${launcher.command} was not found${launcher.command.includes('/') ? '' : ' on PATH'}. ${INSTALL_HINTS[launcher.flavor]}`;
}

/**
 * The launcher's arguments: ranks and the rank wrapper around the program
 * (not when `bare`); MPICH's output tags (Open MPI's come from
 * {@link launcherArgv}). Every user value is a separate argument; the
 * wrapper script is a constant.
 *
 * @param flavor - which MPI
 * @param options - ranks, program and binding
 * @returns arguments after the launcher's file name
 */
export function launcherArgs(
  flavor: MpiFlavor,
  options: ILaunchArgsOptions
): string[] {
  const program = options.bare
    ? [...options.program]
    : [
        '/bin/sh',
        '-c',
        RANK_WRAPPER_SCRIPT,
        RANK_WRAPPER_NAME,
        ...options.program
      ];
  const ranks = ['-n', String(options.ranks)];
  if (flavor === 'mpich') {
    return [...ranks, ...(options.bare ? [] : ['-prepend-rank']), ...program];
  }
  return [
    ...ranks,
    // The backend already refused more ranks than cores unless the spec
    // allows it; Open MPI counts physical cores, not hardware threads, and
    // would refuse some of the jobs the backend accepted.
    '--oversubscribe',
    // Run by its absolute path, mpirun would put its own bin/ first on the
    // ranks' PATH (as --prefix does): `-- python3 x.py` would get the
    // system's python3, not the one first on the PATH the service was given.
    '--noprefix',
    ...(options.bindNone ? ['--bind-to', 'none'] : []),
    ...program
  ];
}

/**
 * A job's whole launcher command line: the launcher and its arguments,
 * through the script that adds Open MPI's output tags (their option depends
 * on its version; see core OPENMPI_TAGS_SCRIPT) unless `bare`.
 *
 * @param flavor - which MPI
 * @param launcher - the launcher's absolute path
 * @param args - from {@link launcherArgs} or {@link jobLauncherArgs}
 * @param bare - the same `bare` those were made with
 * @returns the command line
 */
export function launcherArgv(
  flavor: MpiFlavor,
  launcher: string,
  args: readonly string[],
  bare = false
): string[] {
  return flavor === 'openmpi' && !bare
    ? openMpiTagged(launcher, args)
    : [launcher, ...args];
}

/**
 * The launcher's arguments for a job: its ranks running the spec's command,
 * or the interpreter running the packaged program file. The backend and the
 * benchmark's bare baseline both start ranks this way, so they run the same
 * program.
 *
 * @param flavor - which MPI
 * @param spec - the job's launch spec
 * @param python - absolute path of the interpreter (unused with a command)
 * @param programFile - the packaged program (unused with a command)
 * @param bare - leave out output tags and the rank wrapper
 * @returns arguments after the launcher's file name
 */
export function jobLauncherArgs(
  flavor: MpiFlavor,
  spec: ILaunchSpec,
  python: string,
  programFile: string,
  bare = false
): string[] {
  return launcherArgs(flavor, {
    ranks: totalRanks(spec),
    program: spec.command ? [...spec.command] : [python, '-u', programFile],
    // A rank given more than one core must not be bound to one.
    bindNone: parseCpu(spec.cpu) / spec.slotsPerWorker > 1,
    bare
  });
}

/**
 * The environment of a job's launcher and ranks: the service's, the
 * spec's variables, then what the MPI needs (the spec may override tuning,
 * not the job marker).
 *
 * @param flavor - which MPI
 * @param base - the service's environment
 * @param specEnv - the spec's variables
 * @param marker - the job's uid, marking its processes; null for a run
 *   that is no job (the benchmark's bare baseline)
 * @param mpichAbiDir - directory with the libmpi.so.12 link for MPICH, if any
 * @returns the environment
 */
export function launchEnv(
  flavor: MpiFlavor,
  base: NodeJS.ProcessEnv,
  specEnv: ReadonlyArray<{ name: string; value: string }>,
  marker: string | null,
  mpichAbiDir: string | null
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined) {
      env[key] = value;
    }
  }
  for (const { name, value } of specEnv) {
    env[name] = value;
  }
  Object.assign(env, mpiEnv(flavor, env, mpichAbiDir));
  env.PYTHONUNBUFFERED = '1';
  if (marker === null) {
    delete env[JOB_MARKER_ENV];
  } else {
    env[JOB_MARKER_ENV] = marker;
  }
  return env;
}

/**
 * The variables an MPI needs here, given an environment that may already
 * set some of them.
 *
 * @param flavor - which MPI
 * @param env - the environment so far
 * @param mpichAbiDir - directory with the libmpi.so.12 link for MPICH, if any
 * @returns the variables to add
 */
export function mpiEnv(
  flavor: MpiFlavor,
  env: Readonly<Record<string, string | undefined>>,
  mpichAbiDir: string | null
): Record<string, string> {
  if (flavor === 'openmpi') {
    return {
      // Open MPI refuses to run as root without these; containers often are root.
      OMPI_ALLOW_RUN_AS_ROOT: '1',
      OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
      // Shared memory only: one host, and much faster start-up than probing networks.
      OMPI_MCA_pml: env.OMPI_MCA_pml ?? 'ob1',
      OMPI_MCA_btl: env.OMPI_MCA_btl ?? 'self,vader',
      // mpirun waits this many seconds between its SIGTERM and SIGKILL to the
      // ranks, then lingers; the backend gives ranks their grace period itself.
      OMPI_MCA_odls_base_sigkill_timeout:
        env.OMPI_MCA_odls_base_sigkill_timeout ?? '0'
    };
  }
  const out: Record<string, string> = {
    // pip's mpi4py wheel picks its MPI by ABI name.
    MPI4PY_MPIABI: env.MPI4PY_MPIABI ?? 'mpich'
  };
  if (mpichAbiDir !== null) {
    const current = env.LD_LIBRARY_PATH;
    out.LD_LIBRARY_PATH = current
      ? `${mpichAbiDir}${delimiter}${current}`
      : mpichAbiDir;
  }
  return out;
}

/**
 * Makes `<dataDir>/mpich-abi/libmpi.so.12`, a link to MPICH's library under
 * the name pip's mpi4py loads for the MPICH ABI.
 *
 * @param dataDir - the backend's data directory
 * @param launcherPath - MPICH's mpiexec, to find its library next to it
 * @returns the directory, or null when MPICH's library was not found
 */
export async function ensureMpichAbiDir(
  dataDir: string,
  launcherPath: string | null
): Promise<string | null> {
  const library = await findMpichLibrary(launcherPath);
  if (library === null) {
    return null;
  }
  const dir = join(dataDir, 'mpich-abi');
  const link = join(dir, MPI_ABI_LIBRARY);
  try {
    if ((await fs.readlink(link)) === library) {
      return dir;
    }
  } catch {
    // Missing or not a link: (re)create it.
  }
  await fs.mkdir(dir, { recursive: true });
  // A fresh link renamed into place: concurrent submissions never see none.
  const temporary = `${link}.${process.pid}.${Date.now()}.tmp`;
  await fs.symlink(library, temporary);
  await fs.rename(temporary, link);
  return dir;
}

async function findMpichLibrary(
  launcherPath: string | null
): Promise<string | null> {
  const triplet =
    process.arch === 'x64'
      ? 'x86_64-linux-gnu'
      : process.arch === 'arm64'
        ? 'aarch64-linux-gnu'
        : `${process.arch}-linux-gnu`;
  const dirs = [
    `/usr/lib/${triplet}`,
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib'
  ];
  if (launcherPath !== null) {
    try {
      dirs.unshift(
        join(dirname(dirname(await fs.realpath(launcherPath))), 'lib')
      );
    } catch {
      // Use the usual places.
    }
  }
  for (const dir of dirs) {
    const candidate = join(dir, MPICH_LIBRARY);
    try {
      await fs.access(candidate);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}

/** What a command printed. */
export interface IRunResult {
  /** Whether it exited 0. */
  readonly ok: boolean;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error, or the spawn error's message. */
  readonly stderr: string;
}

/**
 * Runs a command with an argument list (no shell) and a timeout.
 *
 * @param file - executable
 * @param args - arguments
 * @param env - environment
 * @returns exit status and output
 */
export function runCommand(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env
): Promise<IRunResult> {
  return new Promise(resolve => {
    execFile(
      file,
      [...args],
      {
        env,
        timeout: CHECK_TIMEOUT_MS,
        maxBuffer: 1024 * 1024,
        encoding: 'utf8'
      },
      (error, stdout, stderr) => {
        resolve({
          ok: error === null,
          stdout: stdout ?? '',
          stderr: stderr || (error ? error.message : '')
        });
      }
    );
  });
}

/**
 * Checks a launcher: present, runnable, and the MPI it should be.
 *
 * @param launcher - the launcher found
 * @param severity - whether a failure blocks submitting
 * @returns the check
 */
export async function checkLauncher(
  launcher: ILauncher,
  severity: 'error' | 'warning'
): Promise<IPreflightCheck> {
  const name = launcher.flavor === 'openmpi' ? 'mpirun' : 'mpiexec.mpich';
  const title = FLAVOR_TITLES[launcher.flavor];
  if (launcher.path === null) {
    return {
      name,
      ok: false,
      severity,
      message: `${title} is not installed: ${launcher.command} was not found${launcher.command.includes('/') ? '' : ' on PATH'}.`,
      fix: INSTALL_HINTS[launcher.flavor]
    };
  }
  const result = await runCommand(launcher.path, ['--version'], {
    ...process.env,
    ...mpiEnv(launcher.flavor, process.env, null)
  });
  const text = `${result.stdout}\n${result.stderr}`;
  if (!result.ok && !VERSION_SIGNS[launcher.flavor].test(text)) {
    return {
      name,
      ok: false,
      severity,
      message: `${launcher.path} --version failed: ${firstLine(result.stderr || result.stdout)}`,
      fix: INSTALL_HINTS[launcher.flavor]
    };
  }
  if (!VERSION_SIGNS[launcher.flavor].test(text)) {
    return {
      name,
      ok: false,
      severity,
      message: `${launcher.path} is not ${title}: its --version says "${firstLine(text)}".`,
      fix: INSTALL_HINTS[launcher.flavor]
    };
  }
  return {
    name,
    ok: true,
    severity,
    message: `${title} ${versionOf(launcher.flavor, text)} at ${launcher.path}.`
  };
}

/**
 * Checks that a Python interpreter exists and can load mpi4py with an
 * MPI's environment (without initializing MPI).
 *
 * @param python - interpreter command
 * @param flavor - the MPI mpi4py must load
 * @param env - that MPI's environment
 * @param severity - whether a failure blocks submitting
 * @returns the interpreter check and the mpi4py check
 */
export async function checkPython(
  python: string,
  flavor: MpiFlavor,
  env: NodeJS.ProcessEnv,
  severity: 'error' | 'warning'
): Promise<IPreflightCheck[]> {
  const path = await resolveExecutable(python);
  const pythonFix =
    "Install Python 3, or set MPIJOB_PYTHON (or the local backend's python option) to the interpreter that has mpi4py.";
  if (path === null) {
    return [
      {
        name: 'python',
        ok: false,
        severity,
        message: `The Python interpreter ${python} was not found.`,
        fix: pythonFix
      }
    ];
  }
  const version = await runCommand(path, ['--version'], env);
  const checks: IPreflightCheck[] = [
    version.ok
      ? {
          name: 'python',
          ok: true,
          severity,
          message: `${firstLine(version.stdout || version.stderr)} at ${path}.`
        }
      : {
          name: 'python',
          ok: false,
          severity,
          message: `${path} --version failed: ${firstLine(version.stderr)}`,
          fix: pythonFix
        }
  ];
  if (!version.ok) {
    return checks;
  }
  // A constant script: it loads the MPI library without starting MPI.
  const probe = [
    'import mpi4py, mpi4py.rc',
    'mpi4py.rc.initialize = False',
    'from mpi4py import MPI',
    'print(mpi4py.__version__)',
    'print(MPI.Get_library_version().strip().splitlines()[0])'
  ].join('\n');
  const result = await runCommand(path, ['-c', probe], env);
  // The MPI library's version string may end in a NUL.
  const [mpi4pyVersion, library] = result.stdout
    .replace(/\0/g, '')
    .trim()
    .split('\n');
  const title = FLAVOR_TITLES[flavor];
  if (!result.ok) {
    const missing = /No module named .?mpi4py/.test(result.stderr);
    checks.push({
      name: 'mpi4py',
      ok: false,
      severity,
      message: missing
        ? `mpi4py is not installed in ${path}.`
        : `mpi4py in ${path} cannot load ${title}: ${lastLine(result.stderr)}`,
      fix: missing
        ? `Install it: ${path} -m pip install mpi4py`
        : `Install mpi4py built for ${title} (${path} -m pip install --force-reinstall mpi4py), and make sure ${title}'s shared library is installed.`
    });
  } else if (!VERSION_SIGNS[flavor].test(library ?? '')) {
    checks.push({
      name: 'mpi4py',
      ok: false,
      severity,
      message: `mpi4py ${mpi4pyVersion} in ${path} loads ${library ?? 'another MPI'}, not ${title}: every rank would run alone.`,
      fix: `Install mpi4py built for ${title}, or choose the MPI implementation mpi4py was built for.`
    });
  } else {
    checks.push({
      name: 'mpi4py',
      ok: true,
      severity,
      message: `mpi4py ${mpi4pyVersion} loads ${library}.`
    });
  }
  return checks;
}

/**
 * Parses a Kubernetes CPU quantity.
 *
 * @param quantity - e.g. `2`, `0.5`, `500m`
 * @returns cores, or NaN
 */
export function parseCpu(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/.exec(quantity.trim());
  if (match === null) {
    return NaN;
  }
  const value = Number(match[1]);
  return match[2] === 'm' ? value / 1000 : value;
}

function versionOf(flavor: MpiFlavor, text: string): string {
  const match =
    flavor === 'openmpi'
      ? /\((?:Open MPI|OpenRTE)\)\s*(\S+)/.exec(text)
      : /Version:\s*(\S+)/.exec(text);
  return match ? match[1] : '(unknown version)';
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map(l => l.trim())
      .find(l => l !== '') ?? ''
  );
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map(l => l.trim())
    .filter(l => l !== '');
  return lines.length > 0 ? lines[lines.length - 1] : '';
}
