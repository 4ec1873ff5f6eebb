/**
 * Output formats of the CLI (`-o`), following kubectl's printers.
 */
import type { IJobRecord } from '../../core/jobRecord';
import type { IKubeObject } from '../../core/kube';
import { toYamlStream } from '../../core/yamlStream';
import { usageError } from './errors';

/** Formats every command accepts for objects. */
export const OBJECT_FORMATS = ['json', 'yaml', 'name'] as const;

/** One of {@link OBJECT_FORMATS}. */
export type ObjectFormat = (typeof OBJECT_FORMATS)[number];

/**
 * Checks an `-o` value.
 *
 * @param value - what the user passed
 * @param allowed - the formats this command supports
 * @param commandName - for the usage error
 * @returns the format
 * @throws {CliError} (exit 2) with kubectl's wording for unknown formats
 */
export function parseFormat<T extends string>(
  value: string,
  allowed: readonly T[],
  commandName: string
): T {
  if ((allowed as readonly string[]).includes(value)) {
    return value as T;
  }
  throw usageError(
    `unable to match a printer suitable for the output format "${value}", allowed formats are: ${allowed.join(',')}`,
    commandName
  );
}

const RESOURCE_NAMES: Record<string, string> = {
  MPIJob: 'mpijob.kubeflow.org',
  ConfigMap: 'configmap',
  NetworkPolicy: 'networkpolicy.networking.k8s.io'
};

/**
 * kubectl's `resource/name` form of an object.
 *
 * @param object - a Kubernetes object
 * @returns e.g. `mpijob.kubeflow.org/pi`
 */
export function resourceName(object: IKubeObject): string {
  const resource = RESOURCE_NAMES[object.kind] ?? object.kind.toLowerCase();
  return `${resource}/${object.metadata.name}`;
}

/**
 * Prints objects in a format.
 *
 * @param objects - the objects
 * @param format - json (one object, or a v1 List), yaml (a stream) or name
 * @returns the text to write to stdout
 */
export function printObjects(
  objects: readonly IKubeObject[],
  format: ObjectFormat
): string {
  switch (format) {
    case 'json': {
      const value =
        objects.length === 1
          ? objects[0]
          : {
              apiVersion: 'v1',
              kind: 'List',
              items: objects,
              metadata: { resourceVersion: '' }
            };
      return `${JSON.stringify(value, null, 4)}\n`;
    }
    case 'yaml':
      return toYamlStream(objects);
    case 'name':
      return objects.map(o => `${resourceName(o)}\n`).join('');
  }
}

/**
 * Prints job records (what a backend returns) in a format.
 *
 * @param records - the jobs
 * @param format - json (one record, or a List), yaml (a stream) or name
 * @param asList - print JSON as a List even for one record (as `list` does)
 * @returns the text to write to stdout
 */
export function printRecords(
  records: readonly IJobRecord[],
  format: ObjectFormat,
  asList = records.length !== 1
): string {
  switch (format) {
    case 'json': {
      const value = asList ? { kind: 'List', items: records } : records[0];
      return `${JSON.stringify(value, null, 4)}\n`;
    }
    case 'yaml':
      return toYamlStream(records);
    case 'name':
      return records.map(r => `mpijob.kubeflow.org/${r.name}\n`).join('');
  }
}
