/**
 * Text reports: the speedup table (median of per-turn ratios with its
 * interval, the ratio of the fastest times), runs that did not complete
 * grouped by reason, an allreduce sweep, micro-benchmark tables.
 */
import type { IBenchResults, IBenchRun } from '../../core/benchResults';
import {
  makeSeries,
  RESULTS_SCHEMA_VERSION,
  summarizeResults
} from '../../core/benchResults';
import { formatReport, renderHtml } from '../bench/report';

const AT = '2025-03-01T10:00:00.000Z';

function run(workers: number, over: Partial<IBenchRun> = {}): IBenchRun {
  return {
    name: `workers=${workers}`,
    workers,
    ranks: workers,
    state: 'completed',
    reason: null,
    startedAt: AT,
    finishedAt: AT,
    series: {},
    attempts: [],
    metrics: {},
    ...over
  };
}

function results(runs: IBenchRun[], over: Partial<IBenchResults> = {}) {
  const partial: IBenchResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    kind: 'scenario',
    name: 'allreduce-local',
    state: 'completed',
    startedAt: AT,
    finishedAt: AT,
    scenario: { scaling: 'strong' },
    environment: {
      hostname: 'host',
      platform: 'linux',
      release: '6.1',
      arch: 'x64',
      cpuModel: 'AMD EPYC',
      cores: 2,
      memoryBytes: 2 ** 33,
      loadAverage: { start: [0.1, 0.2, 0.3], end: [1, 0.5, 0.25] },
      node: 'v20.20.2',
      mpi: null,
      python: null,
      git: null,
      backend: 'local',
      date: AT
    },
    runs,
    summary: null,
    ...over
  };
  return { ...partial, summary: summarizeResults(partial) };
}

const sweep = (latency: number) => ({
  metric: 'allreduce',
  sweep: [
    { bytes: 4, latency_us: latency, algbw_MBps: 1, busbw_MBps: 1 },
    {
      bytes: 1048576,
      latency_us: latency * 100,
      algbw_MBps: 3000,
      busbw_MBps: 3000
    }
  ]
});

describe('#formatReport', () => {
  it('should print the table, group runs that did not complete, and the sweep', () => {
    const attempt = (index: number, latency: number) => ({
      phase: 'measure' as const,
      index,
      job: 'j',
      state: 'completed' as const,
      workloadSeconds: 1.25,
      e2eSeconds: 1.4,
      bareSeconds: 1.3,
      bareWorkloadSeconds: 1,
      metrics: sweep(latency),
      message: null
    });
    const text = formatReport([
      results([
        run(1, {
          series: {
            workload: makeSeries('s', [2, 2]),
            e2e: makeSeries('s', [2.5, 2.5]),
            bare: makeSeries('s', [2.4, 2.4]),
            bareWorkload: makeSeries('s', [2, 2])
          }
        }),
        run(2, {
          series: { workload: makeSeries('s', [1.25, 1.25]) },
          attempts: [attempt(0, 3), attempt(1, 5)]
        }),
        run(4, { state: 'skipped', reason: 'no GPU' }),
        run(8, { state: 'skipped', reason: 'no GPU' })
      ])
    ]);
    expect(text).toContain(
      'load average 0.10 0.20 0.30 at start, 1.00 0.50 0.25 at end (1, 5, 15 min; 2 cores)'
    );
    // Identical times: no range; a speedup whose interval is one point.
    expect(text).toMatch(
      /^1 +2\.000 s +1\.00 +1\.00 +100\.0% +- +2\.500 s +2\.400 s +\+4\.2% +\+0\.100 s$/m
    );
    expect(text).toMatch(
      /^2 +1\.250 s +1\.60 \[1\.60–1\.60\] +1\.60 +80\.0% +0\.250 +- +- +- +-$/m
    );
    expect(text).toMatch(
      /^WORKERS +TIME +SPEEDUP +MIN RATIO +EFFICIENCY +KARP-FLATT +E2E +BARE +OVERHEAD +EXTRA$/m
    );
    expect(text).toContain(
      'TIME: median (min–max); SPEEDUP: median of the per-turn ratios [95% bootstrap CI]; MIN RATIO: fastest baseline time / fastest time'
    );
    expect(text).toContain('workers=4, workers=8: skipped: no GPU\n');
    expect(text).toContain('workers=2, mean of 2 runs:');
    expect(text).toMatch(/^4 B +4\.00 +1\.0 +1\.0$/m);
    expect(text).toMatch(/^1 MiB +400\.00 +3000\.0 +3000\.0$/m);
  });

  it('should print micro-benchmarks as tasks with their metrics', () => {
    const text = formatReport([
      results(
        [
          {
            ...run(1),
            name: 'reduce status, 101 pods',
            workers: null,
            ranks: null,
            series: { latency: makeSeries('ms', [0.1, 0.2, 0.3]) },
            metrics: { pods: 101, opsPerSecond: 5000.5 }
          }
        ],
        { kind: 'micro', name: 'micro', scenario: null }
      )
    ]);
    expect(text).toMatch(
      /^reduce status, 101 pods +completed +0\.200 ms +±[\d.]+% +0\.200 ms +0\.298 ms +3 +pods=101 opsPerSecond=5001$/m
    );
  });
});

describe('#renderHtml', () => {
  it('should inline the chart library and escape what it embeds', () => {
    const html = renderHtml(
      [
        results(
          [
            run(1, { series: { workload: makeSeries('s', [2]) } }),
            run(2, { series: { workload: makeSeries('s', [1]) } })
          ],
          { name: 'x</script><b>' }
        )
      ],
      '/* chart.js */ window.Chart = function () {};'
    );
    expect(html).toContain('<script>/* chart.js */ window.Chart');
    expect(html).not.toContain('x</script><b>');
    expect(html).toContain('x&lt;/script&gt;&lt;b&gt;');
    expect(html).toContain('x\\u003c/script>\\u003cb>');
    expect(html).toContain('<canvas id="speedup"');
    expect(html).toContain('<canvas id="efficiency"');
  });
});

describe('what a report says of thin or noisy measurements', () => {
  const measured = (workers: number, e2e: number[], bare: number[]) =>
    run(workers, {
      series: { e2e: makeSeries('s', e2e), bare: makeSeries('s', bare) }
    });

  it('should show no spread for one run per worker count', () => {
    const text = formatReport([
      results([measured(1, [2], [2.5]), measured(2, [1], [1.2])], {
        scenario: { scaling: 'strong', repeats: 1 }
      })
    ]);
    // No interval in any row of the table.
    expect(text).not.toMatch(/^\d+ .*\[/m);
    expect(text).toMatch(/^2\s+1\.000 s\s+2\.00\s+2\.00\s+100\.0%/m);
  });

  it('should show the median with its interval, the time range and the ratio of the fastest times', () => {
    const noisy = results([
      measured(1, [4, 3.6, 4.5, 4.1, 3.9], [4, 4, 4, 4, 4]),
      measured(2, [2.2, 1.9, 2.5, 2.0, 2.1], [2, 2, 2, 2, 2])
    ]);
    const two = noisy.summary!.rows[1];
    const text = formatReport([noisy]);
    const cell = `${two.speedup.toFixed(2)} [${two.speedupCi!.low.toFixed(2)}–${two.speedupCi!.high.toFixed(2)}]`;
    expect(text).toMatch(/^2\s+2\.100 s \(1\.900–2\.500\)\s+/m);
    expect(text).toContain(`  ${cell}  `);
    expect(text).toContain(`  ${(3.6 / 1.9).toFixed(2)}  `);
    expect(two.speedupCi!.low).toBeLessThan(two.speedupCi!.high);
  });

  it('should say on how many turns a speedup rests when some did not pair', () => {
    const attempt = (index: number, seconds: number) => ({
      phase: 'measure' as const,
      index,
      job: `j${index}`,
      state: 'completed' as const,
      workloadSeconds: seconds,
      e2eSeconds: seconds + 0.5,
      bareSeconds: null,
      bareWorkloadSeconds: null,
      metrics: null,
      message: null
    });
    const text = formatReport([
      results([
        run(1, {
          series: { workload: makeSeries('s', [4, 4, 4]) },
          attempts: [attempt(0, 4), attempt(1, 4), attempt(2, 4)]
        }),
        run(2, {
          series: { workload: makeSeries('s', [2, 2]) },
          attempts: [
            attempt(0, 2),
            { ...attempt(1, 9), state: 'errored' as const },
            attempt(2, 2)
          ]
        })
      ])
    ]);
    expect(text).toContain(
      'workers=2: speedup from the 2 turns it shares with workers=1 (2 and 3 measured)'
    );
  });

  it('should say that a job faster than its bare mpirun is noise', () => {
    const text = formatReport([
      results([
        measured(1, [2, 2.2], [2.5, 2.6]),
        measured(2, [1, 1.1], [1, 1.1])
      ])
    ]);
    expect(text).toContain(
      "workers=1: faster through the job service than under a bare mpirun, so the machine's noise is larger than the harness's cost here"
    );
  });
});
