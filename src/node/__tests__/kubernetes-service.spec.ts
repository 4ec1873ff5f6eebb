/**
 * @jest-environment node
 *
 * The job service on the real control plane of testenv/, as JupyterLab uses
 * it on a cluster: the namespaces a user may work in (RBAC checks), streams
 * that watch the namespaces they show and let go of them, refusals that say
 * what does not fit (422, with the fields) apart from what is forbidden
 * (403), a topology that keeps where each worker ran after the operator's
 * clean-up, and the job's Kubernetes events.
 */
import { codeCell, notebook } from '../../core/__tests__/helpers/notebooks';
import { buildJob } from '../../core/job';
import type { IJobEvent, IJobRecord } from '../../core/jobRecord';
import { parseLaunchSpec } from '../../core/spec';
import { replicaOutcome } from '../../core/status';
import { BackendError } from '../backends/errors';
import type { ServiceClient } from '../client';
import { SseReader } from './fixtures/service/harness';
import type { ITestService } from './testenv';
import {
  createNamespace,
  deleteNamespaces,
  describeWithCluster,
  kube,
  kubectl,
  startService
} from './testenv';

jest.setTimeout(180_000);

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 120_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`not in time: ${what}`);
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

/** The upstream pi example's shape, small: one worker, kwok runs it. */
function piManifest(name: string): string {
  const container = (image: string) => ({
    name: 'main',
    image,
    command: ['mpirun', '-n', '1', '/home/mpiuser/pi']
  });
  return JSON.stringify({
    apiVersion: 'kubeflow.org/v2beta1',
    kind: 'MPIJob',
    metadata: { name },
    spec: {
      slotsPerWorker: 1,
      runPolicy: { cleanPodPolicy: 'Running' },
      mpiReplicaSpecs: {
        Launcher: {
          replicas: 1,
          template: { spec: { containers: [container('mpioperator/mpi-pi')] } }
        },
        Worker: {
          replicas: 1,
          template: { spec: { containers: [container('mpioperator/mpi-pi')] } }
        }
      }
    }
  });
}

describeWithCluster()('the job service on a cluster', () => {
  let service: ITestService;
  let client: ServiceClient;

  beforeAll(async () => {
    service = await startService({ args: ['--namespace-linger', '0.3s'] });
    client = service.client;
  });

  afterAll(async () => {
    await service?.stop();
    await deleteNamespaces();
  });

  it("should offer the namespaces a user may create jobs in, from RBAC checks, with the context's as the current one", async () => {
    const admin = await client.namespaces();
    expect(admin.backend).toBe('kubernetes');
    expect(admin.current).toBe('default');
    expect(admin.clusterWide).toBe(true);
    expect(admin.namespaces).toEqual(
      expect.arrayContaining([
        { name: 'default', canCreate: true, canWatch: true },
        { name: 'team-a', canCreate: true, canWatch: true },
        { name: 'team-b', canCreate: true, canWatch: true }
      ])
    );

    // alice may not list namespaces: she is offered her context's, the
    // kubeconfig's others and the extra ones, each checked.
    const granted = await createNamespace('svc-alice');
    const templates = await kube([
      'admin',
      'templates',
      '-n',
      granted,
      '--user',
      'alice'
    ]);
    expect((await kubectl(['apply', '-f', '-'], templates.stdout)).code).toBe(
      0
    );
    const alice = await startService({
      context: 'testenv-alice',
      env: { MPIJOB_NAMESPACES: granted }
    });
    try {
      const seen = await alice.client.namespaces();
      expect(seen.current).toBe('team-a');
      expect(seen.clusterWide).toBe(false);
      expect(seen.namespaces).toEqual([
        { name: 'default', canCreate: false, canWatch: false },
        { name: granted, canCreate: true, canWatch: true },
        { name: 'team-a', canCreate: false, canWatch: false }
      ]);
      // What is forbidden stays 403.
      const refused = await alice.client
        .submitLaunch({
          name: 'not-mine',
          namespace: 'team-a',
          command: ['true']
        })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(BackendError);
      expect((refused as BackendError).status).toBe(403);
    } finally {
      await alice.stop();
    }
  });

  it('should watch the namespaces a stream shows, one watch each, show a kubectl-made job come and go, and let go of the namespace after', async () => {
    expect((await client.health()).watching).toEqual(['default']);
    const ns = await createNamespace('svc-watch');
    const events: IJobEvent[] = [];
    const watch = client.watch(ns, event => events.push(event));
    try {
      await until(
        async () => (await client.health()).watching.includes(ns),
        'the namespace watched'
      );
      expect((await client.health()).watching).toEqual(['default', ns].sort());
      const created = await kubectl(
        ['-n', ns, 'create', '-f', '-'],
        piManifest('from-kubectl')
      );
      expect(created.stderr).toBe('');
      await until(
        () =>
          events.some(e => e.type === 'ADDED' && e.job.name === 'from-kubectl'),
        'ADDED from-kubectl'
      );
      expect(
        (await client.list(ns)).map(job => `${job.namespace}/${job.name}`)
      ).toEqual([`${ns}/from-kubectl`]);
      await kubectl(['-n', ns, 'delete', 'mpijob', 'from-kubectl']);
      await until(
        () =>
          events.some(
            e => e.type === 'DELETED' && e.job.name === 'from-kubectl'
          ),
        'DELETED from-kubectl'
      );
    } finally {
      watch.dispose();
    }
    await until(
      async () => !(await client.health()).watching.includes(ns),
      'the namespace let go'
    );
    expect((await client.health()).watching).toEqual(['default']);
  });

  it('should answer a job that does not fit with 422 naming the fields, before creating anything', async () => {
    const ns = await createNamespace('svc-fit');
    const refusal = async (spec: Record<string, unknown>) => {
      const error = await client
        .submitLaunch({
          name: 'too-big',
          namespace: ns,
          command: ['true'],
          ...spec
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      return error as BackendError;
    };
    const gpus = await refusal({ workers: 1, gpusPerWorker: 16 });
    expect(gpus.status).toBe(422);
    expect(gpus.reason).toBe('Invalid');
    expect(gpus.problems).toEqual([
      {
        path: 'gpusPerWorker',
        message: expect.stringMatching(
          /the largest schedulable node offers 8.*Use at most 8 GPUs per worker/
        )
      }
    ]);
    const gang = await refusal({
      workers: 1,
      scheduling: { gang: 'volcano' }
    });
    expect(gang.status).toBe(422);
    expect(gang.problems.map(p => p.path)).toEqual(['scheduling.gang']);
    expect(gang.problems[0].message).toMatch(
      /set "Scheduling › Gang scheduler" to none/
    );
    // The notebook's code, compiled here: a warning, the job still fits.
    const py2 = buildJob(
      parseLaunchSpec({
        name: 'py2',
        namespace: ns,
        workers: 1,
        source: { notebook: 'py2.ipynb' }
      }),
      notebook([codeCell("print 'x'")])
    );
    const checked = await client.preflight(py2.spec, ns, py2.program);
    expect(checked.checks.find(c => c.name === 'program')).toMatchObject({
      ok: false,
      severity: 'warning',
      message: expect.stringMatching(/^cell 1, line 1: SyntaxError/)
    });
    const missing = await refusal({ namespace: 'no-such-namespace' });
    expect(missing.status).toBe(422);
    expect(missing.problems.map(p => p.path)).toEqual(['namespace']);
    const left = await kubectl([
      '-n',
      ns,
      'get',
      'mpijobs,configmaps',
      '-o',
      'name'
    ]);
    expect(left.stdout.trim()).toBe('configmap/kube-root-ca.crt');
  });

  it("should keep where each worker ran after the operator's clean-up, and list the job's events", async () => {
    const name = `cleanup-${Date.now().toString(36)}`;
    const events: IJobEvent[] = [];
    const watch = client.watch('default', event => {
      if (event.job.name === name) {
        events.push(event);
      }
    });
    try {
      await client.submitLaunch({
        name,
        command: ['true'],
        workers: 2,
        gpusPerWorker: 1
      });
      const cleanedUp = (job: IJobRecord): boolean =>
        job.status.phase === 'Succeeded' &&
        job.topology.workers.every(w => w.removed === true);
      await until(
        () => events.some(e => cleanedUp(e.job)),
        'Succeeded with every worker removed by the clean-up'
      );
      const ran = events
        .filter(e => e.job.status.phase === 'Running')
        .pop()?.job;
      const last = events.filter(e => cleanedUp(e.job)).pop()!.job;
      expect(ran).toBeDefined();
      for (const worker of last.topology.workers) {
        const before = ran!.topology.workers[worker.index];
        expect(worker.nodeName).toMatch(/^gpu-node-\d$/);
        expect(worker.nodeName).toBe(before.nodeName);
        expect(worker.podName).toBe(`${name}-worker-${worker.index}`);
        expect(replicaOutcome(worker, last.status)).toBe('Removed');
      }
      // What the service serves after the clean-up (a page reload) says the same.
      const got = await client.get('default', name);
      expect(got.topology.workers.map(w => w.nodeName)).toEqual(
        last.topology.workers.map(w => w.nodeName)
      );
      expect(got.topology.workers.every(w => w.removed)).toBe(true);
      // A new page's list comes from the service's own state: the same,
      // never the pods' last Running state (no version compared by size).
      const fresh = await SseReader.open(
        { socketPath: service.socketPath },
        '/api/events?namespace=default'
      );
      try {
        await fresh.waitFor(e => e.event === 'synced');
        const listed = fresh.events
          .filter(e => e.event === 'status')
          .map(e => (JSON.parse(e.data) as IJobEvent).job)
          .find(job => job.name === name);
        expect(listed?.status.phase).toBe('Succeeded');
        expect(listed?.topology.workers.map(w => w.nodeName)).toEqual(
          last.topology.workers.map(w => w.nodeName)
        );
        expect(listed?.topology.workers.every(w => w.removed)).toBe(true);
      } finally {
        fresh.close();
      }

      const kubeEvents = await client.events('default', name);
      expect(kubeEvents).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            kind: 'Pod',
            object: `${name}-worker-0`,
            reason: 'Scheduled',
            message: expect.stringMatching(/to gpu-node-\d$/)
          }),
          expect.objectContaining({ kind: 'MPIJob', object: name })
        ])
      );
      expect(kubeEvents.every(e => e.object.startsWith(name))).toBe(true);
    } finally {
      watch.dispose();
      await client.delete('default', name).catch(() => undefined);
    }
  });
});
