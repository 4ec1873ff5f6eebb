/**
 * Where ranks ran and how a job started: ranks map to replicas by host
 * (pod name), a job whose ranks did not spread gets a warning, and the
 * start-up timeline comes from the pods' own conditions and states.
 */
import type { IRankPlacement } from '../jobReport';
import {
  placeRanks,
  placementWarning,
  podTimeline,
  timelineSeconds
} from '../jobReport';
import type { IPodLike, IReplicaNode, ITopology } from '../status';

function replica(
  role: 'launcher' | 'worker',
  index: number,
  podName: string,
  nodeName: string
): IReplicaNode {
  return {
    role,
    index,
    podName,
    phase: 'Running',
    nodeName,
    restarts: 0,
    reason: null,
    exitCode: null,
    gpus: 0,
    ready: true
  };
}

const TOPOLOGY: ITopology = {
  launcher: replica('launcher', 0, 'pi-launcher-x7k2p', 'node-a'),
  workers: [
    replica('worker', 0, 'pi-worker-0', 'node-a'),
    replica('worker', 1, 'pi-worker-1', 'node-b')
  ]
};

describe('rank placement', () => {
  it('should map each rank to the replica and node whose pod is its host', () => {
    expect(
      placeRanks({ 1: 'pi-worker-1', 0: 'pi-worker-0' }, TOPOLOGY)
    ).toEqual([
      {
        rank: 0,
        host: 'pi-worker-0',
        role: 'worker',
        index: 0,
        node: 'node-a'
      },
      { rank: 1, host: 'pi-worker-1', role: 'worker', index: 1, node: 'node-b' }
    ]);
    expect(placeRanks({ 0: 'elsewhere' }, TOPOLOGY)).toEqual([
      { rank: 0, host: 'elsewhere', role: null, index: null, node: null }
    ]);
  });

  it('should warn when ranks ran on the launcher, or all on one host of several workers', () => {
    const spread = placeRanks({ 0: 'pi-worker-0', 1: 'pi-worker-1' }, TOPOLOGY);
    expect(placementWarning(spread, 2, 2)).toBeNull();
    const launcher = placeRanks(
      { 0: 'pi-launcher-x7k2p', 1: 'pi-launcher-x7k2p' },
      TOPOLOGY
    );
    expect(placementWarning(launcher, 2, 2)).toMatch(
      /^2 of 2 rank\(s\) ran on the launcher \(pi-launcher-x7k2p\).*--hostfile \/etc\/mpi\/hostfile$/
    );
    const oneWorker = placeRanks(
      { 0: 'pi-worker-0', 1: 'pi-worker-0' },
      TOPOLOGY
    );
    expect(placementWarning(oneWorker, 2, 2)).toMatch(
      /^all 2 ranks ran on one host \(pi-worker-0\) although the job has 2 workers/
    );
    // Two slots on one worker is what was asked for; a rank not reported yet is no evidence.
    expect(placementWarning(oneWorker, 1, 2)).toBeNull();
    expect(
      placementWarning(oneWorker.slice(0, 1) as IRankPlacement[], 2, 2)
    ).toBeNull();
  });
});

describe('start-up timeline', () => {
  const pod = (
    role: string,
    scheduled: string,
    started: string,
    ready: string | null
  ): IPodLike =>
    ({
      metadata: { labels: { 'training.kubeflow.org/job-role': role } },
      status: {
        conditions: [
          {
            type: 'PodScheduled',
            status: 'True',
            lastTransitionTime: scheduled
          },
          ...(ready
            ? [{ type: 'Ready', status: 'True', lastTransitionTime: ready }]
            : [{ type: 'Ready', status: 'False' }])
        ],
        containerStatuses: [
          { name: 'c', state: { running: { startedAt: new Date(started) } } }
        ]
      }
    }) as unknown as IPodLike;

  it('should take each step from the last pod to reach it', () => {
    const timeline = podTimeline(
      '2026-12-01T10:00:00Z',
      '2026-12-01T10:00:20Z',
      [
        pod(
          'worker',
          '2026-12-01T10:00:01Z',
          '2026-12-01T10:00:03Z',
          '2026-12-01T10:00:04Z'
        ),
        pod(
          'worker',
          '2026-12-01T10:00:02Z',
          '2026-12-01T10:00:05Z',
          '2026-12-01T10:00:06Z'
        ),
        pod('launcher', '2026-12-01T10:00:07Z', '2026-12-01T10:00:08Z', null)
      ],
      '2026-12-01T10:00:09.500Z'
    );
    expect(timelineSeconds(timeline)).toEqual({
      created: 0,
      scheduled: 7,
      containersStarted: 8,
      workersReady: 6,
      mpirunStarted: 8,
      firstOutput: 9.5,
      finished: 20
    });
  });

  it('should leave a step open while a pod has not reached it', () => {
    const timeline = podTimeline(
      '2026-12-01T10:00:00Z',
      null,
      [
        pod('worker', '2026-12-01T10:00:01Z', '2026-12-01T10:00:03Z', null),
        pod('launcher', '2026-12-01T10:00:02Z', '2026-12-01T10:00:04Z', null)
      ],
      null
    );
    expect(timeline.filter(s => s.at === null).map(s => s.step)).toEqual([
      'workersReady',
      'firstOutput',
      'finished'
    ]);
  });
});
