import fc from 'fast-check';

import { ValidationError } from '../errors';
import {
  computeStats,
  karpFlatt,
  parallelEfficiency,
  quantileSorted,
  scalingTable,
  speedup,
  tCritical
} from '../stats';
import type { IStats } from '../stats';

// Reference values were computed with numpy 2.4 (mean, std/var ddof=1,
// percentile with the default 'linear' method) and scipy 1.17
// (t.ppf(0.975, n - 1)). moe and rme depend on the t quantile, which agrees
// with scipy to about 1e-15 relative, so they are compared to 12 digits;
// everything else must match numpy bit for bit.
const T_DEPENDENT: ReadonlyArray<keyof IStats> = ['moe', 'rme'];

function expectStats(actual: IStats, expected: IStats): void {
  const exact: Partial<Record<keyof IStats, number>> = {};
  const exactExpected: Partial<Record<keyof IStats, number>> = {};
  for (const key of Object.keys(expected) as Array<keyof IStats>) {
    if (T_DEPENDENT.includes(key)) {
      expect({ [key]: actual[key] }).toEqual({
        [key]: expect.closeTo(expected[key], 12)
      });
    } else {
      exact[key] = actual[key];
      exactExpected[key] = expected[key];
    }
  }
  // One labelled object: a mismatch shows which statistic differs.
  expect(exact).toEqual(exactExpected);
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
}

describe('#computeStats', () => {
  it('should match numpy for [1, 2, 3, 4]', () => {
    expectStats(computeStats([1, 2, 3, 4]), {
      mean: 2.5,
      min: 1,
      max: 4,
      sd: 1.2909944487358056,
      variance: 1.6666666666666667,
      sem: 0.6454972243679028,
      moe: 2.0542602567605206,
      p50: 2.5,
      p90: 3.7,
      p99: 3.9699999999999998,
      samplesCount: 4,
      rme: 82.17041027042083
    });
  });

  it('should match numpy for seven run times', () => {
    expectStats(computeStats([10.2, 9.8, 10.5, 10.1, 9.9, 10.0, 10.3]), {
      mean: 10.114285714285714,
      min: 9.8,
      max: 10.5,
      sd: 0.2410295378065477,
      variance: 0.05809523809523801,
      sem: 0.0911006022367094,
      moe: 0.22291514325944897,
      p50: 10.1,
      p90: 10.38,
      p99: 10.488,
      samplesCount: 7,
      rme: 2.203963280813761
    });
  });

  it('should match numpy for 1..100', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expectStats(computeStats(samples), {
      mean: 50.5,
      min: 1,
      max: 100,
      sd: 29.011491975882016,
      variance: 841.6666666666666,
      sem: 2.9011491975882016,
      moe: 5.756509416935843,
      p50: 50.5,
      p90: 90.10000000000001,
      p99: 99.01,
      samplesCount: 100,
      rme: 11.399028548387808
    });
  });

  it('should give sd 0 and rme 0 for one sample', () => {
    expectStats(computeStats([5]), {
      mean: 5,
      min: 5,
      max: 5,
      sd: 0,
      variance: 0,
      sem: 0,
      moe: 0,
      p50: 5,
      p90: 5,
      p99: 5,
      samplesCount: 1,
      rme: 0
    });
  });

  it('should not depend on the input order ([3, 1, 2])', () => {
    const s = computeStats([3, 1, 2]);
    expect({ mean: s.mean, sd: s.sd, p90: s.p90, p99: s.p99 }).toEqual({
      mean: 2,
      sd: 1,
      p90: 2.8,
      p99: 2.98
    });
  });

  it('should report rme as Infinity when the mean is 0 and samples vary', () => {
    expect(computeStats([-1, 1]).rme).toBe(Infinity);
    expect(computeStats([0, 0]).rme).toBe(0);
  });

  it('should throw a ValidationError on empty input', () => {
    expect(() => computeStats([])).toThrow(ValidationError);
    expect(() => computeStats([])).toThrow(
      'cannot compute statistics: samples: must hold at least one sample'
    );
  });

  it('should throw naming each non-finite sample', () => {
    expect(() => computeStats([1, NaN, 2, Infinity])).toThrow(
      'samples[1]: must be a finite number, got NaN; samples[3]: must be a finite number, got Infinity'
    );
  });

  it('should cap the problems listed for many bad samples', () => {
    let error: unknown;
    try {
      computeStats(new Array<number>(50).fill(NaN));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const problems = (error as ValidationError).problems;
    expect(problems).toHaveLength(11);
    expect(problems[10]).toEqual({
      path: 'samples',
      message: '40 more invalid samples'
    });
  });

  it('should keep min <= p50 <= p90 <= p99 <= max and mean within [min, max]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), {
          minLength: 1,
          maxLength: 60
        }),
        samples => {
          const s = computeStats(samples);
          expect(s.min).toBeLessThanOrEqual(s.p50);
          expect(s.p50).toBeLessThanOrEqual(s.p90);
          expect(s.p90).toBeLessThanOrEqual(s.p99);
          expect(s.p99).toBeLessThanOrEqual(s.max);
          // Summation can round a hair past the bounds.
          const slack = 1e-9 * Math.max(1, Math.abs(s.min), Math.abs(s.max));
          expect(s.mean).toBeGreaterThanOrEqual(s.min - slack);
          expect(s.mean).toBeLessThanOrEqual(s.max + slack);
          expect(s.sd).toBeGreaterThanOrEqual(0);
          expect(s.samplesCount).toBe(samples.length);
        }
      )
    );
  });

  it('should give identical stats for any permutation of the samples', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), {
            minLength: 1,
            maxLength: 40
          })
          .chain(a =>
            fc.tuple(
              fc.constant(a),
              fc.shuffledSubarray(a, { minLength: a.length })
            )
          ),
        ([samples, shuffled]) => {
          expect(computeStats(shuffled)).toEqual(computeStats(samples));
        }
      )
    );
  });
});

describe('#quantileSorted', () => {
  it('should interpolate like numpy.quantile', () => {
    const sorted = [1, 2, 3, 4];
    expect({
      q0: quantileSorted(sorted, 0),
      q25: quantileSorted(sorted, 0.25),
      q1: quantileSorted(sorted, 1)
    }).toEqual({ q0: 1, q25: 1.75, q1: 4 });
  });

  it('should reject q outside [0, 1] and empty input', () => {
    expect(() => quantileSorted([1], 1.5)).toThrow(
      'quantile must be between 0 and 1, got 1.5'
    );
    expect(() => quantileSorted([], 0.5)).toThrow(
      'quantile of no samples is undefined'
    );
  });
});

describe('#tCritical', () => {
  it('should match scipy t.ppf(0.975, df)', () => {
    const scipy: Array<[number, number]> = [
      [1, 12.706204736174694],
      [2, 4.302652729749462],
      [3, 3.1824463052837078],
      [10, 2.228138851986274],
      [30, 2.0422724563012378],
      [31, 2.039513446396408],
      [100, 1.9839715185235518],
      [1000, 1.9623390808264083]
    ];
    for (const [df, t] of scipy) {
      expect({ df, t: tCritical(df) }).toEqual({
        df,
        t: expect.closeTo(t, 12)
      });
    }
  });

  it('should approach the normal quantile for large df', () => {
    expect(tCritical(1e7)).toBeCloseTo(1.959964221767205, 8);
  });

  it('should support other confidence levels', () => {
    // scipy: t.ppf(0.995, 5)
    expect(tCritical(5, 0.99)).toBeCloseTo(4.032142983555228, 12);
  });

  it('should reject bad arguments', () => {
    expect(() => tCritical(0)).toThrow(
      'degrees of freedom must be positive, got 0'
    );
    expect(() => tCritical(3, 1)).toThrow(
      'confidence must be between 0 and 1, got 1'
    );
  });
});

describe('#speedup', () => {
  it('should divide the reference time by the parallel time', () => {
    expect(speedup(10, 4)).toBe(2.5);
  });

  it('should reject non-positive or non-finite times', () => {
    expect(() => speedup(0, 1)).toThrow(
      't1 must be a positive finite number, got 0'
    );
    expect(() => speedup(1, NaN)).toThrow(
      'tn must be a positive finite number, got NaN'
    );
  });
});

describe('#parallelEfficiency', () => {
  it('should divide speedup by workers', () => {
    expect(parallelEfficiency(3, 4)).toBe(0.75);
  });

  it('should reject fewer than one worker', () => {
    expect(() => parallelEfficiency(1, 0)).toThrow(
      'the number of workers must be at least 1, got 0'
    );
  });
});

describe('#karpFlatt', () => {
  it('should give 1/9 for S = 1.8 on 2 workers', () => {
    // (1/1.8 - 1/2) / (1 - 1/2), evaluated in double precision by Python.
    expect(karpFlatt(1.8, 2)).toBe(0.11111111111111116);
    expect(karpFlatt(1.8, 2)).toBeCloseTo(1 / 9, 15);
  });

  it('should give 0 for linear speedup and 1 for no speedup', () => {
    expect(karpFlatt(8, 8)).toBe(0);
    expect(karpFlatt(1, 8)).toBe(1);
  });

  it('should be null for one worker', () => {
    expect(karpFlatt(1, 1)).toBeNull();
  });

  it("should recover Amdahl's serial fraction", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 2, max: 4096 }),
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        (f, n, t1) => {
          const tn = t1 * (f + (1 - f) / n);
          expect(karpFlatt(speedup(t1, tn), n)).toBeCloseTo(f, 9);
        }
      )
    );
  });
});

describe('#scalingTable', () => {
  const series = [
    { workers: 4, samples: [3, 3.2, 2.8] },
    { workers: 1, samples: [10, 10.5, 9.5] },
    { workers: 2, samples: [5.5, 5.4, 5.6] }
  ];

  it('should sort rows by workers and use the smallest as baseline', () => {
    const table = scalingTable(series);
    expect(table.mode).toBe('strong');
    expect(table.baselineWorkers).toBe(1);
    expect(table.rows.map(r => r.workers)).toEqual([1, 2, 4]);
  });

  it('should compute the median of per-turn ratios, its interval, efficiency and Karp–Flatt', () => {
    const [one, two, four] = scalingTable(series).rows;
    expect({
      speedup: one.speedup,
      speedupCi: one.speedupCi,
      speedupOfMinimums: one.speedupOfMinimums,
      pairs: one.pairs,
      efficiency: one.efficiency,
      efficiencyCi: one.efficiencyCi,
      karpFlatt: one.karpFlatt
    }).toEqual({
      speedup: 1,
      speedupCi: { low: 1, high: 1 },
      speedupOfMinimums: 1,
      pairs: 3,
      efficiency: 1,
      efficiencyCi: { low: 1, high: 1 },
      karpFlatt: null
    });
    // Turn by turn: 10 / 5.5, 10.5 / 5.4, 9.5 / 5.6; the median is the first.
    expect({
      speedup: two.speedup,
      speedupOfMinimums: two.speedupOfMinimums,
      pairs: two.pairs,
      efficiency: two.efficiency,
      karpFlatt: two.karpFlatt
    }).toEqual({
      speedup: 10 / 5.5,
      speedupOfMinimums: 9.5 / 5.4,
      pairs: 3,
      efficiency: expect.closeTo(10 / 11, 14),
      karpFlatt: expect.closeTo(0.1, 12)
    });
    // Resampled medians lie between the smallest and largest ratio.
    const ci = two.speedupCi!;
    expect(ci.low).toBeGreaterThanOrEqual(9.5 / 5.6);
    expect(ci.low).toBeLessThanOrEqual(two.speedup);
    expect(ci.high).toBeGreaterThanOrEqual(two.speedup);
    expect(ci.high).toBeLessThanOrEqual(10.5 / 5.4);
    expect(two.efficiencyCi).toEqual({ low: ci.low / 2, high: ci.high / 2 });
    // 10 / 3, 10.5 / 3.2, 9.5 / 2.8: the median is again the first.
    expect({ speedup: four.speedup, efficiency: four.efficiency }).toEqual({
      speedup: 10 / 3,
      efficiency: expect.closeTo(10 / 12, 12)
    });
    // e = (3/10 - 1/4) / (3/4) = 1/15
    expect(four.karpFlatt).toBeCloseTo(1 / 15, 12);
  });

  it('should give no interval from a single pair', () => {
    const [, two] = scalingTable([
      { workers: 1, samples: [4] },
      { workers: 2, samples: [2.5] }
    ]).rows;
    expect(two).toMatchObject({
      speedup: 1.6,
      speedupCi: null,
      efficiencyCi: null,
      pairs: 1
    });
  });

  it('should pair samples by turn and record the resampling', () => {
    const table = scalingTable(
      [
        { workers: 1, samples: [4, 8, 4, 4], turns: [0, 1, 2, 3] },
        // Turn 1 is missing: 2.5 is turn 2's, not turn 1's.
        { workers: 2, samples: [2, 2.5, 2], turns: [0, 2, 3] }
      ],
      { bootstrap: { seed: 7, resamples: 100, confidence: 0.9 } }
    );
    expect(table.bootstrap).toEqual({
      seed: 7,
      resamples: 100,
      confidence: 0.9
    });
    expect(table.rows[0].pairs).toBe(4);
    expect(table.rows[1]).toMatchObject({ pairs: 3, speedup: 2 });
  });

  it('should scale speedups by the baseline worker count when it is above 1', () => {
    const table = scalingTable([
      { workers: 2, samples: [8] },
      { workers: 8, samples: [2.5] }
    ]);
    expect(table.baselineWorkers).toBe(2);
    expect(table.rows.map(r => r.speedup)).toEqual([2, 6.4]);
    expect(table.rows.map(r => r.efficiency)).toEqual([1, 0.8]);
  });

  it('should accept an explicit baseline as a number or option', () => {
    expect(scalingTable(series, 2).baselineWorkers).toBe(2);
    const rows = scalingTable(series, { baselineWorkers: 2 }).rows;
    expect(rows[1].speedup).toBe(2);
    expect(rows[0].speedup).toBeCloseTo(2 * (5.5 / 10), 14);
  });

  it('should compute weak scaling as n * t_b / t_n', () => {
    const table = scalingTable(
      [
        { workers: 1, samples: [10] },
        { workers: 4, samples: [12.5] }
      ],
      { mode: 'weak' }
    );
    expect(table.mode).toBe('weak');
    const four = table.rows[1];
    expect({
      speedup: four.speedup,
      efficiency: four.efficiency,
      karpFlatt: four.karpFlatt
    }).toEqual({ speedup: 3.2, efficiency: 0.8, karpFlatt: null });
  });

  it('should list every problem at once', () => {
    let error: unknown;
    try {
      scalingTable(
        [
          { workers: 0, samples: [1] },
          { workers: 2, samples: [] },
          { workers: 2, samples: [1, -3] }
        ],
        { baselineWorkers: 5 }
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      {
        path: 'series[0].workers',
        message: 'must be a positive integer, got 0'
      },
      { path: 'series[1].samples', message: 'must hold at least one sample' },
      {
        path: 'series[2].workers',
        message: '2 workers appear twice (also series[1]); merge their samples'
      },
      {
        path: 'series[2].samples[1]',
        message: 'must be a positive time, got -3'
      },
      {
        path: 'baselineWorkers',
        message: 'must be one of the worker counts (2), got 5'
      }
    ]);
  });

  it('should name turns that cannot pair samples', () => {
    let error: unknown;
    try {
      scalingTable([
        { workers: 1, samples: [1, 2], turns: [0, 0] },
        { workers: 2, samples: [1, 2], turns: [0] },
        { workers: 4, samples: [1], turns: [-1] }
      ]);
    } catch (e) {
      error = e;
    }
    expect((error as ValidationError).problems).toEqual([
      { path: 'series[0].turns[1]', message: 'turn 0 appears twice' },
      { path: 'series[1].turns', message: 'must hold one turn per sample' },
      { path: 'series[2].turns[0]', message: 'must be a whole number, got -1' }
    ]);
    expect(() =>
      scalingTable([
        { workers: 1, samples: [1, 2], turns: [0, 1] },
        { workers: 2, samples: [1], turns: [5] }
      ])
    ).toThrow('series[1].turns: share no turn with the baseline (1 workers)');
  });

  it('should reject an empty series', () => {
    expect(() => scalingTable([])).toThrow(
      'invalid scaling series: series: must hold at least one entry'
    );
  });

  it('should give speedup exactly 1 for identical samples at every worker count', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), {
          minLength: 1,
          maxLength: 10
        }),
        fc.uniqueArray(fc.integer({ min: 2, max: 1024 }), { maxLength: 8 }),
        (samples, counts) => {
          const table = scalingTable(
            [1, ...counts].map(workers => ({ workers, samples }))
          );
          for (const row of table.rows) {
            expect(row.speedup).toBe(1);
            expect(row.efficiency).toBe(1 / row.workers);
          }
        }
      )
    );
  });

  it('should keep efficiency <= 1 when tn >= t1 / n', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        fc.uniqueArray(fc.integer({ min: 2, max: 512 }), {
          minLength: 1,
          maxLength: 6
        }),
        fc.array(fc.double({ min: 1, max: 100, noNaN: true }), {
          minLength: 1,
          maxLength: 5
        }),
        (t1, counts, factors) => {
          const table = scalingTable([
            { workers: 1, samples: [t1] },
            ...counts.map(n => ({
              workers: n,
              samples: factors.map(f => (t1 / n) * f)
            }))
          ]);
          for (const row of table.rows) {
            expect(row.efficiency).toBeLessThanOrEqual(1 + 1e-12);
            expect(row.efficiencyCi?.high ?? 0).toBeLessThanOrEqual(1 + 1e-12);
          }
        }
      )
    );
  });

  it('should make weak-scaling efficiency t_b / t_n and speedup n times that', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        fc.integer({ min: 2, max: 1024 }),
        (tb, tn, n) => {
          const row = scalingTable(
            [
              { workers: 1, samples: [tb] },
              { workers: n, samples: [tn] }
            ],
            { mode: 'weak' }
          ).rows[1];
          // Relative error: the values span 1e-7..1e7, beyond a fixed decimal precision.
          const relative = (actual: number, expected: number): number =>
            Math.abs(actual - expected) / Math.abs(expected);
          expect(relative(row.efficiency, tb / tn)).toBeLessThan(1e-12);
          expect(relative(row.speedup, n * (tb / tn))).toBeLessThan(1e-12);
        }
      )
    );
  });
});
