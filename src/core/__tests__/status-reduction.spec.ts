import fc from 'fast-check';

import {
  JOB_PHASES,
  OPERATOR_JOB_NAME_LABEL,
  JOB_ROLE_LABEL,
  MAX_WORKERS,
  REPLICA_INDEX_LABEL,
  describeReplica,
  normalizeConditions,
  reduceJob,
  replicaOutcome,
  statusSummary,
  summarizeTopology,
  workerPodName
} from '../status';
import type { IEventLike, IMpiJobLike, IPodLike } from '../status';
import {
  CREATED,
  JOB,
  RUNNING,
  STATE,
  at,
  launcherPod,
  mpiJob,
  workerPod
} from './fixtures/status/operator';

describe('#reduceJob', () => {
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
