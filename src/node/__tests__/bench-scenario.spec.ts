/**
 * Benchmark scenarios: every shipped scenario is valid, bad ones are refused
 * with every problem at its field path, and workload output is read right.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ValidationError } from '../../core/errors';
import { stderrSummary } from '../bench/bare';
import {
  expandArgs,
  loadScenario,
  parseScenario,
  validateScenario,
  workloadLocation
} from '../bench/scenario';
import { parseWorkloadOutput } from '../bench/workloadLine';
import { ROOT } from './helpers';

const SCENARIOS = join(ROOT, 'benchmarks', 'scenarios');

function problemsOf(input: unknown) {
  const result = validateScenario(input);
  if (result.ok) {
    throw new Error('expected problems');
  }
  return result.problems;
}

describe('shipped scenarios', () => {
  const files = readdirSync(SCENARIOS).filter(f => f.endsWith('.yaml'));

  it('should include the compute, allreduce, DDP, Kubernetes, scale and smoke scenarios', () => {
    expect(files.sort()).toEqual([
      'allreduce-local.yaml',
      'compute-local.yaml',
      'ddp-gpu.yaml',
      'scale-ci.yaml',
      'scale-faults.yaml',
      'scale-kwok.yaml',
      'smoke-local.yaml',
      'tensorflow-benchmarks-k8s.yaml'
    ]);
  });

  it('should run 50 jobs × 100 workers at scale, and 5 × 20 with one fault in CI', async () => {
    const full = (await loadScenario(join(SCENARIOS, 'scale-kwok.yaml')))
      .scenario;
    const ci = (await loadScenario(join(SCENARIOS, 'scale-ci.yaml'))).scenario;
    expect([full.scale?.jobs, full.workers, full.gpusPerWorker]).toEqual([
      50,
      [100],
      1
    ]);
    expect([ci.scale?.jobs, ci.workers, ci.scale?.faults]).toEqual([
      5,
      [20],
      ['operator-kill']
    ]);
  });

  it('should refuse a scale scenario off Kubernetes or with several worker counts', () => {
    const result = validateScenario({
      name: 'scale-bad',
      command: ['true'],
      workers: [1, 2],
      scale: { jobs: 3, faults: ['power-cut'] }
    });
    expect(result.ok ? [] : result.problems.map(p => p.path)).toEqual([
      'scale.faults[0]'
    ]);
    const cross = validateScenario({
      name: 'scale-bad',
      command: ['true'],
      workers: [1, 2],
      scale: { jobs: 3 }
    });
    expect(cross.ok ? [] : cross.problems.map(p => p.path)).toEqual([
      'backend',
      'workers'
    ]);
  });

  it.each(files)('%s should be valid and find its workload', async file => {
    const loaded = await loadScenario(join(SCENARIOS, file));
    expect(loaded.resultsDir).toBe(join(ROOT, 'benchmarks', 'results'));
    if (loaded.scenario.backend === 'local') {
      expect(loaded.workloadPath).toMatch(/benchmarks\/workloads\/\w+\.py$/);
    } else {
      expect(loaded.scenario.command).toBeDefined();
      expect(loaded.workloadPath).toBeNull();
    }
  });

  it('should run the compute scenario with one BLAS thread per rank on 1 and 2 workers', async () => {
    const { scenario } = await loadScenario(
      join(SCENARIOS, 'compute-local.yaml')
    );
    expect(scenario.workers).toEqual([1, 2]);
    expect(scenario.env.OPENBLAS_NUM_THREADS).toBe('1');
    expect(scenario.env.OMP_NUM_THREADS).toBe('1');
  });
});

describe('#validateScenario', () => {
  it('should fill in the defaults', () => {
    expect(
      parseScenario({ name: 'tiny', workload: 'compute_pi.py', workers: [1] })
    ).toEqual({
      name: 'tiny',
      workload: 'compute_pi.py',
      workers: [1],
      args: [],
      backend: 'local',
      ranksPerWorker: 1,
      gpusPerWorker: 0,
      repeats: 5,
      warmups: 1,
      scaling: 'strong',
      timeoutSeconds: 600,
      env: {},
      mpiImplementation: 'OpenMPI',
      bare: true
    });
  });

  it('should list every problem with its field path', () => {
    expect(
      problemsOf({
        name: 'Compute Local',
        workload: 'compute.sh',
        workers: [1, 0, 1],
        repeats: 0,
        warmups: -1,
        scaling: 'linear',
        backend: 'slurm',
        timeoutSeconds: 0,
        env: { OMP_NUM_THREADS: 1, '1BAD': 'x' },
        mpiImplementation: 'LAM',
        repeat: 3
      })
    ).toEqual(
      expect.arrayContaining([
        {
          path: 'name',
          message:
            "must start with a lowercase letter, contain only lowercase letters, digits and '-', and end with a letter or digit, e.g. 'compute-local'"
        },
        {
          path: 'workload',
          message: "must name a Python file ending in .py, e.g. 'compute_pi.py'"
        },
        { path: 'workers[1]', message: 'must be at least 1' },
        { path: 'workers', message: 'must not repeat items' },
        { path: 'repeats', message: 'must be at least 1' },
        { path: 'warmups', message: 'must be at least 0' },
        { path: 'scaling', message: 'must be one of: "strong", "weak"' },
        { path: 'backend', message: 'must be one of: "local", "kubernetes"' },
        { path: 'timeoutSeconds', message: 'must be > 0' },
        { path: 'env.OMP_NUM_THREADS', message: 'must be a string' },
        {
          path: 'env["1BAD"]',
          message:
            "is not a valid environment variable name: use letters, digits and '_', not starting with a digit"
        },
        {
          path: 'mpiImplementation',
          message: 'must be one of: "OpenMPI", "MPICH", "Intel"'
        },
        {
          path: 'repeat',
          message: expect.stringMatching(
            /^is not a known field; known fields are: name, description, workload, .*repeats/
          )
        }
      ])
    );
  });

  it('should require the name, the workers and a workload or command', () => {
    expect(problemsOf({})).toEqual([
      { path: 'name', message: 'is required' },
      { path: 'workers', message: 'is required' }
    ]);
    expect(problemsOf({ name: 'x', workers: [] })).toEqual([
      { path: 'workers', message: 'must have at least 1 item(s)' }
    ]);
    expect(problemsOf({ name: 'x', workers: [1] })).toEqual([
      {
        path: 'workload',
        message:
          'is required unless command is set: name a Python file in benchmarks/workloads'
      }
    ]);
  });

  it('should refuse fields that do not fit the backend', () => {
    expect(
      problemsOf({
        name: 'x',
        workers: [1],
        workload: 'a.py',
        command: ['python', 'b.py'],
        image: 'img:1',
        mpiImplementation: 'Intel',
        metric: { name: 'rate', pattern: '([0-9' }
      })
    ).toEqual([
      {
        path: 'command',
        message: 'cannot be given together with workload: keep one of them'
      },
      {
        path: 'image',
        message:
          "is only used by the kubernetes backend: set backend to 'kubernetes' or remove it"
      },
      {
        path: 'mpiImplementation',
        message:
          "Intel MPI runs only on the kubernetes backend: use 'OpenMPI' or 'MPICH' locally"
      },
      {
        path: 'metric.pattern',
        message: expect.stringMatching(/^is not a valid regular expression: /)
      }
    ]);
  });

  it('should not change its input', () => {
    const input = { name: 'x', workers: [1], workload: 'a.py' };
    validateScenario(input);
    expect(input).toEqual({ name: 'x', workers: [1], workload: 'a.py' });
  });
});

describe('#loadScenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpijob-bench-scenario-'));

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should name the file and the problems of an invalid scenario', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\nworkers: [two]\nworkload: a.py\n');
    const error = await loadScenario(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(
      `invalid scenario ${file}: workers[0]: must be a whole number, not "two"`
    );
  });

  it('should report YAML syntax errors and missing workloads', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'name: [unclosed\n');
    await expect(loadScenario(broken)).rejects.toThrow(/is not valid YAML/);
    const missing = join(dir, 'missing.yaml');
    writeFileSync(missing, 'name: m\nworkers: [1]\nworkload: nowhere.py\n');
    await expect(loadScenario(missing)).rejects.toThrow(
      /workload: .*nowhere\.py does not exist/
    );
    await expect(loadScenario(join(dir, 'absent.yaml'))).rejects.toThrow(
      /absent\.yaml: cannot be read/
    );
  });

  it('should find workloads by name in benchmarks/workloads, by path next to the scenario', () => {
    expect(workloadLocation('/r/benchmarks/scenarios', 'compute_pi.py')).toBe(
      '/r/benchmarks/workloads/compute_pi.py'
    );
    expect(workloadLocation('/r/x', './mine/w.py')).toBe('/r/x/mine/w.py');
    expect(workloadLocation('/r/x', '/abs/w.py')).toBe('/abs/w.py');
  });

  it('should expand placeholders in arguments', () => {
    expect(
      expandArgs(['--n={ranks}', '{workers}', '--scaling', '{scaling}'], {
        workers: 2,
        ranks: 4,
        scaling: 'weak'
      })
    ).toEqual(['--n=4', '2', '--scaling', 'weak']);
  });
});

describe('#parseWorkloadOutput', () => {
  it('should read seconds and metrics from the last benchmark line', () => {
    expect(
      parseWorkloadOutput([
        'starting',
        'MPIJOB_BENCH {"seconds": 9, "metric": "old"}',
        'MPIJOB_BENCH {"seconds": 1.5, "metric": "pi", "value": 3.14}'
      ])
    ).toEqual({
      kind: 'measured',
      seconds: 1.5,
      metrics: { metric: 'pi', value: 3.14 }
    });
  });

  it('should tell skipped workloads and missing lines apart', () => {
    expect(
      parseWorkloadOutput([
        'MPIJOB_BENCH {"skipped": "no CUDA GPU is visible"}'
      ])
    ).toEqual({ kind: 'skipped', reason: 'no CUDA GPU is visible' });
    expect(parseWorkloadOutput(['hello'])).toEqual({
      kind: 'missing',
      message: 'the workload printed no MPIJOB_BENCH line from rank 0'
    });
    expect(parseWorkloadOutput(['MPIJOB_BENCH {oops'])).toEqual({
      kind: 'missing',
      message: 'the MPIJOB_BENCH line is not JSON: {oops'
    });
  });

  it("should read a scenario's output metric from programs without the line", () => {
    const metric = {
      name: 'images_per_sec',
      pattern: 'total images/sec: ([0-9.]+)'
    };
    expect(
      parseWorkloadOutput(
        ['Step Img/sec', '1 images/sec: 180.2', 'total images/sec: 181.93'],
        metric
      )
    ).toEqual({
      kind: 'measured',
      seconds: null,
      metrics: { images_per_sec: 181.93 }
    });
  });
});

describe('#stderrSummary', () => {
  it("should pick the Python exception out of mpirun's banner", () => {
    expect(
      stderrSummary(
        [
          'Traceback (most recent call last):',
          '  File "w.py", line 1, in <module>',
          "ModuleNotFoundError: No module named 'numpy'",
          '--------------------------------------------------------------------------',
          'Primary job  terminated normally, but 1 process returned',
          'a non-zero exit code.',
          '--------------------------------------------------------------------------'
        ].join('\n')
      )
    ).toBe("ModuleNotFoundError: No module named 'numpy'");
    expect(stderrSummary('last words\n')).toBe('last words');
    expect(stderrSummary('')).toBe('no output on stderr');
  });
});
