/**
 * The speedup as the median of per-turn ratios with a percentile bootstrap
 * interval: the seeded generator, the interval, and the pairing of samples
 * by the turn they were measured in (also through a results file's
 * attempts, where one failed).
 */
import fc from 'fast-check';

import type { IAttempt, IBenchRun } from '../benchResults';
import { makeSeries, summarizeResults } from '../benchResults';
import {
  bootstrapMedianInterval,
  DEFAULT_BOOTSTRAP,
  median,
  seededRandom
} from '../bootstrap';
import { scalingTable } from '../stats';

const time = fc.double({ min: 1e-3, max: 1e3, noNaN: true });
const times = fc.array(time, { minLength: 1, maxLength: 12 });
const seed = fc.integer({ min: 0, max: 0xffffffff });
const options = fc.record({
  seed,
  resamples: fc.integer({ min: 1, max: 300 }),
  confidence: fc.double({ min: 0.5, max: 0.99, noNaN: true })
});

// Relative difference: the times span six orders of magnitude.
function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('#seededRandom', () => {
  it('should give the same numbers in [0, 1) for the same seed', () => {
    fc.assert(
      fc.property(seed, s => {
        const a = seededRandom(s);
        const b = seededRandom(s);
        for (let i = 0; i < 50; i++) {
          const x = a();
          expect(b()).toBe(x);
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThan(1);
        }
      })
    );
  });

  it('should give different sequences for different seeds', () => {
    const first = (s: number) => Array.from({ length: 4 }, seededRandom(s));
    expect(first(1)).not.toEqual(first(2));
  });
});

describe('#median', () => {
  it('should take the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
});

describe('#bootstrapMedianInterval', () => {
  it('should hold the median and lie within the samples', () => {
    fc.assert(
      fc.property(times, options, (values, opts) => {
        const { low, high } = bootstrapMedianInterval(values, opts);
        const m = median(values);
        expect(low).toBeLessThanOrEqual(m);
        expect(high).toBeGreaterThanOrEqual(m);
        expect(low).toBeGreaterThanOrEqual(Math.min(...values));
        expect(high).toBeLessThanOrEqual(Math.max(...values));
      })
    );
  });

  it('should be deterministic for a seed', () => {
    fc.assert(
      fc.property(times, options, (values, opts) => {
        expect(bootstrapMedianInterval([...values], opts)).toEqual(
          bootstrapMedianInterval(values, opts)
        );
      })
    );
  });

  it('should narrow as the samples agree', () => {
    const noisy = [3.6, 4.5, 3.7, 4.4, 3.8, 4.2, 3.9, 4.1, 4.0, 4.3];
    const quiet = noisy.map(x => 4 + (x - 4) / 10);
    const wide = bootstrapMedianInterval(noisy);
    const narrow = bootstrapMedianInterval(quiet);
    expect(narrow.high - narrow.low).toBeCloseTo((wide.high - wide.low) / 10);
  });

  it('should refuse what has no interval', () => {
    expect(() => bootstrapMedianInterval([])).toThrow(
      'the median of no samples is undefined'
    );
    expect(() =>
      bootstrapMedianInterval([1], { ...DEFAULT_BOOTSTRAP, resamples: 0 })
    ).toThrow('resamples must be a positive integer, got 0');
    expect(() =>
      bootstrapMedianInterval([1], { ...DEFAULT_BOOTSTRAP, confidence: 1 })
    ).toThrow('confidence must be between 0 and 1, got 1');
    expect(() =>
      bootstrapMedianInterval([1], { ...DEFAULT_BOOTSTRAP, seed: -1 })
    ).toThrow('seed must be an unsigned 32-bit integer, got -1');
  });
});

describe('paired speedup (#scalingTable)', () => {
  const counts = fc.uniqueArray(fc.integer({ min: 2, max: 64 }), {
    minLength: 1,
    maxLength: 4
  });

  it('should be exactly 1 with an interval holding 1 for identical series', () => {
    fc.assert(
      fc.property(times, counts, options, (samples, others, bootstrap) => {
        const table = scalingTable(
          [1, ...others].map(workers => ({ workers, samples })),
          { bootstrap }
        );
        for (const row of table.rows) {
          expect(row.speedup).toBe(1);
          expect(row.speedupOfMinimums).toBe(1);
          expect(row.pairs).toBe(samples.length);
          if (samples.length >= 2) {
            expect(row.speedupCi).toEqual({ low: 1, high: 1 });
          } else {
            expect(row.speedupCi).toBeNull();
          }
        }
      })
    );
  });

  it('should divide the speedup and its interval by k when the N-worker times are k times longer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(time, time), { minLength: 2, maxLength: 12 }),
        fc.integer({ min: 2, max: 64 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        seed,
        (pairs, n, k, s) => {
          const bootstrap = { ...DEFAULT_BOOTSTRAP, seed: s, resamples: 200 };
          const base = pairs.map(([t1]) => t1);
          const row = (scale: number) =>
            scalingTable(
              [
                { workers: 1, samples: base },
                { workers: n, samples: pairs.map(([, tn]) => tn * scale) }
              ],
              { bootstrap }
            ).rows[1];
          const plain = row(1);
          const scaled = row(k);
          expect(relative(scaled.speedup, plain.speedup / k)).toBeLessThan(
            1e-12
          );
          expect(
            relative(scaled.speedupCi!.low, plain.speedupCi!.low / k)
          ).toBeLessThan(1e-12);
          expect(
            relative(scaled.speedupCi!.high, plain.speedupCi!.high / k)
          ).toBeLessThan(1e-12);
          expect(
            relative(scaled.speedupOfMinimums, plain.speedupOfMinimums / k)
          ).toBeLessThan(1e-12);
        }
      )
    );
  });

  it('should hold the speedup in its interval, efficiency in its own', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(time, time), { minLength: 2, maxLength: 12 }),
        fc.integer({ min: 2, max: 64 }),
        fc.constantFrom('strong' as const, 'weak' as const),
        options,
        (pairs, n, mode, bootstrap) => {
          const row = scalingTable(
            [
              { workers: 1, samples: pairs.map(([t1]) => t1) },
              { workers: n, samples: pairs.map(([, tn]) => tn) }
            ],
            { mode, bootstrap }
          ).rows[1];
          expect(row.speedupCi!.low).toBeLessThanOrEqual(row.speedup);
          expect(row.speedupCi!.high).toBeGreaterThanOrEqual(row.speedup);
          expect(row.efficiencyCi!.low).toBeLessThanOrEqual(row.efficiency);
          expect(row.efficiencyCi!.high).toBeGreaterThanOrEqual(row.efficiency);
        }
      )
    );
  });

  it('should give the same table for the same seed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(time, time), { minLength: 1, maxLength: 12 }),
        options,
        (pairs, bootstrap) => {
          const make = () =>
            scalingTable(
              [
                { workers: 1, samples: pairs.map(([t1]) => t1) },
                { workers: 2, samples: pairs.map(([, t2]) => t2) }
              ],
              { bootstrap }
            );
          expect(make()).toEqual(make());
        }
      )
    );
  });
});

describe('pairing through the attempts of a results file', () => {
  const AT = '2025-03-01T10:00:00.000Z';

  function attempt(
    index: number,
    seconds: number | null,
    state: IAttempt['state'] = 'completed'
  ): IAttempt {
    return {
      phase: 'measure',
      index,
      job: `job-${index}`,
      state,
      workloadSeconds: seconds,
      e2eSeconds: seconds === null ? null : seconds + 0.4,
      bareSeconds: null,
      bareWorkloadSeconds: null,
      metrics: null,
      message: state === 'completed' ? null : 'failed'
    };
  }

  function run(workers: number, attempts: IAttempt[]): IBenchRun {
    const done = attempts.filter(a => a.state === 'completed');
    return {
      name: `workers=${workers}`,
      workers,
      ranks: workers,
      state: 'completed',
      reason: null,
      startedAt: AT,
      finishedAt: AT,
      series: {
        workload: makeSeries(
          's',
          done.map(a => a.workloadSeconds!)
        )
      },
      attempts: [{ ...attempt(0, 9), phase: 'warmup' as const }, ...attempts],
      metrics: {}
    };
  }

  it('should pair by turn, not by position, when attempts failed', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.tuple(time, time, fc.boolean()), {
            minLength: 2,
            maxLength: 12
          })
          .filter(turns => turns.some(([, , failed]) => !failed)),
        turns => {
          const one = run(
            1,
            turns.map(([t1], r) => attempt(r, t1))
          );
          const two = run(
            2,
            turns.map(([, t2, failed], r) =>
              failed ? attempt(r, null, 'errored') : attempt(r, t2)
            )
          );
          const summary = summarizeResults({
            runs: [one, two],
            scenario: { scaling: 'strong' }
          })!;
          const kept = turns.filter(([, , failed]) => !failed);
          const row = summary.rows[1];
          expect(row.pairs).toBe(kept.length);
          expect(row.speedup).toBe(median(kept.map(([t1, t2]) => t1 / t2)));
          expect(summary.bootstrap).toEqual(DEFAULT_BOOTSTRAP);
        }
      )
    );
  });

  it('should say how many turns a speedup rests on', () => {
    const summary = summarizeResults({
      runs: [
        run(1, [attempt(0, 4), attempt(1, 8), attempt(2, 4)]),
        run(2, [attempt(0, 2), attempt(1, null, 'errored'), attempt(2, 2.5)])
      ],
      scenario: null
    })!;
    // Turn 1's 8 s has no partner: 4 / 2 and 4 / 2.5, not 8 / 2.5.
    expect(summary.rows[1]).toMatchObject({
      pairs: 2,
      speedup: (2 + 1.6) / 2,
      speedupOfMinimums: 2
    });
  });
});
