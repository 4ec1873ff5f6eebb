/**
 * @jest-environment node
 *
 * MPIJobs on real pods: the real node of testenv/ (kubelet + containerd, a
 * CNI bridge, CoreDNS) runs the launcher and worker pods of jobs that our
 * code renders and our CLI submits, with the runtime images built from
 * images/ (Open MPI 4 and Open MPI 5). The real mpi-operator writes the
 * hostfile and ssh keys; the launcher's mpirun reaches the workers over ssh.
 * Jobs land on the real node through namespaces annotated for it
 * (realNodeNamespace), not through anything in the launch spec.
 */
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import type { IBenchResults } from '../../core/benchResults';
import { resultsProblems } from '../../core/benchResults';
import { JOB_NAME_LABEL } from '../../core/kube';
import { CLI, ROOT } from './helpers';
import {
  describeWithRealNode,
  KUBECONFIG,
  kube,
  kubectl,
  realNodeNamespace,
  RUNTIME_IMAGES
} from './testenv';

jest.setTimeout(300_000);

const NOTEBOOK = join(ROOT, 'examples', 'mpi-pi.ipynb');

/** Flags that fit a 2-worker job on a 2-core node (launcher asks 500m). */
const SMALL = ['--workers', '2', '--cpu', '500m', '--memory', '1Gi'];

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mpijob-real-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function notebook(name: string, cells: string[]): string {
  const path = join(work, name);
  writeFileSync(
    path,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: {
          name: 'python3',
          language: 'python',
          display_name: 'Python 3'
        }
      },
      cells: cells.map(source => ({
        cell_type: 'code',
        metadata: {},
        outputs: [],
        execution_count: null,
        source
      }))
    })
  );
  return path;
}

/**
 * Creates a small job from a notebook (named after it) and waits for a
 * condition of it.
 *
 * @returns what `mpijob wait` said
 */
async function runUntil(
  path: string,
  image: string,
  namespace: string,
  condition: 'Succeeded' | 'Failed'
): Promise<{ code: number; stdout: string; stderr: string }> {
  const created = await kube([
    'create',
    '--from-notebook',
    path,
    '--image',
    image,
    ...SMALL,
    '-n',
    namespace
  ]);
  expect(created.stderr).toBe('');
  return kube([
    'wait',
    basename(path, '.ipynb'),
    '-n',
    namespace,
    `--for=condition=${condition}`,
    '--timeout=180s'
  ]);
}

/**
 * `mpijob logs -f`, started now: resolves with the whole output and the
 * milliseconds from `since` to the first line a rank printed.
 */
function follow(
  name: string,
  namespace: string,
  since: number
): Promise<{
  code: number;
  stdout: string;
  stderr: string;
  firstOutputMs: number;
}> {
  return new Promise(resolve => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        '--backend',
        'kubernetes',
        '--kubeconfig',
        KUBECONFIG,
        '--context',
        'testenv',
        'logs',
        '-f',
        name,
        '-n',
        namespace
      ],
      { env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] }
    );
    let stdout = '';
    let stderr = '';
    let firstOutputMs = -1;
    child.stdout.on('data', chunk => {
      stdout += String(chunk);
      // A rank's first line, not a launcher warning.
      if (firstOutputMs < 0 && /^\[rank \d+\]/m.test(stdout)) {
        firstOutputMs = Date.now() - since;
      }
    });
    child.stderr.on('data', chunk => (stderr += String(chunk)));
    child.on('close', code =>
      resolve({ code: code ?? 1, stdout, stderr, firstOutputMs })
    );
  });
}

/** Pod name → node name of a job's pods. */
async function podNodes(
  namespace: string,
  job: string
): Promise<Map<string, string>> {
  const listed = await kubectl([
    '-n',
    namespace,
    'get',
    'pods',
    '-l',
    `${JOB_NAME_LABEL}=${job}`,
    '-o',
    'json'
  ]);
  const pods = JSON.parse(listed.stdout).items as Array<{
    metadata: { name: string };
    spec: { nodeName?: string };
  }>;
  return new Map(pods.map(p => [p.metadata.name, p.spec.nodeName ?? '']));
}

describeWithRealNode()('MPIJobs on real pods (kubelet + containerd)', () => {
  describe.each([
    ['Open MPI 4', RUNTIME_IMAGES.openmpi4],
    ['Open MPI 5', RUNTIME_IMAGES.openmpi5]
  ])('with %s', (mpi, image) => {
    it('should run a 2-worker notebook job with one rank on each worker pod', async () => {
      const ns = await realNodeNamespace('real-pi');
      const submitted = Date.now();
      const created = await kube([
        'create',
        '--from-notebook',
        NOTEBOOK,
        '--image',
        image,
        ...SMALL,
        '-n',
        ns
      ]);
      expect(created.stderr).toBe('');
      expect(created.stdout).toBe('mpijob.kubeflow.org/mpi-pi created\n');
      const following = follow('mpi-pi', ns, submitted);

      const running = await kube([
        'wait',
        'mpi-pi',
        '-n',
        ns,
        '--for=condition=Running',
        '--timeout=180s'
      ]);
      expect(running.stderr).toBe('');
      const runningMs = Date.now() - submitted;
      // Where the pods run (workers are gone once the job ends: the default
      // cleanPodPolicy removes running pods). All on the real node.
      const nodes = await podNodes(ns, 'mpi-pi');
      expect([...nodes.keys()].sort()).toEqual([
        expect.stringMatching(/^mpi-pi-launcher-/),
        'mpi-pi-worker-0',
        'mpi-pi-worker-1'
      ]);
      expect(new Set(nodes.values())).toEqual(new Set(['real-node']));
      const succeeded = await kube([
        'wait',
        'mpi-pi',
        '-n',
        ns,
        '--for=condition=Succeeded',
        '--timeout=180s'
      ]);
      expect(succeeded.stderr).toBe('');
      expect(succeeded.code).toBe(0);
      const followed = await following;
      expect(followed.stderr).toBe('');
      console.log(
        `${mpi}: submit -> Running ${(runningMs / 1000).toFixed(1)} s, ` +
          `submit -> first output ${(followed.firstOutputMs / 1000).toFixed(1)} s, ` +
          `submit -> Succeeded ${((Date.now() - submitted) / 1000).toFixed(1)} s`
      );

      // Each rank prints `rank R of 2 on <MPI.Get_processor_name()>`: the
      // hostname of the pod it runs in.
      const hosts = new Map<number, string>();
      for (const match of followed.stdout.matchAll(
        /\[rank (\d)\]\s*rank \d of (\d) on (\S+)/g
      )) {
        expect(match[2]).toBe('2');
        hosts.set(Number(match[1]), match[3]);
      }
      expect(followed.stdout).toMatch(/pi = 3\.14159\d* .* on 2 ranks/);
      if (hosts.size !== 2) {
        // Seen once and not since: keep what was followed for the next time.
        console.log(`followed: ${JSON.stringify(followed.stdout)}`);
      }
      expect([...hosts.entries()].sort()).toEqual([
        [0, 'mpi-pi-worker-0'],
        [1, 'mpi-pi-worker-1']
      ]);
      // The job knows it too: each rank reported its pod as it started.
      const described = await kube(['describe', 'mpi-pi', '-n', ns]);
      expect(described.stdout).toMatch(
        /^Placement:\n.*\n {2}0 +mpi-pi-worker-0 +worker 0 +real-node\n {2}1 +mpi-pi-worker-1 +worker 1 +real-node\n/m
      );
      expect(described.stdout).not.toMatch(/^Warning:/m);
      const timeline = new Map(
        [
          ...described.stdout.matchAll(
            /^ {2}(Created|Scheduled|Containers started|Workers ready|mpirun started|First rank output|Finished) {2,}(\S+) +([\d.]+) s$/gm
          )
        ].map(m => [m[1], Number(m[3])])
      );
      expect([...timeline.keys()]).toEqual([
        'Created',
        'Scheduled',
        'Containers started',
        'Workers ready',
        'mpirun started',
        'First rank output',
        'Finished'
      ]);
      console.log(
        `${mpi}: timeline ${[...timeline].map(([k, v]) => `${k} +${v} s`).join(', ')}`
      );
      const deleted = await kube(['delete', 'mpi-pi', '-n', ns]);
      expect(deleted.code).toBe(0);
    });

    it("should keep each rank's lines whole while both ranks print at once", async () => {
      // Under python -u every print() is several writes, and mpirun reads
      // a rank's pipe wherever it happens to be: Open MPI 5's --tag-output
      // gave a rank's unfinished line to the other rank's next one.
      const ns = await realNodeNamespace('real-lines');
      const lines = 3000;
      const path = notebook('chatter.ipynb', [
        'from mpi4py import MPI\nrank = MPI.COMM_WORLD.Get_rank()\nMPI.COMM_WORLD.Barrier()',
        `for i in range(${lines}):\n    print("rank", rank, "line", i)`
      ]);
      const succeeded = await runUntil(path, image, ns, 'Succeeded');
      expect(succeeded.stderr).toBe('');
      for (const rank of [0, 1]) {
        const logs = await kube([
          'logs',
          'chatter',
          '-n',
          ns,
          '--rank',
          String(rank)
        ]);
        const printed = logs.stdout
          .split('\n')
          .map(line => line.replace(/^\[rank \d+\]\s?/, ''))
          .filter(line => line.includes(' line '));
        const expected = Array.from(
          { length: lines },
          (_, i) => `rank ${rank} line ${i}`
        );
        const wrong = printed.filter((line, i) => line !== expected[i]);
        expect({
          rank,
          count: printed.length,
          wrong: wrong.slice(0, 3)
        }).toEqual({ rank, count: lines, wrong: [] });
      }
      const deleted = await kube(['delete', 'chatter', '-n', ns]);
      expect(deleted.code).toBe(0);
    });

    it('should fail the job when a cell raises on rank 1', async () => {
      const ns = await realNodeNamespace('real-fail');
      const path = notebook('boom.ipynb', [
        'from mpi4py import MPI\nrank = MPI.COMM_WORLD.Get_rank()\nprint(f"rank {rank} on {MPI.Get_processor_name()}")',
        'if rank == 1:\n    raise RuntimeError("boom on rank 1")',
        // Rank 0 would wait here for ever: only mpirun ending the job ends it.
        'MPI.COMM_WORLD.Barrier()'
      ]);
      const waited = await runUntil(path, image, ns, 'Failed');
      expect(waited.stderr).toBe('');
      expect(waited.code).toBe(0);
      const job = JSON.parse(
        (await kube(['get', 'boom', '-n', ns, '-o', 'json'])).stdout
      );
      expect(job.status.phase).toBe('Failed');
      console.log(`${mpi}: failed job: ${job.status.message}`);
      // The cause, from the launcher's log: rank, cell and worker.
      expect(job.status.message).toMatch(
        /^rank 1 failed .*in cell 2, line 2: RuntimeError: boom on rank 1 \(worker 1, pod boom-worker-1, node real-node\)/
      );
      const rank1 = await kube(['logs', 'boom', '-n', ns, '--rank', '1']);
      expect(rank1.stdout).toMatch(/rank 1 on boom-worker-1/);
      expect(rank1.stdout).toMatch(/RuntimeError: boom on rank 1/);
      // The traceback names the notebook's cell (the ConfigMap's source map).
      expect(rank1.stdout).toMatch(/File "[^"]*boom\.ipynb", cell 2, line 2/);
      const deleted = await kube(['delete', 'boom', '-n', ns]);
      expect(deleted.code).toBe(0);
    });
  });

  it('should ship the modules beside the notebook that it imports and the --file data it reads', async () => {
    const ns = await realNodeNamespace('real-files');
    const folder = join(work, 'siblings');
    mkdirSync(join(folder, 'units'), { recursive: true });
    writeFileSync(
      join(folder, 'lib_particles.py'),
      'def mean(values):\n    return sum(values) / len(values)\n'
    );
    writeFileSync(join(folder, 'units', '__init__.py'), 'SCALE = 10\n');
    writeFileSync(join(folder, 'data.csv'), '1\n2\n3\n');
    const path = notebook('siblings/sim.ipynb', [
      'from mpi4py import MPI\nimport lib_particles\nfrom units import SCALE\nrank = MPI.COMM_WORLD.Get_rank()',
      "rows = [float(x) for x in open('data.csv').read().split()]\nprint(f'rank {rank} mean {lib_particles.mean(rows) * SCALE}')",
      // The working directory stays writable beside the shipped files.
      "with open(f'out-{rank}.txt', 'w') as out:\n    out.write('ok')\nprint(f'rank {rank} wrote', open(f'out-{rank}.txt').read())"
    ]);
    const created = await kube([
      'create',
      '--from-notebook',
      path,
      '--file',
      'data.csv',
      '--image',
      RUNTIME_IMAGES.openmpi4,
      ...SMALL,
      '-n',
      ns
    ]);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('mpijob.kubeflow.org/sim created\n');
    const configMap = JSON.parse(
      (
        await kubectl([
          '-n',
          ns,
          'get',
          'configmap',
          'sim-program',
          '-o',
          'json'
        ])
      ).stdout
    );
    expect(Object.keys(configMap.data).sort()).toEqual([
      'data.csv',
      'lib_particles.py',
      'mpijob_main.py',
      'sourcemap.json',
      'units.__init__.py'
    ]);
    const succeeded = await kube([
      'wait',
      'sim',
      '-n',
      ns,
      '--for=condition=Succeeded',
      '--timeout=180s'
    ]);
    const logs = await kube(['logs', 'sim', '-n', ns]);
    if (succeeded.code !== 0) {
      console.log(`sim did not succeed: ${succeeded.stderr}\n${logs.stdout}`);
    }
    expect(succeeded.stderr).toBe('');
    expect(succeeded.code).toBe(0);
    for (const rank of [0, 1]) {
      expect(logs.stdout).toMatch(
        new RegExp(`^\\[rank ${rank}\\]\\s*rank ${rank} mean 20\\.0$`, 'm')
      );
      expect(logs.stdout).toMatch(
        new RegExp(`^\\[rank ${rank}\\]\\s*rank ${rank} wrote ok$`, 'm')
      );
    }
    const deleted = await kube(['delete', 'sim', '-n', ns]);
    expect(deleted.code).toBe(0);
  });

  it('should warn when Open MPI 5 without the hostfile runs every rank on the launcher', async () => {
    // What upstream renders (and we did): mpirun with no --hostfile. Open MPI
    // 5 ignores the operator's ORTE-era variables and starts both ranks on
    // the launcher; the job still succeeds. The job must say so.
    const ns = await realNodeNamespace('real-nohost');
    const rendered = await kube([
      'render',
      '--from-notebook',
      NOTEBOOK,
      '--image',
      RUNTIME_IMAGES.openmpi5,
      ...SMALL,
      '-n',
      ns,
      '-o',
      'json'
    ]);
    expect(rendered.stderr).toBe('');
    interface IRendered {
      kind: string;
      spec: {
        mpiReplicaSpecs: {
          Launcher: {
            template: { spec: { containers: { command: string[] }[] } };
          };
        };
      };
    }
    const objects = JSON.parse(rendered.stdout).items as IRendered[];
    const configMap = objects.find(o => o.kind === 'ConfigMap');
    const mpiJob = objects.find(o => o.kind === 'MPIJob') as IRendered;
    const launcher =
      mpiJob.spec.mpiReplicaSpecs.Launcher.template.spec.containers[0];
    const at = launcher.command.indexOf('--hostfile');
    expect(at).toBeGreaterThan(0);
    launcher.command.splice(at, 2);
    expect(
      (await kubectl(['create', '-f', '-'], JSON.stringify(configMap))).code
    ).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'mpijob-nohost-'));
    const file = join(dir, 'mpijob.json');
    writeFileSync(file, JSON.stringify(mpiJob));
    try {
      const created = await kube(['create', '-f', file, '-n', ns]);
      expect(created.stderr).toBe('');
      const waited = await kube([
        'wait',
        'mpi-pi',
        '-n',
        ns,
        '--for=condition=Succeeded',
        '--timeout=180s'
      ]);
      expect(waited.stderr).toBe('');
      const described = await kube(['describe', 'mpi-pi', '-n', ns]);
      expect(described.stdout).toMatch(
        /^Warning: +2 of 2 rank\(s\) ran on the launcher \(mpi-pi-launcher\S*\), not on a worker/m
      );
      expect(described.stdout).toMatch(
        /^Placement:\n.*\n {2}0 +mpi-pi-launcher\S* +launcher /m
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await kube(['delete', 'mpi-pi', '-n', ns]);
    }
  });

  it('should benchmark a notebook at 1 and 2 workers on real pods, ranks spread over the workers', async () => {
    const ns = await realNodeNamespace('real-bench');
    const dir = mkdtempSync(join(tmpdir(), 'mpijob-real-bench-'));
    try {
      const output = join(dir, 'bench.json');
      const ran = await kube([
        'bench',
        'run',
        '--from-notebook',
        NOTEBOOK,
        '--workers',
        '1,2',
        '--repeats',
        '1',
        '--warmups',
        '0',
        '--image',
        RUNTIME_IMAGES.openmpi4,
        // 2 workers and the launcher (500m) fit the node's 2 cores.
        '--cpu',
        '500m',
        '--memory',
        '1Gi',
        '--unschedulable-timeout',
        '30',
        '-n',
        ns,
        '--out',
        output
      ]);
      expect(ran.stderr).toContain(`results: ${output}`);
      expect(ran.code).toBe(0);
      const results = JSON.parse(readFileSync(output, 'utf8')) as IBenchResults;
      expect(resultsProblems(results)).toEqual([]);
      expect(results.summary?.basis).toBe('workload');
      const [one, two] = results.runs.map(r => r.attempts[0]);
      expect(one.hosts).toHaveLength(1);
      // Two workers: one rank on each worker pod, not both on one.
      expect([...(two.hosts ?? [])].sort()).toEqual([
        expect.stringMatching(/-worker-0$/),
        expect.stringMatching(/-worker-1$/)
      ]);
      for (const attempt of [one, two]) {
        // Kubernetes keeps pod times in whole seconds: a warm node can have
        // the workers Ready within the second the job was created (0 s).
        const { workersReady, mpirunStarted, firstOutput } =
          attempt.timeline ?? {};
        expect(workersReady).toEqual(expect.any(Number));
        expect(mpirunStarted).toBeGreaterThanOrEqual(workersReady as number);
        expect(firstOutput).toBeGreaterThanOrEqual(mpirunStarted as number);
        expect(firstOutput).toBeGreaterThan(0);
      }
      console.log(
        `real pods, Open MPI 4: ${ran.stdout
          .split('\n')
          .filter(l => /^(WORKERS|[12]) /.test(l))
          .join(' | ')}`
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
