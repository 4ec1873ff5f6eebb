/**
 * Reading the local backend's jobs back from the store after a restart:
 * records from an older version are filled in, and the unfinished jobs of
 * a service that died are found, to be adopted (see `run.ts`).
 */
import type { IJobRecord } from '../../../core/jobRecord';
import type { ILocalRun, RecordBase } from './model';
import { isFinished, LOCAL_REASONS } from './model';
import type { IProcessIdentity } from './procs';
import { isAlive } from './procs';
import type { IStoredJob, JobStore } from './store';

/** Status message of jobs whose supervisor died while they ran; reason `LostProcess`. */
export const LOST_PROCESS_MESSAGE =
  'the process that ran this job stopped while the job was running; its ranks were stopped. Run it again.';

/** What {@link scanStore} found. */
export interface IStoreScan {
  /** The highest resourceVersion of any stored job. */
  readonly resourceVersion: number;
  /** Unfinished jobs whose owning service is gone, their runs filled in. */
  readonly orphans: IStoredJob<ILocalRun>[];
}

/**
 * Cleans the store up and finds the jobs nobody runs any more.
 *
 * @param store - the job store
 * @returns the orphans and the resourceVersion to count on from
 */
export async function scanStore(
  store: JobStore<ILocalRun>
): Promise<IStoreScan> {
  await store.sweep();
  let resourceVersion = 0;
  const orphans: IStoredJob<ILocalRun>[] = [];
  for (const job of await store.list()) {
    resourceVersion = Math.max(
      resourceVersion,
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
    orphans.push({ ...job, run });
  }
  return { resourceVersion, orphans };
}

/**
 * An orphan's run once taken over: Failed with reason `LostProcess`.
 *
 * @param run - the run as stored
 * @param owner - the service taking it over
 * @returns the run, ended
 */
export function lostRun(run: ILocalRun, owner: IProcessIdentity): ILocalRun {
  return {
    ...run,
    owner,
    phase: 'Failed',
    finishedAt: new Date().toISOString(),
    failure: {
      reason: LOCAL_REASONS.lostProcess,
      message: LOST_PROCESS_MESSAGE,
      rank: null,
      exitCode: null
    }
  };
}

/**
 * The fixed part of a stored record.
 *
 * @param record - the record
 * @returns what does not change while the job runs
 */
export function baseOf(record: IJobRecord): RecordBase {
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

/**
 * A stored run, whole. Records from disk may come from an older version or
 * be hand-made: what is missing is filled in so that recovery never trips
 * over them.
 *
 * @param value - the stored run, of any shape
 * @param record - the job's record, for what the run lacks
 * @returns the run
 */
export function normalizeRun(value: unknown, record: IJobRecord): ILocalRun {
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
    supervisor: identity(run.supervisor),
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
