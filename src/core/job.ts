/**
 * One launch, start to finish in memory: spec + notebook -> packaged program
 * -> Kubernetes objects. The CLI, the service and the launch panel's YAML
 * preview all go through here, so they cannot disagree.
 */
import type { IRenderedJob, IRenderOptions } from './manifest';
import { renderJob } from './manifest';
import type {
  CellSelection,
  INotebookFolder,
  IPackagedProgram,
  IShippedFile
} from './notebook';
import { collectLocalFiles, packageNotebook } from './notebook';
import type { ILaunchSpec, ISourceSpec } from './spec';

/** A job ready to submit. */
export interface IBuiltJob {
  /** The validated spec. */
  readonly spec: ILaunchSpec;
  /** The packaged notebook code; null when the spec runs a command. */
  readonly program: IPackagedProgram | null;
  /** The objects to create. */
  readonly rendered: IRenderedJob;
}

/**
 * The cell selection a spec's source asks for.
 *
 * @param source - the spec's source
 * @returns the selection for {@link packageNotebook}
 */
export function cellSelection(source: ISourceSpec | undefined): CellSelection {
  switch (source?.cells) {
    case 'up-to':
      return {
        mode: 'up-to',
        upToCell: source.upToCell ?? Number.MAX_SAFE_INTEGER
      };
    case 'tagged':
      return { mode: 'tagged' };
    case 'selected':
      return { mode: 'selected', cellNumbers: source.cellNumbers ?? [] };
    default:
      return { mode: 'all' };
  }
}

/** Options of {@link buildJob}. */
export interface IBuildOptions extends IRenderOptions {
  /**
   * The notebook's folder, for a job that runs on Kubernetes: the local
   * modules the cells import and the spec's `files` ship from it, and a
   * relative data file the cells open there that does not ship gets a
   * warning. Without it nothing ships (the local backend reads in place).
   */
  folder?: INotebookFolder;
}

/**
 * Packages the notebook (unless the spec runs a command) and renders the job.
 *
 * @param spec - a validated launch spec
 * @param notebook - the notebook file's bytes, text or parsed JSON; ignored with `spec.command`
 * @param options - rendering options and the notebook's folder
 * @returns the spec, program and objects
 * @throws {ValidationError} naming the cell or field at fault
 */
export function buildJob(
  spec: ILaunchSpec,
  notebook: string | Uint8Array | unknown,
  options: IBuildOptions = {}
): IBuiltJob {
  const { folder, ...renderOptions } = options;
  let program = spec.command
    ? null
    : packageNotebook(notebook, {
        selection: cellSelection(spec.source),
        notebookPath: spec.source?.notebook,
        figures: spec.figures
      });
  let files: readonly IShippedFile[] = [];
  if (program && folder) {
    const local = collectLocalFiles(program, spec.files ?? [], folder);
    files = local.files;
    if (local.warnings.length > 0) {
      program = {
        ...program,
        warnings: [...program.warnings, ...local.warnings]
      };
    }
  }
  return {
    spec,
    program,
    rendered: renderJob(spec, program, { ...renderOptions, files })
  };
}
