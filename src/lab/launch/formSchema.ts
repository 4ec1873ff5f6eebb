/**
 * The launch panel's forms, cut from the launch spec's JSON Schema: the
 * basic fields shown first, everything else folded as advanced, and on the
 * local backend the fields only Kubernetes uses folded apart.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ReadonlyJSONObject } from '@lumino/coreutils';
import type { RJSFSchema, UiSchema } from '@rjsf/utils';

import type { BackendKind } from '../../core/jobRecord';
import { LAUNCH_SPEC_SCHEMA } from '../../core/spec';
import type { CellMode } from '../../core/spec';

/** Top-level spec fields of the basic form, in display order. */
const BASIC_FIELDS = [
  'name',
  'namespace',
  'workers',
  'gpusPerWorker',
  'image',
  'source'
] as const;

/** Top-level spec fields of the advanced form, in display order. */
const ADVANCED_FIELDS = [
  'mpiImplementation',
  'slotsPerWorker',
  'cpu',
  'memory',
  'python',
  'env',
  'files',
  'command',
  'scheduling',
  'runPolicy',
  'networkPolicy',
  'oversubscribe',
  'sshAuthMountPath',
  'workerCommand',
  'labels'
] as const;

/**
 * Fields that only shape the Kubernetes objects: the local backend runs
 * mpirun on this machine with its own Python and ignores them.
 */
const KUBERNETES_ONLY_FIELDS: ReadonlySet<string> = new Set([
  'image',
  'namespace',
  'gpusPerWorker',
  'cpu',
  'memory',
  'python',
  'scheduling',
  'runPolicy',
  'networkPolicy',
  'sshAuthMountPath',
  'workerCommand',
  'labels',
  'files'
]);

/** Which of the forms. */
export type FormPart = 'basic' | 'advanced' | 'kubernetes';

/** Every form, in display order. */
export const FORM_PARTS: readonly FormPart[] = [
  'basic',
  'advanced',
  'kubernetes'
];

/** Which top-level spec fields each form shows, in display order. */
export interface IFormLayout {
  /** Names the layout (forms cache their schemas by it). */
  readonly id: 'all' | 'local';
  /** Fields per form; `kubernetes` is empty where every field counts. */
  readonly fields: Readonly<Record<FormPart, readonly string[]>>;
}

const ALL_FIELDS_LAYOUT: IFormLayout = {
  id: 'all',
  fields: { basic: BASIC_FIELDS, advanced: ADVANCED_FIELDS, kubernetes: [] }
};

const LOCAL_LAYOUT: IFormLayout = {
  id: 'local',
  fields: {
    basic: BASIC_FIELDS.filter(f => !KUBERNETES_ONLY_FIELDS.has(f)),
    advanced: ADVANCED_FIELDS.filter(f => !KUBERNETES_ONLY_FIELDS.has(f)),
    kubernetes: [...BASIC_FIELDS, ...ADVANCED_FIELDS].filter(f =>
      KUBERNETES_ONLY_FIELDS.has(f)
    )
  }
};

/**
 * Where the fields show for a backend.
 *
 * @param backend - the service's backend; null while not known
 * @returns on the local backend, the Kubernetes-only fields apart; else all
 *   fields as basic and advanced
 */
export function formLayout(backend: BackendKind | null): IFormLayout {
  return backend === 'local' ? LOCAL_LAYOUT : ALL_FIELDS_LAYOUT;
}

type JsonSchemaObject = { [key: string]: unknown };

/** A namespace the form offers. */
export interface INamespaceOption {
  /** The namespace. */
  readonly name: string;
  /** How it reads in the list, e.g. `team-a (current)`. */
  readonly title: string;
}

const SOURCE_FIELDS_BY_MODE: Record<CellMode, string[]> = {
  all: ['cells', 'notebook'],
  tagged: ['cells', 'notebook'],
  'up-to': ['cells', 'upToCell', 'notebook'],
  selected: ['cells', 'cellNumbers', 'notebook']
};

/**
 * The form a spec field path belongs to.
 *
 * @param path - a field path such as `source.upToCell` or `env[0].name`
 * @param layout - where the fields show
 * @returns the form, or null for paths that are no field (`cell 2, line 1`)
 */
export function formPartOf(path: string, layout: IFormLayout): FormPart | null {
  const head = /^([A-Za-z_][A-Za-z0-9_]*)(?=$|[.[])/.exec(path)?.[1];
  if (!head) {
    return null;
  }
  return FORM_PARTS.find(part => layout.fields[part].includes(head)) ?? null;
}

/**
 * Copies a schema for a form: every title and description translated, and
 * no `minItems`: the panel takes an empty list for an unset field (see
 * toSpecInput), so a form must not call it too short.
 */
function forForm(value: unknown, trans: TranslationBundle): unknown {
  if (Array.isArray(value)) {
    return value.map(v => forForm(v, trans));
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const out: JsonSchemaObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'minItems' || key === 'minItemsMessage') {
      continue;
    }
    out[key] =
      (key === 'title' || key === 'description') && typeof child === 'string'
        ? trans.__(child)
        : forForm(child, trans);
  }
  return out;
}

/**
 * The schema of one form.
 *
 * @param part - which form
 * @param layout - where the fields show
 * @param cells - the cell mode chosen, which decides the source fields shown
 * @param trans - translations for titles and descriptions
 * @param namespaces - the namespaces to choose from (a list, not free
 *   text); null where any may be typed
 * @returns a draft-07 object schema without `$id` (forms compile it apart)
 */
export function formSchema(
  part: FormPart,
  layout: IFormLayout,
  cells: CellMode,
  trans: TranslationBundle,
  namespaces: readonly INamespaceOption[] | null = null
): RJSFSchema {
  // Forms and validators compile schemas by identity: hand out one object per kind.
  let byKind = schemaCache.get(trans);
  if (!byKind) {
    byKind = new Map();
    schemaCache.set(trans, byKind);
  }
  const choices = namespaces?.map(n => `${n.name}=${n.title}`).join(',');
  const kind = `${layout.id}:${part}:${cells}:${choices ?? ''}`;
  let schema = byKind.get(kind);
  if (!schema) {
    schema = buildFormSchema(
      layout.fields[part],
      part,
      cells,
      trans,
      namespaces
    );
    byKind.set(kind, schema);
  }
  return schema;
}

const schemaCache = new WeakMap<TranslationBundle, Map<string, RJSFSchema>>();

function buildFormSchema(
  fields: readonly string[],
  part: FormPart,
  cells: CellMode,
  trans: TranslationBundle,
  namespaces: readonly INamespaceOption[] | null
): RJSFSchema {
  const root = LAUNCH_SPEC_SCHEMA as unknown as {
    properties: Record<string, JsonSchemaObject>;
  };
  const properties: Record<string, unknown> = {};
  for (const field of fields) {
    let property = root.properties[field];
    if (field === 'source') {
      const source = property as { properties: Record<string, unknown> };
      // Only the chosen mode's fields show, but the others keep their values
      // (back to 'selected', the cell numbers are still there; toSpecInput
      // leaves them out): the form must not call them unknown.
      const open = { ...property };
      delete open.additionalProperties;
      property = {
        ...open,
        properties: Object.fromEntries(
          SOURCE_FIELDS_BY_MODE[cells].map(k => [k, source.properties[k]])
        )
      };
    }
    if (field === 'namespace' && namespaces?.length) {
      // A select of what the user may use; titles are already in their words.
      properties[field] = {
        ...(forForm(property, trans) as JsonSchemaObject),
        oneOf: namespaces.map(n => ({ const: n.name, title: n.title }))
      };
      continue;
    }
    properties[field] = property;
  }
  return forForm(
    {
      type: 'object',
      additionalProperties: false,
      ...(part === 'basic' ? { required: ['name'] } : {}),
      properties
    },
    trans
  ) as RJSFSchema;
}

/**
 * The uiSchema of one form.
 *
 * @param part - which form
 * @param layout - where the fields show
 * @param imagePlaceholder - the image used when the field stays empty
 * @param trans - translations
 * @returns the uiSchema
 */
export function formUiSchema(
  part: FormPart,
  layout: IFormLayout,
  imagePlaceholder: string,
  trans: TranslationBundle
): UiSchema<ReadonlyJSONObject> {
  // Entries of a list are labelled by the list's title.
  const list = {
    'ui:options': { orderable: false },
    items: { 'ui:label': false }
  };
  return {
    'ui:order': [...layout.fields[part], '*'],
    name: { 'ui:autofocus': part === 'basic' },
    image: { 'ui:placeholder': imagePlaceholder },
    source: {
      'ui:order': ['cells', 'upToCell', 'cellNumbers', 'notebook'],
      notebook: {
        'ui:readonly': true,
        'ui:placeholder': trans.__('(no notebook: the command runs)')
      },
      cellNumbers: list
    },
    command: list,
    workerCommand: list,
    env: { 'ui:options': { orderable: false } },
    files: { 'ui:options': { orderable: false } }
  };
}
