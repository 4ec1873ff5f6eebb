/**
 * The jobs sidebar: the jobs of the namespaces chosen (the current one by
 * default) with live phase and age, filtered by phase and notebook, with
 * actions per job.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  ReactWidget,
  refreshIcon,
  ToolbarButtonComponent
} from '@jupyterlab/ui-components';
import React, { useMemo, useState } from 'react';

import { jobKey } from '../../core/jobKey';
import type { JobPhase } from '../../core/status';
import { contentsPath } from '../contentsPath';
import { useNow, useSignal } from '../hooks';
import { mpijobIcon } from '../icons';
import { JOB_PHASES } from '../../core/status';
import type { IMpiJobManager } from '../tokens';
import type { IJobActions } from './JobCard';
import { JobCard } from './JobCard';
import { NamespacePicker } from './NamespacePicker';

/** What the sidebar needs. */
export interface IJobsSidebarOptions {
  /** The shared manager. */
  readonly manager: IMpiJobManager;
  /** What the cards do. */
  readonly actions: IJobActions;
  /** Lists the jobs again. */
  readonly refresh: () => void;
  /** Translations. */
  readonly trans: TranslationBundle;
}

const NO_NOTEBOOK = '\u0000none';

/** The jobs sidebar widget. */
export class JobsSidebar extends ReactWidget {
  readonly #options: IJobsSidebarOptions;

  /**
   * @param options - manager, actions, translations
   */
  constructor(options: IJobsSidebarOptions) {
    super();
    this.#options = options;
    this.id = 'mpijob-jobs-sidebar';
    this.addClass('mpijob-JobsSidebar');
    this.title.icon = mpijobIcon;
    this.title.caption = options.trans.__('MPI Jobs');
  }

  protected render(): JSX.Element {
    return <JobsView {...this.#options} visible={this.isVisible} />;
  }

  protected onAfterShow(): void {
    this.update();
  }

  protected onAfterHide(): void {
    this.update();
  }
}

function JobsView(
  props: IJobsSidebarOptions & { visible: boolean }
): JSX.Element {
  const { manager, actions, refresh, trans } = props;
  const model = manager.model;
  useSignal(model.jobsChanged);
  useSignal(model.stateChanged);
  useSignal(manager.activeJobChanged);
  const [phase, setPhase] = useState<JobPhase | ''>('');
  const [notebook, setNotebook] = useState('');
  const [query, setQuery] = useState('');
  const now = useNow(props.visible);
  const jobs = model.jobs;
  const notebooks = useMemo(
    () => [...new Set(jobs.map(j => j.notebook?.path ?? NO_NOTEBOOK))].sort(),
    [jobs]
  );
  const shown = jobs
    .filter(
      j =>
        (!phase || j.status.phase === phase) &&
        (!notebook || (j.notebook?.path ?? NO_NOTEBOOK) === notebook) &&
        (!query || j.name.includes(query.trim().toLowerCase()))
    )
    .reverse();
  const active = manager.activeJob;
  const counts = new Map<JobPhase, number>();
  jobs.forEach(j =>
    counts.set(j.status.phase, (counts.get(j.status.phase) ?? 0) + 1)
  );

  return (
    <div className="mpijob-Jobs">
      <div className="mpijob-Jobs-header">
        <h2>{trans.__('MPI Jobs')}</h2>
        <ToolbarButtonComponent
          icon={refreshIcon}
          onClick={refresh}
          tooltip={trans.__('Refresh the job list')}
          aria-label={trans.__('Refresh the job list')}
        />
      </div>
      {model.state !== 'live' && (
        <p
          className={`mpijob-Jobs-state mpijob-mod-${model.state}`}
          role="status"
        >
          {model.state === 'unavailable'
            ? trans.__('The MPI job service is not reachable; retrying.')
            : model.state === 'polling'
              ? trans.__('Live updates are off; checking every few seconds.')
              : trans.__('Connecting to the MPI job service…')}
        </p>
      )}
      <NamespacePicker model={model} trans={trans} />
      <div
        className="mpijob-Jobs-filters"
        role="group"
        aria-label={trans.__('Filter jobs')}
      >
        <input
          type="search"
          className="jp-mod-styled mpijob-Jobs-search"
          placeholder={trans.__('Filter by name')}
          aria-label={trans.__('Filter by name')}
          value={query}
          onChange={e => setQuery(e.target.value)}
        />
        <select
          className="jp-mod-styled"
          aria-label={trans.__('Filter by phase')}
          value={phase}
          onChange={e => setPhase(e.target.value as JobPhase | '')}
        >
          <option value="">{trans.__('All phases (%1)', jobs.length)}</option>
          {JOB_PHASES.map(p => (
            <option key={p} value={p}>
              {trans.__('%1 (%2)', trans.__(p), counts.get(p) ?? 0)}
            </option>
          ))}
        </select>
        <select
          className="jp-mod-styled"
          aria-label={trans.__('Filter by notebook')}
          value={notebook}
          onChange={e => setNotebook(e.target.value)}
        >
          <option value="">{trans.__('All notebooks')}</option>
          {notebooks.map(path => (
            <option key={path} value={path}>
              {path === NO_NOTEBOOK
                ? trans.__('(no notebook)')
                : (contentsPath(path) ?? path)}
            </option>
          ))}
        </select>
      </div>
      {shown.length ? (
        <ul className="mpijob-Jobs-list" aria-label={trans.__('Jobs')}>
          {shown.map(job => (
            <JobCard
              key={jobKey(job)}
              job={job}
              active={
                active?.namespace === job.namespace && active.name === job.name
              }
              now={now}
              actions={actions}
              trans={trans}
            />
          ))}
        </ul>
      ) : (
        <p className="mpijob-Jobs-empty">
          {jobs.length
            ? trans.__('No job matches the filters.')
            : trans.__(
                'No jobs yet. Launch one with the MPIJob button of a notebook’s toolbar.'
              )}
        </p>
      )}
    </div>
  );
}
