/**
 * The micro-benchmarks' inputs measure what they say: a 5 MB notebook that
 * packages, and a 101-pod MPIJob that reduces to 100 running workers.
 */
import { packageNotebook } from '../../core/notebook';
import { reduceJob, summarizeTopology } from '../../core/status';
import { largeJob, syntheticNotebook } from '../bench/microInputs';

describe('micro-benchmark inputs', () => {
  it('should build a notebook of about 5 MB that packages', () => {
    const text = syntheticNotebook(5 * 1024 * 1024);
    const size = Buffer.byteLength(text);
    expect(size).toBeGreaterThan(4.75 * 1024 * 1024);
    expect(size).toBeLessThan(5.25 * 1024 * 1024);
    const program = packageNotebook(text, { notebookPath: 'big.ipynb' });
    const cells = (JSON.parse(text) as { cells: unknown[] }).cells.length;
    expect(program.cellNumbers).toHaveLength(cells);
    expect(program.code).toContain('value_39 = np.sqrt');
  });

  it('should build a 101-pod MPIJob that reduces to 100 running workers and a launcher', () => {
    const { job, pods } = largeJob(100);
    expect(pods).toHaveLength(101);
    const reduction = reduceJob(job, pods);
    expect(reduction.status.phase).toBe('Running');
    const summary = summarizeTopology(reduction.topology);
    expect(reduction.topology.workers).toHaveLength(100);
    expect(summary.launcher).toBe('Running');
    expect(summary.workers.Running).toBe(100);
    expect(summary.workersReady).toBe(100);
  });
});
