/**
 * The worker counts of a notebook benchmark, and reading results files as
 * the JupyterLab viewer does (valid, invalid with the schema's problems,
 * not JSON).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { MAX_RESULTS_PROBLEMS, readResultsText } from '../benchResults';
import { benchEnded, workerCounts } from '../notebookBench';

const RESULTS = join(
  __dirname,
  '..',
  '..',
  '..',
  'benchmarks',
  'results',
  'compute-local-20261129-074644.json'
);

describe('#workerCounts', () => {
  it('should give powers of two up to the maximum, with the maximum last', () => {
    expect(workerCounts(1, 'powers-of-two')).toEqual([1]);
    expect(workerCounts(2, 'powers-of-two')).toEqual([1, 2]);
    expect(workerCounts(8, 'powers-of-two')).toEqual([1, 2, 4, 8]);
    expect(workerCounts(6, 'powers-of-two')).toEqual([1, 2, 4, 6]);
  });

  it('should give every count from 1 when asked', () => {
    expect(workerCounts(4, 'every')).toEqual([1, 2, 3, 4]);
  });

  it('should treat a maximum below 1 as 1', () => {
    expect(workerCounts(0, 'every')).toEqual([1]);
    expect(workerCounts(-3, 'powers-of-two')).toEqual([1]);
  });
});

describe('#benchEnded', () => {
  it('should say only a running benchmark has not ended', () => {
    expect(benchEnded('running')).toBe(false);
    for (const state of [
      'completed',
      'errored',
      'skipped',
      'interrupted',
      'failed'
    ] as const) {
      expect([state, benchEnded(state)]).toEqual([state, true]);
    }
  });
});

describe('#readResultsText', () => {
  it('should read a results file the harness wrote', () => {
    const outcome = readResultsText(readFileSync(RESULTS, 'utf8'));
    expect(outcome.ok).toBe(true);
    if (outcome.ok) {
      expect(outcome.results.name).toBe('compute-local');
    }
  });

  it('should name the fields of a file that does not match the schema', () => {
    const outcome = readResultsText(
      JSON.stringify({ schemaVersion: 1, kind: 'scenario', name: 7 })
    );
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      const paths = outcome.problems.map(p => p.path);
      expect(paths).toContain('name');
      expect(paths).toContain('environment');
    }
  });

  it('should say when the text is not JSON', () => {
    const outcome = readResultsText('{ nope');
    expect(outcome).toMatchObject({
      ok: false,
      problems: [{ path: '', message: expect.stringMatching(/^is not JSON/) }]
    });
  });

  it('should list at most a bounded number of problems, counting the rest', () => {
    const results = JSON.parse(readFileSync(RESULTS, 'utf8'));
    results.runs = results.runs.flatMap((run: object) =>
      Array.from({ length: 30 }, () => ({ ...run, state: 'bogus' }))
    );
    const outcome = readResultsText(JSON.stringify(results));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.problems).toHaveLength(MAX_RESULTS_PROBLEMS + 1);
      expect(outcome.problems[MAX_RESULTS_PROBLEMS].message).toMatch(
        /^… and \d+ more problems$/
      );
    }
  });
});
