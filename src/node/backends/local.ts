/**
 * The local backend: runs notebook code with a real `mpirun` (Open MPI) or
 * `mpiexec` (MPICH) on this machine, and reports it with the same job model
 * as an MPIJob on Kubernetes.
 *
 * Jobs live in a {@link JobStore}: the record is written before anything
 * runs and after every change, so a restarted service lists every earlier
 * job. Each job's launcher runs in a session of its own and every process
 * of the job carries a marker in its environment, so stopping a job stops
 * all of it (see `local/procs.ts`).
 *
 * One backend object runs the jobs of a data directory. A second one (a
 * second service, or the CLI) may read and delete them; it leaves alone the
 * jobs whose owning service is still alive, and takes over (stopping their
 * processes, marking them Failed with reason `LostProcess`) those whose
 * service died.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';

import type { IBuiltJob } from '../../core/job';
import type {
  IJobEvent,
  IJobKubeEvent,
  IJobRecord,
  ILogLine,
  INamespaceList,
  IPreflightCheck,
  IPreflightReport
} from '../../core/jobRecord';
import type { IProblem } from '../../core/errors';
import type { IPackagedProgram } from '../../core/notebook';
import {
  decodeSourceMap,
  encodeSourceMap,
  mapTraceback,
  PROGRAM_FILE_NAME
} from '../../core/notebook';
import type { ILaunchSpec } from '../../core/spec';
import { totalRanks } from '../../core/spec';
import { defaultDataDir } from '../paths';
import type { IRankedLogLine, IStoredJob } from '../store';
import {
  assertJobKey,
  JobStore,
  LogCursor,
  LogWriter,
  SOURCE_MAP_FILE_NAME,
  STORE_VERSION
} from '../store';
import type {
  IDisposable,
  ILogOptions,
  IMpiJobBackend,
  Submission
} from './backend';
import { ALL_NAMESPACES } from './backend';
import {
  assertRankOf,
  BackendError,
  jobAlreadyExists,
  jobNotFound
} from './errors';
import {
  describeLauncherFailure,
  describeRankFailure,
  failureMessage,
  FailureTracker
} from './failure';
import { JobFileWriter, listJobFiles, readJobFile } from './local/files';
import { checkProgram } from './local/programCheck';
import type { IProgramVerdict } from './local/programCheck';
import type { ILauncher } from './local/launch';
import {
  checkLauncher,
  checkPython,
  checkRanks,
  ensureMpichAbiDir,
  expandHome,
  findLauncher,
  jobLauncherArgs,
  launchEnv,
  missingLauncherMessage,
  mpiEnv,
  resolveExecutable
} from './local/launch';
import type { ILocalFailure, ILocalRun, RecordBase } from './local/model';
import {
  buildRecord,
  isFinished,
  LOCAL_REASONS,
  recordBase
} from './local/model';
import type { MpiFlavor } from '../../core/mpiOutput';
import type { IJobFile, IJobFileInfo } from '../../core/jobFiles';
import type { IJobReport, TimelineStep } from '../../core/jobReport';
import { placeRanks, TIMELINE_STEPS } from '../../core/jobReport';
import { FileAssembler } from '../../core/jobFiles';
import { MpiOutputParser } from '../../core/mpiOutput';
import type { IProcessIdentity } from './local/procs';
import {
  identify,
  isAlive,
  signalExitCode,
  stopJobProcesses
} from './local/procs';

/** Options of {@link LocalBackend}. */
export interface ILocalBackendOptions {
  /** Where jobs are kept; {@link defaultDataDir} when absent. */
  readonly dataDir?: string;
  /** Python interpreter of the ranks; `$MPIJOB_PYTHON`, else `python3` on PATH. */
  readonly python?: string;
  /** Launchers; by default `mpirun.openmpi` (else `mpirun`) and `mpiexec.mpich` (else `mpirun.mpich`) on PATH. */
  readonly mpirun?: { readonly openmpi?: string; readonly mpich?: string };
  /** Cores jobs may use without oversubscribing; all of this machine's by default. */
  readonly cores?: number;
  /** Time between SIGTERM and SIGKILL when stopping a job, in ms (default 5000). */
  readonly killGraceMs?: number;
}

/** Status message of jobs the service lost (it stopped while they ran); reason `LostProcess`. */
export const LOST_PROCESS_MESSAGE =
  'the MPI job service stopped while this job was running; its ranks were stopped. Run it again.';

/** Status message of jobs stopped because the service shut down; reason `ServiceStopped`. */
export const SERVICE_STOPPED_MESSAGE =
  'the MPI job service shut down while this job was running; its ranks were stopped. Run it again.';

// After a rank exits non-zero, how long the MPI gets to stop the others
// itself (Open MPI does; MPICH keeps them running) before the backend does.
const FAIL_FAST_DELAY_MS = 1000;

// Rank exits arriving together are recorded together.
const RANK_EXIT_BATCH_MS = 25;

// How long output may still arrive after the launcher exited (a process
// that inherited the pipes keeps them open).
const DRAIN_TIMEOUT_MS = 2000;

// How often a follow looks at files written by another process.
const FOLLOW_POLL_MS = 250;

// How long a follow waits for a line missing from the sequence before
// giving up on it (it may have been lost in a crash).
const FOLLOW_GAP_MS = 1000;

// Program verdicts kept (see programVerdict).
const MAX_VERDICTS = 32;

// A job this backend runs.
interface IEntry {
  readonly base: RecordBase;
  stored: IStoredJob<ILocalRun>;
  // Maps tracebacks to cells when the job fails; dropped once it ended.
  program: Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'> | null;
  active: IActiveRun | null;
  // The start under way, which a delete waits for.
  starting: Promise<void> | null;
  queue: Promise<void>;
  deleting: boolean;
}

// The live process of a running job.
interface IActiveRun {
  readonly child: ChildProcess;
  readonly launcherName: string;
  readonly tracker: FailureTracker;
  readonly parser: MpiOutputParser;
  readonly writer: LogWriter;
  readonly files: JobFileWriter;
  readonly assembler: FileAssembler;
  // Where each rank said it runs, and when a rank first printed.
  readonly hosts: Record<number, string>;
  firstOutputAt: string | null;
  launcher: IProcessIdentity | null;
  seq: number;
  stopping: 'delete' | 'close' | 'failfast' | null;
  done: Promise<void>;
  failFast: ReturnType<typeof setTimeout> | null;
  exitBatch: ReturnType<typeof setTimeout> | null;
  pendingExits: Array<{ rank: number; code: number; at: string }>;
}

// What submit found out before writing anything.
interface ILaunchPlan {
  readonly flavor: MpiFlavor;
  readonly launcher: ILauncher & { readonly path: string };
  readonly ranks: number;
  readonly python: string | null;
}

/** Runs MPI jobs on this machine with mpirun. */
export class LocalBackend implements IMpiJobBackend {
  /** Which backend. */
  readonly kind = 'local' as const;
  /** The job store. */
  readonly store: JobStore<ILocalRun>;

  private readonly dataDir: string;
  /** Interpreter of the ranks as configured (a name on PATH or a path). */
  readonly python: string;
  private readonly launchers: { openmpi?: string; mpich?: string };
  private readonly cores: number;
  private readonly killGraceMs: number;
  private readonly nodeName = hostname();
  private readonly ready: Promise<void>;
  private readonly entries = new Map<string, IEntry>();
  private readonly creating = new Set<string>();
  private readonly deletions = new Map<string, Promise<IJobRecord>>();
  private readonly listeners = new Set<{
    namespace: string | undefined;
    listener: (event: IJobEvent) => void;
  }>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private owner: IProcessIdentity = {
    pid: process.pid,
    startTicks: null,
    bootId: null
  };
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly verdicts = new Map<string, Promise<IProgramVerdict>>();
  private resourceVersion = 0;
  private closed = false;

  /**
   * Creates the backend and starts loading the store in the background:
   * every method waits for that. Prefer {@link LocalBackend.open}, which
   * reports a store that cannot be read right away.
   *
   * @param options - data directory, interpreter, launchers, cores, grace period
   */
  constructor(options: ILocalBackendOptions = {}) {
    this.dataDir = options.dataDir ?? defaultDataDir();
    this.python = options.python ?? process.env.MPIJOB_PYTHON ?? 'python3';
    this.launchers = { ...options.mpirun };
    this.cores = Math.max(
      1,
      Math.floor(options.cores ?? availableParallelism())
    );
    this.killGraceMs = Math.max(0, options.killGraceMs ?? 5000);
    this.store = new JobStore<ILocalRun>(this.dataDir);
    this.ready = this.load();
    // Reported by every method that awaits it; not an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /**
   * Opens a backend: loads every stored job and takes over the unfinished
   * jobs of a service that died (their processes are stopped; they are
   * marked Failed with reason `LostProcess`).
   *
   * @param options - as for the constructor
   * @returns the backend, ready
   */
  static async open(options: ILocalBackendOptions = {}): Promise<LocalBackend> {
    const backend = new LocalBackend(options);
    await backend.ready;
    return backend;
  }

  /**
   * Checks that MPI, Python with mpi4py and enough cores are here.
   *
   * @param spec - the job about to be submitted, when there is one
   * @returns the checks
   */
  async preflight(
    spec?: ILaunchSpec,
    _namespace?: string,
    program?: IPackagedProgram | null
  ): Promise<IPreflightReport> {
    await this.ready;
    const checks: IPreflightCheck[] = [];
    const impl = spec?.mpiImplementation;
    if (impl === 'Intel') {
      checks.push({
        name: 'intel-mpi',
        ok: false,
        severity: 'error',
        message:
          'Intel MPI is not installed on this machine; the local backend runs Open MPI or MPICH.',
        fix: 'Set mpiImplementation to OpenMPI or MPICH, or submit to the kubernetes backend with an Intel MPI image.'
      });
    }
    const flavors: MpiFlavor[] =
      impl === undefined
        ? ['openmpi', 'mpich']
        : impl === 'Intel'
          ? []
          : [flavorOf(impl)];
    for (const flavor of flavors) {
      const launcher = await findLauncher(flavor, this.launchers[flavor]);
      // Without a spec, any one MPI will do; Open MPI is the default one.
      const severity = spec || flavor === 'openmpi' ? 'error' : 'warning';
      checks.push(await checkLauncher(launcher, severity));
    }
    if (!spec?.command) {
      const flavor = flavors[0] ?? 'openmpi';
      const launcher = await findLauncher(flavor, this.launchers[flavor]);
      const abiDir =
        flavor === 'mpich'
          ? await ensureMpichAbiDir(this.dataDir, launcher.path).catch(
              () => null
            )
          : null;
      const env = { ...process.env, ...mpiEnv(flavor, process.env, abiDir) };
      checks.push(...(await checkPython(this.python, flavor, env, 'error')));
      if (program) {
        checks.push(...(await this.checkProgram(spec, program)));
      }
    }
    checks.push(this.checkCores(spec));
    checks.push(await this.checkDataDir());
    return {
      backend: 'local',
      ok: checks.every(c => c.ok || c.severity !== 'error'),
      checks
    };
  }

  /**
   * Starts a notebook (or command) job with mpirun. The record is stored
   * (Pending) before mpirun starts; the returned record is Running.
   *
   * @param submission - a launch; manifests are refused
   * @param options - `dryRun`: validate only, write and start nothing
   * @returns the job's record
   * @throws {BackendError} Invalid (manifest, Intel MPI, too many ranks), AlreadyExists,
   *   ServiceUnavailable (MPI or Python missing, backend closed)
   */
  async submit(
    submission: Submission,
    options: { dryRun?: boolean } = {}
  ): Promise<IJobRecord> {
    await this.ready;
    this.assertOpen();
    // close() waits for submissions under way, then stops what they started.
    const submitting = this.submitNow(submission, options);
    this.inflight.add(submitting);
    try {
      return await submitting;
    } finally {
      this.inflight.delete(submitting);
    }
  }

  private async submitNow(
    submission: Submission,
    options: { dryRun?: boolean }
  ): Promise<IJobRecord> {
    if (submission.kind !== 'launch') {
      throw new BackendError(
        'Invalid',
        'the local backend runs notebook code with mpirun on this machine, not container images: use the kubernetes backend to create MPIJob manifests',
        [
          {
            path: 'kind',
            message:
              'must be a launch (a launch spec and a notebook); MPIJob manifests need the kubernetes backend'
          }
        ]
      );
    }
    const job = submission.job;
    const spec = job.spec;
    assertJobKey(spec.namespace, spec.name, 'Invalid');
    const key = keyOf(spec.namespace, spec.name);
    const plan = await this.plan(job);
    if (
      this.entries.has(key) ||
      this.creating.has(key) ||
      (await this.store.read(spec.namespace, spec.name)) !== null
    ) {
      throw jobAlreadyExists(spec.name);
    }

    const uid = randomUUID();
    const createdAt = new Date().toISOString();
    const program = job.program;
    const base = recordBase(
      spec,
      uid,
      createdAt,
      program
        ? { path: program.notebookPath, cells: [...program.cellNumbers] }
        : null
    );
    const jobDir = this.store.jobDir(spec.namespace, spec.name);
    const args = jobLauncherArgs(
      plan.flavor,
      spec,
      plan.python ?? this.python,
      join(jobDir, PROGRAM_FILE_NAME)
    );
    const run: ILocalRun = {
      flavor: plan.flavor,
      ranks: plan.ranks,
      argv: [plan.launcher.path, ...args],
      owner: this.owner,
      launcher: null,
      phase: 'Pending',
      startedAt: null,
      finishedAt: null,
      rankExits: {},
      rankExitTimes: {},
      exitCode: null,
      signal: null,
      failure: null
    };
    if (options.dryRun) {
      return buildRecord(base, run, this.resourceVersion, this.nodeName);
    }

    const stored: IStoredJob<ILocalRun> = {
      version: STORE_VERSION,
      record: buildRecord(base, run, ++this.resourceVersion, this.nodeName),
      run
    };
    const files: Record<string, string> = {};
    if (program && !spec.command) {
      files[PROGRAM_FILE_NAME] = program.code;
      files[SOURCE_MAP_FILE_NAME] = encodeSourceMap(program);
    }
    this.creating.add(key);
    try {
      await this.store.create(stored, files);
    } finally {
      this.creating.delete(key);
    }
    const entry: IEntry = {
      base,
      stored,
      program: program && !spec.command ? program : null,
      active: null,
      starting: null,
      queue: Promise.resolve(),
      deleting: false
    };
    this.entries.set(key, entry);
    this.emit({ type: 'ADDED', job: stored.record });
    entry.starting = this.start(entry, plan, args, jobDir);
    try {
      await entry.starting;
    } finally {
      entry.starting = null;
    }
    return entry.stored.record;
  }

  /**
   * Lists jobs, oldest first, scanning the store (so jobs from before a
   * restart, and of other services on the same directory, are included).
   *
   * @param namespace - one namespace, or all
   * @returns the records
   */
  async list(namespace?: string): Promise<IJobRecord[]> {
    await this.ready;
    if (namespace === ALL_NAMESPACES) {
      namespace = undefined;
    }
    const stored = await this.store.list(namespace);
    const seen = new Set<string>();
    const records = stored.map(job => {
      const key = keyOf(job.record.namespace, job.record.name);
      seen.add(key);
      // This backend's copy of its own jobs may be newer than a save in flight.
      return this.entries.get(key)?.stored.record ?? job.record;
    });
    for (const [key, entry] of this.entries) {
      if (
        !seen.has(key) &&
        !entry.deleting &&
        (namespace === undefined || entry.base.namespace === namespace)
      ) {
        records.push(entry.stored.record);
      }
    }
    return records;
  }

  /**
   * The namespaces of this machine's jobs, and `default`; every one may be
   * used (no RBAC here).
   *
   * @returns `default` as the current one, and the namespaces in use
   */
  async namespaces(): Promise<INamespaceList> {
    const names = new Set(['default']);
    for (const job of await this.list()) {
      names.add(job.namespace);
    }
    return {
      backend: 'local',
      current: 'default',
      clusterWide: true,
      namespaces: [...names]
        .sort()
        .map(name => ({ name, canCreate: true, canWatch: true }))
    };
  }

  /**
   * No Kubernetes events here.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns an empty list
   * @throws {BackendError} NotFound
   */
  async events(namespace: string, name: string): Promise<IJobKubeEvent[]> {
    await this.get(namespace, name);
    return [];
  }

  /**
   * One job.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns the record
   * @throws {BackendError} NotFound; BadRequest for names that are not DNS labels
   */
  async get(namespace: string, name: string): Promise<IJobRecord> {
    await this.ready;
    assertJobKey(namespace, name);
    const entry = this.entries.get(keyOf(namespace, name));
    if (entry && !entry.deleting) {
      return entry.stored.record;
    }
    const stored = await this.store.read(namespace, name);
    if (stored === null) {
      throw jobNotFound(name);
    }
    return stored.record;
  }

  /**
   * Calls `listener` for every change this backend makes to jobs.
   *
   * @param namespace - one namespace, or all
   * @param listener - receives ADDED, MODIFIED and DELETED events
   * @returns a handle that stops the watch
   */
  watch(
    namespace: string | undefined,
    listener: (event: IJobEvent) => void
  ): IDisposable {
    const registration = {
      namespace: namespace === ALL_NAMESPACES ? undefined : namespace,
      listener
    };
    this.listeners.add(registration);
    return {
      dispose: () => {
        this.listeners.delete(registration);
      }
    };
  }

  /**
   * A job's output from its log files, merged over ranks in capture order;
   * with `follow`, new lines as they are printed, ending once the job ended
   * and all its output was delivered.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @param options - follow, rank, tail, signal
   * @returns the lines
   * @throws {BackendError} NotFound; BadRequest for bad names or ranks
   */
  logs(
    namespace: string,
    name: string,
    options: ILogOptions = {}
  ): AsyncIterable<ILogLine> {
    return this.readLogs(namespace, name, options);
  }

  /**
   * Where a job's ranks ran (all on this machine) and how its start went.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns placement and timeline; no warning (workers share this machine by design)
   * @throws {BackendError} NotFound
   */
  async report(namespace: string, name: string): Promise<IJobReport> {
    const record = await this.get(namespace, name);
    const entry = this.entries.get(keyOf(namespace, name));
    const active = entry?.active ?? null;
    const run = (await this.store.read(namespace, name))?.run;
    const hosts = active?.hosts ?? run?.hosts ?? {};
    const firstOutputAt = active?.firstOutputAt ?? run?.firstOutputAt ?? null;
    const at: Partial<Record<TimelineStep, string | null>> = {
      created: record.createdAt,
      mpirunStarted: record.startedAt,
      firstOutput: firstOutputAt,
      finished: record.finishedAt
    };
    // Workers here are groups of ranks on this machine: rank r is in worker
    // r / slotsPerWorker.
    const placement = placeRanks(hosts, record.topology).map(p => {
      const index = Math.floor(p.rank / record.slotsPerWorker);
      return {
        ...p,
        role: 'worker' as const,
        index,
        node: record.topology.workers[index]?.nodeName ?? p.node
      };
    });
    return {
      placement,
      warning: null,
      timeline: TIMELINE_STEPS.filter(step => step in at).map(step => ({
        step,
        at: at[step] ?? null
      }))
    };
  }

  /**
   * The files a job's ranks left, in the order they were written.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns the files
   * @throws {BackendError} NotFound
   */
  async listFiles(namespace: string, name: string): Promise<IJobFileInfo[]> {
    await this.get(namespace, name);
    return listJobFiles(this.store.jobDir(namespace, name));
  }

  /**
   * One file a job's ranks left.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @param file - the file's name
   * @returns the file
   * @throws {BackendError} NotFound, for the job or the file
   */
  async readFile(
    namespace: string,
    name: string,
    file: string
  ): Promise<IJobFile> {
    await this.get(namespace, name);
    return readJobFile(this.store.jobDir(namespace, name), name, file);
  }

  /**
   * Stops a job (SIGTERM to all its processes, SIGKILL after the grace
   * period, until none is left) and removes it with its files.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns the record as it was
   * @throws {BackendError} NotFound
   */
  async delete(namespace: string, name: string): Promise<IJobRecord> {
    await this.ready;
    assertJobKey(namespace, name);
    const key = keyOf(namespace, name);
    const running = this.deletions.get(key);
    if (running !== undefined) {
      await running.catch(() => undefined);
      throw jobNotFound(name);
    }
    const deletion = this.remove(namespace, name);
    this.deletions.set(key, deletion);
    try {
      return await deletion;
    } finally {
      this.deletions.delete(key);
    }
  }

  /**
   * Shuts the backend down: running jobs are stopped (no process is left)
   * and marked Failed with reason `ServiceStopped`; watches end.
   */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    await this.ready.catch(() => undefined);
    await Promise.allSettled([...this.inflight]);
    await Promise.all(
      [...this.entries.values()].map(async entry => {
        const active = entry.active;
        if (active === null) {
          return;
        }
        // A job already failing fast keeps its own failure.
        active.stopping ??= 'close';
        await stopJobProcesses(
          { marker: entry.base.uid, launcher: active.launcher },
          this.killGraceMs
        );
        await active.done;
      })
    );
    await Promise.all([...this.entries.values()].map(e => e.queue));
    this.listeners.clear();
    for (const key of [...this.waiters.keys()]) {
      this.notify(key);
    }
  }

  // -------------------------------------------------------------------------
  // Loading and recovery

  private async load(): Promise<void> {
    this.owner = await identify(process.pid);
    await fs.mkdir(this.dataDir, { recursive: true });
    await this.store.sweep();
    const jobs = await this.store.list();
    const orphans: IEntry[] = [];
    for (const job of jobs) {
      this.resourceVersion = Math.max(
        this.resourceVersion,
        Number(job.record.resourceVersion) || 0
      );
      const run = normalizeRun(job.run, job.record);
      if (isFinished(run.phase)) {
        continue;
      }
      if (run.owner.pid > 0 && (await isAlive(run.owner))) {
        // Another live service (or another backend in this process) runs it.
        continue;
      }
      const entry: IEntry = {
        base: baseOf(job.record),
        stored: { ...job, run },
        program: null,
        active: null,
        starting: null,
        queue: Promise.resolve(),
        deleting: false
      };
      this.entries.set(keyOf(job.record.namespace, job.record.name), entry);
      orphans.push(entry);
    }
    await Promise.all(orphans.map(entry => this.recover(entry)));
  }

  // The service that ran this job died: its output capture is gone, so the
  // run cannot be reported any more. Stop whatever survived, then say so.
  private async recover(entry: IEntry): Promise<void> {
    const run = entry.stored.run;
    await stopJobProcesses(
      { marker: entry.base.uid, launcher: run.launcher },
      this.killGraceMs
    );
    await this.change(entry, current => ({
      ...current,
      owner: this.owner,
      phase: 'Failed',
      finishedAt: new Date().toISOString(),
      failure: {
        reason: LOCAL_REASONS.lostProcess,
        message: LOST_PROCESS_MESSAGE,
        rank: null,
        exitCode: null
      }
    }));
  }

  // -------------------------------------------------------------------------
  // Submitting and running

  private async plan(job: IBuiltJob): Promise<ILaunchPlan> {
    const spec = job.spec;
    if (spec.mpiImplementation === 'Intel') {
      throw new BackendError(
        'Invalid',
        'Intel MPI is not installed on this machine: the local backend runs Open MPI or MPICH. Set mpiImplementation to OpenMPI or MPICH, or submit to the kubernetes backend with an Intel MPI image.',
        [
          {
            path: 'mpiImplementation',
            message:
              'Intel MPI is not installed on this machine; choose OpenMPI or MPICH, or use the kubernetes backend'
          }
        ]
      );
    }
    const ranks = totalRanks(spec);
    const verdict = checkRanks(spec, this.cores);
    if (verdict.problem) {
      throw new BackendError(
        'Invalid',
        `${verdict.check.message} ${verdict.check.fix}`,
        [verdict.problem]
      );
    }
    if (!spec.command && job.program === null) {
      throw new BackendError(
        'Invalid',
        'the job has neither packaged notebook code nor a command',
        [
          {
            path: 'source.notebook',
            message: 'is required unless command is set'
          }
        ]
      );
    }
    if (
      spec.workingDir !== undefined &&
      !(await isDirectory(expandHome(spec.workingDir)))
    ) {
      throw new BackendError(
        'Invalid',
        `the working directory ${spec.workingDir} does not exist on this machine`,
        [{ path: 'workingDir', message: 'must be a directory of this machine' }]
      );
    }
    const flavor = flavorOf(spec.mpiImplementation);
    const launcher = await findLauncher(flavor, this.launchers[flavor]);
    if (launcher.path === null) {
      throw new BackendError(
        'ServiceUnavailable',
        `cannot run the job: ${missingLauncherMessage(launcher)}`
      );
    }
    let python: string | null = null;
    if (!spec.command) {
      python = await resolveExecutable(this.python);
      if (python === null) {
        throw new BackendError(
          'ServiceUnavailable',
          `cannot run the job: the Python interpreter ${this.python} was not found. Install Python 3 with mpi4py, or set MPIJOB_PYTHON (or the local backend's python option) to the interpreter to use.`
        );
      }
    }
    if (python !== null && job.program) {
      const verdict = await this.programVerdict(python, spec, job.program);
      const problems = [
        ...(verdict.syntax ? [verdict.syntax] : []),
        ...verdict.missing
      ];
      if (problems.length > 0) {
        throw new BackendError(
          'Invalid',
          `the notebook would fail on every rank: ${problems.map(p => `${p.path}: ${p.message}`).join('; ')}${verdict.missing.length > 0 ? `. Install what is missing into ${python}, or set MPIJOB_PYTHON to a Python that has it` : ''}`,
          problems
        );
      }
    }
    return {
      flavor,
      launcher: { ...launcher, path: launcher.path },
      ranks,
      python
    };
  }

  // The same program is often submitted again (benchmarks, reruns): its
  // verdict is kept for a while.
  private programVerdict(
    python: string,
    spec: ILaunchSpec,
    program: IPackagedProgram
  ): Promise<IProgramVerdict> {
    const cwd =
      spec.workingDir === undefined ? undefined : expandHome(spec.workingDir);
    const env = spec.env ?? [];
    const key = createHash('sha256')
      .update(JSON.stringify([python, cwd ?? null, env, program.code]))
      .digest('hex');
    let verdict = this.verdicts.get(key);
    if (verdict === undefined) {
      verdict = checkProgram(python, program, {
        cwd,
        env: launchEnv('openmpi', process.env, env, null, null)
      });
      this.verdicts.set(key, verdict);
      if (this.verdicts.size > MAX_VERDICTS) {
        this.verdicts.delete(this.verdicts.keys().next().value as string);
      }
    }
    return verdict;
  }

  private async start(
    entry: IEntry,
    plan: ILaunchPlan,
    args: readonly string[],
    jobDir: string
  ): Promise<void> {
    const spec = entry.base.spec as ILaunchSpec;
    const key = keyOf(entry.base.namespace, entry.base.name);
    const abiDir =
      plan.flavor === 'mpich'
        ? await ensureMpichAbiDir(this.dataDir, plan.launcher.path).catch(
            () => null
          )
        : null;
    const env = launchEnv(
      plan.flavor,
      process.env,
      spec.env ?? [],
      entry.base.uid,
      abiDir
    );
    const writer = new LogWriter(
      this.store.logsDir(entry.base.namespace, entry.base.name),
      () => this.notify(key)
    );
    const tracker = new FailureTracker();
    let child: ChildProcess;
    try {
      child = spawn(plan.launcher.path, [...args], {
        cwd:
          spec.workingDir === undefined ? jobDir : expandHome(spec.workingDir),
        env,
        // Its own session and process group: stopping the job cannot hit the service.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe']
      });
    } catch (error) {
      // Arguments Node refuses (e.g. a NUL byte in an environment value).
      await writer.close();
      await this.launchFailed(entry, plan, error);
      return;
    }
    const active: IActiveRun = {
      child,
      launcherName: plan.launcher.command.split('/').pop() ?? 'mpirun',
      tracker,
      writer,
      parser: new MpiOutputParser(plan.flavor, plan.ranks, {
        line: line => {
          const time = new Date().toISOString();
          writer.append(line.rank, {
            n: active.seq++,
            t: time,
            s: line.stream,
            x: line.text
          });
          if (line.rank !== null) {
            active.firstOutputAt ??= time;
          }
          tracker.observe(line);
        },
        host: (rank, host) => {
          active.hosts[rank] = host;
        },
        rankExit: (rank, code) => this.onRankExit(entry, active, rank, code),
        file: (rank, chunk) => {
          const file = active.assembler.add(rank, chunk);
          if (file !== null) {
            active.files.write(file);
          }
        }
      }),
      files: new JobFileWriter(jobDir),
      assembler: new FileAssembler(),
      hosts: {},
      firstOutputAt: null,
      launcher: null,
      seq: 0,
      stopping: null,
      done: Promise.resolve(),
      failFast: null,
      exitBatch: null,
      pendingExits: []
    };
    const exited = new Promise<{
      code: number | null;
      signal: NodeJS.Signals | null;
    }>(resolve =>
      child.once('exit', (code, signal) => resolve({ code, signal }))
    );
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) =>
      active.parser.push('stdout', chunk)
    );
    child.stderr?.on('data', (chunk: string) =>
      active.parser.push('stderr', chunk)
    );
    const started = await new Promise<Error | null>(resolve => {
      child.once('spawn', () => resolve(null));
      child.once('error', error => resolve(error));
    });
    // Later errors (a failed kill) must not crash the service.
    child.on('error', () => undefined);
    if (started !== null) {
      await writer.close();
      await this.launchFailed(entry, plan, started);
      return;
    }
    entry.active = active;
    const pid = child.pid ?? -1;
    const startedAt = new Date().toISOString();
    // Queued before the exit handling can queue anything, so Running is
    // never recorded after the job's end.
    const running = this.change(entry, async run => {
      active.launcher = await identify(pid);
      return {
        ...run,
        phase: 'Running',
        startedAt,
        launcher: active.launcher
      };
    });
    active.done = exited.then(result => this.finish(entry, active, result));
    await running;
  }

  private launchFailed(
    entry: IEntry,
    plan: ILaunchPlan,
    error: unknown
  ): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    return this.change(entry, run => ({
      ...run,
      phase: 'Failed',
      finishedAt: new Date().toISOString(),
      failure: {
        reason: LOCAL_REASONS.launcherFailed,
        message: `could not start ${plan.launcher.path}: ${reason}`,
        rank: null,
        exitCode: null
      }
    }));
  }

  private onRankExit(
    entry: IEntry,
    active: IActiveRun,
    rank: number,
    code: number
  ): void {
    active.tracker.rankExited(rank, code);
    active.pendingExits.push({ rank, code, at: new Date().toISOString() });
    if (active.exitBatch === null) {
      active.exitBatch = setTimeout(() => {
        active.exitBatch = null;
        void this.recordRankExits(entry, active);
      }, RANK_EXIT_BATCH_MS);
    }
    if (code !== 0 && active.stopping === null && active.failFast === null) {
      // Fail fast: one rank's failure ends the job, whatever the MPI does.
      active.failFast = setTimeout(() => {
        if (entry.active === active && active.stopping === null) {
          active.stopping = 'failfast';
          void stopJobProcesses(
            { marker: entry.base.uid, launcher: active.launcher },
            this.killGraceMs
          );
        }
      }, FAIL_FAST_DELAY_MS);
    }
  }

  private recordRankExits(entry: IEntry, active: IActiveRun): Promise<void> {
    const exits = active.pendingExits.splice(0);
    if (exits.length === 0) {
      return Promise.resolve();
    }
    return this.change(entry, run => {
      const rankExits = { ...run.rankExits };
      const rankExitTimes = { ...run.rankExitTimes };
      for (const { rank, code, at } of exits) {
        if (rankExits[String(rank)] === undefined) {
          rankExits[String(rank)] = code;
          rankExitTimes[String(rank)] = at;
        }
      }
      return { ...run, rankExits, rankExitTimes };
    });
  }

  // The launcher exited: collect the rest of the output, make sure nothing
  // of the job is left, and record how it ended.
  private async finish(
    entry: IEntry,
    active: IActiveRun,
    result: { code: number | null; signal: NodeJS.Signals | null }
  ): Promise<void> {
    if (active.failFast !== null) {
      clearTimeout(active.failFast);
      active.failFast = null;
    }
    await stopJobProcesses(
      { marker: entry.base.uid, launcher: null },
      Math.min(this.killGraceMs, 1000)
    );
    await drained(active.child, DRAIN_TIMEOUT_MS);
    active.parser.finish();
    await active.writer.close();
    await active.files.close();
    if (active.exitBatch !== null) {
      clearTimeout(active.exitBatch);
      active.exitBatch = null;
    }
    await this.recordRankExits(entry, active);
    if (entry.deleting) {
      entry.active = null;
      return;
    }
    const exitCode =
      result.code ??
      (result.signal !== null ? signalExitCode(result.signal) : null);
    const failure = this.outcome(entry, active, exitCode);
    await this.change(entry, run => {
      entry.active = null;
      entry.program = null;
      return {
        ...run,
        phase: failure === null ? 'Succeeded' : 'Failed',
        finishedAt: new Date().toISOString(),
        exitCode,
        signal: result.signal,
        failure,
        hosts: { ...active.hosts },
        firstOutputAt: active.firstOutputAt
      };
    });
  }

  private outcome(
    entry: IEntry,
    active: IActiveRun,
    exitCode: number | null
  ): ILocalFailure | null {
    if (active.stopping === 'close') {
      return {
        reason: LOCAL_REASONS.serviceStopped,
        message: SERVICE_STOPPED_MESSAGE,
        rank: null,
        exitCode: null
      };
    }
    const rankFailed = [...active.tracker.rankExits.values()].some(
      code => code !== 0
    );
    if (exitCode === 0 && active.stopping === null && !rankFailed) {
      return null;
    }
    const culprit = active.tracker.culprit();
    if (culprit !== null) {
      const code = culprit.exitCode ?? exitCode;
      const text = describeRankFailure(
        { rank: culprit.rank, exitCode: code },
        active.tracker.rankTail(culprit.rank),
        entry.program
      );
      return {
        reason: LOCAL_REASONS.workerFailed,
        message: failureMessage(text),
        rank: culprit.rank,
        exitCode: code
      };
    }
    const text = describeLauncherFailure(
      active.launcherName,
      exitCode,
      active.tracker.launcherLines
    );
    return {
      reason: LOCAL_REASONS.launcherFailed,
      message: failureMessage(text),
      rank: null,
      exitCode
    };
  }

  // -------------------------------------------------------------------------
  // Changes, events, deletion

  // Applies a change after the job's earlier changes, persists it, then tells
  // watchers: every change gets a new resourceVersion and is on disk first.
  private change(
    entry: IEntry,
    mutate: (run: ILocalRun) => ILocalRun | Promise<ILocalRun>
  ): Promise<void> {
    const next = entry.queue.then(async () => {
      if (entry.deleting) {
        return;
      }
      const run = await mutate(entry.stored.run);
      const stored: IStoredJob<ILocalRun> = {
        version: STORE_VERSION,
        record: buildRecord(
          entry.base,
          run,
          ++this.resourceVersion,
          this.nodeName
        ),
        run
      };
      entry.stored = stored;
      try {
        await this.store.save(stored);
      } catch {
        // Deleted meanwhile, or the disk failed: the change stays in memory
        // and the next one is written whole.
      }
      if (!entry.deleting) {
        this.emit({ type: 'MODIFIED', job: stored.record });
      }
      this.notify(keyOf(entry.base.namespace, entry.base.name));
    });
    entry.queue = next.catch(() => undefined);
    return entry.queue;
  }

  private async remove(namespace: string, name: string): Promise<IJobRecord> {
    const key = keyOf(namespace, name);
    const entry = this.entries.get(key);
    let record: IJobRecord;
    let launcher: IProcessIdentity | null;
    let uid: string;
    if (entry !== undefined) {
      // A job being started is deleted once it runs, so nothing escapes.
      await entry.starting?.catch(() => undefined);
      entry.deleting = true;
      record = entry.stored.record;
      launcher = entry.active?.launcher ?? entry.stored.run.launcher;
      uid = entry.base.uid;
    } else {
      const stored = await this.store.read(namespace, name);
      if (stored === null) {
        throw jobNotFound(name);
      }
      record = stored.record;
      launcher = normalizeRun(stored.run, stored.record).launcher;
      uid = stored.record.uid;
    }
    const active = entry?.active ?? null;
    if (active !== null) {
      active.stopping = 'delete';
    }
    // Finished jobs have nothing left, which one /proc scan confirms.
    await stopJobProcesses({ marker: uid, launcher }, this.killGraceMs);
    if (active !== null) {
      await active.done;
    }
    if (entry !== undefined) {
      await entry.queue;
      this.entries.delete(key);
    }
    const removed = await this.store.remove(namespace, name);
    if (!removed && entry === undefined) {
      throw jobNotFound(name);
    }
    this.emit({ type: 'DELETED', job: record });
    this.notify(key);
    return record;
  }

  private emit(event: IJobEvent): void {
    for (const { namespace, listener } of [...this.listeners]) {
      if (namespace === undefined || namespace === event.job.namespace) {
        try {
          listener(event);
        } catch {
          // A listener's failure is its own; others still hear the event.
        }
      }
    }
  }

  private notify(key: string): void {
    const waiting = this.waiters.get(key);
    if (waiting === undefined) {
      return;
    }
    this.waiters.delete(key);
    for (const wake of waiting) {
      wake();
    }
  }

  private waitForChange(
    key: string,
    ms: number,
    signal: AbortSignal | undefined
  ): Promise<void> {
    return new Promise(resolve => {
      let waiting = this.waiters.get(key);
      if (waiting === undefined) {
        waiting = new Set();
        this.waiters.set(key, waiting);
      }
      const set = waiting;
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  // -------------------------------------------------------------------------
  // Logs

  private async *readLogs(
    namespace: string,
    name: string,
    options: ILogOptions
  ): AsyncGenerator<ILogLine> {
    await this.ready;
    assertJobKey(namespace, name);
    const rank = options.rank;
    if (rank !== undefined && (!Number.isInteger(rank) || rank < 0)) {
      throw new BackendError(
        'BadRequest',
        `rank must be a whole number from 0, not ${String(rank)}`
      );
    }
    const tail = options.tail;
    if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
      throw new BackendError(
        'BadRequest',
        `tail must be a whole number from 0, not ${String(tail)}`
      );
    }
    const key = keyOf(namespace, name);
    // The job must exist; this also reads its uid for the end check.
    const first = await this.get(namespace, name);
    assertRankOf(rank, first.workers * first.slotsPerWorker);
    const uid = first.uid;
    const cursor = new LogCursor(this.store.logsDir(namespace, name), rank);
    const sourceMap = await this.sourceMapOf(namespace, name);
    const pending: IRankedLogLine[] = [];
    let expected = 0;
    let gapSince: number | null = null;
    let firstBatch = true;

    // Lines in capture order. Files are flushed one after another, so a
    // read may see line n + 1 before line n: hold lines back until the
    // sequence is complete (briefly; a crash may have lost a line).
    const ready = (final: boolean): IRankedLogLine[] => {
      pending.sort((a, b) => a.n - b.n);
      const out: IRankedLogLine[] = [];
      while (pending.length > 0) {
        const head = pending[0];
        const gapExpired =
          gapSince !== null && Date.now() - gapSince > FOLLOW_GAP_MS;
        if (head.n > expected && !final && rank === undefined && !gapExpired) {
          gapSince ??= Date.now();
          break;
        }
        // A line that turns up after its gap was given up on still comes, late.
        pending.shift();
        out.push(head);
        expected = Math.max(expected, head.n + 1);
        gapSince = null;
      }
      return out;
    };

    for (;;) {
      if (options.signal?.aborted) {
        return;
      }
      // Whether the job had ended before this read: then the read is complete.
      const ended =
        !options.follow || (await this.hasEnded(namespace, name, uid));
      pending.push(...(await cursor.readNew()));
      let lines = ready(ended);
      if (firstBatch && tail !== undefined) {
        lines = tail === 0 ? [] : lines.slice(-tail);
      }
      firstBatch = false;
      for (const line of lines) {
        yield {
          rank: line.rank,
          stream: line.s,
          time: line.t,
          // Tracebacks name the notebook's cells, for every reader.
          text: sourceMap ? mapTraceback(line.x, sourceMap) : line.x
        };
      }
      if (ended) {
        return;
      }
      await this.waitForChange(key, FOLLOW_POLL_MS, options.signal);
    }
  }

  // A notebook job's source map, as stored beside its program; null for
  // command jobs (and maps that cannot be read: lines then stay as they are).
  private async sourceMapOf(
    namespace: string,
    name: string
  ): Promise<Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'> | null> {
    try {
      return decodeSourceMap(
        await fs.readFile(
          join(this.store.jobDir(namespace, name), SOURCE_MAP_FILE_NAME),
          'utf8'
        )
      );
    } catch {
      return null;
    }
  }

  private async hasEnded(
    namespace: string,
    name: string,
    uid: string
  ): Promise<boolean> {
    const entry = this.entries.get(keyOf(namespace, name));
    if (entry !== undefined && entry.base.uid === uid) {
      // The record turns final only after all output reached the files.
      return entry.deleting || isFinished(entry.stored.run.phase);
    }
    const stored = await this.store.read(namespace, name).catch(() => null);
    if (stored === null || stored.record.uid !== uid) {
      return true;
    }
    const run = normalizeRun(stored.run, stored.record);
    if (isFinished(run.phase)) {
      return true;
    }
    // Unfinished but nobody runs it: it will be marked lost; nothing more comes.
    return !(await isAlive(run.owner));
  }

  // -------------------------------------------------------------------------
  // Preflight helpers

  // A notebook's sure failures, found with the ranks' Python before it runs.
  private async checkProgram(
    spec: ILaunchSpec | undefined,
    program: IPackagedProgram
  ): Promise<IPreflightCheck[]> {
    const python = await resolveExecutable(this.python);
    if (python === null) {
      return [];
    }
    const verdict = spec
      ? await this.programVerdict(python, spec, program)
      : await checkProgram(python, program);
    if (verdict.unavailable !== null) {
      return [
        {
          name: 'program',
          ok: false,
          severity: 'warning',
          message: verdict.unavailable
        }
      ];
    }
    const line = (p: IProblem): string => `${p.path}: ${p.message}`;
    if (verdict.syntax) {
      // Code that does not compile has no imports to check yet.
      return [
        {
          name: 'program',
          ok: false,
          severity: 'error',
          message: `the notebook's code does not compile: ${line(verdict.syntax)}`,
          fix: 'Fix that line (Python 3 syntax), or leave the cell out (skip-mpijob tag, or the cell selection)'
        }
      ];
    }
    return [
      {
        name: 'program',
        ok: true,
        severity: 'error',
        message: `the notebook's code compiles with ${python}`
      },
      verdict.missing.length > 0
        ? {
            name: 'imports',
            ok: false,
            severity: 'error',
            message: verdict.missing.map(line).join('; '),
            fix: `Install what is missing into ${python}, or set MPIJOB_PYTHON to a Python that has it`
          }
        : {
            name: 'imports',
            ok: true,
            severity: 'error',
            message: `every top-level import of the notebook is found by ${python}`
          }
    ];
  }

  private checkCores(spec: ILaunchSpec | undefined): IPreflightCheck {
    const cores = `${this.cores} core${this.cores === 1 ? '' : 's'}`;
    if (spec === undefined) {
      return {
        name: 'cores',
        ok: true,
        severity: 'warning',
        message: `This machine has ${cores} for MPI ranks.`
      };
    }
    return checkRanks(spec, this.cores).check;
  }

  private async checkDataDir(): Promise<IPreflightCheck> {
    try {
      await fs.mkdir(this.dataDir, { recursive: true });
      await fs.access(this.dataDir, fs.constants.W_OK);
      return {
        name: 'data-dir',
        ok: true,
        severity: 'error',
        message: `Jobs are kept in ${this.dataDir}.`
      };
    } catch (error) {
      return {
        name: 'data-dir',
        ok: false,
        severity: 'error',
        message: `Jobs cannot be kept in ${this.dataDir}: ${error instanceof Error ? error.message : String(error)}`,
        fix: 'Make that directory writable, or set MPIJOB_DATA_DIR to one that is.'
      };
    }
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new BackendError(
        'ServiceUnavailable',
        'the local MPI backend has been shut down'
      );
    }
  }
}

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function flavorOf(impl: 'OpenMPI' | 'MPICH'): MpiFlavor {
  return impl === 'MPICH' ? 'mpich' : 'openmpi';
}

function baseOf(record: IJobRecord): RecordBase {
  return {
    name: record.name,
    namespace: record.namespace,
    uid: record.uid,
    createdAt: record.createdAt,
    spec: record.spec,
    workers: record.workers,
    slotsPerWorker: record.slotsPerWorker,
    gpusPerWorker: record.gpusPerWorker,
    mpiImplementation: record.mpiImplementation,
    notebook: record.notebook
  };
}

// Records from disk may come from an older version or be hand-made: fill
// what is missing so that recovery never trips over them.
function normalizeRun(value: unknown, record: IJobRecord): ILocalRun {
  const run = (
    value !== null && typeof value === 'object' ? value : {}
  ) as Partial<ILocalRun>;
  const identity = (v: unknown): IProcessIdentity | null => {
    const p = v as Partial<IProcessIdentity> | null | undefined;
    return p && typeof p.pid === 'number' && p.pid > 0
      ? {
          pid: p.pid,
          startTicks: typeof p.startTicks === 'number' ? p.startTicks : null,
          bootId: typeof p.bootId === 'string' ? p.bootId : null
        }
      : null;
  };
  const phases = ['Pending', 'Running', 'Succeeded', 'Failed'];
  const recordPhase = record.status?.phase;
  const phase =
    typeof run.phase === 'string' && phases.includes(run.phase)
      ? run.phase
      : recordPhase === 'Succeeded' || recordPhase === 'Failed'
        ? recordPhase
        : 'Running';
  return {
    flavor: run.flavor === 'mpich' ? 'mpich' : 'openmpi',
    ranks:
      typeof run.ranks === 'number'
        ? run.ranks
        : record.workers * record.slotsPerWorker,
    argv: Array.isArray(run.argv) ? run.argv : [],
    owner: identity(run.owner) ?? { pid: 0, startTicks: null, bootId: null },
    launcher: identity(run.launcher),
    phase,
    startedAt: run.startedAt ?? record.startedAt ?? null,
    finishedAt: run.finishedAt ?? record.finishedAt ?? null,
    rankExits: run.rankExits ?? {},
    rankExitTimes: run.rankExitTimes ?? {},
    exitCode: run.exitCode ?? record.exitCode ?? null,
    signal: run.signal ?? null,
    failure: run.failure ?? null
  };
}

// Resolves once the child's pipes closed, or after `ms` (then they are
// destroyed: what a stray process still writes is dropped).
function drained(child: ChildProcess, ms: number): Promise<void> {
  const streams = [child.stdout, child.stderr].filter(
    (s): s is NonNullable<typeof s> => s !== null && !s.destroyed
  );
  return new Promise(resolve => {
    let open = streams.length;
    if (open === 0) {
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      for (const s of streams) {
        s.destroy();
      }
      resolve();
    }, ms);
    for (const s of streams) {
      s.once('close', () => {
        if (--open === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false;
  }
}
