/**
 * The one interface every backend implements (local MPI, Kubernetes) and the
 * HTTP client of the service implements too, so the CLI and the service
 * work the same over any of them.
 */
import type {
  BackendKind,
  IJobEvent,
  IJobKubeEvent,
  IJobRecord,
  ILogLine,
  INamespaceList,
  IPreflightReport
} from '../../core/jobRecord';
import type { IBuiltJob } from '../../core/job';
import type { IJobFile, IJobFileInfo } from '../../core/jobFiles';
import type { IJobReport } from '../../core/jobReport';
import type { IKubeObject } from '../../core/kube';
import type { IPackagedProgram } from '../../core/notebook';
import type { ILaunchSpec } from '../../core/spec';

/**
 * The namespace argument of {@link IMpiJobBackend.list} and
 * {@link IMpiJobBackend.watch} that means every namespace the user may see
 * (not a DNS label, so no namespace is called that).
 */
export const ALL_NAMESPACES = '*';

/** What to submit: a launch (spec + packaged notebook) or a raw MPIJob manifest. */
export type Submission =
  | { readonly kind: 'launch'; readonly job: IBuiltJob }
  | { readonly kind: 'manifest'; readonly object: IKubeObject };

/** Options of {@link IMpiJobBackend.logs}. */
export interface ILogOptions {
  /** Keep streaming until the job ends (or the signal aborts). */
  readonly follow?: boolean;
  /** Only this rank; launcher lines have rank null and come only without it. */
  readonly rank?: number;
  /** Only the last N lines (before following). */
  readonly tail?: number;
  /** Stops a follow. */
  readonly signal?: AbortSignal;
}

/** Something to stop. */
export interface IDisposable {
  /** Stops it; safe to call twice. */
  dispose(): void;
}

/** A place MPI jobs run. */
export interface IMpiJobBackend {
  /** Which backend. */
  readonly kind: BackendKind;

  /**
   * The namespace used when none is named: in a notebook pod the pod's own,
   * else the kubeconfig context's (or `serve -n`).
   */
  readonly defaultNamespace?: string;

  /**
   * The namespaces the user may create and follow jobs in (RBAC checks).
   *
   * @param fresh - ask the cluster again instead of a recent answer
   * @returns the current namespace and the namespaces found
   */
  namespaces(fresh?: boolean): Promise<INamespaceList>;

  /**
   * Checks that a job (or any job) can run here.
   *
   * @param spec - the job about to be submitted, when there is one
   * @param namespace - where it would run (the spec's namespace wins)
   * @param program - its packaged notebook: backends that can check it
   *   (the local one, with the ranks' Python) find its sure failures
   */
  preflight(
    spec?: ILaunchSpec,
    namespace?: string,
    program?: IPackagedProgram | null
  ): Promise<IPreflightReport>;

  /**
   * Starts a job. The record is stored before anything runs.
   *
   * @param submission - what to run
   * @param options - `dryRun`: validate and return the record without running
   * @throws {BackendError} AlreadyExists, Invalid, ServiceUnavailable, …
   */
  submit(
    submission: Submission,
    options?: { dryRun?: boolean }
  ): Promise<IJobRecord>;

  /**
   * Lists jobs, oldest first.
   *
   * @param namespace - one namespace; {@link ALL_NAMESPACES} for every one
   *   the user may see; undefined for the backend's own scope (every
   *   namespace locally, the served namespace on Kubernetes)
   */
  list(namespace?: string): Promise<IJobRecord[]>;

  /**
   * One job.
   *
   * @throws {BackendError} NotFound
   */
  get(namespace: string, name: string): Promise<IJobRecord>;

  /**
   * Calls `listener` for every change to jobs from now on.
   *
   * @param namespace - as for {@link IMpiJobBackend.list}
   * @returns a handle that stops the watch
   */
  watch(
    namespace: string | undefined,
    listener: (event: IJobEvent) => void
  ): IDisposable;

  /**
   * A job's output, oldest first; with `follow`, ends when the job has ended
   * and all output was delivered.
   *
   * @throws {BackendError} NotFound
   */
  logs(
    namespace: string,
    name: string,
    options?: ILogOptions
  ): AsyncIterable<ILogLine>;

  /**
   * The files a job's ranks left (its notebook's figures), in the order
   * they were written.
   *
   * @throws {BackendError} NotFound
   */
  listFiles(namespace: string, name: string): Promise<IJobFileInfo[]>;

  /**
   * One file a job's ranks left.
   *
   * @throws {BackendError} NotFound, for the job or the file
   */
  readFile(namespace: string, name: string, file: string): Promise<IJobFile>;

  /**
   * Where a job's ranks ran and how its start went, step by step.
   *
   * @throws {BackendError} NotFound
   */
  report(namespace: string, name: string): Promise<IJobReport>;

  /**
   * The Kubernetes events about a job's objects (MPIJob, launcher Job,
   * pods, PodGroup), oldest first; none on backends without them.
   *
   * @throws {BackendError} NotFound
   */
  events(namespace: string, name: string): Promise<IJobKubeEvent[]>;

  /**
   * Stops a job (every rank) and removes it.
   *
   * @returns the job as it was when deleted
   * @throws {BackendError} NotFound
   */
  delete(namespace: string, name: string): Promise<IJobRecord>;

  /**
   * Releases watches, timers and child processes this object holds.
   *
   * @param options - `keepJobs`: running jobs run on for the next service
   *   to adopt, where the backend can (a restart of the service, or of the
   *   Jupyter server that runs it); otherwise the local backend stops them
   */
  close(options?: { readonly keepJobs?: boolean }): Promise<void>;
}

/** Kind names for messages: `local` -> `local MPI`. */
export const BACKEND_TITLES: Readonly<Record<BackendKind, string>> = {
  local: 'local MPI',
  kubernetes: 'Kubernetes'
};
