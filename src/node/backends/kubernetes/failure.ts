/**
 * Why a Kubernetes job failed, in the words of its ranks: the operator only
 * knows that the launcher's container exited non-zero; the launcher's log
 * (mpirun relays every rank) names the rank, and its traceback the notebook
 * cell. Read once when a job turns Failed.
 */
import type { IJobRecord, ILogLine } from '../../../core/jobRecord';
import {
  describeRankFailure,
  failureMessage,
  FailureTracker
} from '../failure';

/**
 * The failure of a job, from its launcher's log.
 *
 * @param lines - the launcher's log, split by rank, tracebacks mapped to cells
 * @param record - the job, for its workers
 * @returns the message, naming rank, worker (pod, node) and cell; null
 *   when no rank is to blame (mpirun itself failed)
 */
export async function launcherFailure(
  lines: AsyncIterable<ILogLine>,
  record: IJobRecord
): Promise<string | null> {
  const tracker = new FailureTracker();
  for await (const line of lines) {
    tracker.observe(line);
  }
  const culprit = tracker.culprit();
  if (culprit === null) {
    return null;
  }
  const text = describeRankFailure(
    culprit,
    tracker.rankTail(culprit.rank),
    null
  );
  // The hostfile gives each worker slotsPerWorker ranks, in order.
  const index = Math.floor(culprit.rank / Math.max(1, record.slotsPerWorker));
  const worker = record.topology.workers[index];
  const where = [
    `worker ${index}`,
    worker?.podName ? `pod ${worker.podName}` : null,
    worker?.nodeName ? `node ${worker.nodeName}` : null
  ]
    .filter(Boolean)
    .join(', ');
  return failureMessage({
    summary: `${text.summary} (${where})`,
    details: text.details
  });
}
