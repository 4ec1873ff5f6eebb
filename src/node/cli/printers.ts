/**
 * Output formats of the CLI (`-o`), following kubectl's printers.
 */
import type { IJobRecord } from '../../core/jobRecord';
import type { IKubeObject } from '../../core/kube';
import { toYamlStream } from '../../core/yamlStream';
import { jobObject, objectList } from './jobObject';
import { queryPath, renderTemplate, valueText } from './jsonpath';
import type { ObjectFormat, PrintFormat } from './outputFormat';
import { formatTable } from '../../core/table';

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
      const value = objects.length === 1 ? objects[0] : objectList(objects);
      return `${JSON.stringify(value, null, 4)}\n`;
    }
    case 'yaml':
      return toYamlStream(objects);
    case 'name':
      return objects.map(o => `${resourceName(o)}\n`).join('');
  }
}

/**
 * Prints jobs in an `-o` format, as MPIJob-shaped objects (see ./jobObject).
 *
 * @param records - the jobs
 * @param format - json or yaml (one object, or a v1 List), name, a
 *   JSONPath template (against the same object or List) or custom columns
 *   (one row per job)
 * @param asList - print a List even for one job (as `list` does but for `get NAME`)
 * @returns the text to write to stdout
 */
export function printRecords(
  records: readonly IJobRecord[],
  format: PrintFormat,
  asList = records.length !== 1
): string {
  const items = records.map(jobObject);
  const value = asList ? objectList(items) : items[0];
  switch (format.kind) {
    case 'json':
      return `${JSON.stringify(value, null, 4)}\n`;
    case 'yaml':
      return toYamlStream([value]);
    case 'name':
      return records.map(r => `mpijob.kubeflow.org/${r.name}\n`).join('');
    case 'jsonpath':
      return renderTemplate(format.template, value);
    case 'custom-columns':
      return formatTable(
        format.columns.map(c => c.header),
        items.map(item =>
          format.columns.map(c =>
            queryPath(c.path, item).map(valueText).join(',')
          )
        )
      );
  }
}
