/**
 * What a whole MPIJob gang (launcher + every worker) asks of a namespace, and
 * whether its ResourceQuotas leave room for it: an MPI job is all or nothing,
 * so a quota that admits half the workers only wastes the other half.
 */
import type { IKubeObject } from './kube';
import { GPU_RESOURCE } from './kube';
import { formatQuantity, parseQuantity } from './quantity';

/** Totals over all pods of a gang, in base units. */
export interface IGangResources {
  /** Pods: 1 launcher + workers. */
  readonly pods: number;
  /** Workers. */
  readonly workers: number;
  /** Summed requests; a container without requests counts its limits, as the API server defaults them. */
  readonly requests: Readonly<Record<string, number>>;
  /** Summed limits. */
  readonly limits: Readonly<Record<string, number>>;
}

/** A ResourceQuota, as read from the API. */
export interface IResourceQuotaLike {
  readonly metadata?: { readonly name?: string } | null;
  readonly status?: {
    readonly hard?: Readonly<Record<string, string>> | null;
    readonly used?: Readonly<Record<string, string>> | null;
  } | null;
  readonly spec?: {
    readonly hard?: Readonly<Record<string, string>> | null;
  } | null;
}

/** One quota that cannot hold the gang. */
export interface IQuotaShortfall {
  /** Quota name. */
  readonly quota: string;
  /** Quota key, e.g. `requests.nvidia.com/gpu`. */
  readonly resource: string;
  /** What the gang needs, formatted. */
  readonly needed: string;
  /** What is left, formatted. */
  readonly available: string;
  /** The hard limit, formatted. */
  readonly hard: string;
}

type ReplicaSpec = {
  replicas?: number;
  template?: {
    spec?: {
      containers?: Array<{
        resources?: {
          requests?: Record<string, string | number>;
          limits?: Record<string, string | number>;
        };
      }>;
    };
  };
};

/**
 * Sums the resources of every pod an MPIJob will create.
 *
 * @param mpiJob - a kubeflow.org/v2beta1 MPIJob
 * @returns pods, requests and limits of launcher + workers
 */
export function gangResources(mpiJob: IKubeObject): IGangResources {
  const specs = ((mpiJob.spec as Record<string, unknown> | undefined)
    ?.mpiReplicaSpecs ?? {}) as Record<string, ReplicaSpec | undefined>;
  const requests: Record<string, number> = {};
  const limits: Record<string, number> = {};
  let pods = 0;
  let workers = 0;
  for (const [role, replica] of Object.entries(specs)) {
    const count = replica?.replicas ?? (role === 'Launcher' ? 1 : 0);
    pods += count;
    if (role === 'Worker') {
      workers += count;
    }
    for (const container of replica?.template?.spec?.containers ?? []) {
      const limit = container.resources?.limits ?? {};
      const request = { ...limit, ...(container.resources?.requests ?? {}) };
      add(requests, request, count);
      add(limits, limit, count);
    }
  }
  return { pods, workers, requests, limits };
}

/**
 * The quota keys a gang consumes, with how much: `pods`, `requests.cpu`,
 * `cpu` (an alias of requests.cpu), `limits.memory`, `requests.nvidia.com/gpu`…
 *
 * @param gang - from {@link gangResources}
 * @returns needed amount per quota key
 */
export function quotaDemand(gang: IGangResources): Map<string, number> {
  const demand = new Map<string, number>([
    ['pods', gang.pods],
    ['count/pods', gang.pods]
  ]);
  for (const [resource, value] of Object.entries(gang.requests)) {
    demand.set(`requests.${resource}`, value);
    if (resource === 'cpu' || resource === 'memory') {
      demand.set(resource, value);
    }
  }
  for (const [resource, value] of Object.entries(gang.limits)) {
    demand.set(`limits.${resource}`, value);
  }
  return demand;
}

/**
 * Quotas that lack room for the whole gang.
 *
 * @param quotas - the namespace's ResourceQuotas (status.used is read when present)
 * @param gang - from {@link gangResources}
 * @returns one entry per quota key that would be exceeded, in quota order
 */
export function quotaShortfalls(
  quotas: readonly IResourceQuotaLike[],
  gang: IGangResources
): IQuotaShortfall[] {
  const demand = quotaDemand(gang);
  const out: IQuotaShortfall[] = [];
  for (const quota of quotas) {
    const hard = quota.status?.hard ?? quota.spec?.hard ?? {};
    const used = quota.status?.used ?? {};
    for (const [resource, hardText] of Object.entries(hard)) {
      const needed = demand.get(resource);
      const limit = parseQuantity(hardText);
      if (needed === undefined || needed === 0 || limit === null) {
        continue;
      }
      const available = limit - (parseQuantity(used[resource]) ?? 0);
      if (needed > available + 1e-9) {
        out.push({
          quota: quota.metadata?.name ?? '(unnamed)',
          resource,
          needed: formatQuantity(resource, needed),
          available: formatQuantity(resource, Math.max(0, available)),
          hard: formatQuantity(resource, limit)
        });
      }
    }
  }
  return out;
}

/** GPUs one worker pod asks for. */
export function gpusPerWorker(mpiJob: IKubeObject): number {
  const gang = gangResources(mpiJob);
  if (gang.workers === 0) {
    return 0;
  }
  const specs = ((mpiJob.spec as Record<string, unknown> | undefined)
    ?.mpiReplicaSpecs ?? {}) as Record<string, ReplicaSpec | undefined>;
  let total = 0;
  for (const container of specs.Worker?.template?.spec?.containers ?? []) {
    const limits = container.resources?.limits ?? {};
    total += parseQuantity(limits[GPU_RESOURCE]) ?? 0;
  }
  return total;
}

function add(
  into: Record<string, number>,
  resources: Record<string, string | number>,
  count: number
): void {
  for (const [name, text] of Object.entries(resources)) {
    const value = parseQuantity(text);
    if (value !== null && count > 0) {
      into[name] = (into[name] ?? 0) + value * count;
    }
  }
}
