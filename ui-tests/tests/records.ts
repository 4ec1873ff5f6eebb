/**
 * Job records as the service sends them, for UI tests that feed the
 * frontend through routed responses (scale and performance: more jobs and
 * pods than a test cluster holds).
 */
import type { IJobRecord } from '../../src/core/jobRecord';

export const NAMESPACE = 'default';

/** How a record's workers stand. */
export interface IRecordShape {
  /** The last this many workers are Pending (default 6). */
  readonly pending?: number;
  /** These workers Failed (default: worker 42). */
  readonly failed?: readonly number[];
  /** The record's version (default '7'); the frontend drops a repeat. */
  readonly version?: string;
}

/** One launcher or worker of a job's topology. */
type Replica = IJobRecord['topology']['workers'][number];

/**
 * A running job's record as the service sends it.
 *
 * @param name - the job's name
 * @param workers - its worker count
 * @param shape - which workers are Pending or Failed
 * @returns the record
 */
export function record(
  name: string,
  workers: number,
  shape: IRecordShape = {}
): IJobRecord {
  const phase = 'Running';
  const node = (
    role: Replica['role'],
    index: number,
    p: Replica['phase']
  ): Replica => ({
    role,
    index,
    podName:
      role === 'launcher'
        ? `${name}-launcher-x7k2p`
        : `${name}-worker-${index}`,
    phase: p,
    nodeName: p === 'Pending' ? null : `gpu-node-${Math.floor(index / 8)}`,
    restarts: index % 17 === 3 ? 1 : 0,
    reason: p === 'Failed' ? 'OOMKilled' : null,
    exitCode: p === 'Failed' ? 137 : null,
    gpus: role === 'launcher' ? 0 : 1,
    ready: p === 'Running'
  });
  const pending = shape.pending ?? 6;
  const failed = shape.failed ?? [42];
  const workerPhase = (i: number): Replica['phase'] =>
    i >= workers - pending ? 'Pending' : failed.includes(i) ? 'Failed' : phase;
  const created = new Date(Date.now() - 300_000).toISOString();
  return {
    name,
    namespace: NAMESPACE,
    uid: `uid-${name}`,
    backend: 'kubernetes',
    createdAt: created,
    startedAt: created,
    finishedAt: null,
    spec: null,
    workers,
    slotsPerWorker: 1,
    gpusPerWorker: 1,
    mpiImplementation: 'OpenMPI',
    notebook: { path: 'train.ipynb', cells: [1, 2, 3] },
    status: { phase, startTime: created },
    conditions: [
      {
        type: 'Created',
        status: 'True',
        reason: 'MPIJobCreated',
        message: `MPIJob ${NAMESPACE}/${name} is created.`,
        lastTransitionTime: created
      }
    ],
    topology: {
      launcher: node('launcher', 0, phase),
      workers: Array.from({ length: workers }, (_, i) =>
        node('worker', i, workerPhase(i))
      )
    },
    exitCode: null,
    resourceVersion: shape.version ?? '7'
  };
}
