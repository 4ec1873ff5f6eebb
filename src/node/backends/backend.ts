/**
 * The one interface every backend implements (local MPI, Kubernetes) and the
 * HTTP client of the service implements too, so the CLI and the service
 * work the same over any of them.
 */
import type {
  BackendKind,
  IJobEvent,
  IJobRecord,
  ILogLine,
  IPreflightReport
} from '../../core/jobRecord';
import type { IBuiltJob } from '../../core/job';
import type { IJobFile, IJobFileInfo } from '../../core/jobFiles';
import type { IKubeObject } from '../../core/kube';
import type { IPackagedProgram } from '../../core/notebook';
import type { ILaunchSpec } from '../../core/spec';

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

  /** The namespace used when none is named (the kubeconfig context's), if the backend has one. */
  readonly defaultNamespace?: string;

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
   * @param namespace - one namespace, or all when undefined
   */
  list(namespace?: string): Promise<IJobRecord[]>;

  /**
   * One job.
   *
   * @throws {BackendError} NotFound
   */
  get(namespace: string, name: string): Promise<IJobRecord>;

  /**
   * Calls `listener` for every change to jobs (in a namespace or all) from now on.
   *
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
   * Stops a job (every rank) and removes it.
   *
   * @returns the job as it was when deleted
   * @throws {BackendError} NotFound
   */
  delete(namespace: string, name: string): Promise<IJobRecord>;

  /** Releases watches, timers and child processes this object holds. */
  close(): Promise<void>;
}

/** Kind names for messages: `local` -> `local MPI`. */
export const BACKEND_TITLES: Readonly<Record<BackendKind, string>> = {
  local: 'local MPI',
  kubernetes: 'Kubernetes'
};
