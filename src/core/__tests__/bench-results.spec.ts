/**
 * Benchmark results: the speedup summary from fixed samples, the overall
 * state, the chart.js configurations, and schema/results.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  efficiencyChartConfig,
  errorBarSuffix,
  IDEAL_LABEL,
  runLabels,
  speedupChartConfig
} from '../benchChart';
import type { IBenchResults, IBenchRun } from '../benchResults';
import {
  makeSeries,
  overallState,
  parseResults,
  readResultsText,
  RESULTS_SCHEMA_VERSION,
  resultsProblems,
  summarizeResults
} from '../benchResults';
import { DEFAULT_BOOTSTRAP } from '../bootstrap';
import { computeStats } from '../stats';
import { ValidationError } from '../errors';
import { resultsSchema } from '../generated/benchResultsSchema';
import { scenarioSchema } from '../generated/benchScenarioSchema';

const AT = '2025-03-01T10:00:00.000Z';

function run(
  workers: number,
  series: {
    workload?: number[];
    e2e?: number[];
    bare?: number[];
    bareWorkload?: number[];
  },
  state: IBenchRun['state'] = 'completed'
): IBenchRun {
  return {
    name: `workers=${workers}`,
    workers,
    ranks: workers,
    state,
    reason: state === 'completed' ? null : 'because',
    startedAt: AT,
    finishedAt: AT,
    series: Object.fromEntries(
      Object.entries(series).map(([k, v]) => [k, makeSeries('s', v)])
    ),
    attempts: [],
    metrics: {}
  };
}

function results(
  runs: IBenchRun[],
  overrides: Partial<IBenchResults> = {}
): IBenchResults {
  const partial = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    kind: 'scenario' as const,
    name: 'compute-local',
    state: overallState(runs),
    startedAt: AT,
    finishedAt: AT,
    scenario: { name: 'compute-local', scaling: 'strong' },
    environment: {
      hostname: 'host',
      platform: 'linux',
      release: '6.1',
      arch: 'x64',
      cpuModel: 'AMD EPYC',
      cores: 2,
      memoryBytes: 2 ** 34,
      loadAverage: { start: [0.1, 0.2, 0.3], end: [0.4, 0.5, 0.6] },
      node: 'v20.20.2',
      mpi: {
        implementation: 'OpenMPI',
        launcher: '/usr/bin/mpirun',
        version: '4.1.4'
      },
      python: {
        executable: '/usr/bin/python3',
        version: '3.11.7',
        numpy: '2.4.6',
        mpi4py: '4.1.2'
      },
      git: { commit: 'e436d3dcb0dd', dirty: false },
      backend: 'local',
      date: AT
    },
    runs,
    ...overrides
  };
  return { ...partial, summary: summarizeResults(partial), ...overrides };
}

// 1 worker: mean 4, sd 0.1; 2 workers: mean 2.1, sd 0.1; 4 workers: mean 1.25, sd 0.05.
const STRONG = [
  run(1, {
    workload: [3.9, 4.0, 4.1],
    e2e: [4.4, 4.5, 4.6],
    bare: [4.3, 4.4, 4.5],
    bareWorkload: [3.95, 4.05, 4.0]
  }),
  run(2, {
    workload: [2.0, 2.1, 2.2],
    e2e: [2.5, 2.6, 2.7],
    bare: [2.5, 2.5, 2.5]
  }),
  run(4, {
    workload: [1.2, 1.25, 1.3],
    e2e: [1.7, 1.75, 1.8],
    bare: [1.6, 1.75, 1.9]
  })
];

describe('#summarizeResults', () => {
  it('should compute speedup, efficiency, Karp–Flatt and overhead per worker count', () => {
    const summary = summarizeResults(results(STRONG))!;
    expect(summary.mode).toBe('strong');
    expect(summary.basis).toBe('workload');
    expect(summary.baselineWorkers).toBe(1);
    const [one, two, four] = summary.rows;

    expect(summary.bootstrap).toEqual(DEFAULT_BOOTSTRAP);
    expect(one.workers).toBe(1);
    expect(one.time).toEqual({ median: 4, min: 3.9, max: 4.1 });
    expect(one.speedup).toBe(1);
    expect(one.speedupCi).toEqual({ low: 1, high: 1 });
    expect(one.pairs).toBe(3);
    expect(one.efficiency).toBe(1);
    expect(one.karpFlatt).toBeNull();
    expect(one.e2e).toBeCloseTo(4.5, 12);
    expect(one.bare).toBeCloseTo(4.4, 12);
    expect(one.overhead).toBeCloseTo(4.5 / 4.4 - 1, 12);
    // (4.5 − 4) − (4.4 − 4): the harness's 0.1 s beyond a bare mpirun.
    expect(one.extra).toBeCloseTo(0.1, 12);

    // Per turn 3.9 / 2, 4 / 2.1, 4.1 / 2.2: S is the middle one; E = S / 2;
    // e = (1/S − 1/2) / (1 − 1/2).
    const s2 = 4 / 2.1;
    expect(two.speedup).toBe(s2);
    expect(two.speedupCi!.low).toBeGreaterThanOrEqual(4.1 / 2.2);
    expect(two.speedupCi!.high).toBeLessThanOrEqual(3.9 / 2);
    expect(two.speedupOfMinimums).toBeCloseTo(3.9 / 2, 12);
    expect(two.pairs).toBe(3);
    expect(two.efficiency).toBeCloseTo(s2 / 2, 12);
    expect(two.karpFlatt).toBeCloseTo((1 / s2 - 1 / 2) / (1 - 1 / 2), 12);
    expect(two.karpFlatt).toBeCloseTo(0.05, 12);
    expect(two.overhead).toBeCloseTo(2.6 / 2.5 - 1, 12);
    expect(two.extra).toBeNull();

    // S = 3.2, E = 0.8, e = (1/3.2 − 1/4) / (3/4) = 1/12.
    expect(four.speedup).toBeCloseTo(3.2, 12);
    expect(four.efficiency).toBeCloseTo(0.8, 12);
    expect(four.karpFlatt).toBeCloseTo(1 / 12, 12);
    expect(four.overhead).toBeCloseTo(1.75 / 1.75 - 1, 12);
  });

  it('should use scaled speedup and no Karp–Flatt for weak scaling', () => {
    const weak = results(
      [run(1, { workload: [2, 2] }), run(2, { workload: [2.5, 2.5] })],
      { scenario: { name: 'w', scaling: 'weak' } }
    );
    const [one, two] = summarizeResults(weak)!.rows;
    expect(one.speedup).toBe(1);
    // n · t1 / tn = 2 · 2 / 2.5; efficiency t1 / tn.
    expect(two.speedup).toBeCloseTo(1.6, 12);
    expect(two.efficiency).toBeCloseTo(0.8, 12);
    expect(two.karpFlatt).toBeNull();
  });

  it('should leave out runs that did not complete and fall back to end-to-end time', () => {
    const mixed = results([
      run(1, { e2e: [3, 3] }),
      run(2, { e2e: [2, 2] }),
      run(4, {}, 'skipped')
    ]);
    const summary = summarizeResults(mixed)!;
    expect(summary.basis).toBe('e2e');
    expect(summary.rows.map(r => r.workers)).toEqual([1, 2]);
    expect(summary.rows[1].speedup).toBeCloseTo(1.5, 12);
    expect(summary.rows[1].overhead).toBeNull();
    expect(summary.rows[1].extra).toBeNull();
  });

  it('should be null when nothing completed', () => {
    expect(summarizeResults(results([run(1, {}, 'skipped')]))).toBeNull();
  });
});

describe('#overallState', () => {
  it('should rank interrupted over errored over skipped over completed', () => {
    const s = (...states: IBenchRun['state'][]) =>
      overallState(states.map(state => ({ state })));
    expect(s('completed', 'completed')).toBe('completed');
    expect(s('completed', 'skipped')).toBe('completed');
    expect(s('skipped', 'skipped')).toBe('skipped');
    expect(s('completed', 'errored', 'skipped')).toBe('errored');
    expect(s('errored', 'interrupted')).toBe('interrupted');
    expect(s()).toBe('skipped');
  });
});

describe('chart configurations', () => {
  it('should plot speedup against workers with axis titles, the ideal line and error bars', () => {
    const config = speedupChartConfig([results(STRONG)]);
    expect(config.type).toBe('line');
    const scales = config.options?.scales as Record<
      string,
      { title: { text: string } }
    >;
    expect(scales.x.title.text).toBe('Workers');
    expect(scales.y.title.text).toBe('Speedup');
    const labels = config.data.datasets.map(d => d.label);
    expect(labels).toEqual([
      IDEAL_LABEL,
      'compute-local',
      'compute-local 95% CI'
    ]);
    const [ideal, line, bars] = config.data.datasets;
    expect(ideal.data).toEqual([
      { x: 1, y: 1 },
      { x: 2, y: 2 },
      { x: 4, y: 4 }
    ]);
    expect(line.data.map(p => p.x)).toEqual([1, 2, 4]);
    expect(line.data[2].y).toBeCloseTo(3.2, 12);
    // The interval's two ends per worker count, separated by gaps.
    const rows = summarizeResults(results(STRONG))!.rows;
    expect(bars.data).toEqual(
      rows.flatMap((row, k) => [
        ...(k > 0 ? [{ x: row.workers, y: null }] : []),
        { x: row.workers, y: row.speedupCi!.low },
        { x: row.workers, y: row.speedupCi!.high }
      ])
    );
    // Pure data: it survives JSON (the HTML report inlines it).
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });

  it('should plot efficiency with the ideal at 1', () => {
    const config = efficiencyChartConfig([results(STRONG)]);
    const scales = config.options?.scales as Record<
      string,
      { title: { text: string } }
    >;
    expect(scales.x.title.text).toBe('Workers');
    expect(scales.y.title.text).toBe('Efficiency');
    expect(config.data.datasets[0].data.map(p => p.y)).toEqual([1, 1, 1]);
    expect(config.data.datasets[1].data[2].y).toBeCloseTo(0.8, 12);
    const four = summarizeResults(results(STRONG))!.rows[2];
    expect(config.data.datasets[2].data.slice(-2)).toEqual([
      { x: 4, y: four.speedupCi!.low / 4 },
      { x: 4, y: four.speedupCi!.high / 4 }
    ]);
  });

  it('should draw no error bar for a single pair and name other confidence levels', () => {
    const single = results([
      run(1, { workload: [4] }),
      run(2, { workload: [2.5] })
    ]);
    const [, line, bars] = speedupChartConfig([single]).data.datasets;
    expect(line.data).toEqual([
      { x: 1, y: 1 },
      { x: 2, y: 1.6 }
    ]);
    expect(bars.data).toEqual([]);
    expect(errorBarSuffix(0.9)).toBe(' 90% CI');
    expect(errorBarSuffix(0.995)).toBe(' 99.5% CI');
  });

  it('should overlay several results with distinct labels and colours', () => {
    const a = results(STRONG);
    const b = results(STRONG, { startedAt: '2025-03-02T08:30:00.000Z' });
    const c = results([run(1, {}, 'errored')], { name: 'broken' });
    expect(runLabels([a, b, c])).toEqual([
      'compute-local (2025-03-01 10:00)',
      'compute-local (2025-03-02 08:30)',
      'broken'
    ]);
    expect(runLabels([a, a])).toEqual([
      'compute-local (2025-03-01 10:00) #1',
      'compute-local (2025-03-01 10:00) #2'
    ]);
    const config = speedupChartConfig([a, b, c]);
    // The result without completed runs is left out.
    expect(config.data.datasets.map(d => d.label)).toEqual([
      IDEAL_LABEL,
      'compute-local (2025-03-01 10:00)',
      `compute-local (2025-03-01 10:00)${errorBarSuffix(0.95)}`,
      'compute-local (2025-03-02 08:30)',
      `compute-local (2025-03-02 08:30)${errorBarSuffix(0.95)}`
    ]);
    expect(config.data.datasets[1].borderColor).not.toEqual(
      config.data.datasets[3].borderColor
    );
  });
});

describe('schema/results.json', () => {
  it('should accept results as the harness writes them', () => {
    const written = JSON.parse(JSON.stringify(results(STRONG)));
    expect(resultsProblems(written)).toEqual([]);
    expect(parseResults(written).runs).toHaveLength(3);
  });

  it('should reject broken results naming every field at fault', () => {
    const broken = JSON.parse(JSON.stringify(results(STRONG)));
    broken.state = 'finished';
    broken.runs[1].workers = 0;
    delete broken.environment.cpuModel;
    broken.runs[0].series.e2e.unit = 'minutes';
    const problems = resultsProblems(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        {
          path: 'state',
          message:
            'must be one of: "completed", "errored", "skipped", "interrupted"'
        },
        { path: 'runs[1].workers', message: 'must be at least 1' },
        { path: 'environment.cpuModel', message: 'is required' },
        {
          path: 'runs[0].series.e2e.unit',
          message: 'must be one of: "s", "ms"'
        }
      ])
    );
    expect(() => parseResults(broken, 'x.json')).toThrow(ValidationError);
    expect(() => parseResults(broken, 'x.json')).toThrow(
      /x.json is not a results file: .*runs\[1\]\.workers: must be at least 1/
    );
  });

  it('should read a version 1 file with its summary recomputed from its samples', () => {
    const current = JSON.parse(JSON.stringify(results(STRONG)));
    const old = {
      ...current,
      schemaVersion: 1,
      summary: {
        mode: 'strong',
        basis: 'workload',
        baselineWorkers: 1,
        rows: [{ workers: 1, time: { mean: 4, sd: 0.1 }, speedupSd: 0 }]
      }
    };
    expect(resultsProblems(old)).toEqual([]);
    expect(parseResults(old)).toEqual(current);
    const read = readResultsText(JSON.stringify(old));
    expect(read.ok && read.results).toEqual(current);
    // Version 2 holds its summary to the current shape.
    expect(resultsProblems({ ...old, schemaVersion: 2 })).toEqual(
      expect.arrayContaining([
        { path: 'summary.rows[0].speedupCi', message: 'is required' }
      ])
    );
  });

  it.each([
    ['results.json', resultsSchema],
    ['scenario.json', scenarioSchema]
  ])(
    'should be what src/core/generated embeds for %s (run npm run build:schemas)',
    (file, embedded) => {
      const source = JSON.parse(
        readFileSync(join(__dirname, '../../../schema', file), 'utf8')
      );
      expect(embedded).toEqual(source);
    }
  );
});

describe('committed results files (benchmarks/results)', () => {
  const dir = join(__dirname, '../../../benchmarks/results');
  const kindOf = (file: string): unknown =>
    JSON.parse(readFileSync(join(dir, file), 'utf8')).kind;
  const all = readdirSync(dir).filter(f => f.endsWith('.json'));
  // benchmarks/sdk_overhead.py writes a format of its own (its README table
  // reads the samples directly); every other file is a results file.
  const OTHER_FORMATS = ['sdk-overhead'];
  const files = all.filter(f => !OTHER_FORMATS.includes(String(kindOf(f))));

  it('should all be results files or of a known other format', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of all) {
      expect({ file, kind: kindOf(file) }).toEqual({
        file,
        kind: expect.stringMatching(/^(scenario|micro|scale|sdk-overhead)$/)
      });
    }
  });

  // Every number derived from samples must follow from them: a summary or
  // statistics edited by hand, or computed by older code, fails here.
  it.each(files)('%s should recompute exactly from its samples', file => {
    const raw = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    expect(resultsProblems(raw)).toEqual([]);
    expect(raw.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    for (const run of raw.runs as IBenchRun[]) {
      for (const series of Object.values(run.series)) {
        expect(series.stats).toEqual(
          series.samples.length > 0 ? computeStats(series.samples) : null
        );
      }
    }
    expect(raw.summary).toEqual(summarizeResults(raw));
  });
});
