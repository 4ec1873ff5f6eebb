/**
 * What a scale run's report is computed from: percentiles, the MPIJob
 * version inside a record's version, the check of SSE ids, the targets.
 */
import type { IScaleDetail } from '../scaleResults';
import {
  mpiJobVersion,
  percentiles,
  RSS_TARGET_BYTES,
  scaleTargets,
  sequenceProblems,
  submitToRunning
} from '../scaleResults';

function detail(overrides: Partial<IScaleDetail> = {}): IScaleDetail {
  return {
    jobs: 2,
    workers: 3,
    gpusPerWorker: 1,
    sseClients: 1,
    nodes: { count: 2, podsPerNode: 110, gpusPerNode: 8 },
    jobTimes: [
      { job: 'j0', submittedAt: 0, acceptedAt: 0.1, runningAt: 10 },
      { job: 'j1', submittedAt: 1, acceptedAt: 1.1, runningAt: 13 }
    ],
    allRunningSeconds: 13,
    podsRunning: { jobs: ['j0', 'j1'], samples: [] },
    sse: {
      changes: 4,
      matched: 4,
      clients: [
        {
          events: 9,
          connections: 1,
          resyncs: 0,
          duplicates: 0,
          gaps: 0,
          diverged: []
        }
      ]
    },
    requests: [
      { verb: 'watch', resource: 'pods', count: 3, maxOpen: 1 },
      { verb: 'create', resource: 'mpijobs.kubeflow.org', count: 2 }
    ],
    service: { cpuSeconds: 1, maxRssBytes: 100 * 2 ** 20 },
    operator: [],
    delete: { seconds: 5, left: { mpijobs: 0 } },
    faults: [],
    ...overrides
  };
}

describe('#percentiles', () => {
  it('should interpolate p50, p95 and p99 and keep the max', () => {
    const p = percentiles([5, 1, 4, 2, 3]);
    expect(p).toEqual({ count: 5, p50: 3, p95: 4.8, p99: 4.96, max: 5 });
  });

  it('should be null without samples', () => {
    expect(percentiles([])).toBeNull();
  });
});

describe('#submitToRunning', () => {
  it('should time each Running job from its own submit', () => {
    expect(
      submitToRunning([
        ...detail().jobTimes,
        { job: 'j2', submittedAt: 2, acceptedAt: null, runningAt: null }
      ])
    ).toEqual([10, 12]);
  });
});

describe('#mpiJobVersion', () => {
  it("should take the MPIJob's version out of a record's", () => {
    expect(mpiJobVersion('1234.21.k3j9x')).toBe('1234');
    expect(mpiJobVersion('1234')).toBe('1234');
  });
});

describe('#sequenceProblems', () => {
  it('should count repeated and skipped ids', () => {
    expect(sequenceProblems([1, 2, 3])).toEqual({ duplicates: 0, gaps: 0 });
    expect(sequenceProblems([1, 2, 2, 5, 4])).toEqual({
      duplicates: 2,
      gaps: 2
    });
  });
});

describe('#scaleTargets', () => {
  it('should pass a run that meets every target', () => {
    expect(scaleTargets(detail(), [5, 8, 900]).map(t => t.ok)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true
    ]);
  });

  it('should fail each target the run missed', () => {
    const missed = detail({
      allRunningSeconds: null,
      requests: [{ verb: 'watch', resource: 'pods', count: 50, maxOpen: 50 }],
      service: { cpuSeconds: 1, maxRssBytes: RSS_TARGET_BYTES },
      sse: {
        changes: 4,
        matched: 3,
        clients: [
          {
            events: 9,
            connections: 2,
            resyncs: 0,
            duplicates: 1,
            gaps: 0,
            diverged: ['j1']
          }
        ]
      },
      delete: { seconds: null, left: { pods: 3 } }
    });
    const targets = scaleTargets(missed, [5, 1500]);
    expect(targets.map(t => [t.name, t.ok])).toEqual([
      ['jobs Running', false],
      ['status → SSE p99', false],
      ['service RSS', false],
      ['watches', false],
      ['SSE: lost or duplicated', false],
      ['delete all', false]
    ]);
    expect(targets[4].value).toBe('1 lost, 1 duplicated');
  });

  it('should say what was not measured', () => {
    const targets = scaleTargets(detail({ requests: null }), []);
    expect(targets[1]).toMatchObject({ value: 'not measured', ok: null });
    expect(targets[3]).toMatchObject({ value: 'not counted', ok: null });
  });
});
