import fc from 'fast-check';

import {
  JOB_PHASES,
  OPERATOR_JOB_NAME_LABEL,
  JOB_ROLE_LABEL,
  MAX_WORKERS,
  REPLICA_INDEX_LABEL,
  describeReplica,
  launcherJobName,
  normalizeConditions,
  reduceJob,
  replicaOutcome,
  statusSummary,
  summarizeTopology,
  workerPodName
} from '../status';
import type {
  IEventLike,
  IMpiJobLike,
  IPodLike,
  IReplicaNode
} from '../status';
import {
  CREATED,
  JOB,
  JOB_UID,
  NS,
  RUNNING,
  STATE,
  at,
  condition,
  event,
  launcherPod,
  mpiJob,
  workerPod
} from './fixtures/status/operator';
import oomCapture from './fixtures/status/worker-oom-failed.json';

// Typed without a cast: kubectl JSON fits the input shapes as it is.
const capturedJob: IMpiJobLike = oomCapture.mpijob;
const capturedPods: readonly IPodLike[] = oomCapture.pods.items;
const capturedEvents: readonly IEventLike[] = oomCapture.events.items;

function phases(nodes: readonly IReplicaNode[]): string[] {
  return nodes.map(n => n.phase);
}

describe('#reduceJob', () => {
  describe('operator conditions', () => {
    it('should report a created job without pods as Pending with every worker Missing', () => {
      const { status, topology, conditions } = reduceJob(mpiJob(), []);
      expect(status).toEqual({ phase: 'Pending' });
      expect(topology.launcher).toBeNull();
      expect(topology.workers).toEqual([
        {
          role: 'worker',
          index: 0,
          podName: null,
          phase: 'Missing',
          nodeName: null,
          restarts: 0,
          reason: null,
          exitCode: null,
          gpus: 0,
          ready: false
        },
        {
          role: 'worker',
          index: 1,
          podName: null,
          phase: 'Missing',
          nodeName: null,
          restarts: 0,
          reason: null,
          exitCode: null,
          gpus: 0,
          ready: false
        }
      ]);
      expect(conditions).toEqual([
        {
          type: 'Created',
          status: 'True',
          reason: 'MPIJobCreated',
          message: `MPIJob ${NS}/${JOB} is created.`,
          lastTransitionTime: '2025-03-01T10:00:00Z'
        }
      ]);
    });

    it('should report Running with launcher and workers placed', () => {
      const job = mpiJob({ conditions: [CREATED, RUNNING], startTime: at(0) });
      const pods = [
        workerPod(1, { nodeName: 'gpu-node-2' }),
        launcherPod('x7k2p', { nodeName: 'cpu-node-1' }),
        workerPod(0)
      ];
      const { status, topology } = reduceJob(job, pods);
      expect(status).toEqual({ phase: 'Running', startTime: at(0) });
      expect(topology.launcher).toEqual({
        role: 'launcher',
        index: 0,
        podName: 'pi-launcher-x7k2p',
        phase: 'Running',
        nodeName: 'cpu-node-1',
        restarts: 0,
        reason: null,
        exitCode: null,
        gpus: 0,
        ready: true
      });
      expect(
        topology.workers.map(w => [w.podName, w.nodeName, w.gpus, w.ready])
      ).toEqual([
        ['pi-worker-0', 'gpu-node-1', 1, true],
        ['pi-worker-1', 'gpu-node-2', 1, true]
      ]);
    });

    it('should report Succeeded with the completion time once the launcher completed', () => {
      // cleanPodPolicy Running: the operator deleted the worker pods.
      const job = mpiJob({
        conditions: [
          CREATED,
          { ...RUNNING, status: 'False' },
          condition(
            'Succeeded',
            'True',
            'MPIJobSucceeded',
            `MPIJob ${NS}/${JOB} successfully completed.`,
            95
          )
        ],
        startTime: at(0),
        completionTime: at(95),
        replicaStatuses: { Launcher: { succeeded: 1 }, Worker: {} }
      });
      const pods = [
        launcherPod('x7k2p', {
          phase: 'Succeeded',
          state: STATE.completed(20, 94)
        })
      ];
      const { status, topology } = reduceJob(job, pods);
      expect(status).toEqual({
        phase: 'Succeeded',
        startTime: at(0),
        completionTime: at(95)
      });
      expect(topology.launcher).toMatchObject({
        phase: 'Succeeded',
        reason: 'Completed',
        exitCode: 0,
        ready: false
      });
      expect(phases(topology.workers)).toEqual(['Missing', 'Missing']);
    });

    it('should name worker 1 when the job failed after it was OOMKilled (kubectl JSON)', () => {
      const { status, topology } = reduceJob(
        capturedJob,
        capturedPods,
        capturedEvents
      );
      expect(status).toEqual({
        phase: 'Failed',
        reason: 'BackoffLimitExceeded',
        message:
          'worker 1 (pod pi-worker-1) failed: OOMKilled (exit code 137); Job has reached the specified backoff limit',
        completionTime: '2025-03-01T10:03:12Z',
        failedReplica: { role: 'worker', index: 1 }
      });
      expect(topology.workers[1]).toEqual({
        role: 'worker',
        index: 1,
        podName: 'pi-worker-1',
        phase: 'Failed',
        nodeName: 'gpu-node-2',
        restarts: 0,
        reason: 'OOMKilled',
        exitCode: 137,
        gpus: 1,
        ready: false
      });
      expect(topology.launcher).toMatchObject({
        phase: 'Failed',
        reason: 'Error',
        exitCode: 1,
        restarts: 2
      });
    });

    it('should blame the launcher when no worker failed', () => {
      const job = mpiJob({
        conditions: [
          CREATED,
          { ...RUNNING, status: 'False' },
          condition(
            'Failed',
            'True',
            'DeadlineExceeded',
            'Job was active longer than specified deadline',
            600
          )
        ],
        completionTime: at(600)
      });
      const pods = [
        launcherPod('x7k2p', {
          phase: 'Failed',
          state: STATE.error(20, 599, 143),
          podReason: 'DeadlineExceeded'
        }),
        workerPod(0),
        workerPod(1)
      ];
      expect(reduceJob(job, pods).status).toEqual({
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message:
          'launcher (pod pi-launcher-x7k2p) failed: DeadlineExceeded (exit code 143); Job was active longer than specified deadline',
        completionTime: at(600),
        failedReplica: { role: 'launcher', index: 0 }
      });
    });

    it('should not blame an old launcher attempt for a deadline', () => {
      const job = mpiJob({
        conditions: [
          CREATED,
          condition(
            'Failed',
            'True',
            'DeadlineExceeded',
            'Job was active longer than specified deadline',
            600
          )
        ]
      });
      const pods = [
        launcherPod('old01', {
          created: 1,
          phase: 'Failed',
          state: STATE.error(20, 40)
        }),
        launcherPod('new02', { created: 45 })
      ];
      expect(reduceJob(job, pods).status).toEqual({
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Job was active longer than specified deadline',
        completionTime: at(600)
      });
      const backoff = mpiJob({
        conditions: [
          CREATED,
          condition(
            'Failed',
            'True',
            'BackoffLimitExceeded/',
            'Job has reached the specified backoff limit: ',
            600
          )
        ]
      });
      const status = reduceJob(backoff, pods).status;
      expect(status.phase === 'Failed' && status.message).toBe(
        'launcher (pod pi-launcher-old01) failed: Error (exit code 1); Job has reached the specified backoff limit'
      );
    });

    it('should report evicted workers as the operator does', () => {
      const job = mpiJob({
        conditions: [
          CREATED,
          { ...RUNNING, status: 'False' },
          condition(
            'Failed',
            'True',
            'MPIJobEvicted',
            '1/2 workers are evicted',
            70
          )
        ]
      });
      const pods = [
        launcherPod('x7k2p'),
        workerPod(0),
        workerPod(1, {
          phase: 'Failed',
          podReason: 'Evicted',
          podMessage: 'The node was low on resource: memory.',
          state: STATE.error(20, 69, 137)
        })
      ];
      expect(reduceJob(job, pods).status).toEqual({
        phase: 'Failed',
        reason: 'MPIJobEvicted',
        message:
          'worker 1 (pod pi-worker-1) failed: Evicted (exit code 137) - The node was low on resource: memory.; 1/2 workers are evicted',
        completionTime: at(70),
        failedReplica: { role: 'worker', index: 1 }
      });
    });

    it('should let the last true terminal condition win', () => {
      const succeeded = condition(
        'Succeeded',
        'True',
        'MPIJobSucceeded',
        'done',
        50
      );
      const failed = condition('Failed', 'True', 'MPIJobFailed', 'broken', 40);
      expect(
        reduceJob(mpiJob({ conditions: [CREATED, failed, succeeded] }), [])
          .status.phase
      ).toBe('Succeeded');
      expect(
        reduceJob(mpiJob({ conditions: [CREATED, succeeded, failed] }), [])
          .status
      ).toEqual({
        phase: 'Failed',
        reason: 'MPIJobFailed',
        message: 'broken',
        completionTime: at(40)
      });
      expect(
        reduceJob(
          mpiJob({
            conditions: [CREATED, { ...failed, status: 'False' }, succeeded]
          }),
          []
        ).status.phase
      ).toBe('Succeeded');
    });

    it('should treat Restarting as Running with a reason', () => {
      const restarting = condition(
        'Restarting',
        'True',
        'MPIJobRestarting',
        'launcher restarting',
        60
      );
      const job = mpiJob({
        conditions: [CREATED, restarting],
        startTime: at(0)
      });
      expect(
        reduceJob(job, [launcherPod('x7k2p'), workerPod(0), workerPod(1)])
          .status
      ).toEqual({
        phase: 'Running',
        startTime: at(0),
        reason: 'Restarting',
        message: 'launcher restarting'
      });
    });

    it('should show the newest launcher and say it restarted after a failure', () => {
      const job = mpiJob({ conditions: [CREATED, RUNNING], startTime: at(0) });
      const pods = [
        launcherPod('b8m4q', { created: 45 }),
        launcherPod('x7k2p', {
          created: 1,
          phase: 'Failed',
          state: STATE.error(20, 40)
        }),
        workerPod(0),
        workerPod(1)
      ];
      const { status, topology } = reduceJob(job, pods);
      expect(topology.launcher?.podName).toBe('pi-launcher-b8m4q');
      expect(status).toEqual({
        phase: 'Running',
        startTime: at(0),
        reason: 'Restarting',
        message:
          'launcher restarted after 1 failed attempt; last: launcher (pod pi-launcher-x7k2p) failed: Error (exit code 1)',
        replica: { role: 'launcher', index: 0 }
      });
    });

    it('should report a worker in CrashLoopBackOff while running', () => {
      const job = mpiJob({ conditions: [CREATED, RUNNING], startTime: at(0) });
      const pods = [
        launcherPod('x7k2p'),
        workerPod(0, {
          state: STATE.crashLoop,
          lastState: STATE.error(30, 31, 2),
          restartCount: 3,
          ready: false
        }),
        workerPod(1)
      ];
      const { status, topology } = reduceJob(job, pods);
      expect(status).toEqual({
        phase: 'Running',
        startTime: at(0),
        reason: 'CrashLoopBackOff',
        message:
          'worker 0 (pod pi-worker-0): CrashLoopBackOff - back-off 40s restarting failed container=mpi-worker pod=pi-worker-0_team-a(7d1e) (last exit code 2, 3 restarts)',
        replica: { role: 'worker', index: 0 }
      });
      expect(topology.workers[0]).toMatchObject({
        restarts: 3,
        exitCode: 2,
        ready: false
      });
    });

    it('should report Suspended from the spec and the Suspended condition', () => {
      const suspendedConditions = [
        CREATED,
        condition(
          'Suspended',
          'True',
          'MPIJobSuspended',
          'MPIJob suspended',
          5
        ),
        condition(
          'Running',
          'False',
          'MPIJobSuspended',
          `MPIJob ${NS}/${JOB} is suspended.`,
          5
        )
      ];
      expect(
        reduceJob(
          mpiJob({ suspend: true, conditions: suspendedConditions }),
          []
        ).status
      ).toEqual({
        phase: 'Suspended',
        reason: 'MPIJobSuspended',
        message: 'MPIJob suspended'
      });
      // The user just set suspend; the operator has not reacted yet.
      expect(
        reduceJob(mpiJob({ suspend: true, conditions: [CREATED, RUNNING] }), [])
          .status
      ).toEqual({
        phase: 'Suspended',
        reason: 'MPIJobSuspended',
        message: 'MPIJob suspended'
      });
      // Resumed in the spec, condition not updated yet: no longer suspended.
      expect(
        reduceJob(
          mpiJob({ suspend: false, conditions: suspendedConditions }),
          []
        ).status
      ).toEqual({
        phase: 'Pending'
      });
    });

    it('should report Deleting once a deletion timestamp is set', () => {
      const job = mpiJob({
        conditions: [CREATED, RUNNING],
        deletionTimestamp: at(80)
      });
      expect(
        reduceJob(job, [launcherPod('x7k2p'), workerPod(0), workerPod(1)])
          .status
      ).toEqual({
        phase: 'Deleting',
        deletionTimestamp: at(80)
      });
    });

    it('should clean up the separators of an empty backoff-limit pod reason', () => {
      const job = mpiJob({
        conditions: [
          condition(
            'Failed',
            'True',
            'BackoffLimitExceeded/',
            'Job has reached the specified backoff limit: ',
            9
          )
        ]
      });
      expect(reduceJob(job, []).status).toEqual({
        phase: 'Failed',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
        completionTime: at(9)
      });
    });
  });

  describe('fail-fast', () => {
    it('should fail naming worker 1 as soon as its pod failed, before the launcher gives up', () => {
      const job = mpiJob({ conditions: [CREATED, RUNNING], startTime: at(0) });
      const pods = [
        launcherPod('x7k2p', { state: STATE.running(70), restartCount: 1 }),
        workerPod(0),
        workerPod(1, {
          phase: 'Failed',
          state: STATE.oomKilled(20, 65),
          ready: false
        })
      ];
      expect(reduceJob(job, pods).status).toEqual({
        phase: 'Failed',
        reason: 'WorkerFailed',
        message: 'worker 1 (pod pi-worker-1) failed: OOMKilled (exit code 137)',
        completionTime: at(65),
        failedReplica: { role: 'worker', index: 1 }
      });
    });

    it('should blame the worker that failed first', () => {
      const job = mpiJob({ workers: 4, conditions: [CREATED, RUNNING] });
      const pods = [
        launcherPod('x7k2p'),
        workerPod(0),
        workerPod(1, { phase: 'Failed', state: STATE.error(20, 66, 255) }),
        workerPod(2, { phase: 'Failed', state: STATE.oomKilled(20, 61) }),
        workerPod(3)
      ];
      const status = reduceJob(job, pods).status;
      expect(status.phase === 'Failed' && status.failedReplica).toEqual({
        role: 'worker',
        index: 2
      });
    });
  });

  describe('pending reasons', () => {
    it('should report ImagePullBackOff naming the worker', () => {
      const job = mpiJob({ workers: 3 });
      const pods = [
        launcherPod('x7k2p', { phase: 'Pending', state: STATE.creating }),
        workerPod(0, { phase: 'Pending' }),
        workerPod(1, { phase: 'Pending', state: STATE.imagePullBackOff }),
        workerPod(2, { phase: 'Pending', state: STATE.errImagePull })
      ];
      const { status, topology } = reduceJob(job, pods);
      expect(status).toEqual({
        phase: 'Pending',
        reason: 'ImagePullBackOff',
        message:
          'worker 1 (pod pi-worker-1): ImagePullBackOff - Back-off pulling image "registry.example.com/ml/mpi-pi:1.4"',
        replica: { role: 'worker', index: 1 }
      });
      expect(topology.workers.map(w => w.reason)).toEqual([
        'ContainerCreating',
        'ImagePullBackOff',
        'ErrImagePull'
      ]);
    });

    it('should report Unschedulable from the pod condition', () => {
      const message =
        '0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available.';
      const pods = [
        launcherPod('x7k2p'),
        workerPod(0),
        workerPod(1, { phase: 'Pending', unschedulable: message })
      ];
      const { status, topology } = reduceJob(mpiJob(), pods);
      expect(status).toEqual({
        phase: 'Pending',
        reason: 'Unschedulable',
        message: `worker 1 (pod pi-worker-1): Unschedulable - ${message}`,
        replica: { role: 'worker', index: 1 }
      });
      expect(topology.workers[1]).toMatchObject({
        nodeName: null,
        reason: 'Unschedulable'
      });
    });

    it('should take the reason from the latest warning event of a pending pod', () => {
      // Pods synthesized without conditions: only the scheduler's event tells.
      const pods: IPodLike[] = [
        {
          metadata: {
            name: 'pi-worker-0',
            labels: {
              [OPERATOR_JOB_NAME_LABEL]: JOB,
              [JOB_ROLE_LABEL]: 'worker'
            }
          },
          status: { phase: 'Pending' }
        },
        {
          metadata: {
            name: 'pi-worker-1',
            labels: {
              [OPERATOR_JOB_NAME_LABEL]: JOB,
              [JOB_ROLE_LABEL]: 'worker'
            }
          },
          status: { phase: 'Pending' }
        }
      ];
      const events = [
        event(
          'Pod',
          'pi-worker-0',
          'Normal',
          'Scheduled',
          'Successfully assigned',
          3
        ),
        event(
          'Pod',
          'pi-worker-1',
          'Warning',
          'FailedScheduling',
          '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
          4
        ),
        event(
          'Pod',
          'pi-worker-0',
          'Warning',
          'FailedScheduling',
          '0/3 nodes are available: 3 Insufficient memory.',
          2
        ),
        event(
          'Pod',
          'other-worker-0',
          'Warning',
          'FailedScheduling',
          'not ours',
          9
        )
      ];
      expect(reduceJob(mpiJob(), pods, events).status).toEqual({
        phase: 'Pending',
        reason: 'FailedScheduling',
        message:
          'worker 1 (pod pi-worker-1): FailedScheduling - 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
        replica: { role: 'worker', index: 1 }
      });
    });

    it('should ignore events of a previous job with the same name', () => {
      const pods = [
        workerPod(0, { phase: 'Pending', nodeName: null, uid: 'new-uid' })
      ];
      const events = [
        // Before this job was created.
        event(
          'Pod',
          'pi-worker-0',
          'Warning',
          'FailedScheduling',
          'stale by time',
          -600
        ),
        // Same name, other uid.
        event(
          'Pod',
          'pi-worker-0',
          'Warning',
          'FailedMount',
          'stale by uid',
          5,
          'old-uid'
        ),
        event(
          'MPIJob',
          JOB,
          'Warning',
          'MPIJobFailed',
          'stale job event',
          5,
          'another-job-uid'
        )
      ];
      expect(reduceJob(mpiJob({ workers: 1 }), pods, events).status).toEqual({
        phase: 'Pending'
      });
    });

    it('should report a quota failure from the MPIJob events', () => {
      const message =
        'worker pod created failed: pods "pi-worker-0" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=1, used: requests.nvidia.com/gpu=8, limited: requests.nvidia.com/gpu=8';
      const events = [
        event(
          'MPIJob',
          JOB,
          'Normal',
          'MPIJobCreated',
          `MPIJob ${NS}/${JOB} is created.`,
          0,
          JOB_UID
        ),
        event(
          'MPIJob',
          JOB,
          'Warning',
          'SetPodTemplateRestartPolicy',
          'advice only',
          0,
          JOB_UID
        ),
        event('MPIJob', JOB, 'Warning', 'MPIJobFailed', message, 1, JOB_UID)
      ];
      expect(reduceJob(mpiJob(), [], events).status).toEqual({
        phase: 'Pending',
        reason: 'MPIJobFailed',
        message
      });
    });

    it('should report a launcher Job that cannot create its pod', () => {
      const events = [
        event(
          'Job',
          launcherJobName(JOB),
          'Warning',
          'FailedCreate',
          'Error creating: pods "pi-launcher-x7k2p" is forbidden: exceeded quota',
          3
        )
      ];
      const pods = [workerPod(0), workerPod(1)];
      expect(
        reduceJob(mpiJob({ conditions: [CREATED] }), pods, events).status
      ).toEqual({
        phase: 'Pending',
        reason: 'FailedCreate',
        message:
          'Error creating: pods "pi-launcher-x7k2p" is forbidden: exceeded quota'
      });
    });

    it('should report Failed when the operator rejected the spec', () => {
      const job = mpiJob({ conditions: [] });
      const events = [
        event(
          'MPIJob',
          JOB,
          'Warning',
          'ValidationError',
          'Found validation errors: spec.mpiReplicaSpecs[Worker].replicas: Invalid value: -1',
          0
        )
      ];
      expect(reduceJob(job, [], events).status).toEqual({
        phase: 'Failed',
        reason: 'ValidationError',
        message:
          'Found validation errors: spec.mpiReplicaSpecs[Worker].replicas: Invalid value: -1'
      });
    });
  });

  describe('pod matching', () => {
    it('should ignore pods of other jobs', () => {
      const pods = [
        workerPod(0, { job: 'pi-2' }),
        launcherPod('q1w2e', { job: 'pi-2' }),
        workerPod(0)
      ];
      const { topology } = reduceJob(mpiJob({ workers: 1 }), pods);
      expect(topology.launcher).toBeNull();
      expect(topology.workers.map(w => w.podName)).toEqual(['pi-worker-0']);
    });

    it('should place pods without labels by the operator naming', () => {
      const pods: IPodLike[] = [
        { metadata: { name: 'pi-worker-1' }, status: { phase: 'Running' } },
        {
          metadata: { name: 'pi-launcher-z9y8x' },
          status: { phase: 'Running' }
        },
        // Job "pi-launcher"'s worker, not job "pi"'s launcher.
        {
          metadata: { name: 'pi-launcher-worker-0' },
          status: { phase: 'Failed' }
        },
        { metadata: { name: 'pi-worker-x' }, status: { phase: 'Failed' } }
      ];
      const { topology, status } = reduceJob(mpiJob(), pods);
      expect(topology.launcher?.podName).toBe('pi-launcher-z9y8x');
      expect(phases(topology.workers)).toEqual(['Missing', 'Running']);
      expect(status.phase).toBe('Pending');
    });

    it('should use the pod name over a shifted index label when the launcher runs as a worker', () => {
      const job = mpiJob({ runLauncherAsWorker: true });
      const pods = [
        workerPod(0, { indexLabel: '1' }),
        workerPod(1, { indexLabel: '2' })
      ];
      expect(reduceJob(job, pods).topology.workers.map(w => w.podName)).toEqual(
        ['pi-worker-0', 'pi-worker-1']
      );
      // Without an operator-style name, the label minus one.
      const synthesized: IPodLike[] = [
        {
          metadata: {
            name: 'rank-b',
            labels: {
              [OPERATOR_JOB_NAME_LABEL]: JOB,
              [JOB_ROLE_LABEL]: 'worker',
              [REPLICA_INDEX_LABEL]: '2'
            }
          }
        }
      ];
      expect(
        reduceJob(job, synthesized).topology.workers.map(w => w.podName)
      ).toEqual([null, 'rank-b']);
    });

    it('should drop workers beyond the replica count (scale-down in progress)', () => {
      const pods = [workerPod(0), workerPod(1), workerPod(2)];
      expect(
        reduceJob(mpiJob({ workers: 2 }), pods).topology.workers
      ).toHaveLength(2);
    });

    it('should read Date timestamps as @kubernetes/client-node returns them', () => {
      const job: IMpiJobLike = {
        metadata: { name: JOB, creationTimestamp: new Date(at(0)) },
        spec: { mpiReplicaSpecs: { Worker: { replicas: 1 } } },
        status: {
          conditions: [
            {
              type: 'Running',
              status: 'True',
              lastTransitionTime: new Date(at(25))
            }
          ],
          startTime: new Date(at(0))
        }
      };
      const pods: IPodLike[] = [
        {
          metadata: { name: 'pi-worker-0', creationTimestamp: new Date(at(1)) },
          status: { phase: 'Running' }
        }
      ];
      expect(reduceJob(job, pods)).toMatchObject({
        status: { phase: 'Running', startTime: '2025-03-01T10:00:00.000Z' },
        conditions: [
          { type: 'Running', lastTransitionTime: '2025-03-01T10:00:25.000Z' }
        ]
      });
    });
  });

  describe('local backend (no conditions)', () => {
    const job: IMpiJobLike = { metadata: { name: 'local-1' } };
    const rank = (i: number, phase: string, exitCode?: number): IPodLike => ({
      metadata: { name: workerPodName('local-1', i) },
      status: {
        phase,
        startTime: at(10 + i),
        containerStatuses:
          exitCode === undefined
            ? []
            : [
                {
                  name: 'rank',
                  state: { terminated: { exitCode, finishedAt: at(50 + i) } }
                }
              ]
      }
    });
    const launcher = (phase: string, exitCode?: number): IPodLike => ({
      metadata: { name: launcherJobName('local-1') },
      status: {
        phase,
        startTime: at(9),
        containerStatuses:
          exitCode === undefined
            ? []
            : [
                {
                  name: 'mpirun',
                  state: { terminated: { exitCode, finishedAt: at(60) } }
                }
              ]
      }
    });

    it('should be Running when the launcher and every rank run', () => {
      expect(
        reduceJob(job, [
          launcher('Running'),
          rank(0, 'Running'),
          rank(1, 'Running')
        ]).status
      ).toEqual({
        phase: 'Running',
        startTime: at(9)
      });
    });

    it('should be Pending while a rank has not started', () => {
      expect(
        reduceJob(job, [
          launcher('Running'),
          rank(0, 'Running'),
          rank(1, 'Pending')
        ]).status
      ).toEqual({
        phase: 'Pending'
      });
    });

    it('should be Succeeded when the launcher exited 0', () => {
      expect(
        reduceJob(job, [launcher('Succeeded', 0), rank(0, 'Succeeded', 0)])
          .status
      ).toEqual({
        phase: 'Succeeded',
        startTime: at(9),
        completionTime: at(60)
      });
    });

    it('should be Succeeded when every rank exited 0 and there is no launcher', () => {
      expect(
        reduceJob(job, [rank(1, 'Succeeded', 0), rank(0, 'Succeeded', 0)])
          .status
      ).toEqual({
        phase: 'Succeeded',
        startTime: at(10),
        completionTime: '2025-03-01T10:00:51.000Z'
      });
    });

    it('should be Failed naming the launcher when mpirun failed', () => {
      expect(
        reduceJob(job, [launcher('Failed', 1), rank(0, 'Running')]).status
      ).toEqual({
        phase: 'Failed',
        reason: 'LauncherFailed',
        message: 'launcher (pod local-1-launcher) failed: Error (exit code 1)',
        completionTime: at(60),
        failedReplica: { role: 'launcher', index: 0 }
      });
    });

    it('should be Failed naming the rank that failed', () => {
      expect(
        reduceJob(job, [
          launcher('Failed', 1),
          rank(0, 'Running'),
          rank(1, 'Failed', 9)
        ]).status
      ).toEqual({
        phase: 'Failed',
        reason: 'WorkerFailed',
        message: 'worker 1 (pod local-1-worker-1) failed: Error (exit code 9)',
        completionTime: at(51),
        failedReplica: { role: 'worker', index: 1 }
      });
    });

    it('should keep the message of a Failed condition the local backend wrote, which names the rank and cell', () => {
      const told =
        'rank 1 failed (exit code 1) in cell 2, line 6: ValueError: boom\nValueError: boom';
      const failed = condition('Failed', 'True', 'WorkerFailed', told, 60);
      expect(
        reduceJob({ ...job, status: { conditions: [CREATED, failed] } }, [
          launcher('Failed', 1),
          rank(0, 'Failed'),
          rank(1, 'Failed', 1)
        ]).status
      ).toEqual({
        phase: 'Failed',
        reason: 'WorkerFailed',
        message: told,
        completionTime: at(60),
        failedReplica: { role: 'worker', index: 1 }
      });
    });
  });

  describe('scale', () => {
    const job = mpiJob({
      workers: 100,
      conditions: [CREATED, RUNNING],
      startTime: at(0)
    });
    const pods = [launcherPod('x7k2p')];
    for (let i = 99; i >= 0; i--) {
      pods.push(workerPod(i, { nodeName: `gpu-node-${i >> 3}` }));
    }

    it('should lay out 100 workers sorted by index', () => {
      const { status, topology } = reduceJob(job, pods);
      expect(status.phase).toBe('Running');
      expect(topology.workers.map(w => w.index)).toEqual(
        Array.from({ length: 100 }, (_, i) => i)
      );
      expect(topology.workers[42].podName).toBe('pi-worker-42');
      expect(summarizeTopology(topology)).toEqual({
        workers: {
          Pending: 0,
          Running: 100,
          Succeeded: 0,
          Failed: 0,
          Unknown: 0,
          Missing: 0
        },
        workersTotal: 100,
        workersReady: 100,
        launcher: 'Running',
        restarts: 0,
        gpus: 100
      });
    });
  });

  describe('properties', () => {
    const labelValue = fc.oneof(
      fc.constantFrom(
        JOB,
        'other',
        'launcher',
        'worker',
        '0',
        '1',
        '7',
        '-1',
        '1e3',
        '99999999999'
      ),
      fc.string({ maxLength: 6 })
    );
    const timestamp = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(at(0), at(5), 'not a date', ''),
      fc.date({ noInvalidDate: false })
    );
    const state = fc.oneof(
      fc.constant(undefined),
      fc.record({
        waiting: fc.record({
          reason: fc.constantFrom(
            'ImagePullBackOff',
            'CrashLoopBackOff',
            'ContainerCreating',
            ''
          )
        })
      }),
      fc.record({ running: fc.record({ startedAt: timestamp }) }),
      fc.record({
        terminated: fc.record({
          exitCode: fc.oneof(
            fc.integer({ min: -1, max: 255 }),
            fc.constant(NaN)
          ),
          reason: fc.constantFrom('OOMKilled', 'Error', 'Completed', undefined),
          finishedAt: timestamp
        })
      })
    );
    const podArb: fc.Arbitrary<IPodLike> = fc.record(
      {
        metadata: fc.record(
          {
            name: fc.oneof(
              fc.integer({ min: 0, max: 12 }).map(i => workerPodName(JOB, i)),
              fc.constantFrom(
                'pi-launcher-abcde',
                'pi-launcher',
                'pi-worker-',
                'x'
              ),
              fc.string({ maxLength: 12 })
            ),
            labels: fc.dictionary(
              fc.constantFrom(
                OPERATOR_JOB_NAME_LABEL,
                JOB_ROLE_LABEL,
                REPLICA_INDEX_LABEL,
                'app'
              ),
              labelValue
            ),
            creationTimestamp: timestamp,
            deletionTimestamp: timestamp,
            uid: fc.string({ maxLength: 4 })
          },
          { requiredKeys: [] }
        ),
        spec: fc.record(
          {
            nodeName: fc.option(fc.string({ maxLength: 5 })),
            containers: fc.array(
              fc.record({
                name: fc.string({ maxLength: 3 }),
                resources: fc.record(
                  {
                    limits: fc.dictionary(
                      fc.constantFrom('nvidia.com/gpu', 'cpu'),
                      fc.oneof(
                        fc.string({ maxLength: 3 }),
                        fc.integer({ min: -2, max: 8 })
                      )
                    )
                  },
                  { requiredKeys: [] }
                )
              }),
              { maxLength: 2 }
            )
          },
          { requiredKeys: [] }
        ),
        status: fc.record(
          {
            phase: fc.constantFrom(
              'Pending',
              'Running',
              'Succeeded',
              'Failed',
              'Unknown',
              'Weird',
              undefined
            ),
            reason: fc.constantFrom('Evicted', undefined, ''),
            startTime: timestamp,
            conditions: fc.array(
              fc.record({
                type: fc.constantFrom('PodScheduled', 'Ready'),
                status: fc.constantFrom('True', 'False')
              }),
              { maxLength: 2 }
            ),
            containerStatuses: fc.array(
              fc.record(
                {
                  name: fc.string({ maxLength: 3 }),
                  ready: fc.boolean(),
                  restartCount: fc.oneof(fc.nat(50), fc.constant(NaN)),
                  state,
                  lastState: state
                },
                { requiredKeys: ['name'] }
              ),
              { maxLength: 3 }
            )
          },
          { requiredKeys: [] }
        )
      },
      { requiredKeys: [] }
    );
    const conditionsArb = fc.array(
      fc.record({
        type: fc.constantFrom(
          'Created',
          'Running',
          'Restarting',
          'Succeeded',
          'Failed',
          'Suspended'
        ),
        status: fc.constantFrom('True', 'False', 'Unknown'),
        reason: fc.option(fc.string({ maxLength: 5 })),
        lastTransitionTime: timestamp
      }),
      { maxLength: 5 }
    );
    const eventArb: fc.Arbitrary<IEventLike> = fc.record(
      {
        type: fc.constantFrom('Warning', 'Normal'),
        reason: fc.constantFrom(
          'FailedScheduling',
          'MPIJobFailed',
          'ValidationError',
          'FailedCreate',
          'Other'
        ),
        message: fc.string({ maxLength: 5 }),
        involvedObject: fc.record({
          kind: fc.constantFrom('Pod', 'MPIJob', 'Job'),
          name: fc.constantFrom(
            JOB,
            'pi-launcher',
            'pi-worker-0',
            'pi-launcher-abcde'
          )
        }),
        lastTimestamp: timestamp
      },
      { requiredKeys: [] }
    );
    const replicasArb = fc.integer({ min: 0, max: 12 });
    const jobArb = fc
      .tuple(replicasArb, conditionsArb, fc.boolean(), fc.option(fc.boolean()))
      .map(([replicas, conditions, deleting, suspend]): IMpiJobLike => ({
        metadata: {
          name: JOB,
          creationTimestamp: at(0),
          ...(deleting ? { deletionTimestamp: at(9) } : {})
        },
        spec: {
          runPolicy: { suspend },
          mpiReplicaSpecs: { Launcher: { replicas: 1 }, Worker: { replicas } }
        },
        status: { conditions }
      }));
    const PHASES = JOB_PHASES;

    it('should never throw for arbitrary pods, conditions and events', () => {
      fc.assert(
        fc.property(
          jobArb,
          fc.array(podArb, { maxLength: 20 }),
          fc.array(eventArb, { maxLength: 6 }),
          (job, pods, events) => {
            const { status } = reduceJob(job, pods, events);
            expect(PHASES).toContain(status.phase);
          }
        ),
        { numRuns: 300 }
      );
    });

    it('should never throw for pod arrays holding anything at all', () => {
      fc.assert(
        fc.property(
          fc.array(fc.anything(), { maxLength: 8 }),
          fc.array(fc.anything(), { maxLength: 4 }),
          (pods, events) => {
            reduceJob(mpiJob(), pods as IPodLike[], events as IEventLike[]);
          }
        ),
        { numRuns: 200 }
      );
    });

    it('should always lay out exactly `replicas` workers with sorted unique indices', () => {
      fc.assert(
        fc.property(
          jobArb,
          fc.array(podArb, { maxLength: 20 }),
          (job, pods) => {
            const replicas = job.spec?.mpiReplicaSpecs?.Worker?.replicas ?? 0;
            const { workers } = reduceJob(job, pods).topology;
            expect(workers.map(w => w.index)).toEqual(
              Array.from({ length: replicas }, (_, i) => i)
            );
            for (const w of workers) {
              expect(w.role).toBe('worker');
              // Missing means no pod; a pod-like object without a name
              // (the local backend's) also has podName null but a real phase.
              if (w.phase === 'Missing') {
                expect(
                  w.podName === null && w.nodeName === null && !w.ready
                ).toBe(true);
              }
            }
          }
        ),
        { numRuns: 300 }
      );
    });

    it('should not depend on the order of the pods', () => {
      const distinctPods = fc
        .uniqueArray(fc.integer({ min: 0, max: 9 }), { maxLength: 10 })
        .chain(indices =>
          fc.tuple(
            ...indices.map(i =>
              fc
                .constantFrom('Pending', 'Running', 'Failed', 'Succeeded')
                .map(phase => workerPod(i, { phase }))
            )
          )
        );
      fc.assert(
        fc.property(
          distinctPods.chain(p =>
            fc.tuple(
              fc.constant(p),
              fc.shuffledSubarray(p, { minLength: p.length })
            )
          ),
          ([pods, shuffled]) => {
            const job = mpiJob({ workers: 10, conditions: [CREATED, RUNNING] });
            expect(reduceJob(job, shuffled)).toEqual(reduceJob(job, pods));
          }
        )
      );
    });

    it('should always show the newest launcher pod', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.integer({ min: 0, max: 500 }), {
            minLength: 1,
            maxLength: 6
          }),
          created => {
            const pods = created.map(c => launcherPod(`p${c}`, { created: c }));
            const newest = Math.max(...created);
            expect(reduceJob(mpiJob(), pods).topology.launcher?.podName).toBe(
              `pi-launcher-p${newest}`
            );
          }
        )
      );
    });

    it('should cap absurd replica counts', () => {
      const job: IMpiJobLike = {
        metadata: { name: JOB },
        spec: { mpiReplicaSpecs: { Worker: { replicas: 1e12 } } }
      };
      expect(reduceJob(job, []).topology.workers).toHaveLength(MAX_WORKERS);
    });
  });
});

describe('#normalizeConditions', () => {
  it('should fill absent fields with null and read odd statuses as Unknown', () => {
    expect(
      normalizeConditions([
        { type: 'Running', status: 'true' },
        { type: '', status: 'True' },
        {
          type: 'Created',
          status: 'True',
          reason: '',
          lastTransitionTime: new Date(Number.NaN)
        }
      ])
    ).toEqual([
      {
        type: 'Running',
        status: 'Unknown',
        reason: null,
        message: null,
        lastTransitionTime: null
      },
      {
        type: 'Created',
        status: 'True',
        reason: null,
        message: null,
        lastTransitionTime: null
      }
    ]);
    expect(normalizeConditions(undefined)).toEqual([]);
  });
});

describe('#summarizeTopology', () => {
  it('should count workers by phase with restarts and GPUs', () => {
    const { topology } = reduceJob(mpiJob({ workers: 4 }), [
      launcherPod('x7k2p', { phase: 'Pending', state: STATE.creating }),
      workerPod(0, { restartCount: 2 }),
      workerPod(1, {
        phase: 'Pending',
        state: STATE.imagePullBackOff,
        gpus: 2
      }),
      workerPod(3, { phase: 'Failed', state: STATE.oomKilled(20, 40) })
    ]);
    expect(summarizeTopology(topology)).toEqual({
      workers: {
        Pending: 1,
        Running: 1,
        Succeeded: 0,
        Failed: 1,
        Unknown: 0,
        Missing: 1
      },
      workersTotal: 4,
      workersReady: 1,
      launcher: 'Pending',
      restarts: 2,
      gpus: 4
    });
  });
});

describe('#describeReplica', () => {
  it('should name role, index and pod', () => {
    const { topology } = reduceJob(mpiJob(), [workerPod(1)]);
    expect(topology.workers.map(describeReplica)).toEqual([
      'worker 0',
      'worker 1 (pod pi-worker-1)'
    ]);
  });
});

describe('#replicaOutcome', () => {
  it('should keep Failed for the worker that failed first and call the others Stopped', () => {
    const job = mpiJob({ workers: 3, conditions: [CREATED, RUNNING] });
    const { status, topology } = reduceJob(job, [
      launcherPod('x7k2p', { phase: 'Failed', state: STATE.error(20, 70) }),
      workerPod(0, { phase: 'Failed', state: STATE.error(20, 66, 255) }),
      workerPod(1, { phase: 'Failed', state: STATE.oomKilled(20, 61) }),
      workerPod(2)
    ]);
    const nodes = [topology.launcher!, ...topology.workers];
    expect(nodes.map(n => replicaOutcome(n, status))).toEqual([
      'Stopped',
      'Stopped',
      'Failed',
      'Running'
    ]);
  });

  it('should keep the phases when the failure names no replica, or the job has not failed', () => {
    const failedWorker = reduceJob(mpiJob(), [
      workerPod(0, { phase: 'Failed', state: STATE.error(20, 66) })
    ]).topology.workers[0];
    expect(
      replicaOutcome(failedWorker, { phase: 'Running', startTime: null })
    ).toBe('Failed');
    expect(
      replicaOutcome(failedWorker, {
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'too long'
      })
    ).toBe('Failed');
  });
});

describe('#statusSummary', () => {
  it('should give the first line of the message, else the reason, else nothing', () => {
    expect(
      statusSummary({
        phase: 'Failed',
        reason: 'WorkerFailed',
        message:
          'rank 1 failed (exit code 1) in cell 2, line 2: ValueError: boom\nTraceback (most recent call last):\n  File "x.ipynb", cell 2, line 2'
      })
    ).toBe('rank 1 failed (exit code 1) in cell 2, line 2: ValueError: boom');
    expect(statusSummary({ phase: 'Pending', reason: 'Unschedulable' })).toBe(
      'Unschedulable'
    );
    expect(statusSummary({ phase: 'Pending' })).toBe('');
    expect(statusSummary({ phase: 'Succeeded', completionTime: null })).toBe(
      ''
    );
  });
});
