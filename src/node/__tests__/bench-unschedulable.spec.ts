/**
 * A benchmark job that no node can take fails its run with the scheduler's
 * reason once it has stayed Unschedulable long enough, instead of waiting
 * for the benchmark's timeout; the results file says so and no job is left.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IBenchResults } from '../../core/benchResults';
import { ROOT } from './helpers';
import {
  createNamespace,
  deleteNamespaces,
  describeWithCluster,
  kube,
  kubectl
} from './testenv';

describeWithCluster()('a benchmark job no node can take', () => {
  afterAll(() => deleteNamespaces());

  it("should fail the run with the scheduler's reason, then delete the job", async () => {
    const ns = await createNamespace('unschedulable');
    const dir = mkdtempSync(join(tmpdir(), 'mpijob-unschedulable-'));
    try {
      const output = join(dir, 'bench.json');
      const ran = await kube([
        'bench',
        'run',
        '--from-notebook',
        join(ROOT, 'examples', 'mpi-pi.ipynb'),
        '--workers',
        '1',
        '--repeats',
        '1',
        '--warmups',
        '0',
        '--cpu',
        '5000',
        '--unschedulable-timeout',
        '2',
        '-n',
        ns,
        '--out',
        output
      ]);
      expect(ran.stderr).toMatch(
        /^mpi-pi workers=1: errored: job mpi-pi-1w-m0-\w+ could not be scheduled for 2 s: worker 0 \(pod \S+\): Unschedulable - .*Insufficient cpu/m
      );
      expect(ran.code).not.toBe(0);
      const results = JSON.parse(readFileSync(output, 'utf8')) as IBenchResults;
      expect(results.runs[0].state).toBe('errored');
      const left = await kubectl([
        'get',
        'mpijobs,pods',
        '-n',
        ns,
        '-o',
        'name'
      ]);
      expect(left.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('should refuse a bad --unschedulable-timeout, naming the flag', async () => {
    const ran = await kube([
      'bench',
      'run',
      '--from-notebook',
      join(ROOT, 'examples', 'mpi-pi.ipynb'),
      '--unschedulable-timeout',
      '0'
    ]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(
      'invalid --unschedulable-timeout "0": must be a whole number from 1'
    );
  });
});
