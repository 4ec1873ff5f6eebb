/**
 * The small part of the Kubernetes object model that our manifests use.
 * Plain data, so core stays free of client libraries.
 */

/** Labels and annotations. */
export type StringMap = Record<string, string>;

/** Object metadata as we render it. */
export interface IObjectMeta {
  /** Object name. */
  name: string;
  /** Namespace; absent for cluster-scoped objects. */
  namespace?: string;
  /** Labels. */
  labels?: StringMap;
  /** Annotations. */
  annotations?: StringMap;
  /** Other metadata fields of objects read back from YAML. */
  [key: string]: unknown;
}

/** Any Kubernetes object. */
export interface IKubeObject {
  /** API group/version. */
  apiVersion: string;
  /** Kind. */
  kind: string;
  /** Metadata. */
  metadata: IObjectMeta;
  /** Kind-specific fields (spec, data, …). */
  [key: string]: unknown;
}

/** The API group/version of MPIJobs that the mpi-operator v2 serves. */
export const MPIJOB_API_VERSION = 'kubeflow.org/v2beta1';

/** Resource name of MPIJobs, as kubectl prints it. */
export const MPIJOB_RESOURCE = 'mpijobs.kubeflow.org';

/** Label every object of a job carries, so pods, ConfigMaps and policies can be found. */
export const JOB_NAME_LABEL = 'jupyterlab-mpijob/job-name';

/** `app.kubernetes.io/managed-by` value of objects we create. */
export const MANAGED_BY = 'jupyterlab-mpijob';

/** Resource name of NVIDIA GPUs (device plugin). */
export const GPU_RESOURCE = 'nvidia.com/gpu';

/** The largest a ConfigMap's data may be (the API server's limit). */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
