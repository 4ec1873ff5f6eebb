/**
 * Benchmark scenarios: YAML files under benchmarks/scenarios, validated by
 * schema/scenario.json, with every problem reported by field path.
 */
import type { ErrorObject } from 'ajv';
import { existsSync, promises as fs } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

import type { IProblem } from '../../core/errors';
import { errorMessage, ValidationError } from '../../core/errors';
import { scenarioSchema } from '../../core/generated/benchScenarioSchema';
import type { IPackagedProgram } from '../../core/notebook';
import type { ILaunchSpec, MpiImplementation } from '../../core/spec';
import { describeAjvErrors, pointerToPath } from '../../core/spec';
import type { ScalingMode } from '../../core/stats';
import { lazyValidator, validateCopy } from '../../core/schemaValidator';

/** The scenario's JSON Schema (schema/scenario.json). */
export const SCENARIO_SCHEMA = scenarioSchema;

/** A regular expression that reads a number from a program's output. */
export interface IOutputMetric {
  /** Name of the number, e.g. `images_per_sec`. */
  readonly name: string;
  /** Regular expression; its first group is the number. */
  readonly pattern: string;
  /** Unit, for people. */
  readonly unit?: string;
}

/** Fault a scale run injects (see schema/scenario.json). */
export type ScaleFault =
  'operator-kill' | 'apiserver-restart' | 'etcd-restart' | 'service-restart';

/** The mpi-operator's rate limits. */
export interface IOperatorFlags {
  /** --kube-api-qps. */
  readonly qps: number;
  /** --kube-api-burst. */
  readonly burst: number;
  /** --controller-queue-rate-limit. */
  readonly queueRateLimit: number;
  /** --controller-queue-burst. */
  readonly queueBurst: number;
}

/** What makes a scenario a control-plane scale run. */
export interface IScaleOptions {
  /** MPIJobs submitted at once. */
  readonly jobs: number;
  /** SSE clients following the service. */
  readonly sseClients: number;
  /** Pod capacity of each simulated node. */
  readonly podsPerNode: number;
  /** GPUs of each simulated node. */
  readonly gpusPerNode: number;
  /** Extra labels of the jobs and their pods. */
  readonly labels: Readonly<Record<string, string>>;
  /** The operator's client rate limits. */
  readonly operator: IOperatorFlags & { readonly defaultJobs: number };
  /** Faults injected once every job is Running. */
  readonly faults: readonly ScaleFault[];
}

/** A validated scenario, defaults filled in (see schema/scenario.json). */
export interface IScenario {
  /** Names the results file and the jobs. */
  readonly name: string;
  /** What it measures. */
  readonly description?: string;
  /** Python file every rank runs (as written in the scenario). */
  readonly workload?: string;
  /** Program every rank runs instead of a workload. */
  readonly command?: readonly string[];
  /** Arguments after the workload or command. */
  readonly args: readonly string[];
  /** Where the jobs run. */
  readonly backend: 'local' | 'kubernetes';
  /** Container image (kubernetes). */
  readonly image?: string;
  /** Interpreter of the workload. */
  readonly python?: string;
  /** Worker counts, in the order given. */
  readonly workers: readonly number[];
  /** Ranks per worker. */
  readonly ranksPerWorker: number;
  /** GPUs per worker. */
  readonly gpusPerWorker: number;
  /** Measured runs per worker count. */
  readonly repeats: number;
  /** Unrecorded runs per worker count before the measured ones. */
  readonly warmups: number;
  /** Strong or weak scaling. */
  readonly scaling: ScalingMode;
  /** Longest a run may take. */
  readonly timeoutSeconds: number;
  /** Variables for every rank. */
  readonly env: Readonly<Record<string, string>>;
  /** MPI implementation. */
  readonly mpiImplementation: MpiImplementation;
  /** Also time a bare mpirun of the workload. */
  readonly bare: boolean;
  /** Number to read from the output when there is no MPIJOB_BENCH line. */
  readonly metric?: IOutputMetric;
  /**
   * The notebook benchmarked instead of a workload (set by the job
   * service's notebook benchmark, not read from scenario files).
   */
  readonly notebook?: string;
  /** Makes it a control-plane scale run (many jobs at once). */
  readonly scale?: IScaleOptions;
}

/** A packaged notebook run as a benchmark's workload. */
export interface INotebookWorkload {
  /** The launch spec every job copies, with the run's name and worker count. */
  readonly spec: ILaunchSpec;
  /** The notebook's program, packaged once for every job. */
  readonly program: IPackagedProgram;
}

/** A scenario read from a file, with its workload located. */
export interface ILoadedScenario {
  /** The scenario. */
  readonly scenario: IScenario;
  /** The scenario file, absolute. */
  readonly file: string;
  /** The workload file, absolute; null when the scenario runs a command. */
  readonly workloadPath: string | null;
  /** Where results go by default: benchmarks/results next to the scenarios folder, else the current directory. */
  readonly resultsDir: string;
  /**
   * A notebook run as the workload: the jobs are its launch spec, and
   * {@link workloadPath} holds its program for the bare mpirun runs.
   */
  readonly notebook?: INotebookWorkload;
}

/** The result of validating a scenario. */
export type ScenarioValidation =
  | { readonly ok: true; readonly scenario: IScenario }
  | { readonly ok: false; readonly problems: readonly IProblem[] };

const validator = lazyValidator(scenarioSchema, {
  useDefaults: true,
  messageKeywords: ['patternMessage']
});

/**
 * Validates a parsed scenario and fills in defaults; the input is not modified.
 *
 * @param input - a parsed scenario (YAML or JSON)
 * @returns the scenario, or every problem with its field path
 */
export function validateScenario(input: unknown): ScenarioValidation {
  const checked = validateCopy(validator(), input);
  if (!checked.ok) {
    return { ok: false, problems: scenarioAjvProblems(checked.errors) };
  }
  const scenario = checked.value as IScenario;
  const problems = crossFieldProblems(scenario);
  return problems.length ? { ok: false, problems } : { ok: true, scenario };
}

/**
 * Like {@link validateScenario} but throws.
 *
 * @param input - a parsed scenario
 * @param source - the file, for the message
 * @returns the scenario
 * @throws {ValidationError} listing every problem
 */
export function parseScenario(input: unknown, source = 'scenario'): IScenario {
  const result = validateScenario(input);
  if (!result.ok) {
    throw new ValidationError(result.problems, `invalid scenario ${source}`);
  }
  return result.scenario;
}

/**
 * Reads, validates and locates a scenario file.
 *
 * @param file - path of a YAML (or JSON) scenario
 * @returns the scenario, its workload's path and the default results folder
 * @throws {ValidationError} when the file is not valid YAML, not a valid
 *   scenario, or its workload does not exist
 */
export async function loadScenario(file: string): Promise<ILoadedScenario> {
  const path = resolve(file);
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError(
      [{ path: file, message: `cannot be read: ${errorMessage(error)}` }],
      'no scenario'
    );
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new ValidationError(
      [{ path: file, message: `is not valid YAML: ${errorMessage(error)}` }],
      'invalid scenario'
    );
  }
  const scenario = parseScenario(parsed, file);
  const dir = dirname(path);
  let workloadPath: string | null = null;
  if (scenario.workload !== undefined) {
    workloadPath = workloadLocation(dir, scenario.workload);
    if (!existsSync(workloadPath)) {
      throw new ValidationError(
        [
          {
            path: 'workload',
            message: `${workloadPath} does not exist: name a file in benchmarks/workloads or a path relative to the scenario`
          }
        ],
        `invalid scenario ${file}`
      );
    }
  }
  const resultsDir =
    basename(dir) === 'scenarios'
      ? join(dirname(dir), 'results')
      : process.cwd();
  return { scenario, file: path, workloadPath, resultsDir };
}

/**
 * Where a scenario's workload is: a bare file name lives in the `workloads`
 * folder beside the scenario's folder; other paths are relative to the scenario.
 *
 * @param scenarioDir - the scenario file's folder
 * @param workload - the scenario's `workload`
 * @returns an absolute path
 */
export function workloadLocation(
  scenarioDir: string,
  workload: string
): string {
  if (isAbsolute(workload)) {
    return workload;
  }
  return workload.includes('/')
    ? resolve(scenarioDir, workload)
    : resolve(scenarioDir, '..', 'workloads', workload);
}

/**
 * Replaces `{workers}`, `{ranks}` and `{scaling}` in arguments.
 *
 * @param args - the scenario's arguments
 * @param values - this run's values
 * @returns the arguments to pass
 */
export function expandArgs(
  args: readonly string[],
  values: { workers: number; ranks: number; scaling: ScalingMode }
): string[] {
  return args.map(arg =>
    arg
      .replace(/\{workers\}/g, String(values.workers))
      .replace(/\{ranks\}/g, String(values.ranks))
      .replace(/\{scaling\}/g, values.scaling)
  );
}

function scenarioAjvProblems(errors: readonly ErrorObject[]): IProblem[] {
  const problems: IProblem[] = [];
  const rest: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword === 'propertyNames' && error.instancePath === '/env') {
      const name = String(
        (error.params as { propertyName?: unknown }).propertyName
      );
      problems.push({
        path: pointerToPath(
          `/env/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`
        ),
        message:
          "is not a valid environment variable name: use letters, digits and '_', not starting with a digit"
      });
    } else if (error.propertyName === undefined) {
      rest.push(error);
    }
  }
  return [...describeAjvErrors(rest), ...problems];
}

function crossFieldProblems(scenario: IScenario): IProblem[] {
  const problems: IProblem[] = [];
  if (scenario.workload === undefined && scenario.command === undefined) {
    problems.push({
      path: 'workload',
      message:
        'is required unless command is set: name a Python file in benchmarks/workloads'
    });
  }
  if (scenario.workload !== undefined && scenario.command !== undefined) {
    problems.push({
      path: 'command',
      message: 'cannot be given together with workload: keep one of them'
    });
  }
  if (scenario.image !== undefined && scenario.backend !== 'kubernetes') {
    problems.push({
      path: 'image',
      message:
        "is only used by the kubernetes backend: set backend to 'kubernetes' or remove it"
    });
  }
  if (scenario.backend === 'local' && scenario.mpiImplementation === 'Intel') {
    problems.push({
      path: 'mpiImplementation',
      message:
        "Intel MPI runs only on the kubernetes backend: use 'OpenMPI' or 'MPICH' locally"
    });
  }
  if (scenario.scale !== undefined) {
    if (scenario.backend !== 'kubernetes') {
      problems.push({
        path: 'backend',
        message:
          "must be 'kubernetes' for a scale scenario: it measures a control plane"
      });
    }
    if (scenario.workers.length !== 1) {
      problems.push({
        path: 'workers',
        message:
          'must hold one worker count in a scale scenario: the workers of every job, e.g. [100]'
      });
    }
  }
  if (scenario.metric !== undefined) {
    try {
      new RegExp(scenario.metric.pattern);
    } catch (error) {
      problems.push({
        path: 'metric.pattern',
        message: `is not a valid regular expression: ${errorMessage(error)}`
      });
    }
  }
  return problems;
}
