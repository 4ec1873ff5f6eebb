/**
 * The kubernetes backend: MPIJobs on a real cluster through
 * @kubernetes/client-node. Submitting runs preflight, then creates the
 * program ConfigMap, the MPIJob, and the NetworkPolicy when asked, the
 * ConfigMap and policy owned by the MPIJob so that deleting the job deletes
 * them. Status comes from core's reduction of the MPIJob, its pods and
 * events, kept current by one set of watches per namespace.
 */
import { jobKubeEvents, recordFromCluster } from '../../core/clusterRecord';
import type {
  IJobEvent,
  IJobKubeEvent,
  IJobRecord,
  ILogLine,
  INamespaceAccess,
  INamespaceList,
  IPreflightReport
} from '../../core/jobRecord';
import type { IJobFile, IJobFileInfo } from '../../core/jobFiles';
import type { IJobReport } from '../../core/jobReport';
import {
  placeRanks,
  placementWarning,
  podTimeline,
  podsFromEvents
} from '../../core/jobReport';
import type { IKubeObject } from '../../core/kube';
import {
  programConfigMapName,
  renderJob,
  SOURCE_MAP_KEY
} from '../../core/manifest';
import type { IPackagedProgram } from '../../core/notebook';
import { decodeSourceMap, mapTraceback } from '../../core/notebook';
import type { ILaunchSpec } from '../../core/spec';
import { OPERATOR_JOB_NAME_LABEL } from '../../core/status';
import type {
  IDisposable,
  ILogOptions,
  IMpiJobBackend,
  Submission
} from './backend';
import { ALL_NAMESPACES } from './backend';
import { BackendError, jobNotFound } from './errors';
import { KubeApi, MPIJOBS, ownerReference } from './kubernetes/api';
import { backoffDelay } from './kubernetes/backoff';
import type { IKubeConnectionOptions } from './kubernetes/config';
import { loadKubeConnection } from './kubernetes/config';
import { JobWatcher } from './kubernetes/jobWatcher';
import type { ILauncherFacts } from './kubernetes/logs';
import { renderDefaults } from '../images';
import { launcherFailure } from './kubernetes/failure';
import { launcherFacts, launcherLogs } from './kubernetes/logs';
import { kubePreflight } from './kubernetes/preflight';
import { programSyntaxCheck } from './kubernetes/programSyntax';
import { gangOf, objectsOf, preflightRefusal } from './kubernetes/submission';
import { ResourceWatch } from './kubernetes/resourceWatch';
import type { PodObject } from './kubernetes/api';

/** Options of {@link KubernetesBackend.open}. */
/** Reads of a failed launcher's log, and the time between them, until two agree. */
const FAILURE_REREADS = 5;
const FAILURE_REREAD_MS = 500;

export interface IKubernetesBackendOptions extends IKubeConnectionOptions {
  /** Skip preflight before submitting (it still runs for `preflight`). */
  readonly skipPreflight?: boolean;
  /** How long `delete` waits for the job's pods to be gone, ms. */
  readonly deleteTimeoutMs?: number;
  /** Told about watch connection failures (they are retried). */
  readonly onWatchError?: (error: unknown) => void;
  /**
   * Where list and watch without a namespace look: one namespace, or
   * undefined for every one (cluster-wide).
   */
  readonly scope?: string;
  /** The default namespace (`serve -n`), instead of the context's or the pod's. */
  readonly namespace?: string;
  /** Namespaces to offer besides those found (`$MPIJOB_NAMESPACES`). */
  readonly extraNamespaces?: readonly string[];
}

/** How long the answer of {@link KubernetesBackend.namespaces} is reused, ms. */
const NAMESPACES_TTL_MS = 30_000;

/** Most namespaces checked one by one for a user without cluster-wide rights. */
const MAX_CHECKED_NAMESPACES = 100;

// Finished jobs whose launcher log facts are kept (files included).
const MAX_CACHED_FACTS = 16;

/** MPIJobs on a Kubernetes cluster. */
export class KubernetesBackend implements IMpiJobBackend {
  readonly kind = 'kubernetes' as const;
  /** The context's namespace, used when a command names none. */
  readonly defaultNamespace: string;
  private readonly api: KubeApi;
  private readonly options: IKubernetesBackendOptions;
  private readonly watchers = new Map<string, Promise<JobWatcher>>();
  private readonly synced = new Map<string, JobWatcher>();
  private readonly launcherFacts = new Map<string, ILauncherFacts>();
  // Failed jobs' causes from their logs, by uid (null: the log names none).
  private readonly failures = new Map<string, string | null>();
  private readonly failing = new Map<string, Promise<void>>();
  private access: { at: number; list: Promise<INamespaceList> } | null = null;
  private closed = false;

  private constructor(api: KubeApi, options: IKubernetesBackendOptions) {
    this.api = api;
    this.options = options;
    this.defaultNamespace = options.namespace ?? api.connection.namespace;
  }

  /**
   * Connects (reads the kubeconfig; no request is made yet).
   *
   * @param options - kubeconfig, context and behaviour
   * @returns the backend
   * @throws {BackendError} BadRequest when there is no usable kubeconfig
   */
  static open(options: IKubernetesBackendOptions = {}): KubernetesBackend {
    return new KubernetesBackend(
      new KubeApi(loadKubeConnection(options)),
      options
    );
  }

  /** The API server URL. */
  get server(): string {
    return this.api.connection.server;
  }

  async preflight(
    spec?: ILaunchSpec,
    namespace?: string,
    program?: IPackagedProgram | null
  ): Promise<IPreflightReport> {
    const [report, syntax] = await Promise.all([
      this.clusterPreflight(spec, namespace),
      program ? programSyntaxCheck(program) : null
    ]);
    return syntax ? { ...report, checks: [...report.checks, syntax] } : report;
  }

  private clusterPreflight(
    spec?: ILaunchSpec,
    namespace?: string
  ): Promise<IPreflightReport> {
    return kubePreflight(this.api, {
      namespace: spec?.namespace ?? namespace ?? this.defaultNamespace,
      // The pods' resources do not depend on the program: render without one.
      mpiJob: spec
        ? renderJob({ ...spec, command: spec.command ?? ['true'] }, null, {
            ...renderDefaults()
          }).mpiJob
        : undefined,
      networkPolicy: spec?.networkPolicy,
      gang: spec?.scheduling?.gang,
      runsNotebook: spec !== undefined && !spec.command
    });
  }

  /**
   * Runs preflight for the objects about to be created, then creates them.
   *
   * @param submission - a launch (spec + packaged notebook) or an MPIJob manifest
   * @param options - `dryRun`: the API server validates everything and stores nothing
   * @returns the record of the created MPIJob
   * @throws {BackendError} Forbidden (preflight or RBAC), AlreadyExists, Invalid, …
   */
  async submit(
    submission: Submission,
    options: { dryRun?: boolean } = {}
  ): Promise<IJobRecord> {
    this.assertOpen();
    const { mpiJob, configMap, networkPolicy, spec } = objectsOf(
      submission,
      this.defaultNamespace
    );
    const namespace = mpiJob.metadata.namespace as string;
    const dryRun = options.dryRun === true;

    if (!this.options.skipPreflight) {
      const report = await kubePreflight(this.api, {
        namespace,
        mpiJob,
        networkPolicy: networkPolicy !== null,
        gang: spec?.scheduling?.gang ?? gangOf(mpiJob),
        // The ConfigMap carries the notebook's program.
        runsNotebook: configMap !== null
      });
      const failed = report.checks.filter(c => !c.ok && c.severity === 'error');
      if (failed.length) {
        throw preflightRefusal(failed, spec !== null);
      }
    }

    // The ConfigMap first, so pods never wait for a missing volume; it is
    // given to the MPIJob as owner right after the job exists.
    if (configMap) {
      await this.api.createConfigMap(configMap, dryRun);
    }
    let created: IKubeObject;
    try {
      created = await this.api.createMpiJob(mpiJob, dryRun);
    } catch (error) {
      if (configMap && !dryRun) {
        await this.api
          .deleteConfigMap(namespace, configMap.metadata.name)
          .catch(() => undefined);
      }
      throw error;
    }
    if (!dryRun) {
      if (configMap) {
        await this.api.setConfigMapOwner(
          namespace,
          configMap.metadata.name,
          created
        );
      }
      if (networkPolicy) {
        await this.api.createNetworkPolicy(
          {
            ...networkPolicy,
            metadata: {
              ...networkPolicy.metadata,
              ownerReferences: [ownerReference(created)]
            }
          },
          false
        );
      }
    } else if (networkPolicy) {
      await this.api.createNetworkPolicy(networkPolicy, true);
    }
    return recordFromCluster(created, []);
  }

  async list(namespace?: string): Promise<IJobRecord[]> {
    this.assertOpen();
    if (namespace === ALL_NAMESPACES) {
      const where = await this.allScope();
      if (where !== undefined) {
        const lists = await Promise.all(where.map(ns => this.list(ns)));
        return lists
          .flat()
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      }
    } else {
      namespace = namespace ?? this.options.scope;
    }
    const namespaceOrAll = namespace === ALL_NAMESPACES ? undefined : namespace;
    // A watched namespace is listed from its watch, once that has synced:
    // the same source as its changes, so a list and the changes after it
    // neither contradict nor leave a gap (a job made while the watch
    // started is in the list, and every later change is reported).
    const watching = this.watchers.get(namespaceOrAll ?? '');
    const watched = watching ? await watching.catch(() => null) : null;
    if (watched) {
      return watched
        .list()
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    }
    namespace = namespaceOrAll;
    const [jobs, pods, events] = await Promise.all([
      this.api.listMpiJobs(namespace),
      this.api.listPods(namespace, `${OPERATOR_JOB_NAME_LABEL}`),
      this.api.listEvents(namespace).catch(() => ({ items: [] }))
    ]);
    return jobs.items
      .map(job =>
        recordFromCluster(
          job,
          pods.items.filter(p => belongsTo(p, job)),
          events.items.filter(
            e => e.metadata?.namespace === job.metadata.namespace
          )
        )
      )
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async get(namespace: string, name: string): Promise<IJobRecord> {
    this.assertOpen();
    // A watched job is read from its watch, as list() does: reading it from
    // the API lists its namespace's events (thousands at scale) each time.
    // Its records are decorated already, once the failure's cause is known.
    const watched = this.watching(namespace);
    const seen = watched?.find(namespace, name);
    if (seen) {
      if (seen.status.phase === 'Failed' && !this.failures.has(seen.uid)) {
        await this.failureOf(seen);
      }
      return watched?.find(namespace, name) ?? seen;
    }
    const job = await this.api.getMpiJob(namespace, name).catch(error => {
      throw error instanceof BackendError && error.reason === 'NotFound'
        ? jobNotFound(name)
        : error;
    });
    const [pods, events] = await Promise.all([
      this.api.listPods(namespace, `${OPERATOR_JOB_NAME_LABEL}=${name}`),
      this.api.listEvents(namespace).catch(() => ({ items: [] }))
    ]);
    const record = recordFromCluster(job, pods.items, events.items);
    if (record.status.phase === 'Failed') {
      await this.failureOf(record);
    }
    return this.decorate(record);
  }

  /**
   * A record with what its cluster objects do not say: a failed job's
   * cause, read from its launcher's log (once, in the background; watchers
   * are told when it is known).
   */
  private decorate(record: IJobRecord): IJobRecord {
    if (record.status.phase !== 'Failed') {
      return record;
    }
    const cause = this.failures.get(record.uid);
    if (cause === undefined) {
      void this.failureOf(record);
      return record;
    }
    return cause === null
      ? record
      : {
          ...record,
          status: { ...record.status, message: cause },
          // A change the record's own version does not show.
          resourceVersion: `${record.resourceVersion}+log`
        };
  }

  private failureOf(record: IJobRecord): Promise<void> {
    let pending = this.failing.get(record.uid);
    if (pending === undefined) {
      const { namespace, name, uid } = record;
      pending = this.settledFailure(record)
        .catch(() => null)
        .then(cause => {
          this.failures.set(uid, cause);
          if (this.failures.size > MAX_CACHED_FACTS * 4) {
            this.failures.delete(this.failures.keys().next().value as string);
          }
          this.failing.delete(uid);
          for (const watcher of this.synced.values()) {
            watcher.refresh(namespace, name);
          }
        });
      this.failing.set(record.uid, pending);
    }
    return pending;
  }

  /**
   * The failure as the launcher's whole log tells it. The container
   * runtime may still be writing the log out when the job turns Failed (a
   * read then saw a rank's output without the traceback that ended it), so
   * the log is read again until two reads agree.
   */
  private async settledFailure(record: IJobRecord): Promise<string | null> {
    const { namespace, name } = record;
    let last = await launcherFailure(this.logs(namespace, name), record);
    for (let read = 0; read < FAILURE_REREADS; read++) {
      await new Promise(resolve => setTimeout(resolve, FAILURE_REREAD_MS));
      const next = await launcherFailure(this.logs(namespace, name), record);
      if (next === last) {
        return next;
      }
      last = next;
    }
    return last;
  }

  watch(
    namespace: string | undefined,
    listener: (event: IJobEvent) => void
  ): IDisposable {
    this.assertOpen();
    if (namespace === ALL_NAMESPACES) {
      return this.watchAll(listener);
    }
    namespace = namespace ?? this.options.scope;
    return this.watchOne(namespace, listener);
  }

  /**
   * The namespaces the user may create and follow MPIJobs in, from RBAC
   * checks (SelfSubjectAccessReviews): every namespace when the user may
   * list them and has cluster-wide rights; otherwise the namespaces found
   * (the namespace list, OpenShift projects, the kubeconfig's contexts,
   * `$MPIJOB_NAMESPACES`), each checked.
   *
   * @param fresh - ask the cluster again instead of a recent answer
   * @returns the current namespace and the namespaces found
   */
  namespaces(fresh = false): Promise<INamespaceList> {
    this.assertOpen();
    if (
      fresh ||
      !this.access ||
      Date.now() - this.access.at > NAMESPACES_TTL_MS
    ) {
      const list = this.checkNamespaces();
      this.access = { at: Date.now(), list };
      list.catch(() => {
        if (this.access?.list === list) {
          this.access = null;
        }
      });
    }
    return this.access.list;
  }

  async events(namespace: string, name: string): Promise<IJobKubeEvent[]> {
    this.assertOpen();
    const watched = this.watching(namespace);
    if (watched?.find(namespace, name)) {
      return watched.jobEvents(namespace, name);
    }
    await this.get(namespace, name);
    const events = await this.api.listEvents(namespace);
    return jobKubeEvents(name, events.items);
  }

  private async checkNamespaces(): Promise<INamespaceList> {
    const api = this.api;
    const current = this.defaultNamespace;
    const allowed = (
      verb: string,
      resource: string,
      group: string,
      ns: string
    ) =>
      api.canI(verb, resource, group, ns).then(
        r => r.allowed,
        () => false
      );
    const [listNamespaces, createAll, watchAll] = await Promise.all([
      allowed('list', 'namespaces', '', ''),
      allowed('create', 'mpijobs', MPIJOBS.group, ''),
      allowed('watch', 'mpijobs', MPIJOBS.group, '')
    ]);
    const names = new Set<string>([current]);
    for (const extra of this.options.extraNamespaces ?? []) {
      names.add(extra);
    }
    for (const context of api.config.getContexts()) {
      if (context.cluster === api.config.getCurrentCluster()?.name) {
        if (context.namespace) {
          names.add(context.namespace);
        }
      }
    }
    const found = listNamespaces
      ? await api.listNamespaceNames().catch(() => [])
      : await api.listProjectNames().catch(() => null);
    // The cluster's own namespaces hold no one's jobs.
    for (const name of found ?? []) {
      if (!/^(kube|openshift)-/.test(name)) {
        names.add(name);
      }
    }
    const sorted = [...names].sort();
    // Rights everywhere need no check per namespace; otherwise the checks
    // are bounded (the current namespace always among them).
    const checked =
      createAll && watchAll
        ? sorted
        : [
            current,
            ...sorted
              .filter(n => n !== current)
              .slice(0, MAX_CHECKED_NAMESPACES - 1)
          ].sort();
    const namespaces: INamespaceAccess[] = await Promise.all(
      checked.map(async name => ({
        name,
        canCreate:
          createAll ||
          (await allowed('create', 'mpijobs', MPIJOBS.group, name)),
        canWatch:
          watchAll || (await allowed('watch', 'mpijobs', MPIJOBS.group, name))
      }))
    );
    return {
      backend: 'kubernetes',
      current,
      clusterWide: watchAll,
      namespaces
    };
  }

  /**
   * Where "every namespace the user may see" is: undefined when one
   * cluster-wide watch can follow it, else the namespaces the user may watch.
   */
  private async allScope(): Promise<string[] | undefined> {
    const access = await this.namespaces();
    return access.clusterWide
      ? undefined
      : access.namespaces.filter(n => n.canWatch).map(n => n.name);
  }

  private watchAll(listener: (event: IJobEvent) => void): IDisposable {
    const handles: IDisposable[] = [];
    let disposed = false;
    void this.allScope().then(
      where => {
        if (disposed || this.closed) {
          return;
        }
        for (const namespace of where ?? [undefined]) {
          handles.push(this.watchOne(namespace, listener));
        }
      },
      error => this.options.onWatchError?.(error)
    );
    return {
      dispose: () => {
        disposed = true;
        handles.splice(0).forEach(h => h.dispose());
      }
    };
  }

  /** The watcher of a key, started when there is none. */
  private watcherOf(
    key: string,
    namespace: string | undefined
  ): Promise<JobWatcher> {
    let watcher = this.watchers.get(key);
    if (!watcher) {
      const created = new JobWatcher(
        this.api,
        namespace,
        this.options.onWatchError,
        record => this.decorate(record)
      );
      watcher = created.start().then(
        () => {
          this.synced.set(key, created);
          return created;
        },
        error => {
          // Its watches would retry for ever with nobody listening.
          created.stop();
          throw error;
        }
      );
      watcher.catch(error => {
        if (this.watchers.get(key) === watcher) {
          this.watchers.delete(key);
        }
        this.options.onWatchError?.(error);
      });
      this.watchers.set(key, watcher);
    }
    return watcher;
  }

  private watchOne(
    namespace: string | undefined,
    listener: (event: IJobEvent) => void
  ): IDisposable {
    const key = namespace ?? '';
    let watcher = this.watcherOf(key, namespace);
    let remove: (() => void) | null = null;
    let disposed = false;
    let timer: NodeJS.Timeout | null = null;
    const attach = (attempt: number): void => {
      void watcher.then(
        w => {
          if (disposed) {
            return;
          }
          remove = w.listen(listener);
          if (attempt > 0) {
            // Started late (its first list failed): what it knows now is news.
            for (const job of w.list()) {
              listener({ type: 'ADDED', job });
            }
          }
        },
        () => {
          // The first list failed (API down, 403): try again while someone listens.
          if (disposed || this.closed) {
            return;
          }
          timer = setTimeout(
            () => {
              timer = null;
              if (!disposed && !this.closed) {
                watcher = this.watcherOf(key, namespace);
                attach(attempt + 1);
              }
            },
            backoffDelay(attempt + 1, 1000, 30_000)
          );
          timer.unref?.();
        }
      );
    };
    attach(0);
    return {
      dispose: () => {
        if (disposed) {
          return;
        }
        disposed = true;
        if (timer) {
          clearTimeout(timer);
        }
        remove?.();
        const current = watcher;
        void current.then(
          w => {
            if (w.size === 0 && this.watchers.get(key) === current) {
              w.stop();
              this.watchers.delete(key);
              this.synced.delete(key);
            }
          },
          () => undefined
        );
      }
    };
  }

  logs(
    namespace: string,
    name: string,
    options: ILogOptions = {}
  ): AsyncIterable<ILogLine> {
    this.assertOpen();
    const api = this.api;
    return {
      async *[Symbol.asyncIterator]() {
        // Tracebacks name the notebook's cells, as on the local backend.
        const sourceMap = await programSourceMap(api, namespace, name);
        try {
          for await (const line of launcherLogs(
            api,
            namespace,
            name,
            options
          )) {
            yield sourceMap
              ? { ...line, text: mapTraceback(line.text, sourceMap) }
              : line;
          }
        } catch (error) {
          if (error instanceof BackendError && error.reason === 'NotFound') {
            throw jobNotFound(name);
          }
          throw error;
        }
      }
    };
  }

  /**
   * The files a job's ranks left, read back out of the launcher's log.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns the files
   * @throws {BackendError} NotFound
   */
  async listFiles(namespace: string, name: string): Promise<IJobFileInfo[]> {
    return (await this.files(namespace, name)).map(file => ({
      name: file.name,
      rank: file.rank,
      size: file.bytes.length
    }));
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
    const found = (await this.files(namespace, name)).find(
      f => f.name === file
    );
    if (!found) {
      throw new BackendError('NotFound', `job "${name}" has no file "${file}"`);
    }
    return found;
  }

  private async files(
    namespace: string,
    name: string
  ): Promise<readonly IJobFile[]> {
    return (await this.facts(namespace, name)).files;
  }

  /**
   * Where a job's ranks ran (rank → pod → node) and how its start went
   * (from its pods, live or last seen, and its first output).
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns placement, a warning when the ranks did not spread, the timeline
   * @throws {BackendError} NotFound
   */
  async report(namespace: string, name: string): Promise<IJobReport> {
    const record = await this.get(namespace, name);
    const watched = this.watching(namespace);
    const pods = watched?.find(namespace, name)
      ? watched.podsOf(namespace, name)
      : (
          await this.api.listPods(
            namespace,
            `${OPERATOR_JOB_NAME_LABEL}=${name}`
          )
        ).items;
    // Replicas whose pods the clean-up deleted unseen: their events remain.
    const listed = new Set(pods.map(p => p.metadata?.name));
    const gone = [
      ...(record.topology.launcher ? [record.topology.launcher] : []),
      ...record.topology.workers
    ].filter(r => r.podName !== null && !listed.has(r.podName));
    if (gone.length > 0) {
      const events = await this.api
        .listEvents(namespace)
        .catch(() => ({ items: [] }));
      pods.push(
        ...(podsFromEvents(
          gone.map(r => ({ podName: r.podName as string, role: r.role })),
          events.items
        ) as PodObject[])
      );
    }
    const facts = await this.facts(namespace, name, record);
    const placement = placeRanks(facts.hosts, record.topology, name);
    return {
      placement,
      warning: placementWarning(
        placement,
        record.workers,
        record.workers * record.slotsPerWorker
      ),
      timeline: podTimeline(
        record.createdAt,
        record.finishedAt,
        pods,
        facts.firstOutputAt
      )
    };
  }

  // A finished job's launcher log no longer changes: read it once.
  private async facts(
    namespace: string,
    name: string,
    record?: IJobRecord
  ): Promise<ILauncherFacts> {
    this.assertOpen();
    const job = record ?? (await this.get(namespace, name));
    const cached = this.launcherFacts.get(job.uid);
    if (cached) {
      return cached;
    }
    let facts: ILauncherFacts;
    try {
      facts = await launcherFacts(this.api, namespace, name);
    } catch (error) {
      if (error instanceof BackendError && error.reason === 'NotFound') {
        throw jobNotFound(name);
      }
      throw error;
    }
    if (job.finishedAt !== null) {
      this.launcherFacts.set(job.uid, facts);
      if (this.launcherFacts.size > MAX_CACHED_FACTS) {
        this.launcherFacts.delete(
          this.launcherFacts.keys().next().value as string
        );
      }
    }
    return facts;
  }

  /**
   * Deletes the MPIJob with foreground propagation (its launcher Job, pods,
   * ConfigMap and NetworkPolicy go first) and waits until no pod of it is left.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns the record as it was
   * @throws {BackendError} NotFound; Timeout when pods outlive the wait
   */
  /** The synced watch that sees a namespace's jobs, if one runs. */
  private watching(namespace: string): JobWatcher | undefined {
    return (
      this.synced.get(namespace) ??
      (this.options.scope === undefined ? this.synced.get('') : undefined)
    );
  }

  async delete(namespace: string, name: string): Promise<IJobRecord> {
    const record = await this.get(namespace, name);
    await this.api.deleteMpiJob(namespace, name).catch(error => {
      throw error instanceof BackendError && error.reason === 'NotFound'
        ? jobNotFound(name)
        : error;
    });
    await this.waitGone(namespace, name);
    return record;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const watcher of this.watchers.values()) {
      void watcher.then(
        w => w.stop(),
        () => undefined
      );
    }
    this.watchers.clear();
    this.synced.clear();
  }

  /**
   * Waits until the MPIJob and every pod of it are gone: from the
   * namespace's watches when they run (a service deleting many jobs must
   * not open a watch per job), else with a watch of the job's pods.
   */
  private async waitGone(namespace: string, name: string): Promise<void> {
    const timeoutMs = this.options.deleteTimeoutMs ?? 120_000;
    const selector = `${OPERATOR_JOB_NAME_LABEL}=${name}`;
    const watched = this.watching(namespace);
    if (watched) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const left = watched.livePods(namespace, name);
        // The watch's word is confirmed once by the API server.
        if (
          left === 0 &&
          !watched.find(namespace, name) &&
          !(await this.api
            .getMpiJob(namespace, name)
            .then(() => true)
            .catch(() => false))
        ) {
          return;
        }
        if (Date.now() > deadline) {
          throw new BackendError(
            'Timeout',
            `mpijobs.kubeflow.org "${name}" is being deleted, but ${left} pod(s) remain after ${Math.round(timeoutMs / 1000)}s: check finalizers and node health (kubectl get pods -n ${namespace} -l ${selector})`
          );
        }
        await new Promise(resolve => setTimeout(resolve, 250));
      }
    }
    let wake: () => void = () => undefined;
    const pods = new ResourceWatch<PodObject>({
      config: this.api.config,
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      labelSelector: selector,
      list: () => this.api.listPods(namespace, selector),
      onChange: () => wake()
    }).start();
    const deadline = Date.now() + timeoutMs;
    try {
      await pods.synced();
      for (;;) {
        if (pods.items().length === 0) {
          const still = await this.api
            .getMpiJob(namespace, name)
            .then(() => true)
            .catch(() => false);
          if (!still) {
            return;
          }
        }
        if (Date.now() > deadline) {
          throw new BackendError(
            'Timeout',
            `mpijobs.kubeflow.org "${name}" is being deleted, but ${pods.items().length} pod(s) remain after ${Math.round(timeoutMs / 1000)}s: check finalizers and node health (kubectl get pods -n ${namespace} -l ${selector})`
          );
        }
        await new Promise<void>(resolve => {
          const timer = setTimeout(resolve, 1000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      pods.stop();
    }
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new BackendError('ServiceUnavailable', 'the backend is closed');
    }
  }
}

function belongsTo(pod: PodObject, job: IKubeObject): boolean {
  return (
    pod.metadata?.namespace === job.metadata.namespace &&
    pod.metadata?.labels?.[OPERATOR_JOB_NAME_LABEL] === job.metadata.name
  );
}

/**
 * The source map a notebook job's program ConfigMap carries; null for
 * other jobs, and when it cannot be read (log lines then stay as they are).
 */
async function programSourceMap(
  api: KubeApi,
  namespace: string,
  name: string
): Promise<Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'> | null> {
  try {
    const configMap = await api.getConfigMap(
      namespace,
      programConfigMapName(name)
    );
    const text = (configMap.data as Record<string, string> | undefined)?.[
      SOURCE_MAP_KEY
    ];
    return text === undefined ? null : decodeSourceMap(text);
  } catch {
    return null;
  }
}
