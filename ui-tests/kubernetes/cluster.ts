/**
 * The test control plane of testenv/, for the UI tests on the Kubernetes
 * backend: kubectl as its admin, and namespaces of this run.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const TESTENV =
  process.env.MPIJOB_TESTENV_DIR ?? path.join(ROOT, 'testenv', '.run');
const KUBECTL = path.join(ROOT, 'testenv', '.bin', 'kubectl');

/**
 * Runs kubectl as the admin of the test control plane.
 *
 * @param args - its arguments
 * @param input - its standard input
 * @returns its output
 */
export function kubectl(args: readonly string[], input?: string): string {
  return execFileSync(
    KUBECTL,
    [
      '--kubeconfig',
      path.join(TESTENV, 'kubeconfig'),
      '--context',
      'testenv',
      ...args
    ],
    { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }
  );
}

/**
 * Creates a namespace of this run, with its default ServiceAccount (pods need it).
 *
 * @param prefix - the start of its name
 * @returns its name
 */
export function createNamespace(prefix: string): string {
  const name = `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  kubectl(['create', 'namespace', name]);
  for (let i = 0; i < 100; i++) {
    try {
      kubectl(['-n', name, 'get', 'serviceaccount', 'default']);
      return name;
    } catch {
      execFileSync('sleep', ['0.2']);
    }
  }
  throw new Error(`no default ServiceAccount in ${name}`);
}

/**
 * Deletes namespaces of this run (in the background: nothing waits on it).
 *
 * @param names - the namespaces
 */
export function deleteNamespaces(names: readonly string[]): void {
  if (names.length) {
    kubectl(['delete', 'namespace', '--wait=false', ...names]);
  }
}

/**
 * A small MPIJob as someone would create it with kubectl (not from the panel).
 *
 * @param name - its name
 * @returns the manifest, as JSON
 */
export function mpiJobManifest(name: string): string {
  const replica = {
    replicas: 1,
    template: {
      spec: {
        containers: [
          {
            name: 'main',
            image: 'mpioperator/mpi-pi:openmpi',
            command: ['mpirun', '-n', '1', '/home/mpiuser/pi']
          }
        ]
      }
    }
  };
  return JSON.stringify({
    apiVersion: 'kubeflow.org/v2beta1',
    kind: 'MPIJob',
    metadata: { name },
    spec: {
      slotsPerWorker: 1,
      mpiReplicaSpecs: { Launcher: replica, Worker: replica }
    }
  });
}
