/**
 * One launch, start to finish in memory: spec + notebook -> packaged program
 * -> Kubernetes objects. The CLI, the service and the launch panel's YAML
 * preview all go through here, so they cannot disagree.
 */
import type { IRenderedJob, IRenderOptions } from './manifest';
import { renderJob } from './manifest';
import type { CellSelection, IPackagedProgram } from './notebook';
import { packageNotebook } from './notebook';
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

/**
 * Packages the notebook (unless the spec runs a command) and renders the job.
 *
 * @param spec - a validated launch spec
 * @param notebook - the notebook file's bytes, text or parsed JSON; ignored with `spec.command`
 * @param options - rendering options
 * @returns the spec, program and objects
 * @throws {ValidationError} naming the cell or field at fault
 */
export function buildJob(
  spec: ILaunchSpec,
  notebook: string | Uint8Array | unknown,
  options: IRenderOptions = {}
): IBuiltJob {
  const program = spec.command
    ? null
    : packageNotebook(notebook, {
        selection: cellSelection(spec.source),
        notebookPath: spec.source?.notebook,
        figures: spec.figures
      });
  return { spec, program, rendered: renderJob(spec, program, options) };
}
