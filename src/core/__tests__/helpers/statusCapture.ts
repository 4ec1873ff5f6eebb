/**
 * A real failed job as kubectl printed it (a worker OOM-killed), and a
 * reader of replica phases, for the status reduction tests.
 */
import type {
  IEventLike,
  IMpiJobLike,
  IPodLike,
  IReplicaNode
} from '../../status';
import oomCapture from '../fixtures/status/worker-oom-failed.json';

// Typed without a cast: kubectl JSON fits the input shapes as it is.
export const capturedJob: IMpiJobLike = oomCapture.mpijob;
export const capturedPods: readonly IPodLike[] = oomCapture.pods.items;
export const capturedEvents: readonly IEventLike[] = oomCapture.events.items;

/**
 * The phases of replicas, in order.
 *
 * @param nodes - the replicas
 * @returns their phases
 */
export function phases(nodes: readonly IReplicaNode[]): string[] {
  return nodes.map(n => n.phase);
}
