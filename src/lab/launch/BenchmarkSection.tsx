/**
 * The launch panel's "Benchmark this notebook" section: run the notebook as
 * it is set up above at 1..N workers (powers of two or every count), a few
 * times each, through the job service's benchmark harness, then open the
 * speedup chart of the results.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import type {
  INotebookBenchRecord,
  WorkerSteps
} from '../../core/notebookBench';
import {
  benchEnded,
  NOTEBOOK_BENCH,
  workerCounts
} from '../../core/notebookBench';
import type { ILaunchSpec } from '../../core/spec';
import { runNotebookBenchmark } from '../bench/notebookBenchmark';
import { describeFailure } from './submit';

/** Properties of {@link BenchmarkSection}. */
export interface IBenchmarkSectionProps {
  /** The spec as the form stands; null while it is invalid. */
  readonly spec: ILaunchSpec | null;
  /** The notebook's JSON; undefined while loading. */
  readonly notebook: unknown;
  /** The notebook's path. */
  readonly notebookPath: string;
  /** Why the notebook cannot run now (the launch's blockers); empty when it can. */
  readonly blockers: readonly string[];
  /** Opens a results file. */
  readonly openResults: (path: string) => void;
  /** Id prefix of the fields. */
  readonly idPrefix: string;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** Runs the notebook as a benchmark over worker counts. */
export function BenchmarkSection(props: IBenchmarkSectionProps): JSX.Element {
  const { spec, trans, idPrefix } = props;
  const [maxWorkers, setMaxWorkers] = useState(Math.max(2, spec?.workers ?? 2));
  const [steps, setSteps] = useState<WorkerSteps>('powers-of-two');
  const [repeats, setRepeats] = useState<number>(NOTEBOOK_BENCH.repeats);
  const [warmups, setWarmups] = useState<number>(NOTEBOOK_BENCH.warmups);
  const [record, setRecord] = useState<INotebookBenchRecord | null>(null);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState('');

  const counts = workerCounts(
    Math.min(maxWorkers, NOTEBOOK_BENCH.maxWorkers),
    steps
  );
  const running = starting || (record !== null && !benchEnded(record.state));
  const valid =
    Number.isInteger(maxWorkers) &&
    maxWorkers >= 1 &&
    counts.length <= NOTEBOOK_BENCH.maxCounts &&
    Number.isInteger(repeats) &&
    repeats >= 1 &&
    repeats <= NOTEBOOK_BENCH.maxRepeats &&
    Number.isInteger(warmups) &&
    warmups >= 0 &&
    warmups <= NOTEBOOK_BENCH.maxWarmups;
  const canRun =
    spec !== null &&
    props.notebook !== undefined &&
    props.blockers.length === 0 &&
    valid &&
    !running;

  const run = async (): Promise<void> => {
    if (!spec) {
      return;
    }
    setStarting(true);
    setError('');
    try {
      await runNotebookBenchmark({
        spec,
        notebook: props.notebook,
        notebookPath: props.notebookPath,
        workers: counts,
        repeats,
        warmups,
        onProgress: setRecord,
        openResults: props.openResults,
        trans
      });
    } catch (reason) {
      setError(describeFailure(reason, trans).detail);
    } finally {
      setStarting(false);
    }
  };

  const number = (
    key: string,
    label: string,
    value: number,
    set: (n: number) => void,
    min: number,
    max: number
  ): JSX.Element => (
    <label className="mpijob-LaunchBench-field" htmlFor={`${idPrefix}-${key}`}>
      <span>{label}</span>
      <input
        id={`${idPrefix}-${key}`}
        className="jp-mod-styled"
        type="number"
        min={min}
        max={max}
        value={Number.isFinite(value) ? value : ''}
        disabled={running}
        onChange={event => set(event.target.valueAsNumber)}
      />
    </label>
  );

  return (
    <details className="mpijob-LaunchBench">
      <summary>{trans.__('Benchmark this notebook at 1..N workers')}</summary>
      <p className="mpijob-LaunchBench-help">
        {trans.__(
          'Runs the notebook as set up above at each worker count, the counts taking turns, and times every job from submit to done — or by the MPIJOB_BENCH line rank 0 prints, when it prints one. The results file goes to benchmarks/ beside the notebook and opens as a speedup chart.'
        )}
      </p>
      <div className="mpijob-LaunchBench-fields">
        {number(
          'bench-max-workers',
          trans.__('Up to workers'),
          maxWorkers,
          setMaxWorkers,
          1,
          NOTEBOOK_BENCH.maxWorkers
        )}
        <label
          className="mpijob-LaunchBench-field"
          htmlFor={`${idPrefix}-bench-steps`}
        >
          <span>{trans.__('Worker counts')}</span>
          <select
            id={`${idPrefix}-bench-steps`}
            className="jp-mod-styled"
            value={steps}
            disabled={running}
            onChange={event => setSteps(event.target.value as WorkerSteps)}
          >
            <option value="powers-of-two">
              {trans.__('Powers of two (1, 2, 4, …)')}
            </option>
            <option value="every">
              {trans.__('Every count (1, 2, 3, …)')}
            </option>
          </select>
        </label>
        {number(
          'bench-repeats',
          trans.__('Runs per count'),
          repeats,
          setRepeats,
          1,
          NOTEBOOK_BENCH.maxRepeats
        )}
        {number(
          'bench-warmups',
          trans.__('Warm-up runs'),
          warmups,
          setWarmups,
          0,
          NOTEBOOK_BENCH.maxWarmups
        )}
      </div>
      <div className="mpijob-LaunchBench-actions">
        <button
          type="button"
          className="jp-Dialog-button jp-mod-styled jp-mod-accept mpijob-LaunchBench-run"
          disabled={!canRun}
          onClick={() => void run()}
        >
          {trans.__('Benchmark at %1 workers', counts.join(', '))}
        </button>
        {!valid && (
          <span className="mpijob-LaunchBench-reason">
            {trans.__(
              'Use 1 to %1 runs, 0 to %2 warm-ups and at most %3 worker counts.',
              NOTEBOOK_BENCH.maxRepeats,
              NOTEBOOK_BENCH.maxWarmups,
              NOTEBOOK_BENCH.maxCounts
            )}
          </span>
        )}
        {valid && !running && props.blockers.length > 0 && (
          <span className="mpijob-LaunchBench-reason">{props.blockers[0]}</span>
        )}
      </div>
      {record && (
        <div className="mpijob-LaunchBench-progress" aria-live="polite">
          <progress
            max={Math.max(1, record.progress.total)}
            value={record.progress.done}
          />
          <span>
            {benchEnded(record.state)
              ? trans.__(
                  '%1: %2 of %3 jobs done.',
                  record.state,
                  record.progress.done,
                  record.progress.total
                )
              : trans.__(
                  '%1 of %2 jobs done: %3',
                  record.progress.done,
                  record.progress.total,
                  record.progress.label
                )}
          </span>
        </div>
      )}
      {error && (
        <p className="mpijob-Launch-serverError" role="alert">
          {trans.__('The service refused the benchmark: %1', error)}
        </p>
      )}
    </details>
  );
}
