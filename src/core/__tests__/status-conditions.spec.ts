import { reduceJob } from '../status';
import {
  CREATED,
  JOB,
  NS,
  RUNNING,
  STATE,
  at,
  condition,
  launcherPod,
  mpiJob,
  workerPod
} from './fixtures/status/operator';
import {
  capturedEvents,
  capturedJob,
  capturedPods,
  phases
} from './helpers/statusCapture';

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
});
