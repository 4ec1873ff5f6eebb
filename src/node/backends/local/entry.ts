/**
 * What the local backend keeps in memory about the jobs it runs: the entry
 * of each job, its live process while it runs, and the plan it was started
 * with.
 */
import type { ChildProcess } from 'node:child_process';

import type { FileAssembler } from '../../../core/jobFiles';
import type { IPackagedProgram } from '../../../core/notebook';
import type { MpiFlavor, MpiOutputParser } from '../../../core/mpiOutput';
import type { FailureTracker } from '../failure';
import type { JobFileWriter } from './files';
import type { ILauncher } from './launch';
import type { ILocalRun, RecordBase } from './model';
import type { IProcessIdentity } from './procs';
import type { IStoredJob, LogWriter } from './store';

/** A job this backend runs. */
export interface IEntry {
  readonly base: RecordBase;
  stored: IStoredJob<ILocalRun>;
  /** Maps tracebacks to cells when the job fails; dropped once it ended. */
  program: Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'> | null;
  active: IActiveRun | null;
  /** The start under way, which a delete waits for. */
  starting: Promise<void> | null;
  /** The job's changes, applied one after another. */
  queue: Promise<void>;
  deleting: boolean;
}

/** The live process of a running job. */
export interface IActiveRun {
  readonly child: ChildProcess;
  readonly launcherName: string;
  readonly tracker: FailureTracker;
  readonly parser: MpiOutputParser;
  readonly writer: LogWriter;
  readonly files: JobFileWriter;
  readonly assembler: FileAssembler;
  /** Where each rank said it runs. */
  readonly hosts: Record<number, string>;
  /** When a rank first printed. */
  firstOutputAt: string | null;
  launcher: IProcessIdentity | null;
  seq: number;
  stopping: 'delete' | 'close' | 'failfast' | null;
  done: Promise<void>;
  failFast: ReturnType<typeof setTimeout> | null;
  exitBatch: ReturnType<typeof setTimeout> | null;
  pendingExits: Array<{ rank: number; code: number; at: string }>;
}

/** What submit found out before writing anything. */
export interface ILaunchPlan {
  readonly flavor: MpiFlavor;
  readonly launcher: ILauncher & { readonly path: string };
  readonly ranks: number;
  readonly python: string | null;
}

/**
 * A new entry for a stored job that nothing runs yet.
 *
 * @param base - the record's fixed part
 * @param stored - the job as stored
 * @param program - the source map of a notebook job, when at hand
 * @returns the entry
 */
export function newEntry(
  base: RecordBase,
  stored: IStoredJob<ILocalRun>,
  program: IEntry['program'] = null
): IEntry {
  return {
    base,
    stored,
    program,
    active: null,
    starting: null,
    queue: Promise.resolve(),
    deleting: false
  };
}
