/**
 * What the local backend keeps in memory about the jobs it runs: the entry
 * of each job, its supervised run while it runs, and the plan it was
 * started with.
 */
import type { IPackagedProgram } from '../../../core/notebook';
import type { MpiFlavor } from '../../../core/mpiOutput';
import type { ILauncher } from './launch';
import type { ILocalRun, RecordBase } from './model';
import type { IProcessIdentity } from './procs';
import type { IStoredJob } from './store';

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

/** A running job, as its supervisor reports it (see `local/supervision.ts`). */
export interface IActiveRun {
  /** The supervisor process. */
  readonly supervisor: IProcessIdentity;
  /** Where each rank said it runs. */
  readonly hosts: Record<number, string>;
  /** When a rank first printed. */
  firstOutputAt: string | null;
  launcher: IProcessIdentity | null;
  /**
   * Why the service stops following it: `delete` and `close` stop its
   * processes; `detach` leaves it running for the next service to adopt.
   */
  stopping: 'delete' | 'close' | 'detach' | null;
  /** Resolves once the end is recorded and the supervisor is gone (or, detached, once it is no longer followed). */
  done: Promise<void>;
  /** Wakes the follower at once (a change of `stopping`). */
  wake: () => void;
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
