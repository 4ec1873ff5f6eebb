/**
 * Upstream reference material (../shared/reference beside the checkout):
 * the real MPIJob CRD and the upstream example MPIJobs.
 */
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** ../shared/reference/mpi-operator, found from the repository root. */
export const REFERENCE_DIR = resolve(
  __dirname,
  '../../../../../shared/reference/mpi-operator'
);

function requireReference(): void {
  if (!existsSync(REFERENCE_DIR)) {
    throw new Error(
      `upstream reference material not found at ${REFERENCE_DIR}: these tests need ../shared beside the checkout`
    );
  }
}

type SchemaNode = Record<string, unknown>;

/**
 * Makes a CRD schema reject unknown fields, like `kubectl --validate=strict`:
 * the API server would silently prune them, hiding our mistakes.
 */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.map(strict);
  }
  if (!node || typeof node !== 'object') {
    return node;
  }
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node as SchemaNode)) {
    out[key] = key === 'enum' || key === 'required' ? value : strict(value);
  }
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

let validator: ValidateFunction | null = null;

/** The v2beta1 openAPIV3Schema of the real MPIJob CRD, compiled strict. */
export function mpiJobCrdValidator(): ValidateFunction {
  if (!validator) {
    requireReference();
    const crd = parse(
      readFileSync(join(REFERENCE_DIR, 'kubeflow.org_mpijobs.yaml'), 'utf8')
    ) as {
      spec: {
        versions: { name: string; schema: { openAPIV3Schema: unknown } }[];
      };
    };
    const version = crd.spec.versions.find(v => v.name === 'v2beta1');
    if (!version) {
      throw new Error('the reference CRD serves no v2beta1');
    }
    const ajv = new Ajv({
      allErrors: true,
      strict: false,
      validateFormats: false
    });
    validator = ajv.compile(
      strict(version.schema.openAPIV3Schema) as SchemaNode
    );
  }
  return validator;
}

/** Drops null fields, as the API server does for fields not marked nullable. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutNulls);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)])
    );
  }
  return value;
}

/**
 * Validates an object against the real CRD, after the API server's pruning
 * of null fields.
 *
 * @returns ajv's error list, empty when valid
 */
export function crdErrors(object: unknown): string[] {
  const validate = mpiJobCrdValidator();
  return validate(withoutNulls(object))
    ? []
    : (validate.errors ?? []).map(
        e => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`
      );
}

/** The upstream example files: [file name, text]. */
export function upstreamExamples(): [string, string][] {
  requireReference();
  const dir = join(REFERENCE_DIR, 'examples');
  return readdirSync(dir)
    .filter(f => f.endsWith('.yaml'))
    .sort()
    .map(f => [f, readFileSync(join(dir, f), 'utf8')]);
}
