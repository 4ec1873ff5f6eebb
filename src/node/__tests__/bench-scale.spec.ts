/**
 * The control-plane scale benchmark at CI size (benchmarks/scenarios/
 * scale-ci.yaml: 5 jobs × 20 workers, two SSE clients, the mpi-operator
 * killed -9 once), through the real CLI on testenv: every job reaches
 * Running, the SSE streams lose and repeat nothing, the service's watches
 * (from the API server's audit log) do not grow with the jobs, everything
 * is deleted, and the results file and its charts are written.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IBenchResults } from '../../core/benchResults';
import { resultsProblems } from '../../core/benchResults';
import type { IScaleDetail } from '../../core/scaleResults';
import {
  percentiles,
  SCALE_SERIES,
  SSE_P99_TARGET_MS
} from '../../core/scaleResults';
import { mpijob, ROOT } from './helpers';
import { describeWithCluster, TESTENV_DIR } from './testenv';

jest.setTimeout(420_000);

describeWithCluster()('mpijob bench run of a scale scenario', () => {
  let dir: string;
  let results: IBenchResults;
  let scale: IScaleDetail;
  let stderr: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpijob-scale-'));
    const run = await mpijob([
      'bench',
      'run',
      join(ROOT, 'benchmarks', 'scenarios', 'scale-ci.yaml'),
      '--testenv',
      TESTENV_DIR,
      '--out',
      join(dir, 'scale.json')
    ]);
    stderr = run.stderr;
    if (run.code !== 0) {
      throw new Error(`bench run exited ${run.code}:\n${run.stderr}`);
    }
    results = JSON.parse(readFileSync(join(dir, 'scale.json'), 'utf8'));
    scale = results.scale as IScaleDetail;
    // The run says where a stalled wave stopped: show it, not only a count.
    if (scale.jobTimes.some(t => t.runningAt === null)) {
      throw new Error(`not every job reached Running:\n${stderr}`);
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should write a valid results file of kind scale, completed', () => {
    expect(resultsProblems(results)).toEqual([]);
    expect(results.kind).toBe('scale');
    expect(results.runs[0].reason).toBeNull();
    expect(results.state).toBe('completed');
  });

  it('should see every job Running, all at once, and time each from its submit', () => {
    expect(scale.jobs).toBe(5);
    expect(scale.jobTimes.map(t => t.runningAt !== null)).toEqual(
      Array(5).fill(true)
    );
    expect(scale.allRunningSeconds).toBeGreaterThanOrEqual(
      Math.max(...scale.jobTimes.map(t => t.runningAt as number))
    );
    const samples =
      results.runs[0].series[SCALE_SERIES.submitToRunning].samples;
    expect(samples).toHaveLength(5);
    // Every job's 21 pods were seen Running at some point.
    const most = scale.podsRunning.jobs.map((_, i) =>
      Math.max(...scale.podsRunning.samples.map(s => s.running[i]))
    );
    expect(most).toEqual(Array(5).fill(21));
  });

  it('should deliver every MPIJob change to every client, none lost or repeated, also across the operator kill', () => {
    expect(scale.sse.changes).toBeGreaterThanOrEqual(5);
    expect(scale.sse.matched).toBe(scale.sse.changes);
    expect(scale.sse.clients).toHaveLength(2);
    for (const client of scale.sse.clients) {
      expect({ gaps: client.gaps, duplicates: client.duplicates }).toEqual({
        gaps: 0,
        duplicates: 0
      });
      expect(client.diverged).toEqual([]);
    }
    expect(scale.faults).toEqual([
      expect.objectContaining({
        kind: 'operator-kill',
        converged: true,
        message: null
      })
    ]);
    const sse = percentiles(
      results.runs[0].series[SCALE_SERIES.statusToSse].samples
    );
    expect(sse?.p99).toBeLessThan(SSE_P99_TARGET_MS);
  });

  it("should keep one watch per kind open, whatever the number of jobs (the API server's audit log)", () => {
    const watches = (scale.requests ?? []).filter(r => r.verb === 'watch');
    expect(watches.map(w => [w.resource, w.maxOpen]).sort()).toEqual([
      ['events', 1],
      ['mpijobs.kubeflow.org', 1],
      ['pods', 1]
    ]);
    // Each submit created its MPIJob, each delete deleted it.
    const count = (verb: string): number | undefined =>
      scale.requests?.find(
        r => r.verb === verb && r.resource === 'mpijobs.kubeflow.org'
      )?.count;
    expect([count('create'), count('delete')]).toEqual([5, 5]);
  });

  it('should delete everything and say how long it took', () => {
    expect(scale.delete.left).toEqual({ mpijobs: 0, pods: 0, configmaps: 0 });
    expect(scale.delete.seconds).toBeGreaterThan(0);
  });

  it('should write the charts as PNG beside the results and print the targets', () => {
    const png = readFileSync(join(dir, 'scale.png'));
    expect(png.subarray(0, 8)).toEqual(
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])
    );
    expect(stderr).toContain(`charts: ${join(dir, 'scale.png')}`);
  });

  it('should report the targets again from the results file alone', async () => {
    const report = await mpijob(['bench', 'report', join(dir, 'scale.json')]);
    expect(report.stderr).toBe('');
    for (const target of [
      'jobs Running',
      'status → SSE p99',
      'service RSS',
      'watches',
      'SSE: lost or duplicated',
      'delete all'
    ]) {
      expect(report.stdout).toMatch(new RegExp(`^${target} .* yes$`, 'm'));
    }
  });
});
