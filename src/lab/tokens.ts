/**
 * The service other plugins (and other extensions) use to reach the MPI
 * jobs: the shared live {@link IJobsModel} and what this session launched.
 * Interfaces only: the classes behind them are free to change.
 */
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Token } from '@lumino/coreutils';

import type { IJobKey } from '../core/jobKey';
import type {
  IJobEvent,
  IJobRecord,
  INamespaceList,
  IPreflightReport
} from '../core/jobRecord';
import type { IPackagedProgram } from '../core/notebook';
import type { ILaunchSpec } from '../core/spec';

/** The source map of a packaged program, enough to rewrite tracebacks. */
export type ProgramSourceMap = Pick<
  IPackagedProgram,
  'sourceMap' | 'notebookPath'
>;

/** How the jobs model hears about changes. */
export type ConnectionState = 'connecting' | 'live' | 'polling' | 'unavailable';

/**
 * Which namespaces the jobs list shows: some, or every one the user may
 * see; null for the service's current namespace.
 */
export type NamespaceScope =
  | { readonly all: true }
  | { readonly all: false; readonly namespaces: readonly string[] }
  | null;

/** The jobs of the namespaces shown, kept live. */
export interface IJobsModel extends IDisposable {
  /** Jobs, oldest first. */
  readonly jobs: readonly IJobRecord[];
  /** Emits the whole list whenever any job changes. */
  readonly jobsChanged: ISignal<IJobsModel, readonly IJobRecord[]>;
  /** Emits each change of one job. */
  readonly jobChanged: ISignal<IJobsModel, IJobEvent>;
  /** How the model is connected. */
  readonly state: ConnectionState;
  /** Emits when {@link state} changes. */
  readonly stateChanged: ISignal<IJobsModel, ConnectionState>;
  /** The namespaces shown; null for the service's current one. */
  readonly scope: NamespaceScope;
  /** Emits when {@link scope} changes. */
  readonly scopeChanged: ISignal<IJobsModel, NamespaceScope>;
  /**
   * Shows other namespaces: the list follows them from now on.
   *
   * @param scope - namespaces, every one, or null for the current one
   */
  setScope(scope: NamespaceScope): void;
  /**
   * Whether the list shows a namespace.
   *
   * @param namespace - a namespace
   * @param current - the service's current namespace, when known
   */
  shows(namespace: string, current?: string): boolean;
  /**
   * The namespaces the user may create and follow jobs in, and the current one.
   *
   * @param fresh - ask the cluster again
   */
  namespaces(fresh?: boolean): Promise<INamespaceList>;
  /** The names of the jobs of one namespace, shown or not. */
  namesIn(namespace: string): Promise<Set<string>>;
  /** One job by namespace and name. */
  find(namespace: string, name: string): IJobRecord | undefined;
  /** Connects to the change feed (and lists the jobs). */
  start(): void;
  /** Lists the jobs again. */
  refresh(): Promise<void>;
  /**
   * Submits a launch spec with the notebook it runs.
   *
   * @param spec - the launch spec
   * @param notebook - the notebook's nbformat JSON
   * @param dryRun - only validate and package
   */
  submit(
    spec: Partial<ILaunchSpec>,
    notebook: unknown,
    dryRun?: boolean
  ): Promise<IJobRecord>;
  /** Stops and removes a job; resolves to the job as it was. */
  delete(namespace: string, name: string): Promise<IJobRecord>;
  /**
   * Runs the backend's preflight checks.
   *
   * @param spec - the launch about to be submitted
   * @param notebook - the notebook it runs, whose code is checked as well
   */
  preflight(spec?: ILaunchSpec, notebook?: unknown): Promise<IPreflightReport>;
}

/** Shared state of the MPIJob plugins. */
export interface IMpiJobManager {
  /** Every job of the service, live. */
  readonly model: IJobsModel;
  /** The job whose view is current in the main area, if any. */
  readonly activeJob: IJobKey | null;
  /** Emits when {@link activeJob} changes. */
  readonly activeJobChanged: ISignal<IMpiJobManager, IJobKey | null>;
  /** Emits each job launched from this browser session. */
  readonly launched: ISignal<IMpiJobManager, IJobRecord>;
  /**
   * Marks the job whose view is current.
   *
   * @param key - the job, or null when no job view is current
   */
  setActiveJob(key: IJobKey | null): void;
  /**
   * Records a job launched from this session with the program it runs.
   *
   * @param job - the job as the service answered
   * @param program - the packaged program; null for a command
   */
  recordLaunch(job: IJobRecord, program: ProgramSourceMap | null): void;
  /** Whether the job (by uid) was launched from this session. */
  isLaunchedHere(uid: string): boolean;
  /** The source map of a job launched from this session, by uid. */
  sourceMapOf(uid: string): ProgramSourceMap | null;
}

/** The MPIJob manager: the shared jobs model of jupyterlab-mpijob. */
export const IMpiJobManager = new Token<IMpiJobManager>(
  'jupyterlab-mpijob:IMpiJobManager',
  'The shared live list of MPI jobs (local mpirun or Kubeflow MPIJobs) and what this session launched.'
);
