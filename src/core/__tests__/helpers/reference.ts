/**
 * Upstream reference material from the mpi-operator Go module that testenv
 * pins (testenv/go/go.mod), through the Go module proxy: the real MPIJob CRD
 * and the upstream example MPIJobs. Nothing outside the repository is read
 * but Go's module cache.
 */
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const OPERATOR_MODULE = 'github.com/kubeflow/mpi-operator';
const GO_MOD = resolve(__dirname, '../../../../testenv/go/go.mod');

let moduleDir: string | null = null;

/**
 * The mpi-operator module's folder in Go's module cache, downloaded once.
 *
 * @returns the folder
 * @throws {Error} saying what to install when Go cannot fetch it
 */
export function operatorModuleDir(): string {
  if (moduleDir === null) {
    const version = new RegExp(
      `^\\s*${OPERATOR_MODULE.replace(/\./g, '\\.')} (v\\S+)`,
      'm'
    ).exec(readFileSync(GO_MOD, 'utf8'))?.[1];
    if (!version) {
      throw new Error(`${GO_MOD} does not require ${OPERATOR_MODULE}`);
    }
    let out: string;
    try {
      out = execFileSync(
        'go',
        ['mod', 'download', '-json', `${OPERATOR_MODULE}@${version}`],
        { cwd: tmpdir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }
      );
    } catch (error) {
      throw new Error(
        `cannot fetch ${OPERATOR_MODULE}@${version} through the Go module proxy (these tests read the real CRD and examples from it): ${(error as Error).message}`
      );
    }
    moduleDir = (JSON.parse(out) as { Dir: string }).Dir;
  }
  return moduleDir;
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
    const crd = parse(
      readFileSync(
        join(
          operatorModuleDir(),
          'manifests',
          'base',
          'kubeflow.org_mpijobs.yaml'
        ),
        'utf8'
      )
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

/**
 * The upstream example MPIJobs (examples/v2beta1 of the module).
 *
 * @returns [file name, path] of each, by name
 */
export function upstreamExampleFiles(): [string, string][] {
  const files: [string, string][] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.name.endsWith('.yaml')) {
        files.push([entry.name, path]);
      }
    }
  };
  walk(join(operatorModuleDir(), 'examples', 'v2beta1'));
  return files.sort(([a], [b]) => a.localeCompare(b));
}

/** The upstream example files: [file name, text]. */
export function upstreamExamples(): [string, string][] {
  return upstreamExampleFiles().map(([name, path]) => [
    name,
    readFileSync(path, 'utf8')
  ]);
}
