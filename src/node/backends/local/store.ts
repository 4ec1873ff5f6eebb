/**
 * The local backend's job store: one directory per job under
 * `<dataDir>/jobs/<namespace>/<name>/` holding `job.json` (the record plus
 * what the backend needs to find its processes again), the program, its
 * source map and per-rank logs. Records are written before a job starts and
 * kept after it ends, so a restarted service finds every job again.
 *
 * Every `job.json` write is atomic (temporary file in the same directory,
 * fsync, rename): a reader, or a service killed mid-write, never sees a
 * partial record.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

import type { IProblem } from '../../../core/errors';
import type { IJobRecord } from '../../../core/jobRecord';
import type { IPackagedProgram } from '../../../core/notebook';
import { decodeSourceMap } from '../../../core/notebook';
import { BackendError, jobAlreadyExists } from '../errors';
import type { FailureReason } from '../errors';
import { errorMessage } from '../../../core/errors';

/** Version of the `job.json` layout this code writes. */
export const STORE_VERSION = 1;

/** File name of a job's record. */
export const RECORD_FILE_NAME = 'job.json';

/** File name of a job's source map. */
export const SOURCE_MAP_FILE_NAME = 'sourcemap.json';

/** Directory (in a job's directory) of its log files. */
export const LOGS_DIR_NAME = 'logs';

/** File name of the launcher's (mpirun's own) log lines. */
export const LAUNCHER_LOG_FILE_NAME = 'launcher.jsonl';

// A DNS-1123 label: the strictest name Kubernetes uses for namespaces, and
// one that can never spell `.`, `..`, a slash or a percent escape.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_MAX = 63;

// Directories a create left without a record (the service died between
// mkdir and the first write) are reclaimed after this long; younger ones may
// be a create in progress in another process.
const ABANDONED_DIR_MS = 10 * 60 * 1000;

/** One stored job: the record every client sees plus the backend's own fields. */
export interface IStoredJob<TRun> {
  /** Layout version, {@link STORE_VERSION}. */
  readonly version: number;
  /** The job as clients see it. */
  readonly record: IJobRecord;
  /** What the backend needs to manage the run (pids, start times, exit codes). */
  readonly run: TRun;
}

/** One log line as stored: JSON on one line of a rank's `.jsonl` file. */
export interface IStoredLogLine {
  /** Capture sequence number, dense over all of a job's files: orders the merge. */
  readonly n: number;
  /** Capture time, RFC 3339 with milliseconds. */
  readonly t: string;
  /** Stream. */
  readonly s: 'stdout' | 'stderr';
  /** Text without the newline. */
  readonly x: string;
}

/** A stored line with the rank it belongs to (null: the launcher). */
export interface IRankedLogLine extends IStoredLogLine {
  /** MPI rank; null for the launcher. */
  readonly rank: number | null;
}

/**
 * The problems with a namespace and job name, before either touches a path.
 *
 * @param namespace - a namespace
 * @param name - a job name
 * @returns one problem per bad field; empty when both are DNS-1123 labels
 */
export function jobKeyProblems(namespace: unknown, name: unknown): IProblem[] {
  const problems: IProblem[] = [];
  const check = (path: string, value: unknown): void => {
    if (typeof value !== 'string' || value === '') {
      problems.push({ path, message: 'is required' });
    } else if (value.length > DNS_LABEL_MAX || !DNS_LABEL.test(value)) {
      problems.push({
        path,
        message: `${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} is not valid: use at most ${DNS_LABEL_MAX} lowercase letters, digits and '-', starting and ending with a letter or digit`
      });
    }
  };
  check('namespace', namespace);
  check('name', name);
  return problems;
}

/**
 * Throws unless namespace and name are DNS-1123 labels, so that no name can
 * reach outside the store (`..`, `a/b`, `%2e%2e` all fail).
 *
 * @param namespace - a namespace
 * @param name - a job name
 * @param reason - `Invalid` for submissions, `BadRequest` for lookups
 * @throws {BackendError} naming the bad field
 */
export function assertJobKey(
  namespace: unknown,
  name: unknown,
  reason: FailureReason = 'BadRequest'
): void {
  const problems = jobKeyProblems(namespace, name);
  if (problems.length > 0) {
    throw new BackendError(
      reason,
      `invalid job reference: ${problems.map(p => `${p.path} ${p.message}`).join('; ')}`,
      problems
    );
  }
}

/**
 * Throws unless a namespace is a DNS-1123 label.
 *
 * @param namespace - a namespace
 * @param reason - `Invalid` for submissions, `BadRequest` for lookups
 * @throws {BackendError} naming the namespace
 */
export function assertNamespace(
  namespace: unknown,
  reason: FailureReason = 'BadRequest'
): void {
  const problems = jobKeyProblems(namespace, 'x');
  if (problems.length > 0) {
    throw new BackendError(
      reason,
      `invalid namespace: ${problems.map(p => p.message).join('; ')}`,
      problems
    );
  }
}

/**
 * Writes a file atomically: a temporary file in the same directory is
 * written, fsynced and renamed over the target, so readers see the old or
 * the new content, never a mix. Fails (ENOENT) when the directory is gone
 * rather than recreating it.
 *
 * @param path - the target file
 * @param data - the content
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array
): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(temporary, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Name of the log file of a rank, or of the launcher.
 *
 * @param rank - MPI rank, or null for the launcher
 * @returns e.g. `rank-3.jsonl`
 */
export function logFileName(rank: number | null): string {
  return rank === null ? LAUNCHER_LOG_FILE_NAME : `rank-${rank}.jsonl`;
}

/**
 * The rank a log file belongs to.
 *
 * @param fileName - a file name in a job's log directory
 * @returns the rank, null for the launcher, undefined for other files
 */
export function rankOfLogFile(fileName: string): number | null | undefined {
  if (fileName === LAUNCHER_LOG_FILE_NAME) {
    return null;
  }
  const match = /^rank-(\d{1,9})\.jsonl$/.exec(fileName);
  return match ? Number(match[1]) : undefined;
}

/** Jobs on disk, one directory each. */
export class JobStore<TRun> {
  /** Root of the store. */
  readonly dataDir: string;

  /**
   * @param dataDir - the data directory (created on first write)
   */
  constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  /** Directory holding one directory per namespace. */
  get jobsDir(): string {
    return join(this.dataDir, 'jobs');
  }

  /**
   * A job's directory.
   *
   * @param namespace - the namespace
   * @param name - the job name
   * @returns the path
   * @throws {BackendError} BadRequest for names that are not DNS labels
   */
  jobDir(namespace: string, name: string): string {
    assertJobKey(namespace, name);
    return join(this.jobsDir, namespace, name);
  }

  /**
   * A job's log directory.
   *
   * @param namespace - the namespace
   * @param name - the job name
   * @returns the path
   * @throws {BackendError} BadRequest for names that are not DNS labels
   */
  logsDir(namespace: string, name: string): string {
    return join(this.jobDir(namespace, name), LOGS_DIR_NAME);
  }

  /**
   * Creates a job's directory and writes its record first, then its files.
   *
   * @param job - the record and run fields
   * @param files - more files for the directory (program, source map), by name
   * @throws {BackendError} AlreadyExists when the name is taken in the namespace
   */
  async create(
    job: IStoredJob<TRun>,
    files: Readonly<Record<string, string>> = {}
  ): Promise<void> {
    const { namespace, name } = job.record;
    const dir = this.jobDir(namespace, name);
    for (const file of Object.keys(files)) {
      if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(file)) {
        throw new BackendError('InternalError', `bad file name ${file}`);
      }
    }
    await fs.mkdir(join(this.jobsDir, namespace), { recursive: true });
    await this.claim(dir, name);
    try {
      await writeFileAtomic(join(dir, RECORD_FILE_NAME), serializeJob(job));
      await fs.mkdir(join(dir, LOGS_DIR_NAME));
      for (const [file, content] of Object.entries(files)) {
        await writeFileAtomic(join(dir, file), content);
      }
    } catch (error) {
      await fs.rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Replaces a job's record (atomically).
   *
   * @param job - the record and run fields
   * @throws {BackendError} NotFound when the job's directory is gone (deleted)
   */
  async save(job: IStoredJob<TRun>): Promise<void> {
    const dir = this.jobDir(job.record.namespace, job.record.name);
    try {
      await writeFileAtomic(join(dir, RECORD_FILE_NAME), serializeJob(job));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) {
        throw new BackendError(
          'NotFound',
          `mpijobs.kubeflow.org "${job.record.name}" not found`
        );
      }
      throw error;
    }
  }

  /**
   * Reads one job.
   *
   * @param namespace - the namespace
   * @param name - the job name
   * @returns the job, or null when there is none
   * @throws {BackendError} BadRequest for bad names; InternalError for a damaged record
   */
  async read(
    namespace: string,
    name: string
  ): Promise<IStoredJob<TRun> | null> {
    const file = join(this.jobDir(namespace, name), RECORD_FILE_NAME);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) {
        return null;
      }
      throw error;
    }
    return parseJob<TRun>(text, `${namespace}/${name}`);
  }

  /**
   * Lists stored jobs by scanning the directories, oldest first. Damaged
   * records are reported through `onDamaged` and left out.
   *
   * @param namespace - one namespace, or all
   * @param onDamaged - told about each record that cannot be read
   * @returns the jobs
   */
  async list(
    namespace?: string,
    onDamaged?: (path: string, error: Error) => void
  ): Promise<IStoredJob<TRun>[]> {
    if (namespace !== undefined) {
      assertNamespace(namespace);
    }
    const namespaces =
      namespace === undefined
        ? (await readDirSafe(this.jobsDir)).filter(n => DNS_LABEL.test(n))
        : [namespace];
    const jobs: IStoredJob<TRun>[] = [];
    for (const ns of namespaces) {
      const names = await readDirSafe(join(this.jobsDir, ns));
      const found = await Promise.all(
        names
          .filter(n => n.length <= DNS_LABEL_MAX && DNS_LABEL.test(n))
          .map(async n => {
            try {
              return await this.read(ns, n);
            } catch (error) {
              onDamaged?.(
                join(this.jobsDir, ns, n, RECORD_FILE_NAME),
                error instanceof Error ? error : new Error(String(error))
              );
              return null;
            }
          })
      );
      for (const job of found) {
        if (job !== null) {
          jobs.push(job);
        }
      }
    }
    return jobs.sort(compareJobs);
  }

  /**
   * Removes a job's directory. It is first renamed to a hidden name, so a
   * concurrent list never sees a half-removed job.
   *
   * @param namespace - the namespace
   * @param name - the job name
   * @returns whether there was anything to remove
   */
  async remove(namespace: string, name: string): Promise<boolean> {
    const dir = this.jobDir(namespace, name);
    const trash = join(
      this.jobsDir,
      namespace,
      `.deleted-${name}-${randomBytes(6).toString('hex')}`
    );
    try {
      await fs.rename(dir, trash);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) {
        return false;
      }
      throw error;
    }
    await fs.rm(trash, { recursive: true, force: true });
    return true;
  }

  /** Removes what interrupted removals left behind (hidden `.deleted-*` directories). */
  async sweep(): Promise<void> {
    for (const ns of await readDirSafe(this.jobsDir)) {
      if (!DNS_LABEL.test(ns)) {
        continue;
      }
      for (const entry of await readDirSafe(join(this.jobsDir, ns))) {
        if (entry.startsWith('.deleted-')) {
          await fs.rm(join(this.jobsDir, ns, entry), {
            recursive: true,
            force: true
          });
        }
      }
    }
  }

  /**
   * Reads a file of a job's directory.
   *
   * @param namespace - the namespace
   * @param name - the job name
   * @param file - a plain file name, e.g. `sourcemap.json`
   * @returns its text, or null when it does not exist
   */
  async readJobFile(
    namespace: string,
    name: string,
    file: string
  ): Promise<string | null> {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(file)) {
      throw new BackendError('BadRequest', `bad file name ${file}`);
    }
    try {
      return await fs.readFile(
        join(this.jobDir(namespace, name), file),
        'utf8'
      );
    } catch (error) {
      if (isErrno(error, 'ENOENT')) {
        return null;
      }
      throw error;
    }
  }

  // mkdir is atomic, so it decides between concurrent creates of one name.
  private async claim(dir: string, name: string): Promise<void> {
    try {
      await fs.mkdir(dir);
      return;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) {
        throw error;
      }
    }
    const hasRecord = await exists(join(dir, RECORD_FILE_NAME));
    const stat = await fs.stat(dir).catch(() => null);
    if (
      !hasRecord &&
      stat !== null &&
      Date.now() - stat.mtimeMs > ABANDONED_DIR_MS
    ) {
      await fs.rm(dir, { recursive: true, force: true });
      try {
        await fs.mkdir(dir);
        return;
      } catch (error) {
        if (!isErrno(error, 'EEXIST')) {
          throw error;
        }
      }
    }
    throw jobAlreadyExists(name);
  }
}

/** Appends log lines to a job's per-rank files, batching writes. */
export class LogWriter {
  private readonly dir: string;
  private readonly pending = new Map<string, string[]>();
  private chain: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failed: Error | null = null;
  private readonly onFlushed: () => void;
  private readonly batchMs: number;

  /**
   * @param dir - the job's log directory (must exist)
   * @param onFlushed - called after each batch reached the files
   * @param batchMs - how long lines wait to be written together
   */
  constructor(dir: string, onFlushed: () => void = () => {}, batchMs = 15) {
    this.dir = dir;
    this.onFlushed = onFlushed;
    this.batchMs = batchMs;
  }

  /** The first write error, if any (writing stops after one). */
  get error(): Error | null {
    return this.failed;
  }

  /**
   * Queues a line for a rank's file.
   *
   * @param rank - MPI rank, or null for the launcher
   * @param line - the line
   */
  append(rank: number | null, line: IStoredLogLine): void {
    const file = logFileName(rank);
    let lines = this.pending.get(file);
    if (lines === undefined) {
      lines = [];
      this.pending.set(file, lines);
    }
    lines.push(`${JSON.stringify(line)}\n`);
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.batchMs);
    }
  }

  /** Writes everything queued so far; resolves once it is in the files. */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = [...this.pending.entries()];
    this.pending.clear();
    this.chain = this.chain.then(async () => {
      if (batch.length === 0 || this.failed !== null) {
        return;
      }
      try {
        // Opened per batch rather than held: a job may have more ranks
        // than the service may have open files.
        for (const [file, lines] of batch) {
          await fs.appendFile(join(this.dir, file), lines.join(''), {
            mode: 0o600
          });
        }
      } catch (error) {
        // The job directory was removed (delete) or the disk is full: the
        // job keeps running; its remaining output is lost.
        this.failed = error instanceof Error ? error : new Error(String(error));
      }
      this.onFlushed();
    });
    return this.chain;
  }

  /** Writes what is queued; nothing is held open afterwards. */
  close(): Promise<void> {
    return this.flush();
  }
}

/**
 * Reads a job's log files incrementally: each call returns the complete
 * lines appended since the previous call.
 */
export class LogCursor {
  private readonly dir: string;
  private readonly rank: number | null | undefined;
  private readonly offsets = new Map<string, number>();

  /**
   * @param dir - the job's log directory
   * @param rank - only this rank's file; undefined for every rank and the launcher
   */
  constructor(dir: string, rank?: number) {
    this.dir = dir;
    this.rank = rank;
  }

  /**
   * Reads what was appended since the last call.
   *
   * @returns new lines, in file order per file (not merged)
   */
  async readNew(): Promise<IRankedLogLine[]> {
    const files =
      this.rank === undefined
        ? (await readDirSafe(this.dir)).filter(
            f => rankOfLogFile(f) !== undefined
          )
        : [logFileName(this.rank)];
    const out: IRankedLogLine[] = [];
    for (const file of files) {
      const rank = rankOfLogFile(file);
      if (rank === undefined) {
        continue;
      }
      const offset = this.offsets.get(file) ?? 0;
      const chunk = await readFrom(join(this.dir, file), offset);
      if (chunk === null) {
        continue;
      }
      // Only complete lines count; a line being written is read next time.
      const end = chunk.lastIndexOf(0x0a);
      if (end < 0) {
        continue;
      }
      this.offsets.set(file, offset + end + 1);
      for (const text of chunk.subarray(0, end).toString('utf8').split('\n')) {
        const line = parseLogLine(text);
        if (line !== null) {
          out.push({ ...line, rank });
        }
      }
    }
    return out;
  }
}

function parseLogLine(text: string): IStoredLogLine | null {
  if (text === '') {
    return null;
  }
  try {
    const value = JSON.parse(text) as Partial<IStoredLogLine> | null;
    if (
      value !== null &&
      typeof value === 'object' &&
      typeof value.n === 'number' &&
      typeof value.t === 'string' &&
      (value.s === 'stdout' || value.s === 'stderr') &&
      typeof value.x === 'string'
    ) {
      return { n: value.n, t: value.t, s: value.s, x: value.x };
    }
  } catch {
    // A line cut short by a crash: skip it.
  }
  return null;
}

async function readFrom(path: string, offset: number): Promise<Buffer | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) {
      return null;
    }
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size <= offset) {
      return null;
    }
    const buffer = Buffer.alloc(size - offset);
    let done = 0;
    while (done < buffer.length) {
      const { bytesRead } = await handle.read(
        buffer,
        done,
        buffer.length - done,
        offset + done
      );
      if (bytesRead === 0) {
        break;
      }
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  } finally {
    await handle.close();
  }
}

function serializeJob<TRun>(job: IStoredJob<TRun>): string {
  return `${JSON.stringify({ ...job, version: STORE_VERSION }, null, 1)}\n`;
}

function parseJob<TRun>(text: string, what: string): IStoredJob<TRun> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BackendError(
      'InternalError',
      `the record of job ${what} is damaged: ${errorMessage(error)}`
    );
  }
  const job = value as Partial<IStoredJob<TRun>> | null;
  if (
    job === null ||
    typeof job !== 'object' ||
    typeof job.version !== 'number' ||
    job.record === null ||
    typeof job.record !== 'object' ||
    typeof job.record.name !== 'string' ||
    typeof job.record.namespace !== 'string'
  ) {
    throw new BackendError(
      'InternalError',
      `the record of job ${what} is damaged: it is not a job record`
    );
  }
  if (job.version > STORE_VERSION) {
    throw new BackendError(
      'InternalError',
      `the record of job ${what} was written by a newer version (layout ${job.version}); upgrade jupyterlab-mpijob`
    );
  }
  return job as IStoredJob<TRun>;
}

function compareJobs<TRun>(a: IStoredJob<TRun>, b: IStoredJob<TRun>): number {
  const byTime =
    Date.parse(a.record.createdAt) - Date.parse(b.record.createdAt);
  if (byTime !== 0 && !Number.isNaN(byTime)) {
    return byTime;
  }
  const byNamespace = a.record.namespace.localeCompare(b.record.namespace);
  return byNamespace !== 0
    ? byNamespace
    : a.record.name.localeCompare(b.record.name);
}

async function readDirSafe(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) {
      return [];
    }
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether an error is a Node system error with this code.
 *
 * @param error - a caught value
 * @param code - e.g. `ENOENT`
 * @returns true when `error.code === code`
 */
export function isErrno(error: unknown, code: string): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === code
  );
}

/**
 * A notebook job's source map, as stored beside its program.
 *
 * @param jobDir - the job's folder
 * @returns the map; null for command jobs (and maps that cannot be read:
 *   lines then stay as they are)
 */
export async function readSourceMap(
  jobDir: string
): Promise<Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'> | null> {
  try {
    return decodeSourceMap(
      await fs.readFile(join(jobDir, SOURCE_MAP_FILE_NAME), 'utf8')
    );
  } catch {
    return null;
  }
}
