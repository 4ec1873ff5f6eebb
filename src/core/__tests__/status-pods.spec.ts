import {
  OPERATOR_JOB_NAME_LABEL,
  JOB_ROLE_LABEL,
  REPLICA_INDEX_LABEL,
  launcherJobName,
  reduceJob,
  workerPodName
} from '../status';
import type { IMpiJobLike, IPodLike } from '../status';
import {
  CREATED,
  JOB,
  JOB_UID,
  NS,
  STATE,
  at,
  condition,
  event,
  launcherPod,
  mpiJob,
  workerPod
} from './fixtures/status/operator';
import { phases } from './helpers/statusCapture';

describe('#reduceJob', () => {
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
});
