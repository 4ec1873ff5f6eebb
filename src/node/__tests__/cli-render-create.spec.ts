import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse } from 'yaml';

import { parseYamlStream } from '../../core/yamlStream';
import {
  crdErrors,
  upstreamExamples
} from '../../core/__tests__/helpers/reference';
import { mpirunOf } from '../../core/__tests__/helpers/launcher';
import { notebookText } from '../../core/__tests__/helpers/notebooks';
import { mpijob, mpijobUntilFirstOutput } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking CLI output

const NOTEBOOK = 'examples/mpi-pi.ipynb';
const tmp = mkdtempSync(join(tmpdir(), 'mpijob-cli-'));

function writeTmp(name: string, content: string): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

describe('mpijob render', () => {
  it('should print the ConfigMap and a CRD-valid MPIJob for a real notebook', async () => {
    const run = await mpijob([
      'render',
      '--from-notebook',
      NOTEBOOK,
      '--workers',
      '4',
      '--gpus-per-worker',
      '1',
      '--image',
      'quay.io/team/pi:1',
      '-o',
      'yaml'
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [configMap, job] = parseYamlStream(run.stdout) as Json[];
    expect(configMap.kind).toBe('ConfigMap');
    const code: string = configMap.data['mpijob_main.py'];
    expect(code).toContain('pi = comm.reduce(local / N, op=MPI.SUM, root=0)');
    expect(code).not.toContain('plt.plot'); // tagged skip-mpijob
    expect(code).not.toMatch(/^%matplotlib/m);
    expect(job.metadata).toMatchObject({
      name: 'mpi-pi',
      namespace: 'default'
    });
    expect(job.metadata.annotations['jupyterlab-mpijob/cells']).toBe('2,3,4');
    const worker = job.spec.mpiReplicaSpecs.Worker;
    expect(worker.replicas).toBe(4);
    expect(
      worker.template.spec.containers[0].resources.limits['nvidia.com/gpu']
    ).toBe('1');
    expect(worker.template.spec.containers[0].image).toBe('quay.io/team/pi:1');
    expect(
      mpirunOf(
        job.spec.mpiReplicaSpecs.Launcher.template.spec.containers[0].command
      ).slice(0, 3)
    ).toEqual(['mpirun', '-n', '4']);
    expect(crdErrors(job)).toEqual([]);
  });

  it('should run the program after -- instead of notebook cells, in --workdir', async () => {
    const run = await mpijob([
      'render',
      '--name',
      'train',
      '--workers',
      '2',
      '--workdir',
      '/app',
      '--',
      'python3',
      'train.py',
      '--epochs',
      '3'
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const objects = parseYamlStream(run.stdout) as Json[];
    // Nothing of the notebook is packaged: the program comes with the image.
    expect(objects.map(o => o.kind)).toEqual(['MPIJob']);
    const [job] = objects;
    const launcher =
      job.spec.mpiReplicaSpecs.Launcher.template.spec.containers[0];
    const worker = job.spec.mpiReplicaSpecs.Worker.template.spec.containers[0];
    expect(mpirunOf(launcher.command).slice(0, 3)).toEqual([
      'mpirun',
      '-n',
      '2'
    ]);
    expect(launcher.command.slice(-4)).toEqual([
      'python3',
      'train.py',
      '--epochs',
      '3'
    ]);
    expect([launcher.workingDir, worker.workingDir]).toEqual(['/app', '/app']);
    expect(crdErrors(job)).toEqual([]);
  });

  it('should take a program only after -- and a working directory only as an absolute path', async () => {
    const operand = await mpijob([
      'render',
      '--from-notebook',
      NOTEBOOK,
      'train.py'
    ]);
    expect(operand.code).toBe(2);
    expect(operand.stderr).toBe(
      'error: unexpected argument "train.py": name the notebook with --from-notebook, or put the program to run after --\n' +
        "See 'mpijob render -h' for help and examples\n"
    );
    const both = await mpijob([
      'render',
      '--from-notebook',
      NOTEBOOK,
      '--',
      'python3',
      'train.py'
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      "error: --from-notebook runs the notebook's cells, a program after -- runs instead of them: give one of the two"
    );
    const relative = await mpijob([
      'render',
      '--name',
      'train',
      '--workdir',
      'app',
      '--',
      'python3',
      'train.py'
    ]);
    expect(relative.code).toBe(1);
    expect(relative.stderr).toBe(
      "error: workingDir (--workdir): must be an absolute path such as '/home/me/project' (or start with ~/ for the home directory, local backend)\n"
    );
  });

  it('should select cells with --cells and name the job with --name', async () => {
    const run = await mpijob([
      'render',
      '--from-notebook',
      NOTEBOOK,
      '--cells',
      'upto:3',
      '--name',
      'pi-head'
    ]);
    expect(run.code).toBe(0);
    const [, job] = parseYamlStream(run.stdout) as Json[];
    expect(job.metadata.name).toBe('pi-head');
    expect(job.metadata.annotations['jupyterlab-mpijob/cells']).toBe('2,3');
  });

  it('should print a v1 List for -o json and honour --mpi and -n', async () => {
    const run = await mpijob([
      'render',
      '--from-notebook',
      NOTEBOOK,
      '--mpi',
      'MPICH',
      '-n',
      'team-a',
      '-o',
      'json'
    ]);
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout);
    expect(list.kind).toBe('List');
    expect(list.items.map((o: Json) => o.metadata.namespace)).toEqual([
      'team-a',
      'team-a'
    ]);
    expect(list.items[1].spec.mpiImplementation).toBe('MPICH');
  });

  it('should add a NetworkPolicy and gang scheduling when asked', async () => {
    const run = await mpijob([
      'render',
      '--from-notebook',
      NOTEBOOK,
      '--network-policy',
      '--gang',
      'volcano',
      '--queue',
      'research',
      '--env',
      'SEED=1',
      'MODE=fast',
      '-l',
      'team=ml'
    ]);
    expect(run.code).toBe(0);
    const objects = parseYamlStream(run.stdout) as Json[];
    expect(objects.map(o => o.kind)).toEqual([
      'ConfigMap',
      'MPIJob',
      'NetworkPolicy'
    ]);
    const job = objects[1];
    expect(job.spec.runPolicy.schedulingPolicy).toEqual({
      minAvailable: 3,
      queue: 'research'
    });
    expect(job.metadata.labels.team).toBe('ml');
    const env = job.spec.mpiReplicaSpecs.Worker.template.spec.containers[0].env;
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'SEED', value: '1' },
        { name: 'MODE', value: 'fast' }
      ])
    );
  });

  it('should name each invalid field and its flag on stderr, exit 1', async () => {
    const run = await mpijob([
      'render',
      '--from-notebook',
      NOTEBOOK,
      '--workers',
      '0',
      '--memory',
      'lots'
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      'error: workers (--workers): must be at least 1',
      "error: memory (--memory): must be a memory quantity such as '2Gi', '512Mi' or '1G'"
    ]);
  });

  it('should name the cell selection as the --cells flag does', async () => {
    const zero = await mpijob([
      'render',
      '--from-notebook',
      NOTEBOOK,
      '--cells',
      '0,2,2'
    ]);
    expect(zero.code).toBe(1);
    expect(zero.stderr.trim().split('\n')).toEqual([
      'error: cells (--cells): must be a cell number: cells are counted from 1',
      'error: cells (--cells): must not list a cell twice'
    ]);
    const missing = await mpijob([
      'render',
      '--from-notebook',
      NOTEBOOK,
      '--cells',
      '9'
    ]);
    expect(missing.stderr.trim()).toBe(
      'error: cells (--cells): cell 9 does not exist: the notebook has 6 cells'
    );
    const text = await mpijob([
      'render',
      '--from-notebook',
      NOTEBOOK,
      '--workers',
      'two'
    ]);
    expect(text.stderr.trim()).toBe(
      'error: workers (--workers): must be a whole number, not "two"'
    );
  });

  it('should name the cell that uses IPython-only syntax', async () => {
    const notebook = writeTmp(
      'pip.ipynb',
      notebookText(['import os', 'x = 1\n%pip install torch'])
    );
    const run = await mpijob(['render', '--from-notebook', notebook]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: cell 2, line 2: .*%pip/m);
  });

  it('should say which file cannot be read', async () => {
    const run = await mpijob(['render', '--from-notebook', 'nope.ipynb']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: cannot read "nope.ipynb": no such file\n');
  });

  it.each([
    [
      ['render', '--from-notebook', NOTEBOOK, '--bogus'],
      "error: unknown option '--bogus'"
    ],
    [
      ['render', '--from-notebook', NOTEBOOK, '--cells', 'some'],
      'error: invalid --cells "some"'
    ],
    [
      ['render', '--from-notebook', NOTEBOOK, '--mpi', 'lam'],
      'error: unknown MPI implementation "lam"'
    ],
    [
      ['render', '--from-notebook', NOTEBOOK, '-o', 'xml'],
      'error: unable to match a printer suitable for the output format "xml", allowed formats are: yaml,json'
    ]
  ])(
    'should treat bad usage %j as exit 2 with a pointer to help',
    async (args, message) => {
      const run = await mpijob(args);
      expect(run.code).toBe(2);
      expect(run.stderr.split('\n')[0]).toContain(message);
      expect(run.stderr).toContain(
        "See 'mpijob render -h' for help and examples"
      );
    }
  );

  it('should end quietly when the reader of its output goes away (| head)', async () => {
    const big = writeTmp(
      'big.ipynb',
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [
          {
            cell_type: 'code',
            metadata: {},
            outputs: [],
            execution_count: null,
            source: 'total = 0\n' + 'total += 1\n'.repeat(50_000)
          }
        ]
      })
    );
    // One write of far more than a pipe holds.
    const cut = await mpijobUntilFirstOutput([
      'render',
      '--from-notebook',
      big
    ]);
    expect(cut.first).toMatch(/^apiVersion: v1\n/);
    expect(cut.stderr).toBe('');
    expect(cut.code).toBe(141);
  });

  it('should show help with examples, exit 0', async () => {
    const run = await mpijob(['render', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('| -- COMMAND...) [flags]');
    expect(run.stdout).toContain(
      'After --: a program to run on every rank instead of notebook cells'
    );
    expect(run.stdout).toContain('--gpus-per-worker <n>');
    expect(run.stdout).toContain(
      'NVIDIA GPUs (nvidia.com/gpu) requested by each worker.'
    );
    expect(run.stdout).toContain('Examples:');
  });

  it('should ship the module beside the notebook that it imports, and --file data, mounted where the ranks start', async () => {
    const dir = mkdtempSync(join(tmp, 'siblings-'));
    writeFileSync(
      join(dir, 'sim.ipynb'),
      notebookText([
        'import lib_particles',
        "x = 1\nrows = open('data.csv').read().split()"
      ])
    );
    writeFileSync(join(dir, 'lib_particles.py'), 'N = 42\n');
    writeFileSync(join(dir, 'unused.py'), 'M = 1\n');
    writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n');

    const unshipped = await mpijob(['render', '--from-notebook', 'sim.ipynb'], {
      cwd: dir
    });
    expect(unshipped.code).toBe(0);
    expect(unshipped.stderr.trim().split('\n')).toEqual([
      "warning: cell 2, line 2: opens 'data.csv', a file beside the notebook that is not shipped to Kubernetes: add it to the launch spec's files (--file data.csv), or read it from a volume or object storage"
    ]);
    const [bare] = parseYamlStream(unshipped.stdout) as Json[];
    expect(Object.keys(bare.data).sort()).toEqual([
      'lib_particles.py',
      'mpijob_main.py',
      'sourcemap.json'
    ]);

    const run = await mpijob(
      [
        'render',
        '--from-notebook',
        join(dir, 'sim.ipynb'),
        '--file',
        'data.csv'
      ],
      { cwd: tmp }
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [configMap, job] = parseYamlStream(run.stdout) as Json[];
    expect(configMap.data['lib_particles.py']).toBe('N = 42\n');
    expect(configMap.data['data.csv']).toBe('a,b\n1,2\n');
    expect(configMap.data['unused.py']).toBeUndefined();
    expect(crdErrors(job)).toEqual([]);
    for (const role of ['Launcher', 'Worker']) {
      const pod = job.spec.mpiReplicaSpecs[role].template.spec;
      const container = pod.containers[0];
      // Every file mounted from the ConfigMap is one of its keys, at its path
      // in the working directory.
      const shipped = (container.volumeMounts as Json[]).filter(
        mount => mount.subPath !== undefined
      );
      expect(
        shipped.map(mount => [mount.mountPath, mount.subPath, mount.name])
      ).toEqual([
        [`${container.workingDir}/data.csv`, 'data.csv', 'program'],
        [
          `${container.workingDir}/lib_particles.py`,
          'lib_particles.py',
          'program'
        ]
      ]);
      for (const mount of shipped) {
        expect(Object.keys(configMap.data)).toContain(mount.subPath);
      }
      expect(pod.volumes).toContainEqual({
        name: 'program',
        configMap: { name: configMap.metadata.name }
      });
    }
  });
});

describe('mpijob create --dry-run=client', () => {
  it.each(upstreamExamples())(
    'should accept the upstream example %s unchanged',
    async (file, text) => {
      const path = writeTmp(file, text);
      const run = await mpijob([
        'create',
        '-f',
        path,
        '--dry-run=client',
        '-o',
        'yaml'
      ]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const [printed] = parseYamlStream(run.stdout) as Json[];
      const original = parse(text) as Json;
      expect(printed).toEqual({
        ...original,
        metadata: { ...original.metadata, namespace: 'default' }
      });
    }
  );

  it("should print kubectl's created line without -o", async () => {
    const [, text] = upstreamExamples().find(([f]) => f === 'pi.yaml') as [
      string,
      string
    ];
    const run = await mpijob(['create', '-f', '-', '--dry-run=client'], {
      input: text
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('mpijob.kubeflow.org/pi created (dry run)\n');
  });

  it('should read a launch spec file and let flags override it', async () => {
    const spec = writeTmp(
      'spec.yaml',
      `name: pi-spec\nworkers: 2\nsource:\n  notebook: ${NOTEBOOK}\n  cells: tagged\n`
    );
    // No cell of the example is tagged 'mpijob': that must be explained.
    const tagged = await mpijob(['create', '-f', spec, '--dry-run=client']);
    expect(tagged.code).toBe(1);
    expect(tagged.stderr).toMatch(/no code cells/);
    const run = await mpijob([
      'create',
      '-f',
      spec,
      '--cells',
      'all',
      '--workers',
      '3',
      '--dry-run=client',
      '-o',
      'name'
    ]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      'configmap/pi-spec-program\nmpijob.kubeflow.org/pi-spec\n'
    );
  });

  it('should refuse an MPIJob whose namespace contradicts -n', async () => {
    const path = writeTmp(
      'ns.yaml',
      'apiVersion: kubeflow.org/v2beta1\nkind: MPIJob\nmetadata:\n  name: pi\n  namespace: a\nspec:\n  mpiReplicaSpecs:\n    Launcher:\n      replicas: 1\n      template:\n        spec:\n          containers:\n          - name: l\n            image: x\n'
    );
    const run = await mpijob([
      'create',
      '-f',
      path,
      '-n',
      'b',
      '--dry-run=client'
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/does not match the namespace "b"/);
  });

  it('should point at the line of a YAML syntax error', async () => {
    const path = writeTmp(
      'broken.yaml',
      'apiVersion: kubeflow.org/v2beta1\nkind: MPIJob\nmetadata: [\n'
    );
    const run = await mpijob(['create', '-f', path, '--dry-run=client']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*broken\.yaml:\d+: /m);
  });

  it('should need -f, --from-notebook or a command', async () => {
    const run = await mpijob(['create', '--dry-run=client']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'must specify one of -f, --from-notebook or -- COMMAND'
    );
  });
});

describe('the default image', () => {
  it('should come from the admin’s environment, and admin default-image should say how', async () => {
    const env = { MPIJOB_DEFAULT_IMAGE: '', MPIJOB_DEFAULT_IMAGE_MPICH: '' };
    const builtIn = await mpijob(['admin', 'default-image'], { env });
    expect(builtIn.stdout).toMatch(
      /^ {2}OpenMPI +mpioperator\/openmpi:latest \(built in: no Python, notebook jobs fail preflight\)$/m
    );
    expect(builtIn.stdout).toContain('MPIJOB_DEFAULT_IMAGE=');
    expect(builtIn.stdout).toContain('"jupyterlab-mpijob:plugin"');
    const set = {
      MPIJOB_DEFAULT_IMAGE: 'quay.io/team/run:1',
      MPIJOB_DEFAULT_IMAGE_MPICH: 'quay.io/team/mpich:2'
    };
    const shown = await mpijob(['admin', 'default-image'], { env: set });
    expect(shown.stdout).toMatch(/^ {2}OpenMPI +quay\.io\/team\/run:1$/m);
    expect(shown.stdout).toMatch(/^ {2}MPICH +quay\.io\/team\/mpich:2$/m);
    const rendered = await mpijob(
      ['render', '--from-notebook', NOTEBOOK, '--mpi', 'mpich', '-o', 'json'],
      { env: set }
    );
    const job = JSON.parse(rendered.stdout).items.find(
      (o: { kind: string }) => o.kind === 'MPIJob'
    );
    expect(
      job.spec.mpiReplicaSpecs.Worker.template.spec.containers[0].image
    ).toBe('quay.io/team/mpich:2');
  });
});
