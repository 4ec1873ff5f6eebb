/**
 * Turning CLI input (flags, `-f` files) into the objects of a job. Shared by
 * `render` and `create`.
 */
import { formatProblem } from '../../core/errors';
import type { IBuiltJob } from '../../core/job';
import { buildJob } from '../../core/job';
import type { IKubeObject } from '../../core/kube';
import { classifyDocument, prepareMpiJob } from '../../core/mpijob';
import { generatedName } from '../../core/naming';
import { parseLaunchSpec } from '../../core/spec';
import { parseYamlStream } from '../../core/yamlStream';
import { readInput, readTextInput } from '../inputs';
import { CliError } from './errors';
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
 * Builds the jobs a command line describes: the documents of `-f` (MPIJobs
 * pass through; launch specs get the flags applied), or the flags alone.
 *
 * @param options - commander's options (`file`, `namespace` and spec flags)
 * @param commandName - for usage errors
 * @param trailing - the command after `--`
 * @returns jobs and objects
 * @throws {CliError|ValidationError} naming the file, field or cell at fault
 */
export async function buildFromCommandLine(
  options: Record<string, unknown>,
  commandName: string,
  trailing: readonly string[]
): Promise<ILaunchRequest> {
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
    const spec = parseLaunchSpec(raw);
    const notebookPath = spec.source?.notebook;
    const notebook =
      !spec.command && notebookPath ? await readInput(notebookPath) : null;
    const job = buildJob(spec, notebook);
    jobs.push(job);
    objects.push(...job.rendered.objects);
  }
  const warnings = jobs.flatMap(job =>
    (job.program?.warnings ?? []).map(problem => formatProblem(problem))
  );
  return { jobs, manifests, objects, warnings };
}
