/**
 * The launch panel's two forms, cut from the launch spec's JSON Schema: the
 * basic fields shown first and everything else, folded, as advanced.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ReadonlyJSONObject } from '@lumino/coreutils';
import type { RJSFSchema, UiSchema } from '@rjsf/utils';

import { LAUNCH_SPEC_SCHEMA } from '../../core/spec';
import type { CellMode } from '../../core/spec';

/** Top-level spec fields of the basic form, in display order. */
export const BASIC_FIELDS = [
  'name',
  'workers',
  'gpusPerWorker',
  'image',
  'source'
] as const;

/** Top-level spec fields of the advanced form, in display order. */
export const ADVANCED_FIELDS = [
  'mpiImplementation',
  'slotsPerWorker',
  'cpu',
  'memory',
  'namespace',
  'python',
  'env',
  'command',
  'scheduling',
  'runPolicy',
  'networkPolicy',
  'oversubscribe',
  'sshAuthMountPath',
  'workerCommand',
  'labels'
] as const;

/** Which of the two forms. */
export type FormPart = 'basic' | 'advanced';

type JsonSchemaObject = { [key: string]: unknown };

const SOURCE_FIELDS_BY_MODE: Record<CellMode, string[]> = {
  all: ['cells', 'notebook'],
  tagged: ['cells', 'notebook'],
  'up-to': ['cells', 'upToCell', 'notebook'],
  selected: ['cells', 'cellNumbers', 'notebook']
};

/**
 * The top-level form a spec field path belongs to.
 *
 * @param path - a field path such as `source.upToCell` or `env[0].name`
 * @returns the form, or null for paths that are no field (`cell 2, line 1`)
 */
export function formPartOf(path: string): FormPart | null {
  const head = /^([A-Za-z_][A-Za-z0-9_]*)(?=$|[.[])/.exec(path)?.[1];
  if (!head) {
    return null;
  }
  if ((BASIC_FIELDS as readonly string[]).includes(head)) {
    return 'basic';
  }
  return (ADVANCED_FIELDS as readonly string[]).includes(head)
    ? 'advanced'
    : null;
}

/** Copies a schema with every title and description translated. */
function translated(value: unknown, trans: TranslationBundle): unknown {
  if (Array.isArray(value)) {
    return value.map(v => translated(v, trans));
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const out: JsonSchemaObject = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] =
      (key === 'title' || key === 'description') && typeof child === 'string'
        ? trans.__(child)
        : translated(child, trans);
  }
  return out;
}

/**
 * The schema of one form.
 *
 * @param part - which form
 * @param cells - the cell mode chosen, which decides the source fields shown
 * @param trans - translations for titles and descriptions
 * @returns a draft-07 object schema without `$id` (forms compile it apart)
 */
export function formSchema(
  part: FormPart,
  cells: CellMode,
  trans: TranslationBundle
): RJSFSchema {
  // Forms and validators compile schemas by identity: hand out one object per kind.
  let byKind = schemaCache.get(trans);
  if (!byKind) {
    byKind = new Map();
    schemaCache.set(trans, byKind);
  }
  const kind = `${part}:${cells}`;
  let schema = byKind.get(kind);
  if (!schema) {
    schema = buildFormSchema(part, cells, trans);
    byKind.set(kind, schema);
  }
  return schema;
}

const schemaCache = new WeakMap<TranslationBundle, Map<string, RJSFSchema>>();

function buildFormSchema(
  part: FormPart,
  cells: CellMode,
  trans: TranslationBundle
): RJSFSchema {
  const root = LAUNCH_SPEC_SCHEMA as unknown as {
    properties: Record<string, JsonSchemaObject>;
  };
  const fields: readonly string[] =
    part === 'basic' ? BASIC_FIELDS : ADVANCED_FIELDS;
  const properties: Record<string, unknown> = {};
  for (const field of fields) {
    let property = root.properties[field];
    if (field === 'source') {
      const source = property as { properties: Record<string, unknown> };
      property = {
        ...property,
        properties: Object.fromEntries(
          SOURCE_FIELDS_BY_MODE[cells].map(k => [k, source.properties[k]])
        )
      };
    }
    properties[field] = property;
  }
  return translated(
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
 * @param imagePlaceholder - the image used when the field stays empty
 * @param trans - translations
 * @returns the uiSchema
 */
export function formUiSchema(
  part: FormPart,
  imagePlaceholder: string,
  trans: TranslationBundle
): UiSchema<ReadonlyJSONObject> {
  if (part === 'advanced') {
    return {
      'ui:order': [...ADVANCED_FIELDS, '*'],
      command: { 'ui:options': { orderable: false } },
      workerCommand: { 'ui:options': { orderable: false } },
      env: { 'ui:options': { orderable: false } }
    };
  }
  return {
    'ui:order': [...BASIC_FIELDS, '*'],
    name: { 'ui:autofocus': true },
    image: {
      'ui:placeholder': imagePlaceholder
    },
    source: {
      'ui:order': ['cells', 'upToCell', 'cellNumbers', 'notebook'],
      notebook: {
        'ui:readonly': true,
        'ui:placeholder': trans.__('(no notebook: the command runs)')
      },
      cellNumbers: { 'ui:options': { orderable: false } }
    }
  };
}
