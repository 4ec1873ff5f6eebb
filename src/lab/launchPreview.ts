/**
 * A first launch flow: package the current notebook in the browser and show
 * the exact objects an MPIJob launch would create, ready to copy.
 */
import {
  Clipboard,
  Dialog,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { formatProblem, ValidationError } from '../core/errors';
import { buildJob } from '../core/job';
import { parseLaunchSpec, totalRanks } from '../core/spec';
import { toYamlStream } from '../core/yamlStream';
import { jobNameFromNotebook } from '../core/naming';

/** Defaults for a launch, from the user's settings. */
export interface ILaunchDefaults {
  /** Worker pods. */
  workers: number;
  /** Image; empty for the built-in default. */
  image: string;
  /** Namespace. */
  namespace: string;
}

const PREVIEW_CLASS = 'mpijob-PreviewDialog';

/**
 * Packages a notebook and shows the MPIJob it becomes.
 *
 * @param panel - the notebook
 * @param defaults - launch defaults from settings
 * @param trans - the translation bundle
 */
export async function showLaunchPreview(
  panel: NotebookPanel,
  defaults: ILaunchDefaults,
  trans: TranslationBundle
): Promise<void> {
  const path = panel.context.path;
  let yaml: string;
  let summary: string;
  try {
    const spec = parseLaunchSpec({
      name: jobNameFromNotebook(path),
      namespace: defaults.namespace,
      workers: defaults.workers,
      ...(defaults.image ? { image: defaults.image } : {}),
      source: { notebook: path, cells: 'all' }
    });
    const job = buildJob(spec, panel.context.model.toJSON());
    yaml = toYamlStream(job.rendered.objects);
    summary = trans.__(
      '%1 cells of %2 become one program run by %3 MPI ranks on %4 workers.',
      job.program?.cellNumbers.length ?? 0,
      path,
      totalRanks(spec),
      spec.workers
    );
  } catch (error) {
    const lines =
      error instanceof ValidationError
        ? error.problems.map(p => formatProblem(p))
        : [error instanceof Error ? error.message : String(error)];
    await showErrorMessage(
      trans.__('Cannot launch as MPIJob'),
      lines.join('\n')
    );
    return;
  }

  const body = new Widget();
  body.addClass(PREVIEW_CLASS);
  const text = document.createElement('p');
  text.className = `${PREVIEW_CLASS}-summary`;
  text.textContent = summary;
  const pre = document.createElement('pre');
  pre.className = `${PREVIEW_CLASS}-yaml`;
  pre.textContent = yaml;
  pre.setAttribute('aria-label', trans.__('MPIJob YAML'));
  body.node.append(text, pre);

  const result = await showDialog({
    title: trans.__('Launch as MPIJob'),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Close') }),
      Dialog.okButton({ label: trans.__('Copy YAML') })
    ]
  });
  if (result.button.accept) {
    Clipboard.copyToSystem(yaml);
  }
}
