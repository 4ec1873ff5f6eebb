/**
 * The benchmark results viewer: speedup and efficiency charts of one or
 * several results files overlaid, then per file its speedup table (workers,
 * time, speedup with its confidence interval, min ratio, efficiency,
 * Karp–Flatt, E2E, bare, overhead, extra; a scale run has its own charts
 * and tables, ScaleResults.tsx), the runs that did not complete and where
 * it was measured. A file that is
 * not a results file shows why, field by field.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useMemo } from 'react';

import {
  efficiencyChartConfig,
  runLabels,
  speedupChartConfig
} from '../../core/benchChart';
import type { IBenchResults } from '../../core/benchResults';
import { SERIES, summarizeResults } from '../../core/benchResults';
import {
  environmentLines,
  round,
  runNotes,
  summaryCells
} from '../../core/benchReport';
import { formatProblem } from '../../core/errors';
import { BenchChart } from './BenchChart';
import type { ResultsSource } from './resultsSource';
import { ScaleResults } from './ScaleResults';

/** Properties of {@link ResultsView}. */
export interface IResultsViewProps {
  /** The files shown; empty while loading. */
  readonly sources: readonly ResultsSource[];
  /** The theme's name, to redraw the charts in its colours. */
  readonly theme: string;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** Charts, tables and problems of results files. */
export function ResultsView(props: IResultsViewProps): JSX.Element {
  const { sources, trans } = props;
  const results = sources.flatMap(s => (s.ok ? [s.results] : []));
  const scenarios = results.filter(r => r.kind === 'scenario');
  const charted = scenarios.filter(r => summarizeResults(r) !== null);
  const configs = useMemo(
    () =>
      charted.length > 0
        ? {
            speedup: speedupChartConfig(charted),
            efficiency: efficiencyChartConfig(charted)
          }
        : null,
    [sources]
  );
  const labels = runLabels(results);
  return (
    <div className="mpijob-BenchResults">
      {sources.map(s =>
        s.ok ? null : <InvalidFile key={s.path} source={s} trans={trans} />
      )}
      {configs && (
        <div className="mpijob-BenchResults-charts">
          <BenchChart
            config={configs.speedup}
            label={trans.__('Speedup against workers')}
            theme={props.theme}
          />
          <BenchChart
            config={configs.efficiency}
            label={trans.__('Parallel efficiency against workers')}
            theme={props.theme}
          />
        </div>
      )}
      {results.length > 0 && !configs && scenarios.length > 0 && (
        <p className="mpijob-BenchResults-note">
          {trans.__('Nothing to chart: no worker count completed.')}
        </p>
      )}
      {results.map((r, i) => (
        <ResultsSection
          key={`${r.name}-${r.startedAt}-${i}`}
          results={r}
          label={labels[i]}
          theme={props.theme}
          trans={trans}
        />
      ))}
    </div>
  );
}

function InvalidFile(props: {
  source: Extract<ResultsSource, { ok: false }>;
  trans: TranslationBundle;
}): JSX.Element {
  const { source, trans } = props;
  return (
    <div className="mpijob-BenchResults-error" role="alert">
      <h3>
        {trans.__(
          '%1 is not a benchmark results file',
          source.path.split('/').pop() ?? source.path
        )}
      </h3>
      <p>
        {trans.__(
          'It does not match the results format (schema/results.json) that mpijob bench run writes:'
        )}
      </p>
      <ul>
        {source.problems.map((p, i) => (
          <li key={i}>{p.path ? formatProblem(p) : p.message}</li>
        ))}
      </ul>
      <p>
        {trans.__(
          'To see the file as text, use Open With > Editor in the file browser.'
        )}
      </p>
    </div>
  );
}

function ResultsSection(props: {
  results: IBenchResults;
  label: string;
  theme: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { results, label, trans } = props;
  const notes = runNotes(results);
  return (
    <section
      className="mpijob-BenchResults-file"
      data-results-name={results.name}
    >
      <header className="mpijob-SectionHeader">
        <h3>{label}</h3>
        <span
          className={`mpijob-BenchResults-state jp-mod-${results.state}`}
          title={trans.__('How the benchmark ended')}
        >
          {results.state}
        </span>
      </header>
      <p className="mpijob-BenchResults-meta">
        {trans.__('Started %1', new Date(results.startedAt).toLocaleString())}
        {typeof results.scenario?.description === 'string'
          ? ` · ${results.scenario.description}`
          : ''}
      </p>
      {results.kind === 'micro' ? (
        <MicroTable results={results} trans={trans} />
      ) : results.kind === 'scale' ? (
        <ScaleResults results={results} theme={props.theme} trans={trans} />
      ) : (
        <SpeedupTable results={results} trans={trans} />
      )}
      {notes.length > 0 && (
        <ul className="mpijob-BenchResults-unfinished">
          {notes.map(note => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      <details className="mpijob-BenchResults-environment">
        <summary>{trans.__('Where it ran')}</summary>
        {environmentLines(results).map(line => (
          <p key={line}>{line}</p>
        ))}
      </details>
    </section>
  );
}

function SpeedupTable(props: {
  results: IBenchResults;
  trans: TranslationBundle;
}): JSX.Element {
  const { results, trans } = props;
  const summary = summarizeResults(results);
  if (summary === null) {
    return (
      <p className="mpijob-BenchResults-note">
        {trans.__('No worker count completed: there is no speedup to show.')}
      </p>
    );
  }
  const headers = [
    [trans.__('Workers'), ''],
    [
      trans.__('Time'),
      summary.basis === 'workload'
        ? trans.__(
            'Median (fastest–slowest) of the time the workload measured itself'
          )
        : trans.__(
            'Median (fastest–slowest) of the end-to-end time (the workload reported none)'
          )
    ],
    [
      trans.__('Speedup'),
      trans.__(
        'Median over turns of baseline time / this time in the same turn [%1% bootstrap confidence interval]',
        Math.round(summary.bootstrap.confidence * 100)
      )
    ],
    [trans.__('Min ratio'), trans.__('Fastest baseline time / fastest time')],
    [trans.__('Efficiency'), trans.__('Speedup / workers')],
    [
      trans.__('Karp–Flatt'),
      trans.__('Experimentally determined serial fraction')
    ],
    [trans.__('E2E'), trans.__('Mean time from submit to done')],
    [
      trans.__('Bare'),
      trans.__('Mean time of the same program under a bare mpirun')
    ],
    [
      trans.__('Overhead'),
      trans.__('E2E / Bare − 1: what the job service costs')
    ],
    [
      trans.__('Extra'),
      trans.__(
        "Seconds the harness adds beyond Bare, each run's compute time taken out"
      )
    ]
  ];
  return (
    <>
      <p className="mpijob-BenchResults-meta">
        {summary.basis === 'workload'
          ? trans._n(
              '%2 scaling; speedup from the time the workload measured, baseline %1 worker.',
              '%2 scaling; speedup from the time the workload measured, baseline %1 workers.',
              summary.baselineWorkers,
              summary.mode
            )
          : trans._n(
              '%2 scaling; speedup from the end-to-end time (submit to done), baseline %1 worker.',
              '%2 scaling; speedup from the end-to-end time (submit to done), baseline %1 workers.',
              summary.baselineWorkers,
              summary.mode
            )}
      </p>
      <table className="mpijob-BenchTable">
        <thead>
          <tr>
            {headers.map(([text, title]) => (
              <th key={text} scope="col" title={title || undefined}>
                {text}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {summaryCells(results).map(cells => (
            <tr key={cells[0]} data-workers={cells[0]}>
              {cells.map((cell, i) => (
                <td key={i}>{cell === '-' ? '–' : cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function MicroTable(props: {
  results: IBenchResults;
  trans: TranslationBundle;
}): JSX.Element {
  const { results, trans } = props;
  return (
    <table className="mpijob-BenchTable">
      <thead>
        <tr>
          <th scope="col">{trans.__('Task')}</th>
          <th scope="col">{trans.__('State')}</th>
          <th scope="col">{trans.__('Mean')}</th>
          <th scope="col">{trans.__('RME')}</th>
          <th scope="col">{trans.__('p50')}</th>
          <th scope="col">{trans.__('p99')}</th>
          <th scope="col">{trans.__('Samples')}</th>
        </tr>
      </thead>
      <tbody>
        {results.runs.map(run => {
          const latency = run.series[SERIES.latency]?.stats;
          return (
            <tr key={run.name}>
              <td>{run.name}</td>
              <td>{run.state}</td>
              <td>{latency ? `${round(latency.mean)} ms` : '–'}</td>
              <td>{latency ? `±${latency.rme.toFixed(1)}%` : '–'}</td>
              <td>{latency ? `${round(latency.p50)} ms` : '–'}</td>
              <td>{latency ? `${round(latency.p99)} ms` : '–'}</td>
              <td>{latency ? String(latency.samplesCount) : '–'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
