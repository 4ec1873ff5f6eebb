/**
 * CLI flags of the launch spec. Help text, choices and defaults come from the
 * launch-spec schema, so the schema stays the single source of truth.
 */
import { Command, Option } from 'commander';

import { generatedName, jobNameFromNotebook } from '../../core/naming';
import { launchSpecSchema as LAUNCH_SPEC_SCHEMA } from '../../core/generated/launchSpecSchema';
import type { CellMode, MpiImplementation } from '../../core/spec';
import { usageError } from './errors';

/** Help of the `[COMMAND...]` operand of `create`, `render` and `run`. */
export const COMMAND_HELP =
  'After --: a program to run on every rank instead of notebook cells (mpirun is added in front). On the local backend it starts in the current directory unless --workdir names another.';

/**
 * Adds `--generate-name`, of the verbs that create jobs.
 *
 * @param command - `create` or `run`
 * @returns the command
 */
export function addGenerateNameFlag(command: Command): Command {
  return command.option(
    '--generate-name',
    'Add a random 5-character suffix to each job name, so reruns never collide.'
  );
}

/** How a flag's raw value becomes a spec value. */
type FlagKind =
  'string' | 'integer' | 'boolean' | 'keyValue' | 'list' | 'mpi' | 'cells';

interface ISpecFlag {
  /** Commander flag syntax. */
  readonly flags: string;
  /** Field path in the launch spec. */
  readonly path: readonly string[];
  /** Value conversion. */
  readonly kind: FlagKind;
}

/** Every spec flag, in help order: basic fields first. */
const SPEC_FLAGS: readonly ISpecFlag[] = [
  {
    flags: '--from-notebook <path>',
    path: ['source', 'notebook'],
    kind: 'string'
  },
  { flags: '--name <name>', path: ['name'], kind: 'string' },
  { flags: '--workers <n>', path: ['workers'], kind: 'integer' },
  { flags: '--gpus-per-worker <n>', path: ['gpusPerWorker'], kind: 'integer' },
  { flags: '--image <image>', path: ['image'], kind: 'string' },
  { flags: '--cells <cells>', path: ['source', 'cells'], kind: 'cells' },
  { flags: '--mpi <implementation>', path: ['mpiImplementation'], kind: 'mpi' },
  {
    flags: '--slots-per-worker <n>',
    path: ['slotsPerWorker'],
    kind: 'integer'
  },
  { flags: '--cpu <quantity>', path: ['cpu'], kind: 'string' },
  { flags: '--memory <quantity>', path: ['memory'], kind: 'string' },
  { flags: '--python <command>', path: ['python'], kind: 'string' },
  { flags: '--workdir <dir>', path: ['workingDir'], kind: 'string' },
  { flags: '--file <path...>', path: ['files'], kind: 'list' },
  { flags: '--env <NAME=VALUE...>', path: ['env'], kind: 'keyValue' },
  { flags: '-l, --label <key=value...>', path: ['labels'], kind: 'keyValue' },
  { flags: '--gang <scheduler>', path: ['scheduling', 'gang'], kind: 'string' },
  { flags: '--queue <queue>', path: ['scheduling', 'queue'], kind: 'string' },
  {
    flags: '--priority-class <name>',
    path: ['scheduling', 'priorityClass'],
    kind: 'string'
  },
  {
    flags: '--schedule-timeout <seconds>',
    path: ['scheduling', 'scheduleTimeoutSeconds'],
    kind: 'integer'
  },
  {
    flags: '--backoff-limit <n>',
    path: ['runPolicy', 'backoffLimit'],
    kind: 'integer'
  },
  {
    flags: '--clean-pod-policy <policy>',
    path: ['runPolicy', 'cleanPodPolicy'],
    kind: 'string'
  },
  {
    flags: '--ttl-seconds-after-finished <seconds>',
    path: ['runPolicy', 'ttlSecondsAfterFinished'],
    kind: 'integer'
  },
  {
    flags: '--active-deadline-seconds <seconds>',
    path: ['runPolicy', 'activeDeadlineSeconds'],
    kind: 'integer'
  },
  { flags: '--network-policy', path: ['networkPolicy'], kind: 'boolean' },
  {
    flags: '--ssh-auth-mount-path <dir>',
    path: ['sshAuthMountPath'],
    kind: 'string'
  },
  { flags: '--oversubscribe', path: ['oversubscribe'], kind: 'boolean' },
  { flags: '--figures <ranks>', path: ['figures'], kind: 'string' }
];

interface ISchemaNode {
  description?: string;
  enum?: readonly unknown[];
  default?: unknown;
  properties?: Record<string, ISchemaNode>;
}

function schemaAt(path: readonly string[]): ISchemaNode {
  let node = LAUNCH_SPEC_SCHEMA as unknown as ISchemaNode;
  for (const key of path) {
    node = node.properties?.[key] ?? {};
  }
  return node;
}

function attribute(flags: string): string {
  const long =
    flags.split(/[ ,]+/).find(part => part.startsWith('--')) ?? flags;
  return long.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Adds the spec flags to a command, with help from the schema.
 *
 * @param command - a commander command
 * @param omit - attribute names of flags the command defines otherwise
 * @returns the same command
 */
export function addSpecFlags(
  command: Command,
  omit: readonly string[] = []
): Command {
  for (const flag of SPEC_FLAGS) {
    if (omit.includes(attribute(flag.flags))) {
      continue;
    }
    const node = schemaAt(flag.path);
    let help = node.description ?? '';
    if (flag.kind === 'cells') {
      help =
        'all | tagged | upto:K | comma-separated cell numbers (e.g. 1,3,5). Cells tagged skip-mpijob are always left out.';
    } else if (flag.kind === 'mpi') {
      help += ' One of: openmpi, intel, mpich.';
    } else if (node.enum) {
      help += ` One of: ${node.enum.join(', ')}.`;
    }
    const option = new Option(flag.flags, help);
    if (
      node.default !== undefined &&
      flag.kind !== 'boolean' &&
      !Array.isArray(node.default)
    ) {
      option.default(undefined, String(node.default));
    }
    command.addOption(option);
  }
  return command;
}

/** Commander attribute names of the spec flags (`fromNotebook`, `workers`…). */
export const SPEC_FLAG_NAMES: readonly string[] = SPEC_FLAGS.map(flag =>
  attribute(flag.flags)
);

/** Adds `-n, --namespace`. */
export function addNamespaceFlag(command: Command): Command {
  return command.option(
    '-n, --namespace <namespace>',
    'Kubernetes namespace; "default" when not given.'
  );
}

/**
 * Maps a spec field path to the flag that sets it.
 *
 * @param path - a problem's field path, e.g. `scheduling.queue`
 * @returns the flag, e.g. `--queue`, or null
 */
export function flagForPath(path: string): string | null {
  if (path === 'namespace') {
    return '--namespace';
  }
  const flag = SPEC_FLAGS.find(f => f.path.join('.') === path);
  return flag
    ? (flag.flags.split(/[ ,]+/).find(p => p.startsWith('--')) ?? null)
    : null;
}

const MPI_NAMES: Record<string, MpiImplementation> = {
  openmpi: 'OpenMPI',
  intel: 'Intel',
  mpich: 'MPICH'
};

/**
 * Applies flag values on top of a launch-spec object (from a file or empty).
 * Values are converted, not validated: validation names the flag afterwards.
 *
 * @param base - the spec read from `-f`, or `{}`
 * @param options - commander's parsed options
 * @param commandName - e.g. `mpijob render`, for usage errors
 * @param trailing - the command after `--`, if any
 * @returns a new raw spec object
 * @throws {CliError} (exit 2) for malformed flag values
 */
export function specFromFlags(
  base: Record<string, unknown>,
  options: Record<string, unknown>,
  commandName: string,
  trailing: readonly string[] = []
): Record<string, unknown> {
  const spec: Record<string, unknown> = structuredClone(base);
  const set = (path: readonly string[], value: unknown): void => {
    let node = spec;
    for (const key of path.slice(0, -1)) {
      const child = node[key];
      node = (node[key] =
        child && typeof child === 'object'
          ? { ...(child as object) }
          : {}) as Record<string, unknown>;
    }
    node[path[path.length - 1]] = value;
  };
  if (typeof options.namespace === 'string') {
    spec.namespace = options.namespace;
  } else if (
    typeof options.contextNamespace === 'string' &&
    spec.namespace === undefined
  ) {
    spec.namespace = options.contextNamespace;
  }
  for (const flag of SPEC_FLAGS) {
    const raw = options[attribute(flag.flags)];
    if (raw === undefined) {
      continue;
    }
    const name = flag.flags
      .split(/[ ,]+/)
      .find(p => p.startsWith('--')) as string;
    switch (flag.kind) {
      case 'integer':
        set(flag.path, /^[+-]?\d+$/.test(String(raw)) ? Number(raw) : raw);
        break;
      case 'mpi': {
        const implementation = MPI_NAMES[String(raw).toLowerCase()];
        if (!implementation) {
          throw usageError(
            `unknown MPI implementation "${raw}" for ${name}: use openmpi, intel or mpich`,
            commandName
          );
        }
        set(flag.path, implementation);
        break;
      }
      case 'cells':
        set(['source'], {
          ...((spec.source as object) ?? {}),
          ...parseCells(String(raw), commandName)
        });
        break;
      case 'keyValue':
        set(
          flag.path,
          parseKeyValues(
            raw as string[],
            name,
            flag.path[0] === 'env',
            commandName,
            spec[flag.path[0]]
          )
        );
        break;
      case 'list': {
        // Added to the list a spec file gives.
        const existing = spec[flag.path[0]];
        set(flag.path, [
          ...(Array.isArray(existing) ? (existing as unknown[]) : []),
          ...(raw as string[])
        ]);
        break;
      }
      default:
        set(flag.path, raw);
    }
  }
  if (trailing.length) {
    spec.command = [...trailing];
  }
  if (spec.name === undefined) {
    const notebook = (spec.source as { notebook?: unknown } | undefined)
      ?.notebook;
    if (typeof notebook === 'string') {
      spec.name = jobNameFromNotebook(notebook);
    }
  }
  if (options.generateName && typeof spec.name === 'string') {
    spec.name = generatedName(spec.name);
  }
  return spec;
}

function parseCells(
  raw: string,
  commandName: string
): { cells: CellMode; upToCell?: number; cellNumbers?: number[] } {
  const value = raw.trim().toLowerCase();
  if (value === 'all' || value === 'tagged') {
    return { cells: value };
  }
  const upTo = /^up-?to:(\d+)$/.exec(value);
  if (upTo) {
    return { cells: 'up-to', upToCell: Number(upTo[1]) };
  }
  if (/^\d+(\s*,\s*\d+)*$/.test(value)) {
    return {
      cells: 'selected',
      cellNumbers: value.split(',').map(n => Number(n.trim()))
    };
  }
  throw usageError(
    `invalid --cells "${raw}": use all, tagged, upto:K or cell numbers like 1,3,5`,
    commandName
  );
}

function parseKeyValues(
  raw: readonly string[],
  flag: string,
  asEnvList: boolean,
  commandName: string,
  existing: unknown
): unknown {
  const pairs = raw.map(item => {
    const at = item.indexOf('=');
    if (at <= 0) {
      throw usageError(
        `invalid ${flag} "${item}": expected KEY=VALUE`,
        commandName
      );
    }
    return [item.slice(0, at), item.slice(at + 1)] as const;
  });
  if (asEnvList) {
    const list = Array.isArray(existing) ? [...(existing as unknown[])] : [];
    return [...list, ...pairs.map(([name, value]) => ({ name, value }))];
  }
  const map =
    existing && typeof existing === 'object' ? { ...(existing as object) } : {};
  return Object.assign(map, Object.fromEntries(pairs));
}
