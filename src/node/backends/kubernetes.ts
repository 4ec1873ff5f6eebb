/**
 * The kubernetes backend: MPIJobs on a real cluster through
 * @kubernetes/client-node. Submitting runs preflight, then creates the
 * program ConfigMap, the MPIJob, and the NetworkPolicy when asked, the
 * ConfigMap and policy owned by the MPIJob so that deleting the job deletes
 * them. Status comes from core's reduction of the MPIJob, its pods and
 * events, kept current by one set of watches per namespace.
 */
import { recordFromCluster, SPEC_ANNOTATION } from '../../core/clusterRecord';
import type {
  IJobEvent,
  IJobRecord,
  ILogLine,
  IPreflightReport
} from '../../core/jobRecord';
import type { IJobFile, IJobFileInfo } from '../../core/jobFiles';
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
import { BackendError, jobNotFound } from './errors';
import { KubeApi, ownerReference } from './kubernetes/api';
import type { IKubeConnectionOptions } from './kubernetes/config';
import { loadKubeConnection } from './kubernetes/config';
import { JobWatcher } from './kubernetes/jobWatcher';
import { launcherFiles, launcherLogs } from './kubernetes/logs';
import { kubePreflight } from './kubernetes/preflight';
import { ResourceWatch } from './kubernetes/resourceWatch';
import type { PodObject } from './kubernetes/api';

/** Options of {@link KubernetesBackend.open}. */
export interface IKubernetesBackendOptions extends IKubeConnectionOptions {
  /** Skip preflight before submitting (it still runs for `preflight`). */
  readonly skipPreflight?: boolean;
  /** How long `delete` waits for the job's pods to be gone, ms. */
  readonly deleteTimeoutMs?: number;
  /** Told about watch connection failures (they are retried). */
  readonly onWatchError?: (error: unknown) => void;
  /**
   * Where "all namespaces" (list and watch without one) looks: one namespace
   * for a user who may not list cluster-wide, or undefined for all.
   */
  readonly scope?: string;
}

/** MPIJobs on a Kubernetes cluster. */
export class KubernetesBackend implements IMpiJobBackend {
  readonly kind = 'kubernetes' as const;
  /** The context's namespace, used when a command names none. */
  readonly defaultNamespace: string;
  private readonly api: KubeApi;
  private readonly options: IKubernetesBackendOptions;
  private readonly watchers = new Map<string, Promise<JobWatcher>>();
  private closed = false;

  private constructor(api: KubeApi, options: IKubernetesBackendOptions) {
    this.api = api;
    this.options = options;
    this.defaultNamespace = api.connection.namespace;
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
    namespace?: string
  ): Promise<IPreflightReport> {
    return kubePreflight(this.api, {
      namespace: spec?.namespace ?? namespace ?? this.defaultNamespace,
      // The pods' resources do not depend on the program: render without one.
      mpiJob: spec
        ? renderJob({ ...spec, command: spec.command ?? ['true'] }, null).mpiJob
        : undefined,
      networkPolicy: spec?.networkPolicy,
      gang: spec?.scheduling?.gang
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
        gang: spec?.scheduling?.gang ?? gangOf(mpiJob)
      });
      const failed = report.checks.filter(c => !c.ok && c.severity === 'error');
      if (failed.length) {
        throw new BackendError(
          failed.some(c => c.name.startsWith('rbac:'))
            ? 'Forbidden'
            : failed.some(c => c.name === 'api' || c.name === 'crd')
              ? 'ServiceUnavailable'
              : 'Forbidden',
          `preflight failed, nothing was created: ${failed
            .map(c => `${c.message}${c.fix ? ` (${c.fix})` : ''}`)
            .join('; ')}`
        );
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
    namespace = namespace ?? this.options.scope;
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
    const job = await this.api.getMpiJob(namespace, name).catch(error => {
      throw error instanceof BackendError && error.reason === 'NotFound'
        ? jobNotFound(name)
        : error;
    });
    const [pods, events] = await Promise.all([
      this.api.listPods(namespace, `${OPERATOR_JOB_NAME_LABEL}=${name}`),
      this.api.listEvents(namespace).catch(() => ({ items: [] }))
    ]);
    return recordFromCluster(job, pods.items, events.items);
  }

  watch(
    namespace: string | undefined,
    listener: (event: IJobEvent) => void
  ): IDisposable {
    this.assertOpen();
    namespace = namespace ?? this.options.scope;
    const key = namespace ?? '';
    let watcher = this.watchers.get(key);
    if (!watcher) {
      const created = new JobWatcher(
        this.api,
        namespace,
        this.options.onWatchError
      );
      watcher = created.start().then(() => created);
      watcher.catch(() => this.watchers.delete(key));
      this.watchers.set(key, watcher);
    }
    let remove: (() => void) | null = null;
    let disposed = false;
    void watcher.then(
      w => {
        if (!disposed) {
          remove = w.listen(listener);
        }
      },
      () => undefined
    );
    return {
      dispose: () => {
        if (disposed) {
          return;
        }
        disposed = true;
        remove?.();
        void watcher?.then(
          w => {
            if (w.size === 0 && this.watchers.get(key) === watcher) {
              w.stop();
              this.watchers.delete(key);
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

  private async files(namespace: string, name: string): Promise<IJobFile[]> {
    this.assertOpen();
    try {
      return await launcherFiles(this.api, namespace, name);
    } catch (error) {
      if (error instanceof BackendError && error.reason === 'NotFound') {
        throw jobNotFound(name);
      }
      throw error;
    }
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
  }

  /** Waits until the MPIJob and every pod of it are gone (one watch, no polling). */
  private async waitGone(namespace: string, name: string): Promise<void> {
    const timeoutMs = this.options.deleteTimeoutMs ?? 120_000;
    const selector = `${OPERATOR_JOB_NAME_LABEL}=${name}`;
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

interface IObjects {
  readonly mpiJob: IKubeObject;
  readonly configMap: IKubeObject | null;
  readonly networkPolicy: IKubeObject | null;
  readonly spec: ILaunchSpec | null;
}

function objectsOf(submission: Submission, namespace: string): IObjects {
  if (submission.kind === 'manifest') {
    const object = submission.object;
    return {
      mpiJob: {
        ...object,
        metadata: {
          ...object.metadata,
          namespace: object.metadata.namespace ?? namespace
        }
      },
      configMap: null,
      networkPolicy: null,
      spec: null
    };
  }
  const { rendered, spec } = submission.job;
  const mpiJob = rendered.mpiJob;
  return {
    mpiJob: {
      ...mpiJob,
      metadata: {
        ...mpiJob.metadata,
        annotations: {
          ...(mpiJob.metadata.annotations ?? {}),
          [SPEC_ANNOTATION]: JSON.stringify(spec)
        }
      }
    },
    configMap: rendered.configMap,
    networkPolicy: rendered.networkPolicy,
    spec
  };
}

function gangOf(mpiJob: IKubeObject): string | undefined {
  const policy = (
    mpiJob.spec as { runPolicy?: { schedulingPolicy?: unknown } } | undefined
  )?.runPolicy?.schedulingPolicy;
  // A manifest with a schedulingPolicy needs a gang scheduler; which one is
  // the operator's setting, so either will do.
  return policy ? 'any' : undefined;
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
