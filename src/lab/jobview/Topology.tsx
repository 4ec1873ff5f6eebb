/**
 * The launcher and workers of a job as small cells coloured by phase,
 * grouped by the node each ran on (so where a replica ran is on screen, not
 * only on hover, also after its pod was cleaned up), readable from 1 to
 * hundreds of workers; details on hover.
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
        : outcome === 'Removed'
          ? trans.__(
              '%1: Removed (its pod was deleted before it ended, e.g. by the clean-up when the job finished)',
              who
            )
          : `${who}: ${trans.__(outcome)}`,
    node.podName
      ? node.removed
        ? trans.__('pod %1 (deleted)', node.podName)
        : trans.__('pod %1', node.podName)
      : '',
    node.nodeName
      ? node.removed
        ? trans.__('ran on node %1', node.nodeName)
        : trans.__('node %1', node.nodeName)
      : trans.__('node (not scheduled)'),
    trans.__('restarts %1', node.restarts),
    trans.__('GPUs %1', node.gpus),
    node.ready ? trans.__('ready') : '',
    // The local backend's reason for a stopped rank says what the outcome says.
    node.reason && node.reason !== outcome && node.reason !== 'Terminating'
      ? trans.__('reason %1', node.reason)
      : '',
    node.exitCode !== null ? trans.__('exit code %1', node.exitCode) : ''
  ];
  return facts.filter(Boolean).join(' · ');
}

/** The replicas of one node, in topology order. */
interface INodeGroup {
  /** The node; null for replicas not scheduled (yet). */
  readonly node: string | null;
  /** Indices into the topology's replicas (launcher first). */
  readonly members: number[];
  /** GPUs the node's replicas asked for. */
  gpus: number;
}

/** Replicas grouped by node, in the order nodes first appear; unscheduled last. */
function byNode(nodes: readonly IReplicaNode[]): INodeGroup[] {
  const groups = new Map<string | null, INodeGroup>();
  nodes.forEach((node, i) => {
    const key = node.nodeName;
    let group = groups.get(key);
    if (!group) {
      group = { node: key, members: [], gpus: 0 };
      groups.set(key, group);
    }
    group.members.push(i);
    group.gpus += node.gpus;
  });
  const unscheduled = groups.get(null);
  groups.delete(null);
  return [...groups.values(), ...(unscheduled ? [unscheduled] : [])];
}

/** The topology by node, with a legend. */
export function Topology(props: ITopologyProps): JSX.Element {
  const { job, onSelect, trans } = props;
  const nodes: IReplicaNode[] = [
    ...(job.topology.launcher ? [job.topology.launcher] : []),
    ...job.topology.workers
  ];
  const [focus, setFocus] = useState(0);
  const grid = useRef<HTMLDivElement>(null);
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

  const groups = byNode(nodes);
  // Cells in screen order: group by group.
  const order = groups.flatMap(g => g.members);
  const cells = (): HTMLButtonElement[] =>
    Array.from(
      grid.current?.querySelectorAll<HTMLButtonElement>(
        '.mpijob-Topology-cell'
      ) ?? []
    );
  const move = (to: number): void => {
    const next = Math.max(0, Math.min(order.length - 1, to));
    setFocus(next);
    cells()[next]?.focus();
  };
  // Up and down go to the nearest cell of the row above or below, across groups.
  const vertical = (direction: 1 | -1): number => {
    const all = cells();
    const here = all[focus];
    if (!here) {
      return focus;
    }
    const rect = (el: HTMLElement) => el.getBoundingClientRect();
    const from = rect(here);
    let best = focus;
    let bestRow = Infinity;
    let bestDx = Infinity;
    all.forEach((cell, i) => {
      const r = rect(cell);
      const dy = (r.top - from.top) * direction;
      if (dy <= 1) {
        return;
      }
      const dx = Math.abs(r.left - from.left);
      if (dy < bestRow - 1 || (Math.abs(dy - bestRow) <= 1 && dx < bestDx)) {
        best = i;
        bestRow = dy;
        bestDx = dx;
      }
    });
    return best;
  };
  const onKeyDown = (event: React.KeyboardEvent): void => {
    const steps: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1 };
    if (event.key in steps) {
      move(focus + steps[event.key]);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      move(vertical(event.key === 'ArrowDown' ? 1 : -1));
    } else if (event.key === 'Home') {
      move(0);
    } else if (event.key === 'End') {
      move(order.length - 1);
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
        <div
          ref={grid}
          className="mpijob-Topology-nodes"
          role="group"
          aria-label={trans.__(
            'Launcher and workers by node; arrow keys move, Enter shows the output'
          )}
          onKeyDown={onKeyDown}
        >
          {groups.map(group => (
            <section
              key={group.node ?? ''}
              className={`mpijob-Topology-node${group.node ? '' : ' mpijob-mod-unscheduled'}`}
              data-node={group.node ?? ''}
              aria-label={
                group.node
                  ? trans.__('Node %1', group.node)
                  : trans.__('Not scheduled')
              }
            >
              <h4 className="mpijob-Topology-nodeName" title={group.node ?? ''}>
                {group.node ?? trans.__('Not scheduled')}
                {group.gpus > 0 && (
                  <span className="mpijob-Topology-nodeFacts">
                    {trans._n('%1 GPU', '%1 GPUs', group.gpus)}
                  </span>
                )}
              </h4>
              <ul className="mpijob-Topology-grid">
                {group.members.map(i => {
                  const node = nodes[i];
                  const at = order.indexOf(i);
                  return (
                    <li key={`${node.role}-${node.index}`}>
                      <button
                        type="button"
                        className={`mpijob-Topology-cell ${phaseClass(outcomes[i])}${node.role === 'launcher' ? ' mpijob-mod-launcher' : ''}${node.restarts ? ' mpijob-mod-restarted' : ''}`}
                        data-role={node.role}
                        data-index={node.index}
                        data-phase={outcomes[i]}
                        data-node={node.nodeName ?? ''}
                        title={describe(node, outcomes[i], cause, trans)}
                        aria-label={describe(node, outcomes[i], cause, trans)}
                        tabIndex={at === focus ? 0 : -1}
                        onFocus={() => setFocus(at)}
                        onClick={() => onSelect(node)}
                      >
                        {node.role === 'launcher' ? 'L' : node.index}
                      </button>
                    </li>
                  );
                })}
              </ul>
            </section>
          ))}
        </div>
      ) : (
        <p>{trans.__('No pods yet.')}</p>
      )}
    </section>
  );
}
