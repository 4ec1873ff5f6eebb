/**
 * The kubernetes backend end to end, on the real control plane of testenv/:
 * kube-apiserver + etcd, the real mpi-operator v2 controller turning MPIJobs
 * into a launcher Job and worker pods, kube-scheduler placing them on kwok's
 * fake GPU nodes, kwok running, completing or failing them and serving logs.
 * Everything goes through the bundled CLI or the job service process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse, stringify } from 'yaml';

import type { IJobEvent } from '../../core/jobRecord';
import { PROGRAM_FILE_NAME } from '../../core/notebook';
import { upstreamExampleFiles } from '../../core/__tests__/helpers/reference';
import { mpijob, ROOT } from './helpers';
import {
  createNamespace,
  deleteNamespaces,
  describeWithCluster,
  KUBECONFIG,
  kube,
  kubectl,
  restartApiServer,
  startService,
  TESTENV_DIR
} from './testenv';

const PI_EXAMPLE = (
  upstreamExampleFiles().find(([name]) => name === 'pi.yaml') as [
    string,
    string
  ]
)[1];
const NOTEBOOK = join(ROOT, 'examples', 'mpi-pi.ipynb');

jest.setTimeout(240_000);

/** A namespace per test, deleted after the suite. */
function namespace(prefix: string): Promise<string> {
  return createNamespace(prefix);
}

function piManifest(
  name: string,
  extra: {
    workerLabels?: Record<string, string>;
    workerAnnotations?: Record<string, string>;
    launcherAnnotations?: Record<string, string>;
    launcherLabels?: Record<string, string>;
    gpus?: number;
  } = {}
): string {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const doc = parse(readFileSync(PI_EXAMPLE, 'utf8')) as Record<string, any>;
  doc.metadata.name = name;
  const launcher = doc.spec.mpiReplicaSpecs.Launcher.template;
  const worker = doc.spec.mpiReplicaSpecs.Worker.template;
  launcher.metadata = {
    labels: extra.launcherLabels,
    annotations: extra.launcherAnnotations
  };
  worker.metadata = {
    labels: extra.workerLabels,
    annotations: extra.workerAnnotations
  };
  if (extra.gpus) {
    worker.spec.containers[0].resources.limits['nvidia.com/gpu'] = String(
      extra.gpus
    );
  }
  return stringify(doc);
}

async function withFile<T>(
  text: string,
  use: (path: string) => Promise<T>
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'mpijob-e2e-'));
  const path = join(dir, 'job.yaml');
  writeFileSync(path, text);
  try {
    return await use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `mpijob preflight -o json` for the example notebook with these flags. */
async function preflightOf(
  ns: string,
  flags: string[],
  env: NodeJS.ProcessEnv = {}
): Promise<{
  code: number;
  checks: Map<string, { ok: boolean; message: string; fix?: string }>;
}> {
  const result = await kube(
    [
      'preflight',
      '-n',
      ns,
      '--from-notebook',
      NOTEBOOK,
      ...flags,
      '-o',
      'json'
    ],
    'testenv',
    env
  );
  const report = JSON.parse(result.stdout) as {
    checks: Array<{ name: string; ok: boolean; message: string; fix?: string }>;
  };
  return {
    code: result.code,
    checks: new Map(report.checks.map(c => [c.name, c]))
  };
}

async function objectsOf(ns: string, kinds: string): Promise<string[]> {
  const result = await kubectl(['-n', ns, 'get', kinds, '-o', 'name']);
  return result.stdout.split('\n').filter(Boolean);
}

describeWithCluster()('kubernetes backend on a real control plane', () => {
  afterAll(() => deleteNamespaces());

  it('should run the upstream pi example to Succeeded, serve its logs, and leave nothing behind on delete', async () => {
    const ns = await namespace('e2e-pi');
    const created = await kube(['create', '-f', PI_EXAMPLE, '-n', ns]);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('mpijob.kubeflow.org/pi created\n');

    const waited = await kube([
      'wait',
      'pi',
      '-n',
      ns,
      '--for=condition=Succeeded',
      '--timeout=180s'
    ]);
    expect(waited.stderr).toBe('');
    expect(waited.code).toBe(0);

    // The operator made a launcher Job and 2 workers; kwok ran them.
    const described = await kube(['describe', 'pi', '-n', ns]);
    expect(described.stderr).toBe('');
    expect(described.stdout).toMatch(/Succeeded/);
    expect(described.stdout).toMatch(/pi-worker-0/);

    const logs = await kube(['logs', 'pi', '-n', ns]);
    expect(logs.stderr).toBe('');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/pi is approximately 3\.14159/);
    const rank1 = await kube(['logs', 'pi', '-n', ns, '--rank', '1']);
    expect(rank1.stdout.trim().split('\n')).toEqual([
      'Rank 1 of 2 on worker-1'
    ]);
    // A file a rank printed (testenv's launcher log carries a tiny figure)
    // is out of the log, listed by describe, and fetched whole by cp.
    expect(logs.stdout).not.toContain('mpijob-file');
    expect(logs.stdout).not.toContain('mpijob-host');
    // Each rank's host is its worker's pod (kwok serves a log that says so),
    // so ranks map to workers and nodes; the start-up step by step.
    expect(described.stdout).toMatch(
      /^Placement:\n.*\n {2}0 +pi-worker-0 +worker 0 +gpu-node-\d\n {2}1 +pi-worker-1 +worker 1 +gpu-node-\d\n/m
    );
    expect(described.stdout).not.toContain('Warning:');
    for (const step of [
      'Created',
      'Scheduled',
      'Containers started',
      'Workers ready',
      'mpirun started',
      'First rank output',
      'Finished'
    ]) {
      expect(described.stdout).toMatch(
        new RegExp(`^ {2}${step} {2,}\\d{4}-`, 'm')
      );
    }
    expect(described.stdout).toMatch(
      /^Files:\n.*\n {2}cell1-figure1\.png {3}0 {6}70 B$/m
    );
    const figure = join(mkdtempSync(join(tmpdir(), 'mpijob-cp-')), 'f.png');
    const copied = await kube(['cp', `${ns}/pi:cell1-figure1.png`, figure]);
    expect(copied.stderr).toBe('');
    expect(readFileSync(figure).subarray(0, 8)).toEqual(
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])
    );

    const listed = await kube(['list', '-n', ns, '-o', 'json']);
    const list = JSON.parse(listed.stdout) as {
      apiVersion: string;
      kind: string;
      items: Array<{
        kind: string;
        metadata: { name: string };
        status: { phase: string };
        spec: { backend: string };
      }>;
    };
    expect([list.apiVersion, list.kind]).toEqual(['v1', 'List']);
    expect(
      list.items.map(j => [
        j.kind,
        j.metadata.name,
        j.status.phase,
        j.spec.backend
      ])
    ).toEqual([['MPIJob', 'pi', 'Succeeded', 'kubernetes']]);
    const names = await kube([
      'get',
      '-n',
      ns,
      '-o',
      'jsonpath={.items[*].metadata.name}'
    ]);
    expect(names.stdout).toBe('pi');
    const columns = await kube([
      'get',
      '-n',
      ns,
      '-o',
      'custom-columns=NAME:.metadata.name,PHASE:.status.phase'
    ]);
    expect(columns.stdout).toBe('NAME   PHASE\npi     Succeeded\n');

    const deleted = await kube(['delete', 'pi', '-n', ns]);
    expect(deleted.stderr).toBe('');
    expect(deleted.stdout).toMatch(/"pi" deleted/);
    expect(await objectsOf(ns, 'mpijobs,pods,jobs,configmaps')).toEqual([
      'configmap/kube-root-ca.crt'
    ]);
  });

  it('should package a notebook into a ConfigMap owned by its MPIJob, report Running then Succeeded through the service, and delete everything', async () => {
    const ns = await namespace('e2e-nb');
    const service = await startService({ args: ['--all-namespaces'] });
    try {
      const events: IJobEvent[] = [];
      const watch = service.client.watch(ns, e => events.push(e));
      const created = await kube([
        'create',
        '--from-notebook',
        NOTEBOOK,
        '--workers',
        '2',
        '--gpus-per-worker',
        '1',
        '--network-policy',
        '-n',
        ns,
        '-o',
        'json'
      ]);
      expect(created.stderr).toBe('');
      const record = JSON.parse(created.stdout);
      // Follow the output from the start: it waits for the launcher pod,
      // streams it, and ends by itself once the job has ended.
      const following = kube(['logs', '-f', 'mpi-pi', '-n', ns]);
      expect(record).toMatchObject({
        apiVersion: 'kubeflow.org/v2beta1',
        kind: 'MPIJob',
        metadata: { name: 'mpi-pi', namespace: ns },
        spec: {
          backend: 'kubernetes',
          mpiReplicaSpecs: { Worker: { replicas: 2 } },
          gpusPerWorker: 1,
          notebook: { path: expect.stringContaining('mpi-pi.ipynb') }
        }
      });

      const configMap = JSON.parse(
        (
          await kubectl([
            '-n',
            ns,
            'get',
            'configmap',
            'mpi-pi-program',
            '-o',
            'json'
          ])
        ).stdout
      );
      expect(configMap.data[PROGRAM_FILE_NAME]).toMatch(/mpi4py|MPI/);
      expect(configMap.metadata.ownerReferences).toEqual([
        expect.objectContaining({
          kind: 'MPIJob',
          name: 'mpi-pi',
          uid: record.metadata.uid
        })
      ]);
      const policy = JSON.parse(
        (await kubectl(['-n', ns, 'get', 'networkpolicy', '-o', 'json'])).stdout
      ).items[0];
      expect(policy.metadata.ownerReferences[0].uid).toBe(record.metadata.uid);

      await until(() =>
        events.some(
          e => e.job.name === 'mpi-pi' && e.job.status.phase === 'Succeeded'
        )
      );
      const phases = events
        .filter(e => e.job.name === 'mpi-pi')
        .map(e => e.job.status.phase);
      expect(phases).toContain('Running');
      expect(phases.indexOf('Running')).toBeLessThan(
        phases.indexOf('Succeeded')
      );
      const succeeded = events.find(e => e.job.status.phase === 'Succeeded')!;
      expect(succeeded.job.topology.workers).toHaveLength(2);
      watch.dispose();
      const followed = await following;
      expect(followed.stderr).toBe('');
      expect(followed.code).toBe(0);
      expect(followed.stdout).toMatch(
        /\[rank 0\] pi is approximately 3\.14159/
      );

      const deleted = await kube(['delete', 'mpi-pi', '-n', ns]);
      expect(deleted.code).toBe(0);
      await until(
        async () =>
          (
            await objectsOf(ns, 'mpijobs,pods,configmaps,networkpolicies')
          ).join() === 'configmap/kube-root-ca.crt'
      );
    } finally {
      await service.stop();
    }
  });

  it('should refuse a user without rights with a message naming verb and resource, and let them in once the admin templates are applied', async () => {
    const ns = await namespace('e2e-rbac');
    await withFile(piManifest('pi'), async file => {
      const refused = await kube(
        ['create', '-f', file, '-n', ns],
        'testenv-alice'
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /user "alice" may not create mpijobs in namespace/
      );
      expect(refused.stderr).toMatch(
        /mpijob admin templates -n e2e-rbac-\S+ --user alice/
      );
      expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(await objectsOf(ns, 'mpijobs,configmaps')).toEqual([
        'configmap/kube-root-ca.crt'
      ]);

      const templates = await kube([
        'admin',
        'templates',
        '-n',
        ns,
        '--user',
        'alice'
      ]);
      const applied = await kubectl(['apply', '-f', '-'], templates.stdout);
      expect(applied.stderr).toBe('');
      expect(applied.stdout).toMatch(
        /role.rbac.authorization.k8s.io\/mpijob-user created/
      );
      expect(applied.stdout).toMatch(
        /networkpolicy.networking.k8s.io\/mpijob-isolation created/
      );
      expect(applied.stdout).toMatch(/resourcequota\/mpijob-quota created/);

      const preflight = await kube(
        ['preflight', '-n', ns, '-o', 'json'],
        'testenv-alice'
      );
      const report = JSON.parse(preflight.stdout);
      expect(report.checks.filter((c: { ok: boolean }) => !c.ok)).toEqual([]);

      const allowed = await kube(
        ['create', '-f', file, '-n', ns],
        'testenv-alice'
      );
      expect(allowed.stderr).toBe('');
      expect(allowed.code).toBe(0);
      const other = await kube(['get', 'pi', '-n', 'team-b'], 'testenv-alice');
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(
        /user "alice" may not get mpijobs.kubeflow.org in namespace "team-b"/
      );
    });
  });

  it('should stop before creating anything when the quota cannot hold the whole gang', async () => {
    const ns = await namespace('e2e-quota');
    const quota = await kubectl(
      ['apply', '-f', '-'],
      stringify({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'gpus', namespace: ns },
        spec: { hard: { 'requests.nvidia.com/gpu': '2', pods: '10' } }
      })
    );
    expect(quota.code).toBe(0);
    const preflight = await kube([
      'preflight',
      '-n',
      ns,
      '--from-notebook',
      NOTEBOOK,
      '--workers',
      '4',
      '--gpus-per-worker',
      '1'
    ]);
    expect(preflight.code).toBe(1);
    expect(preflight.stdout + preflight.stderr).toMatch(
      /ResourceQuota "gpus" has 2 of requests.nvidia.com\/gpu left \(hard 2\), the job needs 4/
    );
    const refused = await kube([
      'create',
      '--from-notebook',
      NOTEBOOK,
      '--workers',
      '4',
      '--gpus-per-worker',
      '1',
      '-n',
      ns
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/preflight failed, nothing was created/);
    expect(await objectsOf(ns, 'mpijobs,configmaps')).toEqual([
      'configmap/kube-root-ca.crt'
    ]);
  });

  it('should say when gang scheduling is asked for but no gang scheduler is installed, and when no node has the GPUs', async () => {
    const ns = await namespace('e2e-gang');
    const gang = await preflightOf(ns, ['--workers', '2', '--gang', 'volcano']);
    expect(gang.code).toBe(1);
    expect(gang.checks.get('gang-scheduler')).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        /Volcano was asked for, but the API server has no scheduling.volcano.sh API group/
      ),
      fix: expect.stringMatching(/--gang-scheduling=volcano/)
    });
    // The kwok nodes have 8 GPUs each: 16 per worker fits nowhere, 4 x 8 just fits.
    const gpus = await preflightOf(ns, [
      '--workers',
      '2',
      '--gpus-per-worker',
      '16'
    ]);
    expect(gpus.code).toBe(1);
    expect(gpus.checks.get('gpu')).toMatchObject({
      ok: false,
      message:
        "a worker asks for 16 GPUs, but the largest schedulable node offers 8: a worker's GPUs must all be on one node",
      fix: 'Use at most 8 GPUs per worker (4 workers × 8 GPUs give the same 32 GPUs)'
    });
    // 4 nodes × 8 GPUs: 5 workers of 8 do not fit.
    const many = await preflightOf(ns, [
      '--workers',
      '5',
      '--gpus-per-worker',
      '8'
    ]);
    expect(many.checks.get('gpu')).toMatchObject({
      ok: false,
      message:
        'the 4 GPU node(s) hold at most 4 worker(s) of 8 GPU(s) (largest node: 8 GPUs); the job has 5',
      fix: 'Use at most 4 worker(s) of 8 GPU(s), or ask an admin for more GPU nodes'
    });
    // Without an admin's default, a notebook job would get an MPI base
    // image without Python: refused before anything is created.
    const bare = await preflightOf(ns, ['--workers', '1'], {
      MPIJOB_DEFAULT_IMAGE: ''
    });
    expect(bare.code).toBe(1);
    expect(bare.checks.get('image')).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        /^mpioperator\/openmpi:latest is an MPI base image without Python/
      ),
      fix: expect.stringContaining('mpijob admin default-image')
    });
    expect(
      (await preflightOf(ns, ['--workers', '1'])).checks.get('image')?.ok
    ).toBe(true);
    const fits = await preflightOf(ns, [
      '--workers',
      '4',
      '--gpus-per-worker',
      '8'
    ]);
    expect(fits.code).toBe(0);
    expect(fits.checks.get('gpu')?.ok).toBe(true);
  });

  it('should name a taken job name and suggest --generate-name, which then works', async () => {
    const ns = await namespace('e2e-name');
    const first = await kube(['create', '-f', PI_EXAMPLE, '-n', ns]);
    expect(first.code).toBe(0);
    const again = await kube(['create', '-f', PI_EXAMPLE, '-n', ns]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/mpijobs.kubeflow.org "pi" already exists/);
    expect(again.stderr).toMatch(/--generate-name/);
    const generated = await kube([
      'create',
      '-f',
      PI_EXAMPLE,
      '-n',
      ns,
      '--generate-name'
    ]);
    expect(generated.stderr).toBe('');
    expect(generated.stdout).toMatch(
      /^mpijob.kubeflow.org\/pi-[a-z0-9]{5} created\n$/
    );
  });

  it('should fail fast when a worker fails and say which worker', async () => {
    const ns = await namespace('e2e-fail');
    // kwok's upstream chaos stage fails the worker containers (exit 137);
    // the launcher's mpirun then fails as it would when a rank dies.
    const manifest = piManifest('crash', {
      workerLabels: {
        'pod-container-running-failed.stage.kwok.x-k8s.io': 'true'
      },
      workerAnnotations: {
        'pod-container-running-failed.stage.kwok.x-k8s.io/exit-code': '137',
        'pod-container-running-failed.stage.kwok.x-k8s.io/reason': 'OOMKilled',
        'pod-container-running-failed.stage.kwok.x-k8s.io/message':
          'out of memory',
        'pod-container-running-failed.stage.kwok.x-k8s.io/delay': '1s',
        'pod-container-running-failed.stage.kwok.x-k8s.io/jitter-delay': '2s'
      },
      launcherLabels: {
        'pod-container-running-failed.stage.kwok.x-k8s.io': 'true'
      },
      launcherAnnotations: {
        'pod-container-running-failed.stage.kwok.x-k8s.io/delay': '6s',
        'pod-container-running-failed.stage.kwok.x-k8s.io/jitter-delay': '7s'
      }
    });
    await withFile(manifest, async file => {
      const created = await kube(['create', '-f', file, '-n', ns]);
      expect(created.code).toBe(0);
    });
    const waited = await kube([
      'wait',
      'crash',
      '-n',
      ns,
      '--for=condition=Failed',
      '--timeout=120s'
    ]);
    expect(waited.code).toBe(0);
    const described = await kube(['get', 'crash', '-n', ns, '-o', 'json']);
    const job = JSON.parse(described.stdout);
    expect(job.status.phase).toBe('Failed');
    expect(JSON.stringify(job.status.topology.workers)).toMatch(
      /OOMKilled|137/
    );
    expect(job.status.message ?? '').toMatch(/worker-\d/);
  });

  it('should keep reporting status through the service when the API server restarts mid-watch', async () => {
    const ns = await namespace('e2e-restart');
    const service = await startService({ args: ['--all-namespaces'] });
    try {
      const events: IJobEvent[] = [];
      const watch = service.client.watch(ns, e => events.push(e));
      // A launcher that takes ~20 s, so the job is still running across the restart.
      const manifest = piManifest('slow', {
        launcherAnnotations: {
          // kwok's jitter is the upper bound of the delay.
          'pod-complete.stage.kwok.x-k8s.io/delay': '20s',
          'pod-complete.stage.kwok.x-k8s.io/jitter-delay': '22s'
        }
      });
      await withFile(manifest, async file => {
        const created = await kube(['create', '-f', file, '-n', ns]);
        expect(created.code).toBe(0);
      });
      await until(() =>
        events.some(
          e => e.job.name === 'slow' && e.job.status.phase === 'Running'
        )
      );
      const down = await restartApiServer();
      expect(down).toBeGreaterThanOrEqual(0);
      await until(
        () =>
          events.some(
            e => e.job.name === 'slow' && e.job.status.phase === 'Succeeded'
          ),
        120_000
      );
      watch.dispose();
    } finally {
      await service.stop();
    }
  });

  it('should report an unreachable API server and a wrong CA clearly', async () => {
    const kubeconfig = readFileSync(KUBECONFIG, 'utf8');
    const dir = mkdtempSync(join(tmpdir(), 'mpijob-kc-'));
    try {
      const down = join(dir, 'down');
      writeFileSync(
        down,
        kubeconfig.replace(
          /server: https:\/\/127\.0\.0\.1:\d+/,
          'server: https://127.0.0.1:1'
        )
      );
      const refused = await mpijob([
        '--backend',
        'kubernetes',
        '--kubeconfig',
        down,
        '--context',
        'testenv',
        'list'
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1: ECONNREFUSED/
      );

      const wrongCa = join(dir, 'ca');
      writeFileSync(
        wrongCa,
        kubeconfig.replace(
          /certificate-authority-data: \S+/,
          `certificate-authority-data: ${notTheCa()}`
        )
      );
      const tls = await mpijob([
        '--backend',
        'kubernetes',
        '--kubeconfig',
        wrongCa,
        '--context',
        'testenv',
        'list'
      ]);
      expect(tls.code).toBe(1);
      expect(tls.stderr).toMatch(/TLS error talking to the Kubernetes API/);
      expect(tls.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A certificate that is not the cluster's CA (the server's own leaf), base64. */
function notTheCa(): string {
  return readFileSync(join(TESTENV_DIR, 'pki', 'serving.crt')).toString(
    'base64'
  );
}

async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 150_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
}
