/**
 * The API calls the kubernetes backend makes, each through
 * @kubernetes/client-node and each turning failures into BackendErrors that
 * name the verb and resource.
 */
import {
  ApisApi,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  VersionApi
} from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';

import type { IKubeObject } from '../../../core/kube';
import type { IEventLike, IPodLike } from '../../../core/status';
import type { IKubeConnection } from './config';
import type { IApiAction } from './errors';
import { isQuotaPending, toBackendError } from './errors';
import type { IListResult } from './resourceWatch';

/** MPIJobs' group, version and plural. */
export const MPIJOBS = {
  group: 'kubeflow.org',
  version: 'v2beta1',
  plural: 'mpijobs'
} as const;

/** Attempts while a new ResourceQuota has no usage yet (500 ms apart). */
const QUOTA_RETRIES = 20;

/** The resource name kubectl prints for MPIJobs. */
export const MPIJOBS_RESOURCE = 'mpijobs.kubeflow.org';

/** A pod as listed or watched (plain JSON or the client's model). */
export type PodObject = IPodLike & {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
};

/** An event as listed or watched. */
export type EventObject = IEventLike & {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
};

/** Typed clients of one connection, with error mapping. */
export class KubeApi {
  readonly connection: IKubeConnection;
  readonly config: KubeConfig;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly networking: NetworkingV1Api;
  private readonly authorization: AuthorizationV1Api;
  private readonly apis: ApisApi;
  private readonly version: VersionApi;

  constructor(connection: IKubeConnection) {
    this.connection = connection;
    this.config = connection.config;
    this.core = this.config.makeApiClient(CoreV1Api);
    this.custom = this.config.makeApiClient(CustomObjectsApi);
    this.networking = this.config.makeApiClient(NetworkingV1Api);
    this.authorization = this.config.makeApiClient(AuthorizationV1Api);
    this.apis = this.config.makeApiClient(ApisApi);
    this.version = this.config.makeApiClient(VersionApi);
  }

  /**
   * Runs one call, mapping its failure.
   *
   * @param action - verb, resource, name, namespace for the message
   * @param call - the call
   * @returns its result
   */
  async call<T>(action: IApiAction, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        // A quota the controller has not counted yet refuses every create
        // for a moment (a new namespace or quota): wait, as kubectl users retry.
        if (isQuotaPending(error) && attempt < QUOTA_RETRIES) {
          await new Promise(resolve => setTimeout(resolve, 500));
          continue;
        }
        throw toBackendError(error, action, this.connection);
      }
    }
  }

  /** The server's version, e.g. `v1.35.4`. */
  serverVersion(): Promise<string> {
    return this.call({ verb: 'get', resource: 'version' }, async () => {
      const info = await this.version.getCode();
      return info.gitVersion;
    });
  }

  /** Versions the API server serves of a group (discovery; any user may read it). */
  groupVersions(group: string): Promise<string[]> {
    return this.call({ verb: 'discover', resource: 'API groups' }, async () => {
      const list = await this.apis.getAPIVersions();
      const found = list.groups.find(g => g.name === group);
      return found ? found.versions.map(v => v.version) : [];
    });
  }

  /** Whether the current user may do something (SelfSubjectAccessReview). */
  canI(
    verb: string,
    resource: string,
    group: string,
    namespace: string,
    subresource?: string
  ): Promise<{ allowed: boolean; reason?: string }> {
    return this.call(
      { verb: 'create', resource: 'selfsubjectaccessreviews' },
      async () => {
        const review = await this.authorization.createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: {
              resourceAttributes: {
                verb,
                resource,
                group,
                namespace,
                subresource
              }
            }
          }
        });
        return {
          allowed: review.status?.allowed === true,
          reason: review.status?.reason
        };
      }
    );
  }

  /**
   * Creates a namespaced object (in the connection's namespace when it
   * names none), logged and mapped like every call.
   */
  private create(
    resource: string,
    object: IKubeObject,
    send: (namespace: string) => Promise<unknown>
  ): Promise<IKubeObject> {
    const namespace = object.metadata.namespace ?? this.connection.namespace;
    return this.call(
      { verb: 'create', resource, name: object.metadata.name, namespace },
      () => send(namespace) as Promise<IKubeObject>
    );
  }

  getMpiJob(namespace: string, name: string): Promise<IKubeObject> {
    return this.call(
      { verb: 'get', resource: MPIJOBS_RESOURCE, name, namespace },
      () =>
        this.custom.getNamespacedCustomObject({
          ...MPIJOBS,
          namespace,
          name
        }) as Promise<IKubeObject>
    );
  }

  listMpiJobs(namespace?: string): Promise<IListResult<IKubeObject>> {
    const action = { verb: 'list', resource: MPIJOBS_RESOURCE, namespace };
    return this.call(
      action,
      () =>
        (namespace
          ? this.custom.listNamespacedCustomObject({ ...MPIJOBS, namespace })
          : this.custom.listClusterCustomObject({ ...MPIJOBS })) as Promise<
          IListResult<IKubeObject>
        >
    );
  }

  createMpiJob(object: IKubeObject, dryRun: boolean): Promise<IKubeObject> {
    return this.create(MPIJOBS_RESOURCE, object, namespace =>
      this.custom.createNamespacedCustomObject({
        ...MPIJOBS,
        namespace,
        body: object,
        dryRun: dryRun ? 'All' : undefined,
        fieldValidation: 'Strict'
      })
    );
  }

  deleteMpiJob(namespace: string, name: string): Promise<void> {
    return this.call(
      { verb: 'delete', resource: MPIJOBS_RESOURCE, name, namespace },
      async () => {
        await this.custom.deleteNamespacedCustomObject({
          ...MPIJOBS,
          namespace,
          name,
          propagationPolicy: 'Foreground'
        });
      }
    );
  }

  createConfigMap(object: IKubeObject, dryRun: boolean): Promise<IKubeObject> {
    return this.create('configmaps', object, namespace =>
      this.core.createNamespacedConfigMap({
        namespace,
        body: object as never,
        dryRun: dryRun ? 'All' : undefined
      })
    );
  }

  deleteConfigMap(namespace: string, name: string): Promise<void> {
    return this.call(
      { verb: 'delete', resource: 'configmaps', name, namespace },
      async () => {
        await this.core.deleteNamespacedConfigMap({ namespace, name });
      }
    );
  }

  getConfigMap(namespace: string, name: string): Promise<IKubeObject> {
    return this.call(
      { verb: 'get', resource: 'configmaps', name, namespace },
      () =>
        this.core.readNamespacedConfigMap({
          namespace,
          name
        }) as unknown as Promise<IKubeObject>
    );
  }

  /** Makes an object owned by the MPIJob, so deleting the job deletes it. */
  setConfigMapOwner(
    namespace: string,
    name: string,
    owner: IKubeObject
  ): Promise<void> {
    return this.call(
      { verb: 'patch', resource: 'configmaps', name, namespace },
      async () => {
        await this.core.patchNamespacedConfigMap(
          {
            namespace,
            name,
            body: { metadata: { ownerReferences: [ownerReference(owner)] } }
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
        );
      }
    );
  }

  createNetworkPolicy(
    object: IKubeObject,
    dryRun: boolean
  ): Promise<IKubeObject> {
    return this.create('networkpolicies.networking.k8s.io', object, namespace =>
      this.networking.createNamespacedNetworkPolicy({
        namespace,
        body: object as never,
        dryRun: dryRun ? 'All' : undefined
      })
    );
  }

  listPods(
    namespace: string | undefined,
    labelSelector: string
  ): Promise<IListResult<PodObject>> {
    return this.call(
      { verb: 'list', resource: 'pods', namespace },
      () =>
        (namespace
          ? this.core.listNamespacedPod({ namespace, labelSelector })
          : this.core.listPodForAllNamespaces({ labelSelector })) as Promise<
          IListResult<PodObject>
        >
    );
  }

  listEvents(namespace?: string): Promise<IListResult<EventObject>> {
    return this.call(
      { verb: 'list', resource: 'events', namespace },
      () =>
        (namespace
          ? this.core.listNamespacedEvent({ namespace })
          : this.core.listEventForAllNamespaces()) as Promise<
          IListResult<EventObject>
        >
    );
  }

  listResourceQuotas(namespace: string): Promise<IListResult<IKubeObject>> {
    return this.call(
      { verb: 'list', resource: 'resourcequotas', namespace },
      () =>
        this.core.listNamespacedResourceQuota({
          namespace
        }) as unknown as Promise<IListResult<IKubeObject>>
    );
  }

  /** Names of every namespace not being deleted (cluster-wide list; needs `list namespaces`). */
  listNamespaceNames(): Promise<string[]> {
    return this.call({ verb: 'list', resource: 'namespaces' }, async () => {
      const list = await this.core.listNamespace();
      return list.items
        .filter(n => n.status?.phase !== 'Terminating')
        .map(n => n.metadata?.name ?? '')
        .filter(name => name !== '');
    });
  }

  /**
   * Names of the OpenShift projects the user may see (any user may list
   * them there); null where the cluster has no project API.
   */
  listProjectNames(): Promise<string[] | null> {
    return this.call({ verb: 'list', resource: 'projects' }, async () => {
      try {
        const list = (await this.custom.listClusterCustomObject({
          group: 'project.openshift.io',
          version: 'v1',
          plural: 'projects'
        })) as { items?: IKubeObject[] };
        return (list.items ?? []).map(p => p.metadata.name);
      } catch (error) {
        if ((error as { code?: unknown }).code === 404) {
          return null;
        }
        throw error;
      }
    });
  }

  /**
   * Whether a namespace exists.
   *
   * @returns true or false; null when the user may not tell (403)
   */
  namespaceExists(name: string): Promise<boolean | null> {
    return this.call(
      { verb: 'get', resource: 'namespaces', name },
      async () => {
        try {
          await this.core.readNamespace({ name });
          return true;
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (code === 404) {
            return false;
          }
          if (code === 403) {
            return null;
          }
          throw error;
        }
      }
    );
  }

  listNodes(): Promise<IListResult<IKubeObject>> {
    return this.call(
      { verb: 'list', resource: 'nodes' },
      () => this.core.listNode() as unknown as Promise<IListResult<IKubeObject>>
    );
  }
}

/**
 * An ownerReference to an object, with blockOwnerDeletion so a foreground
 * delete of the owner waits for it.
 *
 * @param owner - the owner as the API server returned it (with uid)
 * @returns the reference
 */
export function ownerReference(owner: IKubeObject): Record<string, unknown> {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: false,
    blockOwnerDeletion: true
  };
}
