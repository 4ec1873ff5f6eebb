/**
 * Which cluster, user and namespace: kubectl's rules. `--kubeconfig`, else
 * $KUBECONFIG, else ~/.kube/config; in a pod without any of those, the
 * in-cluster service account. `--context` picks a context; the namespace is
 * `-n`, else the context's, else (in a pod, e.g. a notebook server) the
 * pod's own, else `default`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { KubeConfig } from '@kubernetes/client-node';

import { BackendError } from '../errors';

/** How to reach a cluster. */
export interface IKubeConnectionOptions {
  /** Path of a kubeconfig file (`--kubeconfig`). */
  readonly kubeconfig?: string;
  /** Context name (`--context`). */
  readonly context?: string;
  /** Where a pod finds its namespace (tests point it elsewhere). */
  readonly podNamespaceFile?: string;
}

/** A loaded connection. */
export interface IKubeConnection {
  /** The client configuration. */
  readonly config: KubeConfig;
  /** The namespace of the context (or the pod's own), `default` otherwise. */
  readonly namespace: string;
  /** The API server URL, for messages. */
  readonly server: string;
  /** The user name of the context, for messages. */
  readonly user: string;
}

/** Where Kubernetes tells a pod its namespace (the service account's). */
export const POD_NAMESPACE_FILE =
  '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * Loads the kubeconfig (or the in-cluster configuration).
 *
 * @param options - `--kubeconfig` and `--context`
 * @param env - the environment to read KUBECONFIG and KUBERNETES_SERVICE_HOST from
 * @returns the connection
 * @throws {BackendError} BadRequest when no configuration or no such context exists
 */
export function loadKubeConnection(
  options: IKubeConnectionOptions = {},
  env: NodeJS.ProcessEnv = process.env
): IKubeConnection {
  const config = new KubeConfig();
  const file = options.kubeconfig ?? firstExisting(env.KUBECONFIG);
  const fallback = join(homedir(), '.kube', 'config');
  try {
    if (file) {
      config.loadFromFile(file);
    } else if (existsSync(fallback)) {
      config.loadFromFile(fallback);
    } else if (env.KUBERNETES_SERVICE_HOST) {
      config.loadFromCluster();
    } else {
      throw new BackendError(
        'BadRequest',
        'no Kubernetes configuration: pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config (for example with your platform\'s "copy login command")'
      );
    }
  } catch (error) {
    if (error instanceof BackendError) {
      throw error;
    }
    throw new BackendError(
      'BadRequest',
      `cannot read the kubeconfig ${file ?? fallback}: ${(error as Error).message}`
    );
  }
  if (options.context) {
    if (!config.getContextObject(options.context)) {
      const known = config.getContexts().map(c => c.name);
      throw new BackendError(
        'BadRequest',
        `context "${options.context}" does not exist in the kubeconfig` +
          (known.length ? `; contexts: ${known.join(', ')}` : '')
      );
    }
    config.setCurrentContext(options.context);
  }
  const context = config.getContextObject(config.getCurrentContext());
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new BackendError(
      'BadRequest',
      `the kubeconfig has no cluster for context "${config.getCurrentContext()}": set current-context or pass --context`
    );
  }
  return {
    config,
    namespace:
      context?.namespace ??
      podNamespace(options.podNamespaceFile ?? POD_NAMESPACE_FILE) ??
      'default',
    server: cluster.server,
    user: context?.user ?? config.getCurrentUser()?.name ?? 'unknown'
  };
}

function firstExisting(list: string | undefined): string | undefined {
  // KUBECONFIG may list several files; like kubectl, the first one sets the context.
  return (list ?? '')
    .split(':')
    .filter(Boolean)
    .find(path => existsSync(path));
}

/** The namespace of the pod we run in (a notebook server's), if we run in one. */
function podNamespace(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
