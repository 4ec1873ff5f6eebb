/**
 * A scale run's results (kind `scale`): its targets and latencies, pods
 * Running over time and the latency distributions as charts, then the
 * mpi-operator's pod creation, the faults and the service's API requests,
 * from the same cells `mpijob bench report` prints (src/core/scaleReport.ts).
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useMemo } from 'react';

import type { BenchChartConfig } from '../../core/benchChart';
import type { IBenchResults } from '../../core/benchResults';
import {
  latencyChartConfigs,
  podsRunningChartConfig
} from '../../core/scaleChart';
import {
  latencyCells,
  operatorCells,
  requestCells,
  statusToSseSamples
} from '../../core/scaleReport';
import { scaleTargets } from '../../core/scaleResults';
import { BenchChart } from './BenchChart';

/** Properties of {@link ScaleResults}. */
export interface IScaleResultsProps {
  /** Results of kind `scale`. */
  readonly results: IBenchResults;
  /** The theme's name, to redraw the charts in its colours. */
  readonly theme: string;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** Charts and tables of one scale run. */
export function ScaleResults(props: IScaleResultsProps): JSX.Element {
  const { results, theme, trans } = props;
  const detail = results.scale;
  const charts = useMemo(
    () =>
      detail
        ? ([
            podsRunningChartConfig(results),
            ...latencyChartConfigs(results)
          ] as unknown as BenchChartConfig[])
        : [],
    [results]
  );
  if (!detail) {
    return (
      <p className="mpijob-BenchResults-note">
        {trans.__('This scale run recorded no measurements.')}
      </p>
    );
  }
  const targets = scaleTargets(detail, statusToSseSamples(results));
  const latency = latencyCells(results);
  const chartLabels = [
    trans.__('Pods Running over time, per job and in all'),
    trans.__('Submit to job Running, cumulative distribution'),
    trans.__('Status change to SSE event, cumulative distribution')
  ];
  return (
    <div className="mpijob-ScaleResults">
      <p className="mpijob-BenchResults-meta">
        {trans.__(
          '%1 jobs × %2 workers (%3 pods) on %4 simulated nodes, followed by %5 SSE clients.',
          detail.jobs,
          detail.workers,
          detail.jobs * (detail.workers + 1),
          detail.nodes.count,
          detail.sseClients
        )}
      </p>
      <Table
        caption={trans.__('Targets')}
        className="mpijob-ScaleResults-targets"
        headers={[
          trans.__('Target'),
          trans.__('Goal'),
          trans.__('Measured'),
          trans.__('Met')
        ]}
        rows={targets.map(t => [
          t.name,
          t.target,
          t.value,
          t.ok === null ? '–' : t.ok ? trans.__('yes') : trans.__('no')
        ])}
        rowState={targets.map(t =>
          t.ok === null ? undefined : t.ok ? 'met' : 'missed'
        )}
      />
      <Table
        caption={trans.__('Latency')}
        headers={[
          trans.__('Measure'),
          trans.__('Samples'),
          'p50',
          'p95',
          'p99',
          trans.__('Max')
        ]}
        rows={[
          [trans.__('Submit → job Running (s)'), ...latency.submitToRunning],
          [trans.__('Status → SSE event (ms)'), ...latency.statusToSse]
        ]}
      />
      <div className="mpijob-BenchResults-charts">
        {charts.map((config, i) => (
          <BenchChart
            key={i}
            config={config}
            label={chartLabels[i]}
            theme={theme}
          />
        ))}
      </div>
      <p className="mpijob-BenchResults-meta">
        {trans.__(
          'Job service: %1 CPU seconds, at most %2 MiB resident. Delete of every job: %3.',
          detail.service.cpuSeconds.toFixed(1),
          (detail.service.maxRssBytes / 2 ** 20).toFixed(0),
          detail.delete.seconds === null
            ? trans.__('objects left')
            : trans.__(
                'nothing left after %1 s',
                detail.delete.seconds.toFixed(1)
              )
        )}
      </p>
      {detail.operator.length > 0 && (
        <Table
          caption={trans.__('The mpi-operator creating the pods')}
          className="mpijob-ScaleResults-operator"
          headers={[
            trans.__('Flags'),
            trans.__('Jobs'),
            trans.__('Pods'),
            trans.__('All created (s)'),
            trans.__('Pods/s'),
            trans.__('All Running (s)')
          ]}
          rows={operatorCells(detail)}
        />
      )}
      {detail.faults.length > 0 && (
        <Table
          caption={trans.__('Faults')}
          headers={[
            trans.__('Fault'),
            trans.__('At (s)'),
            trans.__('Back after (s)'),
            trans.__('Clients converged')
          ]}
          rows={detail.faults.map(f => [
            f.kind,
            f.at.toFixed(1),
            f.recoverySeconds === null ? '–' : f.recoverySeconds.toFixed(1),
            f.converged ? trans.__('yes') : (f.message ?? trans.__('no'))
          ])}
          rowState={detail.faults.map(f => (f.converged ? 'met' : 'missed'))}
        />
      )}
      {detail.requests && (
        <details className="mpijob-BenchResults-environment">
          <summary>
            {trans.__("The service's API requests (kube-apiserver audit log)")}
          </summary>
          <Table
            headers={[
              trans.__('Verb'),
              trans.__('Resource'),
              trans.__('Requests'),
              trans.__('Open at once')
            ]}
            rows={requestCells(detail)}
          />
        </details>
      )}
    </div>
  );
}

function Table(props: {
  caption?: string;
  className?: string;
  headers: readonly string[];
  rows: readonly (readonly string[])[];
  rowState?: readonly ('met' | 'missed' | undefined)[];
}): JSX.Element {
  const { caption, headers, rows, rowState } = props;
  return (
    <>
      {caption && <h4 className="mpijob-ScaleResults-heading">{caption}</h4>}
      <table className={`mpijob-BenchTable ${props.className ?? ''}`.trim()}>
        <thead>
          <tr>
            {headers.map(h => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((cells, i) => (
            <tr
              key={i}
              className={rowState?.[i] ? `jp-mod-${rowState[i]}` : undefined}
            >
              {cells.map((cell, j) => (
                <td key={j}>{cell === '-' ? '–' : cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
