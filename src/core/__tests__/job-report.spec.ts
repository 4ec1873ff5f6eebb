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
  podsFromEvents,
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
    // The launcher's host is named after the job (the operator sets it).
    const hostname = placeRanks(
      { 0: 'pi-launcher', 1: 'pi-launcher' },
      TOPOLOGY,
      'pi'
    );
    expect(hostname.map(p => p.role)).toEqual(['launcher', 'launcher']);
    expect(placementWarning(hostname, 2, 2)).toMatch(
      /^2 of 2 rank\(s\) ran on the launcher \(pi-launcher\)/
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

  it('should take a worker whose container ended as ready from its start unless a probe decided', () => {
    // What the API gives once the job is over: no pod is Ready any more.
    const finished = (probe: boolean): IPodLike =>
      ({
        metadata: { labels: { 'training.kubeflow.org/job-role': 'worker' } },
        spec: {
          containers: [
            { name: 'c', ...(probe ? { readinessProbe: { exec: {} } } : {}) }
          ]
        },
        status: {
          // As the operator's clean-up last shows it: deleted while running.
          phase: 'Running',
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'PodCompleted',
              lastTransitionTime: '2026-12-01T10:00:30Z'
            }
          ],
          containerStatuses: [
            {
              name: 'c',
              state: {
                terminated: {
                  startedAt: '2026-12-01T10:00:04Z',
                  finishedAt: '2026-12-01T10:00:29Z'
                }
              }
            }
          ]
        }
      }) as unknown as IPodLike;
    const ready = (probe: boolean): number | null | undefined =>
      timelineSeconds(
        podTimeline(
          '2026-12-01T10:00:00Z',
          '2026-12-01T10:00:30Z',
          [finished(probe)],
          null
        )
      ).workersReady;
    expect(ready(false)).toBe(4);
    expect(ready(true)).toBeNull();
  });

  it('should take deleted workers from their events when no watch saw them last', () => {
    const event = (pod: string, reason: string, time: string) => ({
      reason,
      involvedObject: { kind: 'Pod', name: pod },
      ...(reason === 'Scheduled'
        ? { eventTime: time }
        : { lastTimestamp: time })
    });
    const pods = podsFromEvents(
      [
        { podName: 'pi-worker-0', role: 'worker' },
        { podName: 'pi-worker-1', role: 'worker' }
      ],
      [
        event('pi-worker-0', 'Scheduled', '2026-12-01T10:00:01.250000Z'),
        event('pi-worker-1', 'Scheduled', '2026-12-01T10:00:01.500000Z'),
        event('pi-worker-0', 'Started', '2026-12-01T10:00:03Z'),
        event('pi-worker-1', 'Started', '2026-12-01T10:00:04Z'),
        event('pi-worker-2', 'Started', '2026-12-01T10:00:09Z')
      ]
    );
    const seconds = timelineSeconds(
      podTimeline('2026-12-01T10:00:00Z', '2026-12-01T10:00:20Z', pods, null)
    );
    expect(seconds).toMatchObject({
      scheduled: 1.5,
      containersStarted: 4,
      workersReady: 4
    });
    // A worker without events stays unknown, and so does the step.
    const unknown = podsFromEvents(
      [{ podName: 'pi-worker-9', role: 'worker' }],
      []
    );
    expect(
      timelineSeconds(podTimeline('2026-12-01T10:00:00Z', null, unknown, null))
        .workersReady
    ).toBeNull();
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
