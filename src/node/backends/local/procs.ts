/**
 * Finding and stopping a local job's processes through /proc (Linux).
 *
 * Process groups are not enough: Open MPI puts every rank in a process group
 * of its own, and MPICH's hydra even starts each rank in a new session. So a
 * job's processes are found three ways, any of which suffices: the launcher
 * pid itself, membership in the launcher's session (the launcher is spawned
 * detached, so it leads one), and an environment marker the launcher and
 * every rank inherit. The marker survives re-parenting and new sessions.
 */
import { promises as fs } from 'node:fs';
import { constants as osConstants } from 'node:os';

/** Environment variable that marks every process of a local job; its value is the job's uid. */
export const JOB_MARKER_ENV = 'MPIJOB_LOCAL_UID';

/** What /proc/<pid>/stat says about a process. */
export interface IProcStat {
  /** Process id. */
  readonly pid: number;
  /** One-letter state; `Z` (zombie) and `X` (dead) count as gone. */
  readonly state: string;
  /** Parent pid. */
  readonly ppid: number;
  /** Process group id. */
  readonly pgid: number;
  /** Session id. */
  readonly sid: number;
  /** Start time in clock ticks after boot: tells a reused pid apart. */
  readonly startTicks: number;
}

/** A process identity that survives pid reuse. */
export interface IProcessIdentity {
  /** Process id. */
  readonly pid: number;
  /** Its start time (clock ticks after boot), null when /proc is not available. */
  readonly startTicks: number | null;
  /** The boot it started in (`/proc/sys/kernel/random/boot_id`), null when unknown. */
  readonly bootId: string | null;
}

/** Which processes belong to a job. */
export interface IJobProcessQuery {
  /** The job's uid, the value of {@link JOB_MARKER_ENV}. */
  readonly marker: string;
  /** The launcher (session leader), when known. */
  readonly launcher?: IProcessIdentity | null;
}

let cachedBootId: string | null | undefined;

/**
 * The current boot's id.
 *
 * @returns the id, or null without /proc
 */
export async function bootId(): Promise<string | null> {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = (
        await fs.readFile('/proc/sys/kernel/random/boot_id', 'utf8')
      ).trim();
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId;
}

/**
 * Parses /proc/<pid>/stat text.
 *
 * @param text - the file's content
 * @returns the fields, or null when it is not a stat line
 */
export function parseProcStat(text: string): IProcStat | null {
  // The command name is in parentheses and may itself contain spaces and
  // parentheses: the fields start after the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) {
    return null;
  }
  const pid = Number(text.slice(0, open).trim());
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state) of proc(5); starttime is field 22.
  const ppid = Number(fields[1]);
  const pgid = Number(fields[2]);
  const sid = Number(fields[3]);
  const startTicks = Number(fields[19]);
  if (
    !Number.isInteger(pid) ||
    ![ppid, pgid, sid, startTicks].every(Number.isFinite)
  ) {
    return null;
  }
  return { pid, state: fields[0] ?? '?', ppid, pgid, sid, startTicks };
}

/**
 * Reads one process's stat.
 *
 * @param pid - process id
 * @returns its stat, or null when it does not exist (or /proc is missing)
 */
export async function readProcStat(pid: number): Promise<IProcStat | null> {
  try {
    return parseProcStat(await fs.readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * The identity of a process that was just started.
 *
 * @param pid - its pid
 * @returns pid, start time and boot id
 */
export async function identify(pid: number): Promise<IProcessIdentity> {
  const stat = await readProcStat(pid);
  return {
    pid,
    startTicks: stat ? stat.startTicks : null,
    bootId: await bootId()
  };
}

/**
 * Whether the process that had this identity is still running (and is not a
 * zombie): false when the pid now belongs to another process.
 *
 * @param who - identity recorded at spawn
 * @returns whether it lives
 */
export async function isAlive(who: IProcessIdentity): Promise<boolean> {
  const boot = await bootId();
  if (who.bootId !== null && boot !== null && who.bootId !== boot) {
    return false;
  }
  const stat = await readProcStat(who.pid);
  if (stat === null) {
    if (boot !== null) {
      return false;
    }
    // No /proc (not Linux): fall back to signal 0.
    try {
      process.kill(who.pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  if (who.startTicks !== null && stat.startTicks !== who.startTicks) {
    return false;
  }
  return stat.state !== 'Z' && stat.state !== 'X';
}

/**
 * The live processes of a job: the launcher, its session, and every process
 * carrying the job's marker in its environment.
 *
 * @param query - marker and launcher
 * @returns pids (never this process's own)
 */
export async function findJobProcesses(
  query: IJobProcessQuery
): Promise<number[]> {
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    // Without /proc only the launcher can be found.
    const launcher = query.launcher;
    return launcher && (await isAlive(launcher)) ? [launcher.pid] : [];
  }
  const launcher = query.launcher ?? null;
  const launcherAlive = launcher !== null && (await isAlive(launcher));
  const variable = Buffer.from(`${JOB_MARKER_ENV}=${query.marker}`);
  const found: number[] = [];
  await Promise.all(
    entries.map(async name => {
      if (!/^\d+$/.test(name)) {
        return;
      }
      const pid = Number(name);
      if (pid === process.pid) {
        return;
      }
      const stat = await readProcStat(pid);
      if (stat === null || stat.state === 'Z' || stat.state === 'X') {
        return;
      }
      if (
        launcherAlive &&
        launcher !== null &&
        (pid === launcher.pid || stat.sid === launcher.pid)
      ) {
        found.push(pid);
        return;
      }
      if (await hasMarker(pid, variable)) {
        found.push(pid);
      }
    })
  );
  return found.sort((a, b) => a - b);
}

async function hasMarker(pid: number, entry: Buffer): Promise<boolean> {
  let environ: Buffer;
  try {
    environ = await fs.readFile(`/proc/${pid}/environ`);
  } catch {
    // Another user's process, or gone.
    return false;
  }
  // The whole variable only: NUL-separated, so `X=ab` does not match `X=abc`.
  let at = environ.indexOf(entry);
  while (at >= 0) {
    const end = at + entry.length;
    if (
      (at === 0 || environ[at - 1] === 0) &&
      (end === environ.length || environ[end] === 0)
    ) {
      return true;
    }
    at = environ.indexOf(entry, at + 1);
  }
  return false;
}

/**
 * Sends a signal to processes, ignoring those already gone.
 *
 * @param pids - targets
 * @param signal - e.g. SIGTERM
 */
export function signalAll(
  pids: readonly number[],
  signal: NodeJS.Signals
): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already, or not ours to signal.
    }
  }
}

/**
 * Stops a job's processes: SIGTERM to all, SIGKILL to what is left after the
 * grace period, then waits until none is left (or `maxWaitMs` passed).
 *
 * @param query - which processes
 * @param graceMs - time between SIGTERM and SIGKILL
 * @param maxWaitMs - give up waiting after SIGKILL (a process in D state)
 * @returns pids still alive at the end (normally none)
 */
export async function stopJobProcesses(
  query: IJobProcessQuery,
  graceMs: number,
  maxWaitMs = 5000
): Promise<number[]> {
  let pids = await findJobProcesses(query);
  if (pids.length === 0) {
    return [];
  }
  // The launcher's group too: covers a child that left the session but not the group.
  const groups = await launcherGroup(query);
  signalAll([...pids, ...groups], 'SIGTERM');
  const termDeadline = Date.now() + graceMs;
  while (pids.length > 0 && Date.now() < termDeadline) {
    await delay(Math.min(50, Math.max(1, termDeadline - Date.now())));
    pids = await findJobProcesses(query);
  }
  const killDeadline = Date.now() + maxWaitMs;
  while (pids.length > 0) {
    signalAll([...pids, ...groups], 'SIGKILL');
    if (Date.now() >= killDeadline) {
      break;
    }
    await delay(25);
    pids = await findJobProcesses(query);
  }
  return pids;
}

async function launcherGroup(query: IJobProcessQuery): Promise<number[]> {
  const launcher = query.launcher;
  if (!launcher || !(await isAlive(launcher))) {
    return [];
  }
  // A negative pid signals the whole process group the launcher leads.
  return [-launcher.pid];
}

/**
 * The conventional exit status of a process killed by a signal: 128 + number.
 *
 * @param signal - the signal name
 * @returns e.g. 137 for SIGKILL
 */
export function signalExitCode(signal: NodeJS.Signals): number {
  const number = osConstants.signals[signal];
  return typeof number === 'number' ? 128 + number : 128;
}

/**
 * The name of a signal from an exit status above 128.
 *
 * @param code - an exit status
 * @returns e.g. `SIGKILL` for 137, or null when the status is not a signal's
 */
export function signalOfExitCode(code: number): string | null {
  if (code <= 128 || code > 128 + 64) {
    return null;
  }
  const number = code - 128;
  for (const [name, value] of Object.entries(osConstants.signals)) {
    if (value === number) {
      return name;
    }
  }
  return null;
}

function delay(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
