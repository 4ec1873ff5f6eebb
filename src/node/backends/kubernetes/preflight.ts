/**
 * Checks before a job is submitted to a cluster, each saying what is missing
 * and how an admin fixes it: the API answers, MPIJob v2beta1 is served, the
 * user may do what the job needs (SelfSubjectAccessReview), the namespace's
 * quotas hold the whole gang, GPUs exist for the workers, and the gang
 * scheduler asked for is installed.
 */
import type { IGangResources } from '../../../core/gang';
import {
  gangResources,
  gpusPerWorker,
  quotaShortfalls
} from '../../../core/gang';
import type {
  IPreflightCheck,
  IPreflightReport
} from '../../../core/jobRecord';
import type { IKubeObject } from '../../../core/kube';
import { knownImageWithoutPython } from '../../../core/imageRef';
import { GPU_RESOURCE } from '../../../core/kube';
import { parseQuantity } from '../../../core/quantity';
import { fieldTitles } from '../../../core/spec';
import type { IResourceQuotaLike } from '../../../core/gang';
import type { KubeApi } from './api';
import { MPIJOBS } from './api';
import { errorMessage } from '../../../core/errors';

/** One permission the backend needs. */
interface IPermission {
  readonly verb: string;
  readonly resource: string;
  readonly group: string;
  readonly subresource?: string;
  /** Without it the job cannot be submitted (error) or is only harder to follow (warning). */
  readonly severity: 'error' | 'warning';
  /** Only when the job has a NetworkPolicy. */
  readonly networkPolicy?: boolean;
}

const PERMISSIONS: readonly IPermission[] = [
  {
    verb: 'create',
    resource: 'mpijobs',
    group: 'kubeflow.org',
    severity: 'error'
  },
  { verb: 'create', resource: 'configmaps', group: '', severity: 'error' },
  { verb: 'patch', resource: 'configmaps', group: '', severity: 'error' },
  {
    verb: 'create',
    resource: 'networkpolicies',
    group: 'networking.k8s.io',
    severity: 'error',
    networkPolicy: true
  },
  {
    verb: 'watch',
    resource: 'mpijobs',
    group: 'kubeflow.org',
    severity: 'warning'
  },
  { verb: 'watch', resource: 'pods', group: '', severity: 'warning' },
  {
    verb: 'get',
    resource: 'pods',
    group: '',
    subresource: 'log',
    severity: 'warning'
  },
  {
    verb: 'delete',
    resource: 'mpijobs',
    group: 'kubeflow.org',
    severity: 'warning'
  }
];

/** Gang schedulers: the API group whose PodGroups the operator creates. */
const GANG_GROUPS: Readonly<
  Record<string, { group: string; title: string; install: string }>
> = {
  volcano: {
    group: 'scheduling.volcano.sh',
    title: 'Volcano',
    install:
      'An admin installs Volcano (https://volcano.sh) and starts the mpi-operator with --gang-scheduling=volcano'
  },
  'scheduler-plugins': {
    group: 'scheduling.x-k8s.io',
    title: 'scheduler-plugins (coscheduling)',
    install:
      'An admin installs scheduler-plugins with the Coscheduling plugin and starts the mpi-operator with --gang-scheduling=scheduler-plugins-scheduler'
  }
};

/** What preflight is asked about. */
export interface IKubePreflightInput {
  /** The namespace the job goes to. */
  readonly namespace: string;
  /** The MPIJob about to be created, when there is one. */
  readonly mpiJob?: IKubeObject;
  /** Whether a NetworkPolicy is created with it. */
  readonly networkPolicy?: boolean;
  /** The gang scheduler asked for, if any. */
  readonly gang?: string;
  /** The job runs a packaged notebook (its image must hold Python and mpi4py). */
  readonly runsNotebook?: boolean;
}

/**
 * Runs every check.
 *
 * @param api - the cluster
 * @param input - namespace and job
 * @returns the report; ok when no error-severity check failed
 */
export async function kubePreflight(
  api: KubeApi,
  input: IKubePreflightInput
): Promise<IPreflightReport> {
  const checks: IPreflightCheck[] = [];
  const { namespace } = input;
  const server = api.connection.server;

  try {
    const version = await api.serverVersion();
    checks.push(
      pass(
        'api',
        `Kubernetes ${version} at ${server} answers (user "${api.connection.user}")`
      )
    );
  } catch (error) {
    checks.push(
      fail(
        'api',
        errorMessage(error),
        'Check the kubeconfig context (--context, --kubeconfig) and that the cluster is reachable'
      )
    );
    return report(checks);
  }

  try {
    const versions = await api.groupVersions(MPIJOBS.group);
    checks.push(
      versions.includes(MPIJOBS.version)
        ? pass('crd', `MPIJob ${MPIJOBS.group}/${MPIJOBS.version} is served`)
        : fail(
            'crd',
            versions.length
              ? `the API server serves ${MPIJOBS.group} ${versions.join(', ')}, not ${MPIJOBS.version}`
              : `the API server has no ${MPIJOBS.group} API group: the MPIJob CRD is not installed`,
            'An admin installs the MPI Operator v2 and its CRD (mpi-operator v0.4 or newer serves kubeflow.org/v2beta1)'
          )
    );
  } catch (error) {
    checks.push(
      fail('crd', errorMessage(error), 'Check that the cluster is reachable')
    );
  }

  const exists = await api.namespaceExists(namespace).catch(() => null);
  if (exists === false) {
    checks.push(
      fail(
        'namespace',
        `namespace "${namespace}" does not exist`,
        `Choose a namespace you may create jobs in ("${fieldTitles('namespace').join(' › ')}"), or ask an admin to create it`,
        'namespace'
      )
    );
  } else if (exists) {
    checks.push(pass('namespace', `namespace "${namespace}" exists`));
  }

  const reviews = await Promise.all(
    PERMISSIONS.filter(p => !p.networkPolicy || input.networkPolicy).map(
      async permission => {
        const what = `${permission.verb} ${permission.resource}${permission.subresource ? `/${permission.subresource}` : ''}`;
        const name = `rbac:${permission.verb}-${permission.resource}${permission.subresource ? `-${permission.subresource}` : ''}`;
        try {
          const review = await api.canI(
            permission.verb,
            permission.resource,
            permission.group,
            namespace,
            permission.subresource
          );
          return review.allowed
            ? pass(name, `may ${what} in namespace "${namespace}"`)
            : {
                name,
                ok: false,
                severity: permission.severity,
                message: `user "${api.connection.user}" may not ${what} in namespace "${namespace}"`,
                fix: `Choose a namespace you may create jobs in, or ask an admin to grant it: \`mpijob admin templates -n ${namespace} --user ${api.connection.user}\` prints a Role and RoleBinding with exactly what jobs need`,
                ...(permission.severity === 'error'
                  ? { path: 'namespace' }
                  : {})
              };
        } catch (error) {
          return warn(
            name,
            `could not check "${what}": ${errorMessage(error)}`
          );
        }
      }
    )
  );
  checks.push(...reviews);

  if (input.mpiJob && input.runsNotebook) {
    checks.push(imageCheck(input.mpiJob));
  }
  if (input.mpiJob) {
    const gang = gangResources(input.mpiJob);
    checks.push(await quotaCheck(api, namespace, gang));
    const perWorker = gpusPerWorker(input.mpiJob);
    if (perWorker > 0) {
      checks.push(await gpuCheck(api, perWorker, gang.workers));
    }
  }
  if (input.gang && input.gang !== 'none') {
    checks.push(await gangCheck(api, input.gang));
  }
  return report(checks);
}

async function quotaCheck(
  api: KubeApi,
  namespace: string,
  gang: IGangResources
): Promise<IPreflightCheck> {
  let quotas: IResourceQuotaLike[];
  try {
    quotas = (await api.listResourceQuotas(namespace))
      .items as IResourceQuotaLike[];
  } catch (error) {
    return warn(
      'quota',
      `could not read the ResourceQuotas of "${namespace}": ${errorMessage(error)}`
    );
  }
  if (quotas.length === 0) {
    return pass('quota', `namespace "${namespace}" has no ResourceQuota`);
  }
  const shortfalls = quotaShortfalls(quotas, gang);
  if (shortfalls.length === 0) {
    return pass(
      'quota',
      `the quotas of "${namespace}" have room for the whole gang (${gang.pods} pods: 1 launcher + ${gang.workers} workers)`
    );
  }
  const detail = shortfalls
    .map(
      s =>
        `ResourceQuota "${s.quota}" has ${s.available} of ${s.resource} left (hard ${s.hard}), the job needs ${s.needed}`
    )
    .join('; ');
  return fail(
    'quota',
    `the whole gang (1 launcher + ${gang.workers} workers) does not fit the namespace's quota: ${detail}`,
    `Use fewer "${fieldTitles('workers').join(' › ')}" or smaller requests, delete finished jobs, or ask an admin to raise the quota; an MPI job runs only with all its pods`,
    'workers'
  );
}

async function gpuCheck(
  api: KubeApi,
  perWorker: number,
  workers: number
): Promise<IPreflightCheck> {
  let nodes: IKubeObject[];
  try {
    nodes = (await api.listNodes()).items;
  } catch (error) {
    return warn(
      'gpu',
      `could not list nodes to check GPU capacity (${errorMessage(error)}); the scheduler will tell if none fits`
    );
  }
  let fitting = 0;
  let gpuNodes = 0;
  let largest = 0;
  for (const node of nodes) {
    const spec = (node.spec ?? {}) as { unschedulable?: boolean };
    const allocatable =
      ((node.status ?? {}) as { allocatable?: Record<string, string> })
        .allocatable ?? {};
    const gpus = parseQuantity(allocatable[GPU_RESOURCE]) ?? 0;
    if (gpus > 0) {
      gpuNodes++;
    }
    if (!spec.unschedulable) {
      largest = Math.max(largest, gpus);
      if (gpus >= perWorker) {
        fitting += Math.floor(gpus / perWorker);
      }
    }
  }
  if (gpuNodes === 0) {
    return fail(
      'gpu',
      `no node advertises ${GPU_RESOURCE}: workers asking for ${perWorker} GPU(s) cannot be scheduled`,
      `An admin installs the NVIDIA GPU Operator or device plugin on the GPU nodes; or set "${fieldTitles('gpusPerWorker').join(' › ')}" to 0`,
      'gpusPerWorker'
    );
  }
  if (perWorker > largest) {
    // A worker is one pod: its GPUs must all come from one node.
    const same = Math.ceil((workers * perWorker) / Math.max(largest, 1));
    return fail(
      'gpu',
      largest === 0
        ? `no schedulable node has free ${GPU_RESOURCE} (the ${gpuNodes} GPU node(s) are cordoned): no worker of ${perWorker} GPU(s) can be scheduled`
        : `a worker asks for ${perWorker} GPUs, but the largest schedulable node offers ${largest}: a worker's GPUs must all be on one node`,
      largest === 0
        ? 'Ask an admin to uncordon a GPU node'
        : `Use at most ${largest} GPUs per worker (${same} workers × ${largest} GPUs give the same ${workers * perWorker} GPUs)`,
      'gpusPerWorker'
    );
  }
  if (fitting < workers) {
    return fail(
      'gpu',
      `the ${gpuNodes} GPU node(s) hold at most ${fitting} worker(s) of ${perWorker} GPU(s) (largest node: ${largest} GPUs); the job has ${workers}`,
      `Use at most ${fitting} worker(s) of ${perWorker} GPU(s), or ask an admin for more GPU nodes`,
      'workers'
    );
  }
  return pass(
    'gpu',
    `${gpuNodes} GPU node(s) can hold ${fitting} worker(s) of ${perWorker} GPU(s); the job needs ${workers}`
  );
}

async function gangCheck(api: KubeApi, gang: string): Promise<IPreflightCheck> {
  if (gang === 'any') {
    const results = await Promise.all(
      Object.keys(GANG_GROUPS).map(g => gangCheck(api, g))
    );
    return (
      results.find(r => r.ok) ?? {
        ...results[0],
        message: `the job has a schedulingPolicy, but neither Volcano nor scheduler-plugins is installed`,
        fix: `${GANG_GROUPS.volcano.install}; or remove runPolicy.schedulingPolicy`
      }
    );
  }
  const scheduler = GANG_GROUPS[gang];
  if (!scheduler) {
    return fail(
      'gang-scheduler',
      `unknown gang scheduler "${gang}"`,
      'Use volcano or scheduler-plugins',
      'scheduling.gang'
    );
  }
  try {
    const versions = await api.groupVersions(scheduler.group);
    return versions.length
      ? pass(
          'gang-scheduler',
          `${scheduler.title} is installed (${scheduler.group} ${versions.join(', ')})`
        )
      : fail(
          'gang-scheduler',
          `gang scheduling with ${scheduler.title} was asked for, but the API server has no ${scheduler.group} API group`,
          `${scheduler.install}; or set "${fieldTitles('scheduling.gang').join(' › ')}" to none`,
          'scheduling.gang'
        );
  } catch (error) {
    return warn(
      'gang-scheduler',
      `could not check for ${scheduler.title}: ${errorMessage(error)}`
    );
  }
}

function report(checks: IPreflightCheck[]): IPreflightReport {
  return {
    backend: 'kubernetes',
    ok: checks.every(c => c.ok || c.severity !== 'error'),
    checks
  };
}

// A notebook runs python3 with mpi4py in the image: an MPI base image has neither.
function imageCheck(mpiJob: IKubeObject): IPreflightCheck {
  const specs = (mpiJob.spec ?? {}) as {
    mpiReplicaSpecs?: Record<
      string,
      { template?: { spec?: { containers?: { image?: string }[] } } }
    >;
  };
  const image =
    specs.mpiReplicaSpecs?.Launcher?.template?.spec?.containers?.[0]?.image ??
    '';
  const bare = knownImageWithoutPython(image);
  return bare === null
    ? pass('image', `image ${image}`)
    : fail(
        'image',
        `${image} is an MPI base image without Python: the notebook's code needs python3 and mpi4py in the image, so every rank would fail to start`,
        `Set "${fieldTitles('image').join(' › ')}" to an image with Python, mpi4py and the MPI (images/ in jupyterlab-mpijob has recipes to build one); an admin can make it the default (\`mpijob admin default-image\` says how)`,
        'image'
      );
}

function pass(name: string, message: string): IPreflightCheck {
  return { name, ok: true, severity: 'error', message };
}

function fail(
  name: string,
  message: string,
  fix: string,
  path?: string
): IPreflightCheck {
  return path === undefined
    ? { name, ok: false, severity: 'error', message, fix }
    : { name, ok: false, severity: 'error', message, fix, path };
}

function warn(name: string, message: string): IPreflightCheck {
  return { name, ok: false, severity: 'warning', message };
}
