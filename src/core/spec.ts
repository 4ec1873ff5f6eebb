/**
 * The launch spec: what to run as an MPIJob and how. Its JSON Schema
 * (schema/launch-spec.json) is the single source of truth for the launch
 * panel's form, the CLI flags, the HTTP API and validation.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';

import type { IProblem } from './errors';
import { ValidationError } from './errors';
import { launchSpecSchema } from './generated/launchSpecSchema';
import { validate as precompiledValidator } from './generated/launchSpecValidator';
import type { FigureRanks } from './jobFiles';
import { imageReferenceProblem } from './imageRef';
import { validateCopy } from './validateCopy';

/** MPI implementations the mpi-operator supports (the CRD's enum). */
export type MpiImplementation = 'OpenMPI' | 'Intel' | 'MPICH';

/** Which notebook cells become the program. */
export type CellMode = 'all' | 'up-to' | 'tagged' | 'selected';

/** Gang schedulers the mpi-operator can create PodGroups for. */
export type GangScheduler = 'none' | 'volcano' | 'scheduler-plugins';

/** Where the code comes from. */
export interface ISourceSpec {
  /** Notebook path relative to the Jupyter root. */
  notebook?: string;
  /** Which cells to include. */
  cells: CellMode;
  /** Last cell (1-based) when `cells` is `up-to`. */
  upToCell?: number;
  /** Cells (1-based) when `cells` is `selected`. */
  cellNumbers?: number[];
}

/** One environment variable set on launcher and workers. */
export interface IEnvVar {
  /** Variable name. */
  name: string;
  /** Variable value. */
  value: string;
}

/** Gang scheduling settings. */
export interface ISchedulingSpec {
  /** Which gang scheduler, or none. */
  gang: GangScheduler;
  /** Volcano queue. */
  queue?: string;
  /** PriorityClass of the PodGroup. */
  priorityClass?: string;
  /** How long scheduler-plugins waits for the whole gang. */
  scheduleTimeoutSeconds?: number;
}

/** Run policy; fail-fast by default. */
export interface IRunPolicySpec {
  /** Launcher retries; 0 fails fast. */
  backoffLimit: number;
  /** Which pods to delete when the job finishes. */
  cleanPodPolicy: 'None' | 'Running' | 'All';
  /** Delete the finished job after this many seconds. */
  ttlSecondsAfterFinished?: number;
  /** Stop the job when it has run this long. */
  activeDeadlineSeconds?: number;
}

/** A launch spec with every default filled in (the output of validation). */
export interface ILaunchSpec {
  /** MPIJob name (DNS-1035 label). */
  name: string;
  /** Namespace. */
  namespace: string;
  /** Image for launcher and workers; unset means the configured default. */
  image?: string;
  /** MPI implementation of the image. */
  mpiImplementation: MpiImplementation;
  /** Worker pods. */
  workers: number;
  /** MPI ranks per worker. */
  slotsPerWorker: number;
  /** nvidia.com/gpu per worker. */
  gpusPerWorker: number;
  /** CPU per worker (quantity). */
  cpu: string;
  /** Memory per worker (quantity). */
  memory: string;
  /** Which notebook cells run. */
  source?: ISourceSpec;
  /** Python interpreter in the image. */
  python: string;
  /** Program run on every rank instead of the notebook code. */
  command?: string[];
  /** Absolute directory the ranks start in; the image's (Kubernetes) or the job's own (local) when absent. */
  workingDir?: string;
  /** Kubernetes: extra files or folders beside the notebook to ship, relative to its folder. */
  files?: string[];
  /** Environment variables. */
  env?: IEnvVar[];
  /** Gang scheduling. */
  scheduling?: ISchedulingSpec;
  /** Run policy. */
  runPolicy: IRunPolicySpec;
  /** Isolate the job's network. */
  networkPolicy: boolean;
  /** Where the operator mounts SSH keys. */
  sshAuthMountPath: string;
  /** What worker pods run (an sshd). */
  workerCommand: string[];
  /** Local backend: allow more ranks than cores. */
  oversubscribe: boolean;
  /** Which ranks keep their figures as files of the job. */
  figures: FigureRanks;
  /** Extra labels. */
  labels?: Record<string, string>;
}

/** The result of validating a launch spec: the filled spec, or every problem. */
export type LaunchSpecValidation =
  | { readonly ok: true; readonly spec: ILaunchSpec }
  | { readonly ok: false; readonly problems: readonly IProblem[] };

/** The launch spec's JSON Schema. */
export const LAUNCH_SPEC_SCHEMA = launchSpecSchema;

/** Total MPI ranks of a spec: workers × slots per worker. */
export function totalRanks(
  spec: Pick<ILaunchSpec, 'workers' | 'slotsPerWorker'>
): number {
  return spec.workers * spec.slotsPerWorker;
}

/**
 * The schema's validator: ajv compiled it at build time (standalone code,
 * scripts/embed-schemas.mjs), so neither ajv nor its code generation loads
 * at run time.
 */
function validator(): ValidateFunction {
  return precompiledValidator as unknown as ValidateFunction;
}

/**
 * The titles of the fields along a spec path, as the launch panel shows
 * them: `runPolicy.backoffLimit` gives `Run policy`, `Retries`.
 *
 * @param path - a field path such as `source.upToCell` or `env[0].name`
 * @returns the schema titles, outermost first, as far as the path names fields
 */
export function fieldTitles(path: string): string[] {
  const titles: string[] = [];
  let node: ISchemaNode | undefined = launchSpecSchema as ISchemaNode;
  for (const [, key, index] of path.matchAll(/([A-Za-z_]\w*)|\[(\d+)\]/g)) {
    node = index !== undefined ? node?.items : node?.properties?.[key];
    if (!node) {
      // A label key, or no field at all: what is known so far.
      return titles;
    }
    if (node.title && index === undefined) {
      titles.push(node.title);
    }
  }
  return titles;
}

interface ISchemaNode {
  readonly title?: string;
  readonly properties?: Record<string, ISchemaNode>;
  readonly items?: ISchemaNode;
}

/**
 * The field a problem is about, as the CLI names it. The cell selection is
 * one field there (`--cells all|tagged|upto:K|1,3,5`), so `source.cells`,
 * `source.upToCell`, `source.cellNumbers[0]` and packaging's
 * `selection.cellNumbers[0]` are all `cells`; other `source.` fields drop
 * the prefix, and every other path is its own name.
 *
 * @param path - a problem's path
 * @returns `name` to print and `field`, the spec path of the field that sets it
 */
export function problemField(path: string): {
  readonly name: string;
  readonly field: string;
} {
  const source = /^(?:source|selection)\.([A-Za-z]+)/.exec(path);
  if (!source) {
    return { name: path, field: path };
  }
  const [, key] = source;
  return key === 'notebook'
    ? { name: 'notebook', field: 'source.notebook' }
    : { name: 'cells', field: 'source.cells' };
}

/**
 * Validates a launch spec and fills in the schema's defaults. The input is
 * never modified.
 *
 * @param input - a parsed launch spec (from JSON, YAML, a form or CLI flags)
 * @returns the filled spec, or every problem found with its field path
 */
export function validateLaunchSpec(input: unknown): LaunchSpecValidation {
  const checked = validateCopy(validator(), input);
  if (!checked.ok) {
    return { ok: false, problems: describeAjvErrors(checked.errors) };
  }
  const spec = checked.value as ILaunchSpec;
  const problems = crossFieldProblems(spec);
  return problems.length ? { ok: false, problems } : { ok: true, spec };
}

/**
 * Like {@link validateLaunchSpec} but throws.
 *
 * @param input - a parsed launch spec
 * @returns the filled spec
 * @throws {ValidationError} listing every problem
 */
export function parseLaunchSpec(input: unknown): ILaunchSpec {
  const result = validateLaunchSpec(input);
  if (!result.ok) {
    throw new ValidationError(result.problems, 'invalid launch spec');
  }
  return result.spec;
}

/** Rules that JSON Schema draft-07 cannot say clearly. */
function crossFieldProblems(spec: ILaunchSpec): IProblem[] {
  const problems: IProblem[] = [];
  const source = spec.source;
  if (!spec.command && !source?.notebook) {
    problems.push({
      path: 'source.notebook',
      message:
        'is required unless command is set: name the notebook whose cells should run'
    });
  }
  // Worded to read after the field's name in the panel and in the CLI
  // (`cells (--cells): ...`, see problemField).
  if (source?.cells === 'up-to' && source.upToCell === undefined) {
    problems.push({
      path: 'source.upToCell',
      message: "'up-to' needs the number of the last cell to run"
    });
  }
  if (source?.cells === 'selected' && !source.cellNumbers) {
    problems.push({
      path: 'source.cellNumbers',
      message: "'selected' needs the numbers of the cells to run"
    });
  }
  if (spec.image !== undefined) {
    const problem = imageReferenceProblem(spec.image);
    if (problem) {
      problems.push({ path: 'image', message: problem });
    }
  }
  const gang = spec.scheduling?.gang ?? 'none';
  if (spec.scheduling?.queue && gang !== 'volcano') {
    problems.push({
      path: 'scheduling.queue',
      message:
        "is only used by Volcano: choose the gang scheduler 'volcano' or remove the queue"
    });
  }
  if (spec.scheduling?.scheduleTimeoutSeconds && gang !== 'scheduler-plugins') {
    problems.push({
      path: 'scheduling.scheduleTimeoutSeconds',
      message:
        "is only used by scheduler-plugins: choose the gang scheduler 'scheduler-plugins' or remove it"
    });
  }
  return problems;
}

/**
 * Turns ajv's errors into problems with dotted field paths and sentences.
 *
 * @param errors - ajv errors from a failed validation
 * @returns one problem per distinct error
 */
export function describeAjvErrors(errors: readonly ErrorObject[]): IProblem[] {
  const seen = new Set<string>();
  const problems: IProblem[] = [];
  for (const error of errors) {
    if (error.propertyName !== undefined || error.keyword === 'if') {
      // Detail of a propertyNames failure, which gets its own sentence; an
      // if/then failure's own errors say what is wrong.
      continue;
    }
    const problem = describeAjvError(error);
    const key = `${problem.path}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}

function describeAjvError(error: ErrorObject): IProblem {
  const base = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const join = (child: string): string =>
    pointerToPath(
      `${error.instancePath}/${child.replace(/~/g, '~0').replace(/\//g, '~1')}`
    );
  const custom = (error.parentSchema as Record<string, unknown> | undefined)?.[
    `${error.keyword}Message`
  ];
  if (typeof custom === 'string') {
    return { path: base, message: custom };
  }
  switch (error.keyword) {
    case 'required':
      return {
        path: join(String(params.missingProperty)),
        message: 'is required'
      };
    case 'additionalProperties':
      return {
        path: join(String(params.additionalProperty)),
        message: `is not a known field${knownFieldsHint(error)}`
      };
    case 'type':
      // Text where a count belongs: typed into the panel or a CLI flag.
      if (params.type === 'integer' && typeof error.data === 'string') {
        return {
          path: base,
          message: error.data.trim()
            ? `must be a whole number, not "${error.data}"`
            : 'must not be empty: enter a whole number'
        };
      }
      return { path: base, message: `must be ${article(String(params.type))}` };
    case 'enum':
      return {
        path: base,
        message: `must be one of: ${(params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`
      };
    case 'minimum':
      return { path: base, message: `must be at least ${params.limit}` };
    case 'maximum':
      return { path: base, message: `must be at most ${params.limit}` };
    case 'minLength':
      return {
        path: base,
        message:
          params.limit === 1
            ? 'must not be empty'
            : `must be at least ${params.limit} characters long`
      };
    case 'maxLength':
      return {
        path: base,
        message: `must be at most ${params.limit} characters long`
      };
    case 'minItems':
      return {
        path: base,
        message: `must have at least ${params.limit} item(s)`
      };
    case 'uniqueItems':
      return { path: base, message: 'must not repeat items' };
    case 'pattern':
      return { path: base, message: `must match ${String(params.pattern)}` };
    case 'propertyNames':
      return {
        path: join(String(params.propertyName)),
        message:
          'is not a valid label key: use an optional DNS prefix and "/", then up to 63 letters, digits, "-", "_" or "."'
      };
    default:
      return { path: base, message: error.message ?? 'is invalid' };
  }
}

function knownFieldsHint(error: ErrorObject): string {
  const properties = (
    error.parentSchema as { properties?: Record<string, unknown> } | undefined
  )?.properties;
  return properties
    ? `; known fields are: ${Object.keys(properties).join(', ')}`
    : '';
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/**
 * Converts a JSON pointer (`/env/0/name`) to a field path (`env[0].name`).
 *
 * @param pointer - a JSON pointer; empty for the root
 * @returns a dotted path; empty for the root
 */
export function pointerToPath(pointer: string): string {
  if (!pointer) {
    return '';
  }
  let path = '';
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(segment)) {
      path += `[${segment}]`;
    } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) {
      path += path ? `.${segment}` : segment;
    } else {
      path += `[${JSON.stringify(segment)}]`;
    }
  }
  return path;
}
