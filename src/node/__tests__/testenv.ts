/**
 * The real control plane of testenv/ (etcd, kube-apiserver, controller
 * manager, scheduler, mpi-operator, kwok, and a real kubelet + containerd
 * node), started by `testenv/start.sh` (scripts/test.sh does it). Without it
 * these suites are skipped with a message; with MPIJOB_TESTENV_REQUIRED=1
 * (CI) a missing one fails them.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ServiceClient } from '../client';
import type { ICliRun } from './helpers';
import { CLI, mpijob, ROOT, run } from './helpers';

/** Where start.sh keeps its state. */
export const TESTENV_DIR =
  process.env.MPIJOB_TESTENV_DIR ?? join(ROOT, 'testenv', '.run');

/** The kubeconfig with contexts `testenv` (admin) and `testenv-alice`. */
export const KUBECONFIG = join(TESTENV_DIR, 'kubeconfig');

const KUBECTL = join(ROOT, 'testenv', '.bin', 'kubectl');

/**
 * Whether a control plane is up: start.sh writes `env` once it is ready,
 * stop.sh removes it (the kubeconfig outlives a stop).
 */
export const TESTENV_UP =
  existsSync(join(TESTENV_DIR, 'env')) &&
  existsSync(KUBECONFIG) &&
  existsSync(KUBECTL);

/** start.sh writes the real node's name here once the node is Ready. */
const REAL_NODE_FILE = join(TESTENV_DIR, 'real-node');

/** Whether the real node (kubelet + containerd, testenv/node.sh) is up. */
export const REAL_NODE_UP = TESTENV_UP && existsSync(REAL_NODE_FILE);

/**
 * Runtime images the real node holds (testenv/images.sh builds them from
 * images/, start.sh imports them; nothing is pulled).
 */
export const RUNTIME_IMAGES = {
  openmpi4: 'mpijob.test/runtime:openmpi4',
  openmpi5: 'mpijob.test/runtime:openmpi5'
} as const;

/** Label and taint key of the real node. */
export const REAL_NODE_LABEL = 'mpijob-testenv/real';

/**
 * `describe`, or `describe.skip` with the reason printed when no control
 * plane runs (and failing when CI says one must).
 *
 * @returns the describe to use
 */
export function describeWithCluster(): jest.Describe {
  if (TESTENV_UP) {
    return describe;
  }
  if (process.env.MPIJOB_TESTENV_REQUIRED === '1') {
    throw new Error(
      `MPIJOB_TESTENV_REQUIRED=1 but no control plane at ${TESTENV_DIR}: run testenv/build.sh && testenv/start.sh`
    );
  }
  console.warn(
    `skipping Kubernetes end-to-end tests: no control plane at ${TESTENV_DIR} (run testenv/build.sh && testenv/start.sh)`
  );
  return describe.skip;
}

/**
 * The end of what the real node's start printed (testenv/start.sh keeps it),
 * so a CI log that shows only the failing test still says why.
 *
 * @returns its last lines, or a note that there is none
 */
function realNodeStartLog(): string {
  try {
    const text = readFileSync(
      join(TESTENV_DIR, 'logs', 'real-node-start.log'),
      'utf8'
    );
    return text.trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no logs/real-node-start.log: the node was never started)';
  }
}

/**
 * `describe`, or `describe.skip` with the reason printed when the real node
 * is not up (and failing when CI says it must be).
 *
 * @returns the describe to use
 */
export function describeWithRealNode(): jest.Describe {
  if (REAL_NODE_UP) {
    return describe;
  }
  const why = TESTENV_UP
    ? `the control plane at ${TESTENV_DIR} has no real node (TESTENV_REAL_NODE=0 leaves it out); testenv/start.sh said:\n${realNodeStartLog()}`
    : `no control plane at ${TESTENV_DIR}`;
  if (process.env.MPIJOB_TESTENV_REQUIRED === '1') {
    throw new Error(
      `MPIJOB_TESTENV_REQUIRED=1 but ${why}: run testenv/build.sh && testenv/start.sh`
    );
  }
  console.warn(
    `skipping real-pod tests: ${why} (run testenv/build.sh && testenv/start.sh)`
  );
  return describe.skip;
}

/**
 * Creates a namespace whose pods all land on the real node: the API server's
 * PodNodeSelector and PodTolerationRestriction admission plugins give them
 * its node selector and toleration (testenv/node.sh). Waits for its default
 * ServiceAccount, which pods need.
 *
 * @param prefix - start of the namespace name
 * @returns the namespace name
 */
export async function realNodeNamespace(prefix: string): Promise<string> {
  const name = uniqueNamespace(prefix);
  const toleration = [
    {
      key: REAL_NODE_LABEL,
      operator: 'Equal',
      value: 'true',
      effect: 'NoSchedule'
    }
  ];
  const created = await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        annotations: {
          'scheduler.alpha.kubernetes.io/node-selector': `${REAL_NODE_LABEL}=true`,
          'scheduler.alpha.kubernetes.io/defaultTolerations':
            JSON.stringify(toleration)
        }
      }
    })
  );
  if (created.code !== 0) {
    throw new Error(`creating namespace ${name}: ${created.stderr}`);
  }
  const deadline = Date.now() + 30_000;
  while (
    (await kubectl(['-n', name, 'get', 'serviceaccount', 'default'])).code !== 0
  ) {
    if (Date.now() > deadline) {
      throw new Error(`namespace ${name} got no default ServiceAccount`);
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  return name;
}

/**
 * `mpijob --backend kubernetes` against the test control plane.
 *
 * @param args - arguments after the global flags
 * @param context - kubeconfig context: `testenv` (admin) or `testenv-alice`
 * @returns exit code and output
 */
export function kube(
  args: readonly string[],
  context = 'testenv',
  env: NodeJS.ProcessEnv = {}
): Promise<ICliRun> {
  return mpijob(
    [
      '--backend',
      'kubernetes',
      '--kubeconfig',
      KUBECONFIG,
      '--context',
      context,
      ...args
    ],
    {
      // As an admin sets it for a platform: notebook jobs get an image
      // with Python, not the built-in MPI base image.
      env: { MPIJOB_DEFAULT_IMAGE: RUNTIME_IMAGES.openmpi4, ...env }
    }
  );
}

/**
 * The real kubectl (built by testenv/build.sh), as admin.
 *
 * @param args - kubectl arguments
 * @param input - stdin
 * @returns exit code and output
 */
export function kubectl(
  args: readonly string[],
  input?: string
): Promise<ICliRun> {
  return run(
    KUBECTL,
    ['--kubeconfig', KUBECONFIG, '--context', 'testenv', ...args],
    { input }
  );
}

/**
 * Restarts kube-apiserver (testenv/restart.sh).
 *
 * @returns the seconds it was down
 */
export async function restartApiServer(): Promise<number> {
  const result = await run(
    join(ROOT, 'testenv', 'restart.sh'),
    ['kube-apiserver'],
    { env: { MPIJOB_TESTENV_DIR: TESTENV_DIR } }
  );
  if (result.code !== 0) {
    throw new Error(`restart.sh kube-apiserver failed: ${result.stderr}`);
  }
  return Number(result.stdout.trim());
}

/** A namespace name unique to this run. */
export function uniqueNamespace(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

/** A job service process on the test control plane. */
export interface ITestService {
  /** A client of it. */
  readonly client: ServiceClient;
  /** Its unix socket. */
  readonly socketPath: string;
  /** Stops it and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts `mpijob serve --backend kubernetes` on the test control plane
 * (the client library is ES modules only: it runs in the bundled CLI, not
 * in jest).
 *
 * @param options - kubeconfig context, extra `serve` flags, environment
 * @returns the service and a client of it
 */
export async function startService(
  options: {
    context?: string;
    args?: readonly string[];
    env?: Record<string, string>;
  } = {}
): Promise<ITestService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mpijob-k8s-service-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      CLI,
      '--backend',
      'kubernetes',
      '--kubeconfig',
      KUBECONFIG,
      '--context',
      options.context ?? 'testenv',
      '--data-dir',
      dataDir,
      'serve',
      ...(options.args ?? [])
    ],
    {
      env: {
        ...process.env,
        MPIJOB_DEFAULT_IMAGE: RUNTIME_IMAGES.openmpi4,
        ...options.env
      },
      stdio: ['ignore', 'ignore', 'pipe']
    }
  );
  let log = '';
  child.stderr?.on('data', chunk => (log += String(chunk)));
  const socketPath = join(dataDir, 'kubernetes-service.sock');
  const client = new ServiceClient({ socketPath });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`mpijob serve exited: ${log}`);
    }
    if (
      await client.health().then(
        () => true,
        () => false
      )
    ) {
      break;
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`mpijob serve did not answer in time: ${log}`);
    }
    await new Promise(resolve => setTimeout(resolve, 150));
  }
  return {
    client,
    socketPath,
    stop: async () => {
      if (process.env.MPIJOB_TEST_SERVICE_LOG) {
        process.stderr.write(log);
      }
      await client.close();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise(resolve => child.once('exit', resolve));
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
}

/** Namespaces made by {@link createNamespace}, for {@link deleteNamespaces}. */
const made: string[] = [];

/**
 * Creates a namespace of this run whose default ServiceAccount exists (pods
 * need it); {@link deleteNamespaces} removes it afterwards.
 *
 * @param prefix - the start of its name
 * @returns its name
 */
export async function createNamespace(prefix: string): Promise<string> {
  const name = uniqueNamespace(prefix);
  const created = await kubectl(['create', 'namespace', name]);
  if (created.code !== 0) {
    throw new Error(`kubectl create namespace ${name}: ${created.stderr}`);
  }
  made.push(name);
  for (let i = 0; i < 100; i++) {
    if (
      (await kubectl(['-n', name, 'get', 'serviceaccount', 'default'])).code ===
      0
    ) {
      break;
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  return name;
}

/** Deletes the namespaces this run made (without waiting for them to go). */
export async function deleteNamespaces(): Promise<void> {
  const names = made.splice(0);
  if (names.length) {
    await kubectl(['delete', 'namespace', '--wait=false', ...names]);
  }
}
