/**
 * Turning CLI input (flags, `-f` files) into the objects of a job. Shared by
 * `render`, `create` and `run`.
 */
import { dirname, resolve } from 'node:path';

import type { Command } from 'commander';

import { formatProblem } from '../../core/errors';
import type { IBuiltJob } from '../../core/job';
import { buildJob } from '../../core/job';
import type { IKubeObject } from '../../core/kube';
import { classifyDocument, prepareMpiJob } from '../../core/inputDocument';
import { generatedName } from '../../core/naming';
import { parseLaunchSpec } from '../../core/spec';
import { parseYamlStream } from '../../core/yamlStream';
import type { Submission } from '../backends/backend';
import { renderDefaults } from '../images';
import { readInput, readTextInput } from '../inputs';
import { notebookFolder } from '../notebookFolder';
import { backendKind } from './connect';
import { CliError, usageError } from './errors';
import { specFromFlags } from './specFlags';

/** What a CLI invocation asks to create. */
export interface ILaunchRequest {
  /** Jobs built from launch specs (with their notebooks). */
  readonly jobs: readonly IBuiltJob[];
  /** MPIJob manifests given as they are. */
  readonly manifests: readonly IKubeObject[];
  /** All objects to create, in order. */
  readonly objects: readonly IKubeObject[];
  /** What packaging the notebooks noted (IPython syntax left out, …), one line each. */
  readonly warnings: readonly string[];
}

/**
 * Prints warnings as kubectl does, on stderr, before the command's output.
 *
 * @param stderr - where they go
 * @param warnings - one line each
 */
export function printWarnings(
  stderr: NodeJS.WritableStream,
  warnings: readonly string[]
): void {
  for (const warning of warnings) {
    stderr.write(`warning: ${warning}\n`);
  }
}

/**
 * The program after `--` (`mpijob create … -- python3 train.py`). Commander
 * hands over the operands before and after `--` alike; only the command
 * line tells them apart.
 *
 * @param operands - the command's operands
 * @param argv - the whole command line
 * @param commandName - for usage errors, e.g. `mpijob create`
 * @returns the program and its arguments; empty without `--`
 * @throws {CliError} (exit 2) for an operand before `--`
 */
export function programAfterDashes(
  operands: readonly string[],
  argv: readonly string[],
  commandName: string
): string[] {
  const dashes = argv.indexOf('--');
  const program = dashes < 0 ? [] : argv.slice(dashes + 1);
  const before = operands.slice(0, operands.length - program.length);
  if (before.length) {
    throw usageError(
      `unexpected argument "${before[0]}": name the notebook with --from-notebook, or put the program to run after --`,
      commandName
    );
  }
  return program;
}

/**
 * Builds the jobs a command line describes: the documents of `-f` (MPIJobs
 * pass through; launch specs get the flags applied), or the flags alone.
 *
 * @param options - commander's options (`file`, `namespace` and spec flags)
 * @param commandName - for usage errors
 * @param trailing - the command after `--`
 * @param commandDir - where a job that runs a command and names no working
 *   directory starts (the current directory, for the local backend); a
 *   notebook job there starts in the notebook's folder
 * @returns jobs and objects
 * @throws {CliError|ValidationError} naming the file, field or cell at fault
 */
export async function buildFromCommandLine(
  options: Record<string, unknown>,
  commandName: string,
  trailing: readonly string[],
  commandDir?: string
): Promise<ILaunchRequest> {
  if (trailing.length > 0 && typeof options.fromNotebook === 'string') {
    // Either would be silently dropped otherwise.
    throw usageError(
      `--from-notebook runs the notebook's cells, a program after -- runs instead of them: give one of the two (got ${options.fromNotebook} and ${trailing.join(' ')})`,
      commandName
    );
  }
  // -n is explicit; the kubeconfig context's namespace is only a default,
  // as in kubectl: a manifest's own namespace wins over it.
  const namespace =
    typeof options.namespace === 'string'
      ? { value: options.namespace, explicit: true }
      : {
          value:
            typeof options.contextNamespace === 'string'
              ? options.contextNamespace
              : 'default',
          explicit: false
        };
  const files = (options.filename as string[] | undefined) ?? [];
  const documents: { source: string; doc: unknown }[] = [];
  for (const file of files) {
    const text = await readTextInput(file);
    for (const doc of parseYamlStream(text, file === '-' ? 'stdin' : file)) {
      documents.push({ source: file, doc });
    }
  }
  if (files.length && !documents.length) {
    throw new CliError(['no objects passed to create']);
  }
  if (!documents.length) {
    documents.push({ source: '', doc: {} });
  }

  const jobs: IBuiltJob[] = [];
  const manifests: IKubeObject[] = [];
  const objects: IKubeObject[] = [];
  for (const { doc } of documents) {
    const input = classifyDocument(doc);
    if (input.kind === 'mpijob') {
      const manifest = prepareMpiJob(input.object, namespace);
      if (options.generateName) {
        manifest.metadata.name = generatedName(manifest.metadata.name);
      }
      manifests.push(manifest);
      objects.push(manifest);
      continue;
    }
    const raw = specFromFlags(input.object, options, commandName, trailing);
    if (commandDir !== undefined && raw.command !== undefined) {
      // As with mpirun: `-- python3 train.py` finds train.py where you are.
      raw.workingDir ??= commandDir;
    } else if (commandDir !== undefined) {
      // As a kernel does: modules and data files beside the notebook are found.
      const notebook = (raw.source as { notebook?: unknown } | undefined)
        ?.notebook;
      if (typeof notebook === 'string' && notebook !== '-') {
        // Recorded absolute: JupyterLab on this machine opens its cells from
        // the job whatever folder the command ran in.
        const absolute = resolve(commandDir, notebook);
        (raw.source as { notebook: string }).notebook = absolute;
        raw.workingDir ??= dirname(absolute);
      }
    }
    const spec = parseLaunchSpec(raw);
    const notebookPath = spec.source?.notebook;
    const notebook =
      !spec.command && notebookPath ? await readInput(notebookPath) : null;
    // On Kubernetes the local modules it imports (and spec.files) ship with
    // the program; the local backend reads them where they are.
    const folder =
      notebook && commandDir === undefined && notebookPath !== '-'
        ? notebookFolder(notebookPath as string)
        : undefined;
    const job = buildJob(spec, notebook, { ...renderDefaults(), folder });
    jobs.push(job);
    objects.push(...job.rendered.objects);
  }
  const warnings = jobs.flatMap(job =>
    (job.program?.warnings ?? []).map(problem => formatProblem(problem))
  );
  return { jobs, manifests, objects, warnings };
}

/**
 * What `create` and `run` submit: the jobs and manifests their operands,
 * `--` program and flags describe. Warnings (a notebook's) go to stderr.
 *
 * @param operands - the command's operands
 * @param argv - the whole command line (where `--` was)
 * @param options - the command's options
 * @param command - the command, for its global flags (the backend)
 * @param stderr - where warnings go
 * @returns the request and its submissions, in order
 * @throws {CliError} (exit 2) when nothing says what to run
 */
export async function launchFromCommandLine(
  operands: readonly string[],
  argv: readonly string[],
  options: Record<string, unknown>,
  command: Command,
  stderr: NodeJS.WritableStream
): Promise<{ request: ILaunchRequest; submissions: Submission[] }> {
  const commandName = `mpijob ${command.name()}`;
  const program = programAfterDashes(operands, argv, commandName);
  if (!options.filename && !options.fromNotebook && !program.length) {
    throw usageError(
      'must specify one of -f, --from-notebook or -- COMMAND',
      commandName
    );
  }
  const local = backendKind(command.optsWithGlobals()) === 'local';
  const request = await buildFromCommandLine(
    options,
    commandName,
    program,
    local ? process.cwd() : undefined
  );
  printWarnings(stderr, request.warnings);
  const submissions: Submission[] = [
    ...request.jobs.map(job => ({ kind: 'launch', job }) as const),
    ...request.manifests.map(object => ({ kind: 'manifest', object }) as const)
  ];
  return { request, submissions };
}
