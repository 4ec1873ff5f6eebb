/**
 * Records of cluster jobs that stay true: versions that only say "changed",
 * replicas that keep where they ran after the operator's clean-up, and the
 * Kubernetes events of a job's own objects.
 */
import fc from 'fast-check';

import {
  isJobObject,
  jobKubeEvents,
  jobOfObject,
  recordFromCluster,
  recordVersion
} from '../clusterRecord';
import type { IKubeObject } from '../kube';
import { renderJob } from '../manifest';
import { parseLaunchSpec } from '../spec';
import type { IEventLike, IPodLike } from '../status';
import { replicaOutcome } from '../status';

const CREATED = '2026-01-01T10:00:00Z';

function job(
  workers: number,
  conditions: Array<{ type: string; status: string }> = []
): IKubeObject {
  const spec = parseLaunchSpec({
    name: 'pi',
    namespace: 'team-a',
    command: ['python', 'pi.py'],
    workers
  });
  const mpiJob = renderJob(spec, null).mpiJob;
  return {
    ...mpiJob,
    metadata: {
      ...mpiJob.metadata,
      uid: 'uid-pi',
      resourceVersion: '100',
      creationTimestamp: CREATED
    },
    status: { conditions }
  };
}

function worker(
  index: number,
  phase: string,
  resourceVersion: string,
  extra: { deleting?: boolean; node?: string } = {}
): IPodLike & { metadata: { resourceVersion: string; uid: string } } {
  return {
    metadata: {
      name: `pi-worker-${index}`,
      uid: `uid-w${index}`,
      resourceVersion,
      creationTimestamp: CREATED,
      ...(extra.deleting ? { deletionTimestamp: '2026-01-01T10:01:00Z' } : {}),
      labels: {
        'training.kubeflow.org/job-name': 'pi',
        'training.kubeflow.org/job-role': 'worker',
        'training.kubeflow.org/replica-index': String(index)
      }
    },
    spec: { nodeName: extra.node ?? `gpu-node-${index}` },
    status: { phase }
  };
}

const SUCCEEDED = [
  { type: 'Created', status: 'True' },
  { type: 'Running', status: 'False' },
  { type: 'Succeeded', status: 'True' }
];

describe('recordVersion', () => {
  it('should change when a pod changes, appears or goes', () => {
    const mpiJob = job(2);
    const both = [worker(0, 'Running', '120'), worker(1, 'Running', '130')];
    const before = recordVersion(mpiJob, both);
    expect(recordVersion(mpiJob, both)).toBe(before);
    expect(
      recordVersion(mpiJob, [both[0], worker(1, 'Running', '131')])
    ).not.toBe(before);
    expect(recordVersion(mpiJob, [both[0]])).not.toBe(before);
    expect(recordVersion(mpiJob, [])).toBe('100');
  });

  it('should not depend on the order pods are listed in', () => {
    const mpiJob = job(2);
    const a = worker(0, 'Running', '120');
    const b = worker(1, 'Running', '130');
    expect(recordVersion(mpiJob, [a, b])).toBe(recordVersion(mpiJob, [b, a]));
  });

  it('should be a new version when the pod with the highest resourceVersion is deleted', () => {
    // The bug this replaces: "newest of the numbers" went back to 120 here,
    // and clients keeping the larger version kept the deleted pod's state.
    const mpiJob = job(2, SUCCEEDED);
    const running = recordFromCluster(mpiJob, [
      worker(0, 'Running', '120'),
      worker(1, 'Running', '130', { deleting: true })
    ]);
    const after = recordFromCluster(mpiJob, [worker(0, 'Running', '120')]);
    expect(after.resourceVersion).not.toBe(running.resourceVersion);
    expect(typeof after.resourceVersion).toBe('string');
  });
});

describe('removed pods', () => {
  it('should keep where a worker ran after the clean-up deleted its pod', () => {
    const mpiJob = job(2, SUCCEEDED);
    const gone = worker(1, 'Running', '130', {
      deleting: true,
      node: 'gpu-node-3'
    });
    const record = recordFromCluster(
      mpiJob,
      [worker(0, 'Running', '120')],
      [],
      [gone]
    );
    const [w0, w1] = record.topology.workers;
    expect(w0.removed).toBeUndefined();
    expect(w1).toMatchObject({
      index: 1,
      podName: 'pi-worker-1',
      nodeName: 'gpu-node-3',
      removed: true,
      ready: false
    });
    expect(replicaOutcome(w1, record.status)).toBe('Removed');
    expect(record.status.phase).toBe('Succeeded');
  });

  it('should keep the last phase of a pod that ended before it was deleted', () => {
    const mpiJob = job(1, SUCCEEDED);
    const record = recordFromCluster(
      mpiJob,
      [],
      [],
      [worker(0, 'Succeeded', '140')]
    );
    const [w0] = record.topology.workers;
    expect(w0.phase).toBe('Succeeded');
    expect(replicaOutcome(w0, record.status)).toBe('Succeeded');
  });

  it("should prefer a live pod over a removed one of the same replica (the operator's replacement)", () => {
    const mpiJob = job(1);
    const record = recordFromCluster(
      mpiJob,
      [worker(0, 'Pending', '150', { node: 'gpu-node-2' })],
      [],
      [worker(0, 'Failed', '140', { node: 'gpu-node-0' })]
    );
    expect(record.topology.workers[0]).toMatchObject({
      phase: 'Pending',
      nodeName: 'gpu-node-2'
    });
    expect(record.topology.workers[0].removed).toBeUndefined();
  });

  it('should take the node from a Scheduled event when the pod was never seen (the service started after the clean-up)', () => {
    const mpiJob = job(2, SUCCEEDED);
    const scheduled = (pod: string, node: string, at: string): IEventLike => ({
      type: 'Normal',
      reason: 'Scheduled',
      message: `Successfully assigned team-a/${pod} to ${node}`,
      involvedObject: { kind: 'Pod', name: pod },
      lastTimestamp: at
    });
    const record = recordFromCluster(
      mpiJob,
      [],
      [
        scheduled('pi-worker-0', 'gpu-node-1', '2026-01-01T10:00:02Z'),
        // An earlier job of the same name: not this one's worker.
        scheduled('pi-worker-1', 'gpu-node-0', '2026-01-01T09:00:00Z')
      ]
    );
    const [w0, w1] = record.topology.workers;
    expect(w0).toMatchObject({ nodeName: 'gpu-node-1', removed: true });
    expect(replicaOutcome(w0, record.status)).toBe('Removed');
    expect(w1).toMatchObject({ phase: 'Missing', nodeName: null });
  });

  it('should leave a running job without a remembered pod Missing', () => {
    const record = recordFromCluster(job(1), []);
    expect(record.topology.workers[0]).toMatchObject({ phase: 'Missing' });
  });
});

describe('job events', () => {
  it.each([
    ['MPIJob', 'pi', true],
    ['PodGroup', 'pi', true],
    ['Job', 'pi-launcher', true],
    ['Pod', 'pi-launcher-x7k2q', true],
    ['Pod', 'pi-worker-0', true],
    ['Pod', 'pi-worker-12', true],
    ['Pod', 'pi-2-worker-0', false],
    ['MPIJob', 'pi-2', false],
    ['Job', 'pi-2-launcher', false],
    ['Pod', 'pi-launcher-x7k2q-extra', false],
    ['ConfigMap', 'pi', false]
  ])('should tell whether %s %s is one of job pi', (kind, name, mine) => {
    expect(isJobObject('pi', { kind, name })).toBe(mine);
  });

  it("should file every object the operator makes under its own job's name, and no other", () => {
    // DNS-1123 names, the shapes MPIJob names take, with the parts that
    // could confuse a reader: -worker-, -launcher-, digits.
    const part = fc.constantFrom('pi', 'worker', 'launcher', '2', 'a1', 'x');
    const jobName = fc
      .array(part, { minLength: 1, maxLength: 5 })
      .map(parts => parts.join('-'));
    const object = (name: string): fc.Arbitrary<[string, string]> =>
      fc.oneof(
        fc.constant<[string, string]>(['MPIJob', name]),
        fc.constant<[string, string]>(['PodGroup', name]),
        fc.constant<[string, string]>(['Job', `${name}-launcher`]),
        fc.nat(150).map<[string, string]>(i => ['Pod', `${name}-worker-${i}`]),
        fc
          .stringMatching(/^[a-z0-9]{5}$/)
          .map<[string, string]>(s => ['Pod', `${name}-launcher-${s}`])
      );
    fc.assert(
      fc.property(
        jobName.chain(name => object(name).map(o => [name, o] as const)),
        jobName,
        ([mine, [kind, name]], other) => {
          expect(jobOfObject({ kind, name })).toBe(mine);
          expect(isJobObject(other, { kind, name })).toBe(other === mine);
        }
      )
    );
  });

  it('should list the events of the job, oldest first, with counts and times', () => {
    const events: IEventLike[] = [
      {
        type: 'Warning',
        reason: 'FailedScheduling',
        message: '0/4 nodes are available: 4 Insufficient nvidia.com/gpu. ',
        involvedObject: { kind: 'Pod', name: 'pi-worker-0' },
        count: 3,
        lastTimestamp: '2026-01-01T10:00:05Z'
      },
      {
        type: 'Normal',
        reason: 'Created',
        message: 'other job',
        involvedObject: { kind: 'Pod', name: 'pi-2-worker-0' },
        lastTimestamp: '2026-01-01T10:00:01Z'
      },
      {
        reason: 'MPIJobCreated',
        message: 'MPIJob team-a/pi is created.',
        involvedObject: { kind: 'MPIJob', name: 'pi' },
        eventTime: '2026-01-01T10:00:00.5Z'
      }
    ];
    expect(jobKubeEvents('pi', events)).toEqual([
      {
        type: 'Normal',
        reason: 'MPIJobCreated',
        message: 'MPIJob team-a/pi is created.',
        kind: 'MPIJob',
        object: 'pi',
        count: 1,
        lastSeen: '2026-01-01T10:00:00.5Z'
      },
      {
        type: 'Warning',
        reason: 'FailedScheduling',
        message: '0/4 nodes are available: 4 Insufficient nvidia.com/gpu.',
        kind: 'Pod',
        object: 'pi-worker-0',
        count: 3,
        lastSeen: '2026-01-01T10:00:05Z'
      }
    ]);
  });
});
