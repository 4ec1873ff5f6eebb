/**
 * What a scale run sets up on the cluster, as its admin: a namespace whose
 * pods land only on the simulated (KWOK) nodes made for the run (the API
 * server's PodNodeSelector and PodTolerationRestriction admission plugins
 * add the selector and toleration), those nodes, and their removal.
 */
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';

import { MPIJOBS } from '../../backends/kubernetes/api';
import { OPERATOR_PODS } from '../../backends/kubernetes/jobWatcher';

/** Label (and taint key) of the nodes of one run; its value is the run's id. */
export const SCALE_NODE_LABEL = 'mpijob-bench/scale';

/** Nodes and namespace of one run. */
export interface IScaleCluster {
  /** The namespace of the jobs. */
  readonly namespace: string;
  /** The nodes made for the run. */
  readonly nodes: readonly string[];
}

/** Node shape of a run. */
export interface INodeShape {
  readonly count: number;
  readonly podsPerNode: number;
  readonly gpusPerNode: number;
}

/**
 * How many nodes hold the pods and GPUs of a run, with one to spare.
 *
 * @param pods - pods of all jobs
 * @param gpus - GPUs of all workers
 * @param podsPerNode - pods a node takes
 * @param gpusPerNode - GPUs a node has
 * @returns the node count
 */
export function nodesNeeded(
  pods: number,
  gpus: number,
  podsPerNode: number,
  gpusPerNode: number
): number {
  const forGpus = gpus === 0 ? 0 : Math.ceil(gpus / Math.max(1, gpusPerNode));
  return Math.max(Math.ceil(pods / podsPerNode), forGpus) + 1;
}

/** The admin's view of the cluster for one run. */
export class ScaleCluster {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  /**
   * @param config - the admin's kubeconfig
   * @param id - the run's id (names the namespace and nodes)
   */
  constructor(
    config: KubeConfig,
    readonly id: string
  ) {
    this.core = config.makeApiClient(CoreV1Api);
    this.custom = config.makeApiClient(CustomObjectsApi);
  }

  /** The namespace of the run's jobs. */
  get namespace(): string {
    return `scale-${this.id}`;
  }

  /**
   * Makes the nodes and the namespace; waits until the nodes are Ready and
   * the namespace has its default ServiceAccount.
   *
   * @param shape - how many nodes, of what size
   * @returns the node names
   * @throws {Error} when they do not get ready within two minutes
   */
  async setUp(shape: INodeShape): Promise<string[]> {
    const names = Array.from(
      { length: shape.count },
      (_, i) => `scale-${this.id}-${i}`
    );
    const capacity = {
      cpu: '128',
      memory: '1Ti',
      pods: String(shape.podsPerNode),
      'nvidia.com/gpu': String(shape.gpusPerNode)
    };
    for (const name of names) {
      await this.core.createNode({
        body: {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name,
            annotations: {
              'kwok.x-k8s.io/node': 'fake',
              'node.alpha.kubernetes.io/ttl': '0'
            },
            labels: {
              'kubernetes.io/hostname': name,
              'kubernetes.io/os': 'linux',
              'kubernetes.io/arch': 'amd64',
              type: 'kwok',
              'nvidia.com/gpu.present': 'true',
              [SCALE_NODE_LABEL]: this.id
            }
          },
          spec: {
            taints: [
              { key: SCALE_NODE_LABEL, value: this.id, effect: 'NoSchedule' }
            ]
          },
          status: { allocatable: capacity, capacity }
        }
      });
    }
    await this.core.createNamespace({
      body: {
        metadata: {
          name: this.namespace,
          annotations: {
            'scheduler.alpha.kubernetes.io/node-selector': `${SCALE_NODE_LABEL}=${this.id}`,
            'scheduler.alpha.kubernetes.io/defaultTolerations': JSON.stringify([
              {
                key: SCALE_NODE_LABEL,
                operator: 'Equal',
                value: this.id,
                effect: 'NoSchedule'
              }
            ])
          }
        }
      }
    });
    await until(120_000, 'the scale nodes to be Ready', async () => {
      const nodes = await this.core.listNode({
        labelSelector: `${SCALE_NODE_LABEL}=${this.id}`
      });
      return (
        nodes.items.filter(n =>
          n.status?.conditions?.some(
            c => c.type === 'Ready' && c.status === 'True'
          )
        ).length === names.length
      );
    });
    await until(60_000, 'the default ServiceAccount', async () =>
      this.core
        .readNamespacedServiceAccount({
          name: 'default',
          namespace: this.namespace
        })
        .then(
          () => true,
          () => false
        )
    );
    return names;
  }

  /**
   * Counts what is left of the run's jobs.
   *
   * @returns MPIJobs, operator pods and ConfigMaps of jobs in the namespace
   */
  async leftovers(): Promise<Record<string, number>> {
    const namespace = this.namespace;
    const [jobs, pods, configMaps] = await Promise.all([
      this.custom.listNamespacedCustomObject({
        group: MPIJOBS.group,
        version: MPIJOBS.version,
        plural: MPIJOBS.plural,
        namespace
      }) as Promise<{ items: unknown[] }>,
      this.core.listNamespacedPod({ namespace, labelSelector: OPERATOR_PODS }),
      this.core.listNamespacedConfigMap({ namespace })
    ]);
    return {
      mpijobs: jobs.items.length,
      pods: pods.items.length,
      // kube-root-ca.crt is the namespace's own.
      configmaps: configMaps.items.filter(
        c => c.metadata?.name !== 'kube-root-ca.crt'
      ).length
    };
  }

  /**
   * Removes the namespace and the nodes (what is left on them goes with them).
   */
  async tearDown(): Promise<void> {
    await this.core
      .deleteNamespace({ name: this.namespace })
      .catch(() => undefined);
    await this.core
      .deleteCollectionNode({
        labelSelector: `${SCALE_NODE_LABEL}=${this.id}`
      })
      .catch(() => undefined);
  }
}

/**
 * Polls a condition (a setup step: not measured).
 *
 * @param ms - how long to wait
 * @param what - what is awaited, for the error
 * @param check - the condition
 * @throws {Error} when it did not hold in time
 */
export async function until(
  ms: number,
  what: string,
  check: () => Promise<boolean>
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}
