/**
 * The launcher and workers of a job as a grid of small cells coloured by
 * phase, readable from 1 to hundreds of workers; details on hover.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useRef, useState } from 'react';

import type { IJobRecord } from '../../core/jobRecord';
import type {
  IReplicaNode,
  IReplicaRef,
  ReplicaOutcome
} from '../../core/status';
import { REPLICA_OUTCOMES, replicaOutcome } from '../../core/status';
import { phaseClass } from '../phase';

/** Properties of {@link Topology}. */
export interface ITopologyProps {
  /** The job. */
  readonly job: IJobRecord;
  /** Called when a replica is chosen (to show its output). */
  readonly onSelect: (node: IReplicaNode) => void;
  /** Translations. */
  readonly trans: TranslationBundle;
}

function describe(
  node: IReplicaNode,
  outcome: ReplicaOutcome,
  cause: IReplicaRef | null,
  trans: TranslationBundle
): string {
  const who =
    node.role === 'launcher'
      ? trans.__('Launcher')
      : trans.__('Worker %1', node.index);
  const facts = [
    outcome === 'Stopped' && cause
      ? cause.role === 'launcher'
        ? trans.__('%1: Stopped because the launcher failed first', who)
        : trans.__(
            '%1: Stopped because worker %2 failed first',
            who,
            cause.index
          )
      : outcome === 'Failed' && cause
        ? trans.__('%1: Failed first', who)
        : `${who}: ${trans.__(outcome)}`,
    node.podName ? trans.__('pod %1', node.podName) : '',
    trans.__('node %1', node.nodeName ?? trans.__('(not scheduled)')),
    trans.__('restarts %1', node.restarts),
    trans.__('GPUs %1', node.gpus),
    node.ready ? trans.__('ready') : '',
    // The local backend's reason for a stopped rank says what the outcome says.
    node.reason && node.reason !== outcome
      ? trans.__('reason %1', node.reason)
      : '',
    node.exitCode !== null ? trans.__('exit code %1', node.exitCode) : ''
  ];
  return facts.filter(Boolean).join(' · ');
}

/** The topology grid with a legend. */
export function Topology(props: ITopologyProps): JSX.Element {
  const { job, onSelect, trans } = props;
  const nodes: IReplicaNode[] = [
    ...(job.topology.launcher ? [job.topology.launcher] : []),
    ...job.topology.workers
  ];
  const [focus, setFocus] = useState(0);
  const grid = useRef<HTMLUListElement>(null);
  const outcomes = nodes.map(n => replicaOutcome(n, job.status));
  const counts = new Map<ReplicaOutcome, number>();
  outcomes.forEach(o => counts.set(o, (counts.get(o) ?? 0) + 1));
  // Named in the tooltips only when others ended because of it.
  const cause =
    job.status.phase === 'Failed' && counts.has('Stopped')
      ? (job.status.failedReplica ?? null)
      : null;
  const restarts = nodes.reduce((sum, n) => sum + n.restarts, 0);
  const gpus = nodes.reduce((sum, n) => sum + n.gpus, 0);

  const move = (to: number): void => {
    const next = Math.max(0, Math.min(nodes.length - 1, to));
    setFocus(next);
    grid.current
      ?.querySelectorAll<HTMLButtonElement>('.mpijob-Topology-cell')
      [next]?.focus();
  };
  const columns = (): number => {
    const cells = grid.current?.querySelectorAll<HTMLElement>(
      '.mpijob-Topology-cell'
    );
    if (!cells || cells.length < 2) {
      return 1;
    }
    const top = cells[0].offsetTop;
    let n = 0;
    while (n < cells.length && cells[n].offsetTop === top) {
      n++;
    }
    return Math.max(1, n);
  };
  const onKeyDown = (event: React.KeyboardEvent): void => {
    const steps: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: columns(),
      ArrowUp: -columns()
    };
    if (event.key in steps) {
      move(focus + steps[event.key]);
    } else if (event.key === 'Home') {
      move(0);
    } else if (event.key === 'End') {
      move(nodes.length - 1);
    } else {
      return;
    }
    event.preventDefault();
  };

  return (
    <section className="mpijob-Topology" aria-label={trans.__('Topology')}>
      <div className="mpijob-SectionHeader">
        <h3>
          {trans._n(
            'Topology: 1 launcher + %1 worker',
            'Topology: 1 launcher + %1 workers',
            job.topology.workers.length
          )}
        </h3>
        <ul
          className="mpijob-Topology-legend"
          aria-label={trans.__('Replicas by phase')}
        >
          {REPLICA_OUTCOMES.filter(p => counts.has(p)).map(p => (
            <li key={p} className={phaseClass(p)}>
              <span className="mpijob-Topology-swatch" aria-hidden="true" />
              {trans.__('%1 %2', counts.get(p) ?? 0, trans.__(p))}
            </li>
          ))}
          {gpus > 0 && <li>{trans._n('%1 GPU', '%1 GPUs', gpus)}</li>}
          {restarts > 0 && (
            <li className="mpijob-Topology-restarts">
              <span className="mpijob-Topology-swatch" aria-hidden="true" />
              {trans._n('%1 restart', '%1 restarts', restarts)}
            </li>
          )}
        </ul>
      </div>
      {nodes.length ? (
        <ul
          ref={grid}
          className="mpijob-Topology-grid"
          aria-label={trans.__(
            'Launcher and workers; arrow keys move, Enter shows the output'
          )}
          onKeyDown={onKeyDown}
        >
          {nodes.map((node, i) => (
            <li key={`${node.role}-${node.index}`}>
              <button
                type="button"
                className={`mpijob-Topology-cell ${phaseClass(outcomes[i])}${node.role === 'launcher' ? ' mpijob-mod-launcher' : ''}${node.restarts ? ' mpijob-mod-restarted' : ''}`}
                data-role={node.role}
                data-index={node.index}
                data-phase={outcomes[i]}
                title={describe(node, outcomes[i], cause, trans)}
                aria-label={describe(node, outcomes[i], cause, trans)}
                tabIndex={i === focus ? 0 : -1}
                onFocus={() => setFocus(i)}
                onClick={() => onSelect(node)}
              >
                {node.role === 'launcher' ? 'L' : node.index}
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p>{trans.__('No pods yet.')}</p>
      )}
    </section>
  );
}
