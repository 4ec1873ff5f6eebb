/**
 * Benchmarking a notebook from JupyterLab: starts the service's notebook
 * benchmark (`POST /api/benchmarks`), follows it in a notification that
 * shows progress and can stop it, and opens the chart of its results.
 */
import { Notification } from '@jupyterlab/apputils';
import { PageConfig, PathExt } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { ILaunchSpec } from '../../core/spec';
import type {
  INotebookBenchRecord,
  INotebookBenchRequest
} from '../../core/notebookBench';
import { benchEnded } from '../../core/notebookBench';
import { requestAPI } from '../request';
import { errorMessage } from '../../core/errors';

/** Folder of a notebook's benchmark results, beside the notebook. */
export const RESULTS_FOLDER = 'benchmarks';

/** How often a running benchmark is polled. */
const POLL_MS = 1000;

/** How long the in-progress notification shows before it is updated. */
const MIN_PENDING_MS = 600;

/** What {@link runNotebookBenchmark} needs. */
export interface INotebookBenchmarkOptions {
  /** The launch spec every job copies. */
  readonly spec: ILaunchSpec;
  /** The notebook's JSON. */
  readonly notebook: unknown;
  /** The notebook's path, relative to the server root. */
  readonly notebookPath: string;
  /** Worker counts. */
  readonly workers: readonly number[];
  /** Measured jobs per worker count. */
  readonly repeats: number;
  /** Warm-up jobs per worker count. */
  readonly warmups: number;
  /** Told of every change of the record. */
  readonly onProgress: (record: INotebookBenchRecord) => void;
  /** Opens a results file (a path relative to the server root). */
  readonly openResults: (path: string) => void;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/**
 * Where a notebook's results go: `benchmarks/` beside it, as the service
 * (on this machine) and the contents manager name it.
 *
 * @param notebookPath - the notebook, relative to the server root
 * @returns the folder relative to the server root, and as an absolute (or
 *   `~/`) path for the service; null when the server root is unknown
 */
export function resultsLocation(notebookPath: string): {
  readonly path: string;
  readonly serviceDir: string | null;
} {
  const path = PathExt.join(PathExt.dirname(notebookPath), RESULTS_FOLDER);
  return { path, serviceDir: onServer(path) };
}

/**
 * A folder of the server's contents as a path on the server's machine.
 *
 * @param path - relative to the server root
 * @returns the absolute (or `~/`) path; null when the server root is unknown
 */
function onServer(path: string): string | null {
  const root = PageConfig.getOption('serverRoot');
  return root
    ? `${root.replace(/\/+$/, '')}/${path}`.replace(/\/+$/, '') || '/'
    : null;
}

/**
 * A launch whose ranks start in the notebook's folder, as its kernel does
 * (the local backend runs on the server's machine), unless it names one.
 *
 * @param spec - the launch spec
 * @param notebookPath - the notebook, relative to the server root
 * @returns the spec with its working directory
 */
export function withNotebookFolder(
  spec: ILaunchSpec,
  notebookPath: string
): ILaunchSpec {
  const folder = onServer(PathExt.dirname(notebookPath));
  return spec.workingDir !== undefined || folder === null
    ? spec
    : { ...spec, workingDir: folder };
}

/**
 * Runs a notebook benchmark to its end, with a notification that follows
 * it, then opens its chart.
 *
 * @param options - spec, notebook, worker counts and callbacks
 * @returns the final record
 * @throws {MpiJobResponseError} when the service refused to start it
 */
export async function runNotebookBenchmark(
  options: INotebookBenchmarkOptions
): Promise<INotebookBenchRecord> {
  const { trans, spec } = options;
  const location = resultsLocation(options.notebookPath);
  const request: INotebookBenchRequest = {
    spec,
    notebook: options.notebook,
    workers: options.workers,
    repeats: options.repeats,
    warmups: options.warmups,
    ...(location.serviceDir ? { resultsDir: location.serviceDir } : {})
  };
  let record = await requestAPI<INotebookBenchRecord>('benchmarks', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(request)
  });
  options.onProgress(record);
  const counts = record.workers.join(', ');
  const stop = {
    label: trans.__('Stop'),
    caption: trans.__('Stop the benchmark and keep what it measured'),
    callback: () => {
      void requestAPI(`benchmarks/${record.id}`, { method: 'DELETE' });
    }
  };
  const id = Notification.emit(
    trans.__('Benchmarking %1 at %2 workers…', spec.name, counts),
    'in-progress',
    { autoClose: false, actions: [stop] }
  );
  const shown = Date.now();
  while (!benchEnded(record.state)) {
    await new Promise(resolve => window.setTimeout(resolve, POLL_MS));
    try {
      record = await requestAPI<INotebookBenchRecord>(
        `benchmarks/${record.id}`
      );
    } catch (error) {
      Notification.update({
        id,
        type: 'error',
        message: trans.__(
          'Lost the benchmark of %1: %2',
          spec.name,
          errorMessage(error)
        ),
        autoClose: false
      });
      throw error;
    }
    options.onProgress(record);
    if (!benchEnded(record.state) && Date.now() - shown >= MIN_PENDING_MS) {
      Notification.update({
        id,
        message: trans.__(
          'Benchmarking %1 at %2 workers: %3 of %4 jobs done.',
          spec.name,
          counts,
          record.progress.done,
          record.progress.total
        ),
        actions: [stop]
      });
    }
  }
  await new Promise(resolve =>
    window.setTimeout(
      resolve,
      Math.max(0, MIN_PENDING_MS - (Date.now() - shown))
    )
  );
  const results = record.resultsName
    ? PathExt.join(
        location.serviceDir ? location.path : 'benchmarks/results',
        record.resultsName
      )
    : null;
  const open = results
    ? [
        {
          label: trans.__('Open chart'),
          caption: trans.__('Show the speedup chart of %1', results),
          callback: () => options.openResults(results)
        }
      ]
    : [];
  // What the largest worker count gained over the baseline: the point of
  // running it.
  const rows = record.summary?.rows ?? [];
  const largest = rows.length > 1 ? rows[rows.length - 1] : undefined;
  if (record.state === 'completed') {
    Notification.update({
      id,
      type: 'success',
      message: largest
        ? trans.__(
            'Benchmark of %1 done: %2 workers ran %3× as fast as %4 (median over turns%5; %6% efficiency). Results in %7.',
            spec.name,
            largest.workers,
            largest.speedup.toFixed(2),
            record.summary?.baselineWorkers ?? rows[0].workers,
            largest.speedupCi
              ? trans.__(
                  ', %1% CI %2–%3',
                  Math.round(
                    (record.summary?.bootstrap.confidence ?? 0.95) * 100
                  ),
                  largest.speedupCi.low.toFixed(2),
                  largest.speedupCi.high.toFixed(2)
                )
              : '',
            (largest.efficiency * 100).toFixed(0),
            results ?? ''
          )
        : trans.__('Benchmark of %1 done.', spec.name),
      autoClose: 8000,
      actions: open
    });
  } else {
    Notification.update({
      id,
      type: record.state === 'failed' ? 'error' : 'warning',
      message: trans.__(
        'Benchmark of %1 %2: %3',
        spec.name,
        record.state,
        record.message ?? ''
      ),
      autoClose: false,
      actions: open
    });
  }
  if (results) {
    options.openResults(results);
  }
  return record;
}
