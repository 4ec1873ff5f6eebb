/**
 * Phases of jobs and replicas as the views show them: order, CSS modifier,
 * whether they are final.
 */
import type { IJobRecord } from '../core/jobRecord';
import type { JobPhase, ReplicaOutcome } from '../core/status';

/**
 * Whether a job phase is final.
 *
 * @param phase - a job phase
 * @returns true for Succeeded and Failed
 */
export function isFinal(phase: JobPhase): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * The CSS modifier class of a phase (`mpijob-mod-running`, …).
 *
 * @param phase - a job phase or a replica's outcome
 * @returns the class name
 */
export function phaseClass(phase: JobPhase | ReplicaOutcome): string {
  return `mpijob-mod-${phase.toLowerCase()}`;
}

/**
 * When a job started running and when it ended, in milliseconds.
 *
 * @param job - the job
 * @param now - the current time
 * @returns queued (created to started) and run (started to finished or now) times; null when not applicable
 */
export function jobDurations(
  job: IJobRecord,
  now: number
): { queued: number | null; running: number | null; age: number } {
  const created = Date.parse(job.createdAt);
  const started = job.startedAt ? Date.parse(job.startedAt) : null;
  const finished = job.finishedAt ? Date.parse(job.finishedAt) : null;
  return {
    age: now - created,
    queued: started !== null ? started - created : null,
    running: started !== null ? (finished ?? now) - started : null
  };
}
