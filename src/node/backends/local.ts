/**
 * The local backend: runs notebook code with a real `mpirun` (Open MPI) or
 * `mpiexec` (MPICH) on this machine, and reports it with the same job model
 * as an MPIJob on Kubernetes.
 *
 * Jobs live in a {@link JobStore}: the record is written before anything
 * runs and after every change, so a restarted service lists every earlier
 * job. Each job's launcher runs under a detached supervisor that writes its
 * logs and reports how it ends (`local/supervisor.ts`), so jobs outlive the
 * service. The launcher runs in a session of its own and every process of
 * the job carries a marker in its environment, so stopping a job stops all
 * of it (see `local/procs.ts`).
 *
 * This class holds the verbs; its parts are under `local/`: the rules of
 * preflight and submit (`rules.ts`), a job's run (`run.ts`), watchers and
 * followers (`hub.ts`), the log follower (`logFollow.ts`) and recovery
 * after a restart (`recovery.ts`).
 *
 * One backend object runs the jobs of a data directory. A second one (a
 * second service, or the CLI) may read and delete them; it leaves alone the
 * jobs whose owning service is still alive, and adopts those whose service
 * died: it follows their supervisors to the end, and marks Failed with
 * reason `LostProcess` only the jobs whose supervisor died too.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';

import type {
  IJobEvent,
  IJobKubeEvent,
  IJobRecord,
  ILogLine,
  INamespaceList,
  IPreflightReport
} from '../../core/jobRecord';
import type { IJobFile, IJobFileInfo } from '../../core/jobFiles';
import type { IJobReport, TimelineStep } from '../../core/jobReport';
import { placeRanks, TIMELINE_STEPS } from '../../core/jobReport';
import type { IPackagedProgram } from '../../core/notebook';
import { encodeSourceMap, PROGRAM_FILE_NAME } from '../../core/notebook';
import type { ILaunchSpec } from '../../core/spec';
import { jobKey } from '../../core/jobKey';
import { defaultDataDir } from '../paths';
import type {
  IDisposable,
  ILogOptions,
  IMpiJobBackend,
  Submission
} from './backend';
import { ALL_NAMESPACES } from './backend';
import { BackendError, jobAlreadyExists, jobNotFound } from './errors';
import type { IEntry } from './local/entry';
import { newEntry } from './local/entry';
import { listJobFiles, readJobFile } from './local/files';
import { JobHub } from './local/hub';
import { jobLauncherArgs, launcherArgv } from './local/launch';
import { followLogs } from './local/logFollow';
import type { ILogSource } from './local/logFollow';
import type { ILocalRun } from './local/model';
import { buildRecord, isFinished, recordBase } from './local/model';
import type { IProcessIdentity } from './local/procs';
import { identify, isAlive, stopJobProcesses } from './local/procs';
import { baseOf, normalizeRun, scanStore } from './local/recovery';
import type { ILocalMachine } from './local/rules';
import { planLaunch, preflightChecks, ProgramVerdicts } from './local/rules';
import type { IRunHost } from './local/run';
import { adoptRun, startRun } from './local/run';
import type { IStoredJob } from './local/store';
import {
  assertJobKey,
  JobStore,
  SOURCE_MAP_FILE_NAME,
  STORE_VERSION
} from './local/store';

export { LOST_PROCESS_MESSAGE } from './local/recovery';
export { SERVICE_STOPPED_MESSAGE } from './local/run';

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

/** Runs MPI jobs on this machine with mpirun. */
export class LocalBackend implements IMpiJobBackend {
  /** Which backend. */
  readonly kind = 'local' as const;
  /** The job store. */
  readonly store: JobStore<ILocalRun>;

  private readonly dataDir: string;
  /** Interpreter of the ranks as configured (a name on PATH or a path). */
  readonly python: string;
  private readonly killGraceMs: number;
  private readonly machine: ILocalMachine;
  // What a run needs of this backend.
  private readonly runHost: IRunHost;
  private readonly nodeName = hostname();
  private readonly ready: Promise<void>;
  private readonly entries = new Map<string, IEntry>();
  private readonly creating = new Set<string>();
  private readonly deletions = new Map<string, Promise<IJobRecord>>();
  private readonly hub = new JobHub();
  private owner: IProcessIdentity = {
    pid: process.pid,
    startTicks: null,
    bootId: null
  };
  private readonly inflight = new Set<Promise<unknown>>();
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
    this.killGraceMs = Math.max(0, options.killGraceMs ?? 5000);
    this.machine = {
      cores: Math.max(1, Math.floor(options.cores ?? availableParallelism())),
      dataDir: this.dataDir,
      python: this.python,
      launchers: { ...options.mpirun },
      verdicts: new ProgramVerdicts()
    };
    this.store = new JobStore<ILocalRun>(this.dataDir);
    this.runHost = {
      dataDir: this.dataDir,
      killGraceMs: this.killGraceMs,
      owner: () => this.owner,
      jobDir: (namespace, name) => this.store.jobDir(namespace, name),
      logsDir: (namespace, name) => this.store.logsDir(namespace, name),
      change: (entry, mutate) => this.change(entry, mutate),
      notify: key => this.hub.notify(key)
    };
    this.ready = this.load();
    // Reported by every method that awaits it; not an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /**
   * Opens a backend: loads every stored job and adopts the unfinished
   * jobs of a service that died (see the class comment).
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
    const checks = await preflightChecks(this.machine, spec, program ?? null);
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
    const key = jobKey(spec);
    const plan = await planLaunch(this.machine, job);
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
      argv: launcherArgv(plan.flavor, plan.launcher.path, args),
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
    const entry = newEntry(
      base,
      stored,
      program && !spec.command ? program : null
    );
    this.entries.set(key, entry);
    this.hub.emit({ type: 'ADDED', job: stored.record });
    entry.starting = startRun(this.runHost, entry, plan, run.argv, jobDir);
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
      const key = jobKey(job.record);
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
    const entry = this.entries.get(jobKey({ namespace, name }));
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
    return this.hub.watch(
      namespace === ALL_NAMESPACES ? undefined : namespace,
      listener
    );
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
    const entry = this.entries.get(jobKey({ namespace, name }));
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
    const key = jobKey({ namespace, name });
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
   * Shuts the backend down; watches end. Running jobs are stopped (no
   * process is left) and marked Failed with reason `ServiceStopped`, unless
   * `keepJobs`: then they run on under their supervisors, and the next
   * backend on this data directory adopts them.
   */
  async close(options: { readonly keepJobs?: boolean } = {}): Promise<void> {
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
        if (options.keepJobs && active.stopping === null) {
          active.stopping = 'detach';
          active.wake();
          await active.done;
          return;
        }
        active.stopping ??= 'close';
        await stopJobProcesses(
          { marker: entry.base.uid, launcher: active.launcher },
          this.killGraceMs
        );
        await active.done;
      })
    );
    await Promise.all([...this.entries.values()].map(e => e.queue));
    this.hub.close();
  }

  // -------------------------------------------------------------------------
  // Loading and recovery

  private async load(): Promise<void> {
    this.owner = await identify(process.pid);
    await fs.mkdir(this.dataDir, { recursive: true });
    const scan = await scanStore(this.store);
    this.resourceVersion = Math.max(this.resourceVersion, scan.resourceVersion);
    const orphans = scan.orphans.map(job => {
      const entry = newEntry(baseOf(job.record), job);
      this.entries.set(jobKey(job.record), entry);
      return entry;
    });
    await Promise.all(orphans.map(entry => this.recover(entry)));
  }

  // The service that followed this job died; its supervisor may still run
  // it, or have recorded its end: follow it from here.
  private recover(entry: IEntry): Promise<void> {
    return adoptRun(this.runHost, entry);
  }

  // -------------------------------------------------------------------------
  // Changes, deletion, logs

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
        this.hub.emit({ type: 'MODIFIED', job: stored.record });
      }
      this.hub.notify(jobKey(entry.base));
    });
    entry.queue = next.catch(() => undefined);
    return entry.queue;
  }

  private async remove(namespace: string, name: string): Promise<IJobRecord> {
    const key = jobKey({ namespace, name });
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
    this.hub.emit({ type: 'DELETED', job: record });
    this.hub.notify(key);
    return record;
  }

  private async *readLogs(
    namespace: string,
    name: string,
    options: ILogOptions
  ): AsyncGenerator<ILogLine> {
    await this.ready;
    yield* followLogs(this.logSource, namespace, name, options);
  }

  // What the log follower needs of this backend.
  private readonly logSource: ILogSource = {
    get: (namespace, name) => this.get(namespace, name),
    hasEnded: (namespace, name, uid) => this.hasEnded(namespace, name, uid),
    jobDir: (namespace, name) => this.store.jobDir(namespace, name),
    logsDir: (namespace, name) => this.store.logsDir(namespace, name),
    waitForChange: (key, ms, signal) => this.hub.waitForChange(key, ms, signal)
  };

  private async hasEnded(
    namespace: string,
    name: string,
    uid: string
  ): Promise<boolean> {
    const entry = this.entries.get(jobKey({ namespace, name }));
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

  private assertOpen(): void {
    if (this.closed) {
      throw new BackendError(
        'ServiceUnavailable',
        'the local MPI backend has been shut down'
      );
    }
  }
}
