/**
 * How a job is named across every layer: by namespace and name, as a map
 * key and as the service's API path.
 */

/** A job's identity. */
export interface IJobKey {
  /** Kubernetes namespace (a plain label on the local backend). */
  readonly namespace: string;
  /** Name of the job. */
  readonly name: string;
}

/**
 * The one string form of a job's identity, for maps and messages.
 *
 * @param job - namespace and name
 * @returns `namespace/name`
 */
export function jobKey(job: IJobKey): string {
  return `${job.namespace}/${job.name}`;
}

/**
 * The service's path of a job (below its API prefix), each part escaped.
 *
 * @param job - namespace and name
 * @param tail - a sub-resource such as `stream` or `logs`; none for the job itself
 * @returns `jobs/<namespace>/<name>[/<tail>]`
 */
export function jobApiPath(job: IJobKey, tail = ''): string {
  const path = `jobs/${encodeURIComponent(job.namespace)}/${encodeURIComponent(job.name)}`;
  return tail ? `${path}/${tail}` : path;
}
