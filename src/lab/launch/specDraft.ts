/**
 * The values of a launch being edited: where they start (settings, the
 * values remembered for the notebook, a job to rerun) and how they become a
 * launch spec.
 */
import type {
  PartialJSONObject,
  ReadonlyPartialJSONObject
} from '@lumino/coreutils';

import { jobNameFromNotebook } from '../../core/naming';
import type { CellMode, ILaunchSpec, MpiImplementation } from '../../core/spec';
import { fieldTitles, validateLaunchSpec } from '../../core/spec';
import type { ILaunchSettings } from '../settings';
import { defaultImageFor } from '../settings';

/** Form values: a launch spec being edited, any field possibly missing. */
export type SpecValues = Record<string, unknown>;

/** Longest job name the spec allows. */
const MAX_NAME = 40;

/** Where a draft starts. */
export interface IDraftOptions {
  /** The user's settings. */
  readonly settings: ILaunchSettings;
  /** The notebook to run; null for a command-only rerun. */
  readonly notebookPath: string | null;
  /** Values remembered for the notebook. */
  readonly remembered: ReadonlyPartialJSONObject | null;
  /** A spec to start from (a job to rerun), overriding the rest. */
  readonly prefill: Partial<ILaunchSpec> | null;
  /** Selected cells, for a launch of the selection. */
  readonly cellNumbers: readonly number[] | null;
  /** Names of existing jobs, to suggest a free one. */
  readonly takenNames: ReadonlySet<string>;
}

function isObject(value: unknown): value is SpecValues {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A job name not taken yet: `base`, else `base-2`, `base-3`…
 *
 * @param base - the wanted name
 * @param taken - names in use
 * @returns a free DNS-1035 name
 */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) {
    return base;
  }
  const root = base.replace(/-\d+$/, '') || 'job';
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const name = `${root.slice(0, MAX_NAME - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!taken.has(name)) {
      return name;
    }
  }
}

/**
 * The values a new launch panel starts with.
 *
 * @param options - settings, remembered values and prefill
 * @returns the values
 */
export function initialValues(options: IDraftOptions): SpecValues {
  const { settings, notebookPath, remembered, prefill, cellNumbers } = options;
  const values: SpecValues = {
    // Empty: the service's current namespace, once it has said which.
    ...(settings.namespace ? { namespace: settings.namespace } : {}),
    workers: settings.defaultWorkers,
    gpusPerWorker: settings.defaultResources.gpusPerWorker,
    cpu: settings.defaultResources.cpu,
    memory: settings.defaultResources.memory,
    mpiImplementation: settings.defaultMpiImplementation,
    ...(notebookPath
      ? { source: { notebook: notebookPath, cells: 'all' } }
      : {})
  };
  for (const layer of [remembered, prefill]) {
    if (!layer) {
      continue;
    }
    for (const [key, value] of Object.entries(layer)) {
      if (key !== 'name' && value !== undefined) {
        values[key] = structuredClone(value);
      }
    }
  }
  if (notebookPath) {
    const source = isObject(values.source) ? values.source : {};
    values.source = { ...source, notebook: notebookPath };
  }
  if (cellNumbers && cellNumbers.length) {
    values.source = {
      notebook: notebookPath,
      cells: 'selected',
      cellNumbers: [...cellNumbers]
    };
  }
  const base =
    prefill?.name ?? (notebookPath ? jobNameFromNotebook(notebookPath) : 'job');
  values.name = uniqueName(base, options.takenNames);
  return values;
}

function present(value: unknown): boolean {
  // Empty text stays, to be refused: it comes only from a cleared number
  // field with a default (rjsf unsets other cleared fields), where it must
  // not quietly mean the default.
  if (value === undefined || value === null) {
    return false;
  }
  if (Array.isArray(value)) {
    return value.length > 0;
  }
  return !isObject(value) || Object.keys(value).length > 0;
}

/** Drops empty optional fields, recursively (array items are kept). */
function pruned(values: SpecValues): SpecValues {
  const out: SpecValues = {};
  for (const [key, value] of Object.entries(values)) {
    const kept = isObject(value) ? pruned(value) : value;
    if (present(kept)) {
      out[key] = kept;
    }
  }
  return out;
}

/**
 * The launch spec the values stand for: empty fields dropped, only the
 * source fields of the chosen cell mode kept, the image from the settings
 * when the field is empty.
 *
 * @param values - the form values
 * @param settings - the user's settings
 * @returns the spec input (validated elsewhere)
 */
export function toSpecInput(
  values: SpecValues,
  settings: ILaunchSettings
): SpecValues {
  const spec = pruned(values);
  if (isObject(spec.source)) {
    const { notebook, cells, upToCell, cellNumbers } = spec.source;
    const mode = (cells ?? 'all') as CellMode;
    spec.source = {
      ...(notebook !== undefined ? { notebook } : {}),
      cells: mode,
      ...(mode === 'up-to' && upToCell !== undefined ? { upToCell } : {}),
      ...(mode === 'selected' && cellNumbers !== undefined
        ? { cellNumbers }
        : {})
    };
  }
  if (
    isObject(spec.scheduling) &&
    spec.scheduling.gang === 'none' &&
    Object.keys(spec.scheduling).length === 1
  ) {
    delete spec.scheduling;
  }
  if (spec.image === undefined) {
    const mpi = (spec.mpiImplementation ?? 'OpenMPI') as MpiImplementation;
    const image = defaultImageFor(settings, mpi);
    if (image) {
      spec.image = image;
    }
  }
  return spec;
}

/**
 * What is remembered of a launch for its notebook: everything but the name
 * and the cell selection of this one launch.
 *
 * @param values - the form values
 * @returns JSON to store in the settings
 */
export function rememberable(values: SpecValues): PartialJSONObject {
  const kept = pruned(values);
  delete kept.name;
  if (isObject(kept.source)) {
    const { cells, upToCell } = kept.source;
    kept.source = cells === 'selected' ? { cells: 'all' } : { cells, upToCell };
  }
  return JSON.parse(JSON.stringify(kept)) as PartialJSONObject;
}

/** The cell mode of some values. */
export function cellModeOf(values: SpecValues): CellMode {
  const cells = isObject(values.source) ? values.source.cells : undefined;
  return cells === 'up-to' || cells === 'tagged' || cells === 'selected'
    ? cells
    : 'all';
}

/** A field whose value is not what a fresh launch would have. */
export interface IChangedField {
  /** The spec path, e.g. `scheduling.gang`. */
  readonly path: string;
  /** The value, as text. */
  readonly value: string;
}

function asText(value: unknown): string {
  if (Array.isArray(value)) {
    return value.every(v => typeof v !== 'object')
      ? value.join(' ')
      : String(value.length);
  }
  if (isObject(value)) {
    return JSON.stringify(value);
  }
  return String(value);
}

/**
 * The fields of a folded form whose values differ from a fresh launch's
 * (values remembered from the last launch of the notebook, or of the job
 * rerun), so the panel can show them without unfolding.
 *
 * @param values - the form values
 * @param fresh - what a fresh launch would start with
 * @param fields - the top-level fields of the folded form
 * @param settings - the user's settings
 * @returns the changed fields (one level into objects), in form order
 */
export function changedFields(
  values: SpecValues,
  fresh: SpecValues,
  fields: readonly string[],
  settings: ILaunchSettings
): IChangedField[] {
  // Compared as specs, so that defaults filled in either way do not count.
  const baseline: SpecValues = { ...values };
  for (const field of fields) {
    baseline[field] = fresh[field];
  }
  const now = validateLaunchSpec(toSpecInput(values, settings));
  const before = validateLaunchSpec(toSpecInput(baseline, settings));
  const a = (now.ok ? now.spec : toSpecInput(values, settings)) as SpecValues;
  const b = (
    before.ok ? before.spec : toSpecInput(baseline, settings)
  ) as SpecValues;
  const changed: IChangedField[] = [];
  for (const field of fields) {
    const x = a[field];
    const y = b[field];
    if (JSON.stringify(x) === JSON.stringify(y)) {
      continue;
    }
    if (isObject(x) && (isObject(y) || y === undefined)) {
      const old = isObject(y) ? y : {};
      for (const key of Object.keys(x)) {
        if (JSON.stringify(x[key]) !== JSON.stringify(old[key])) {
          changed.push({ path: `${field}.${key}`, value: asText(x[key]) });
        }
      }
      continue;
    }
    changed.push({
      path: field,
      value: x === undefined ? '' : asText(x)
    });
  }
  return changed;
}

/**
 * A changed field as the panel names it: `Scheduling › Gang scheduler: volcano`.
 *
 * @param field - the field
 * @param translate - translates a title
 * @returns the text
 */
export function describeChanged(
  field: IChangedField,
  translate: (title: string) => string
): string {
  const titles = fieldTitles(field.path).map(translate);
  const where = titles.length ? titles.join(' › ') : field.path;
  return field.value ? `${where}: ${field.value}` : where;
}
