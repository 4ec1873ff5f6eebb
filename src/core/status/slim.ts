/**
 * Pods and events cut down to what the job model reads of them. A service
 * that watches 5,000 pods keeps them all in memory; most of a pod is its
 * volumes, mounts, environment, tolerations and the launcher's command,
 * which nothing here reads.
 */

// Each kept field: what a reader of the cut-down object uses it for.
const POD_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion', // the watch's resume point and record versions
  'labels', // job, role and index
  'creationTimestamp',
  'deletionTimestamp',
  'ownerReferences'
] as const;
const CONTAINER = [
  'name', // the log's container
  'image',
  'resources', // GPUs and requests in the topology
  'readinessProbe', // whether Ready is the container's start (timeline)
  'startupProbe'
] as const;
const POD_STATUS = [
  'phase',
  'reason',
  'message',
  'startTime',
  'conditions',
  'containerStatuses',
  'initContainerStatuses',
  'hostIP',
  'podIP'
] as const;
const EVENT = [
  'metadata',
  'type',
  'reason',
  'message',
  'involvedObject',
  'count',
  'firstTimestamp',
  'lastTimestamp',
  'eventTime'
] as const;

type Json = Record<string, unknown>;

function pick(object: unknown, keys: readonly string[]): Json | undefined {
  if (object === null || typeof object !== 'object') {
    return undefined;
  }
  const source = object as Json;
  const kept: Json = {};
  for (const key of keys) {
    if (source[key] !== undefined) {
      kept[key] = source[key];
    }
  }
  return kept;
}

/**
 * A pod with only what the job model reads (see core/status IPodLike, the
 * logs' container name and the timeline's probes).
 *
 * @param pod - a core/v1 Pod
 * @returns a new object; the pod itself is not changed
 */
export function slimPod<T>(pod: T): T {
  const source = pod as Json;
  const spec = source.spec as Json | undefined;
  const containers = spec?.containers;
  return {
    ...(source.kind === undefined ? {} : { kind: source.kind }),
    metadata: pick(source.metadata, POD_METADATA),
    spec: spec && {
      nodeName: spec.nodeName,
      containers: Array.isArray(containers)
        ? containers.map(c => pick(c, CONTAINER))
        : containers
    },
    status: pick(source.status, POD_STATUS)
  } as T;
}

/**
 * An event with only what the job model and the job view read.
 *
 * @param event - a core/v1 Event
 * @returns a new object; the event itself is not changed
 */
export function slimEvent<T>(event: T): T {
  const kept = pick(event, EVENT) ?? {};
  const metadata = pick(kept.metadata, [
    'name',
    'namespace',
    'uid',
    'resourceVersion',
    'creationTimestamp'
  ]);
  return { ...kept, metadata } as T;
}
