/**
 * Launch spec + packaged program -> the Kubernetes objects of one job: a
 * ConfigMap with the program, the MPIJob that mounts it on launcher and
 * workers, and optionally a NetworkPolicy. Deterministic: the same input gives
 * byte-identical YAML.
 */
import type { IProblem } from './errors';
import { ValidationError } from './errors';
import type { IKubeObject, StringMap } from './kube';
import {
  CONFIGMAP_MAX_BYTES,
  GPU_RESOURCE,
  JOB_NAME_LABEL,
  MANAGED_BY,
  MPIJOB_API_VERSION
} from './kube';
import { openMpiTagged } from './mpiOutput';
import type { IPackagedProgram, IShippedFile } from './notebook';
import { encodeSourceMap, PROGRAM_FILE_NAME } from './notebook';
import type { ILaunchSpec, MpiImplementation } from './spec';
import { totalRanks } from './spec';

/** Where the program ConfigMap is mounted in launcher and worker pods. */
export const PROGRAM_MOUNT_PATH = '/mpijob';

/**
 * The ranks' working directory on Kubernetes when files beside the notebook
 * ship and the spec names none: an emptyDir (writable, like the notebook's
 * folder), with each shipped file mounted in it at its relative path.
 */
export const FILES_WORK_DIR = '/mpijob-work';

/** ConfigMap key of the encoded source map. */
export const SOURCE_MAP_KEY = 'sourcemap.json';

/** Annotation holding the notebook path a job came from. */
export const NOTEBOOK_ANNOTATION = 'jupyterlab-mpijob/notebook';

/** Annotation holding the cell numbers a job runs. */
export const CELLS_ANNOTATION = 'jupyterlab-mpijob/cells';

/**
 * Images used when a spec names none. They must hold python3 + mpi4py built
 * against the matching MPI and an sshd; teams normally set their own in the
 * settings or with `--image`.
 */
export const DEFAULT_IMAGES: Readonly<Record<MpiImplementation, string>> = {
  OpenMPI: 'mpioperator/openmpi:latest',
  Intel: 'mpioperator/intel:latest',
  MPICH: 'mpioperator/mpich:latest'
};

/**
 * The hostfile the mpi-operator writes for the launcher (one line per worker,
 * `slots=` for Open MPI, `:slots` for Hydra).
 */
export const MPI_HOSTFILE = '/etc/mpi/hostfile';

/**
 * ssh options for starting the Open MPI daemons on the workers: retry while a
 * worker's sshd is still starting. The operator sets this for Open MPI 4
 * (`OMPI_MCA_plm_rsh_args`); Open MPI 5's runtime (PRRTE) reads only its own
 * name for it.
 */
const SSH_CONNECT_RETRIES = '-o ConnectionAttempts=10';

/** Resources of the launcher pod: it only runs mpirun, never a rank. */
const LAUNCHER_RESOURCES = {
  requests: { cpu: '500m', memory: '512Mi' },
  limits: { cpu: '1', memory: '1Gi' }
};

/** Options of {@link renderJob}. */
export interface IRenderOptions {
  /** Images per MPI implementation, overriding {@link DEFAULT_IMAGES}. */
  defaultImages?: Partial<Record<MpiImplementation, string>>;
  /** Files beside the notebook that ship with the program (see {@link buildJob}). */
  files?: readonly IShippedFile[];
}

/** The objects of one job, in the order they must be created. */
export interface IRenderedJob {
  /** The program and its source map; null when the spec runs a command. */
  readonly configMap: IKubeObject | null;
  /** The MPIJob. */
  readonly mpiJob: IKubeObject;
  /** The NetworkPolicy; null unless the spec asks for one. */
  readonly networkPolicy: IKubeObject | null;
  /** All objects in creation order. */
  readonly objects: readonly IKubeObject[];
}

/**
 * Name of the ConfigMap holding a job's program.
 *
 * @param jobName - the MPIJob name
 * @returns the ConfigMap name
 */
export function programConfigMapName(jobName: string): string {
  // `-config` is taken: the mpi-operator writes the hostfile to <job>-config.
  return `${jobName}-program`;
}

/**
 * The launcher's command line for an MPI implementation. Open MPI gets the
 * operator's hostfile on the command line: Open MPI 5 ignores the ORTE-era
 * variable the operator sets for it and would otherwise start every rank on
 * the launcher. Hydra (Intel MPI, MPICH) reads the hostfile from the
 * variables the operator sets, as upstream's examples rely on. Open MPI's
 * mpirun starts through a constant `sh -c` script that picks its output
 * option by version (see OPENMPI_TAGS_SCRIPT).
 *
 * @param spec - the launch spec
 * @returns the launcher's command line, the program to run on every rank last
 */
export function launcherCommand(spec: ILaunchSpec): string[] {
  const program = spec.command ?? [
    spec.python,
    '-u',
    `${PROGRAM_MOUNT_PATH}/${PROGRAM_FILE_NAME}`
  ];
  const ranks = String(totalRanks(spec));
  if (spec.mpiImplementation === 'OpenMPI') {
    // Ranks start over ssh and do not inherit the container's environment:
    // Open MPI forwards only what -x names. Hydra (Intel, MPICH) forwards all.
    const forwarded = [
      'PATH',
      'LD_LIBRARY_PATH',
      'PYTHONUNBUFFERED',
      ...envNames(spec)
    ];
    // Rank-tagged output (the option depends on the image's Open MPI), so
    // that logs split by rank and tracebacks map to cells: the pod log is
    // one stream.
    return openMpiTagged('mpirun', [
      '-n',
      ranks,
      '--hostfile',
      MPI_HOSTFILE,
      '--bind-to',
      'none',
      '--map-by',
      'slot',
      ...forwarded.flatMap(name => ['-x', name]),
      ...program
    ]);
  }
  return ['mpirun', '-n', ranks, '-prepend-rank', ...program];
}

function envNames(spec: ILaunchSpec): string[] {
  return [...new Set((spec.env ?? []).map(e => e.name))];
}

function containerEnv(
  spec: ILaunchSpec,
  role: 'launcher' | 'worker'
): { name: string; value: string }[] {
  const env = [{ name: 'PYTHONUNBUFFERED', value: '1' }];
  if (role === 'launcher' && spec.mpiImplementation === 'OpenMPI') {
    // Notebook images often run as root; Open MPI refuses root without these.
    env.push(
      { name: 'OMPI_ALLOW_RUN_AS_ROOT', value: '1' },
      { name: 'OMPI_ALLOW_RUN_AS_ROOT_CONFIRM', value: '1' },
      { name: 'PRTE_MCA_plm_ssh_args', value: SSH_CONNECT_RETRIES }
    );
  }
  const own = new Set(env.map(e => e.name));
  for (const variable of spec.env ?? []) {
    if (own.has(variable.name)) {
      const at = env.findIndex(e => e.name === variable.name);
      env[at] = { name: variable.name, value: variable.value };
    } else {
      env.push({ name: variable.name, value: variable.value });
      own.add(variable.name);
    }
  }
  return env;
}

function jobLabels(spec: ILaunchSpec): StringMap {
  return {
    ...(spec.labels ?? {}),
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [JOB_NAME_LABEL]: spec.name
  };
}

/**
 * Renders a launch spec (and the program packaged from its notebook) into the
 * objects to create.
 *
 * @param spec - a validated launch spec
 * @param program - the packaged notebook code; required unless `spec.command` is set
 * @param options - default images
 * @returns the ConfigMap, MPIJob and NetworkPolicy
 * @throws {ValidationError} when the program is missing or too big for a ConfigMap
 */
export function renderJob(
  spec: ILaunchSpec,
  program: IPackagedProgram | null,
  options: IRenderOptions = {}
): IRenderedJob {
  const labels = jobLabels(spec);
  const files = spec.command ? [] : shippedFileKeys(options.files ?? []);
  const configMap = spec.command
    ? null
    : renderConfigMap(spec, program, labels, files);
  const mpiJob = renderMpiJob(
    spec,
    program,
    labels,
    options,
    configMap !== null,
    files
  );
  const networkPolicy = spec.networkPolicy
    ? renderNetworkPolicy(spec, labels)
    : null;
  const objects = [configMap, mpiJob, networkPolicy].filter(
    (o): o is IKubeObject => o !== null
  );
  return { configMap, mpiJob, networkPolicy, objects };
}

/** A shipped file and the ConfigMap key that holds it. */
interface IKeyedFile extends IShippedFile {
  readonly key: string;
}

/**
 * ConfigMap keys for shipped files: keys allow only `[-._a-zA-Z0-9]`, so
 * `lib/util.py` is held as `lib.util.py` (and mounted back at its path).
 *
 * @param files - the files
 * @returns each file with a key unique in the ConfigMap
 */
function shippedFileKeys(files: readonly IShippedFile[]): IKeyedFile[] {
  const taken = new Set([PROGRAM_FILE_NAME, SOURCE_MAP_KEY]);
  return files.map(file => {
    const base = file.path
      .replace(/\//g, '.')
      .replace(/[^-._a-zA-Z0-9]/g, '_')
      .slice(0, 240);
    let key = base;
    for (let n = 2; taken.has(key); n++) {
      key = `${base}-${n}`;
    }
    taken.add(key);
    return { ...file, key };
  });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a file that is UTF-8 without NUL (ConfigMap `data`); null otherwise (`binaryData`). */
function textOf(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) {
    return null;
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}

function renderConfigMap(
  spec: ILaunchSpec,
  program: IPackagedProgram | null,
  labels: StringMap,
  files: readonly IKeyedFile[]
): IKubeObject {
  if (!program) {
    throw new ValidationError(
      [
        {
          path: 'source.notebook',
          message:
            'has not been packaged: give the notebook, or set command to run a program from the image'
        }
      ],
      'cannot render the job'
    );
  }
  const data: Record<string, string> = {
    [PROGRAM_FILE_NAME]: program.code,
    [SOURCE_MAP_KEY]: encodeSourceMap(program)
  };
  const binaryData: Record<string, string> = {};
  const codeBytes =
    utf8Length(PROGRAM_FILE_NAME) +
    utf8Length(program.code) +
    utf8Length(SOURCE_MAP_KEY) +
    utf8Length(data[SOURCE_MAP_KEY]);
  // The API server counts keys and values, binaryData as its raw bytes.
  let bytes = codeBytes;
  for (const file of files) {
    bytes += utf8Length(file.key) + file.bytes.length;
    const text = textOf(file.bytes);
    if (text === null) {
      binaryData[file.key] = base64Of(file.bytes);
    } else {
      data[file.key] = text;
    }
  }
  if (bytes > CONFIGMAP_MAX_BYTES) {
    throw new ValidationError(
      [tooBigProblem(bytes, codeBytes, files, spec)],
      'the job is too big to submit'
    );
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: programConfigMapName(spec.name),
      namespace: spec.namespace,
      labels
    },
    data,
    ...(Object.keys(binaryData).length ? { binaryData } : {})
  };
}

function tooBigProblem(
  bytes: number,
  codeBytes: number,
  files: readonly IKeyedFile[],
  spec: ILaunchSpec
): IProblem {
  const limit = formatKiB(CONFIGMAP_MAX_BYTES);
  if (files.length === 0) {
    return {
      path: 'source',
      message:
        `the packaged code is ${formatKiB(bytes)}, more than a ConfigMap can hold (${limit}). ` +
        'Load large data from a volume or object storage instead of embedding it in cells, ' +
        "tag data-only cells 'skip-mpijob', or choose fewer cells"
    };
  }
  const largest = [...files].sort((a, b) => b.bytes.length - a.bytes.length);
  const listed = largest
    .slice(0, 10)
    .map(file => `${file.path} ${formatSize(file.bytes.length)}`);
  if (largest.length > 10) {
    listed.push(`and ${largest.length - 10} more`);
  }
  return {
    path: spec.files?.length ? 'files' : 'source',
    message:
      `the program (${formatKiB(codeBytes)}) and the files beside the notebook that ship with it come to ${formatKiB(bytes)}, ` +
      `more than a ConfigMap can hold (${limit}): ${listed.join(', ')}. ` +
      "Leave large data files out of the launch spec's files (--file) and read them from a volume or object storage; " +
      'the local modules the cells import always ship'
  };
}

function renderMpiJob(
  spec: ILaunchSpec,
  program: IPackagedProgram | null,
  labels: StringMap,
  options: IRenderOptions,
  mountsProgram: boolean,
  files: readonly IKeyedFile[]
): IKubeObject {
  const image =
    spec.image ??
    options.defaultImages?.[spec.mpiImplementation] ??
    DEFAULT_IMAGES[spec.mpiImplementation];
  const restartPolicy =
    spec.runPolicy.backoffLimit === 0 ? 'Never' : 'OnFailure';
  // Shipped files appear at their relative paths in the ranks' working
  // directory, as they are in the notebook's folder; the rest of it stays
  // writable (an emptyDir unless the spec names the directory).
  const workingDir =
    files.length > 0 ? (spec.workingDir ?? FILES_WORK_DIR) : spec.workingDir;
  const ownWorkDir = files.length > 0 && spec.workingDir === undefined;
  const volumeMounts: Record<string, unknown>[] | undefined = mountsProgram
    ? [
        { name: 'program', mountPath: PROGRAM_MOUNT_PATH, readOnly: true },
        ...(ownWorkDir ? [{ name: 'work', mountPath: FILES_WORK_DIR }] : []),
        ...files.map(file => ({
          name: 'program',
          mountPath: `${(workingDir as string).replace(/\/+$/, '')}/${file.path}`,
          subPath: file.key,
          readOnly: true
        }))
      ]
    : undefined;
  const volumes: Record<string, unknown>[] | undefined = mountsProgram
    ? [
        {
          name: 'program',
          configMap: { name: programConfigMapName(spec.name) }
        },
        ...(ownWorkDir ? [{ name: 'work', emptyDir: {} }] : [])
      ]
    : undefined;
  const podSpec = (
    container: Record<string, unknown>
  ): Record<string, unknown> =>
    compact({
      containers: [compact({ ...container, volumeMounts })],
      volumes
    });

  const workerLimits: Record<string, string> = {
    cpu: spec.cpu,
    memory: spec.memory
  };
  if (spec.gpusPerWorker > 0) {
    workerLimits[GPU_RESOURCE] = String(spec.gpusPerWorker);
  }

  // Open MPI's mpirun is the command; Hydra's launchers keep the image's
  // entrypoint, which in upstream's Intel MPI and MPICH images waits until
  // the workers' names resolve.
  const launch =
    spec.mpiImplementation === 'OpenMPI'
      ? { command: launcherCommand(spec) }
      : { args: launcherCommand(spec) };

  const annotations: StringMap = {};
  if (program) {
    annotations[NOTEBOOK_ANNOTATION] = program.notebookPath;
    annotations[CELLS_ANNOTATION] = program.cellNumbers.join(',');
  }

  return {
    apiVersion: MPIJOB_API_VERSION,
    kind: 'MPIJob',
    metadata: compact({
      name: spec.name,
      namespace: spec.namespace,
      labels,
      annotations: Object.keys(annotations).length ? annotations : undefined
    }) as IKubeObject['metadata'],
    spec: {
      slotsPerWorker: spec.slotsPerWorker,
      mpiImplementation: spec.mpiImplementation,
      sshAuthMountPath: spec.sshAuthMountPath,
      // The launcher starts once every worker is Ready, not before their
      // names resolve and their sshd runs (the operator's answer to that race).
      launcherCreationPolicy: 'WaitForWorkersReady',
      runPolicy: renderRunPolicy(spec),
      mpiReplicaSpecs: {
        Launcher: {
          replicas: 1,
          restartPolicy,
          template: {
            metadata: { labels },
            spec: podSpec({
              name: 'launcher',
              image,
              ...launch,
              workingDir,
              env: containerEnv(spec, 'launcher'),
              resources: LAUNCHER_RESOURCES
            })
          }
        },
        Worker: {
          replicas: spec.workers,
          restartPolicy,
          template: {
            metadata: { labels },
            spec: podSpec({
              name: 'worker',
              image,
              command: spec.workerCommand,
              workingDir,
              env: containerEnv(spec, 'worker'),
              resources: {
                requests: { cpu: spec.cpu, memory: spec.memory },
                limits: workerLimits
              }
            })
          }
        }
      }
    }
  };
}

function renderRunPolicy(spec: ILaunchSpec): Record<string, unknown> {
  const run = spec.runPolicy;
  const scheduling = spec.scheduling;
  const gang = scheduling && scheduling.gang !== 'none';
  return compact({
    backoffLimit: run.backoffLimit,
    cleanPodPolicy: run.cleanPodPolicy,
    ttlSecondsAfterFinished: run.ttlSecondsAfterFinished,
    activeDeadlineSeconds: run.activeDeadlineSeconds,
    schedulingPolicy: gang
      ? compact({
          // The launcher is part of the gang: it cannot start without its workers.
          minAvailable: spec.workers + 1,
          queue: scheduling.queue,
          priorityClass: scheduling.priorityClass,
          scheduleTimeoutSeconds: scheduling.scheduleTimeoutSeconds
        })
      : undefined
  });
}

function renderNetworkPolicy(
  spec: ILaunchSpec,
  labels: StringMap
): IKubeObject {
  const ownPods = {
    podSelector: { matchLabels: { [JOB_NAME_LABEL]: spec.name } }
  };
  const dnsPorts = [53, 5353].flatMap(port => [
    { protocol: 'UDP', port },
    { protocol: 'TCP', port }
  ]);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: `${spec.name}-isolate`,
      namespace: spec.namespace,
      labels
    },
    spec: {
      podSelector: ownPods.podSelector,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [ownPods] }],
      // 5353: OpenShift's cluster DNS listens there.
      egress: [
        { to: [ownPods] },
        { to: [{ namespaceSelector: {} }], ports: dnsPorts }
      ]
    }
  };
}

/** Drops undefined fields so YAML output shows only what is set. */
function compact<T extends Record<string, unknown>>(object: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) {
      out[key] = value;
    }
  }
  return out as T;
}

const encoder = new TextEncoder();

function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : formatKiB(bytes);
}

function formatKiB(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(2)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}
