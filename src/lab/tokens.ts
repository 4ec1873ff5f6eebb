/**
 * The service other plugins (and other extensions) use to reach the MPI
 * jobs: the shared live {@link JobsModel} and what this session launched.
 */
import type { ISignal } from '@lumino/signaling';
import { Token } from '@lumino/coreutils';

import type { IJobRecord } from '../core/jobRecord';
import type { IPackagedProgram } from '../core/notebook';
import type { IJobKey } from './commands';
import type { JobsModel } from './model';

/** The source map of a packaged program, enough to rewrite tracebacks. */
export type ProgramSourceMap = Pick<
  IPackagedProgram,
  'sourceMap' | 'notebookPath'
>;

/** Shared state of the MPIJob plugins. */
export interface IMpiJobManager {
  /** Every job of the service, live. */
  readonly model: JobsModel;
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
