/**
 * The view of one job: header, topology, conditions and the live log
 * viewer, kept up to date by the jobs model and the job's own stream.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useEffect } from 'react';

import type { IJobEvent, IJobRecord } from '../../core/jobRecord';
import { mapTraceback } from '../../core/notebook';
import type { IReplicaNode } from '../../core/status';
import type { OpenCell } from '../CellText';
import type { IJobKey } from '../commands';
import type { JobsModel } from '../model';
import { requestAPI } from '../request';
import type { IMpiJobManager } from '../tokens';
import { Conditions } from './Conditions';
import { Figures } from './Figures';
import { JobHeader } from './JobHeader';
import { LogFollower } from './logs/logFollower';
import type { RankFilter } from './logs/LogStore';
import { LogStore } from './logs/LogStore';
import { LogViewer } from './logs/LogViewer';
import { Topology } from './Topology';

/** What a job view needs. */
export interface IJobViewOptions {
  /** The job. */
  readonly jobKey: IJobKey;
  /** The shared manager. */
  readonly manager: IMpiJobManager;
  /** Opens a notebook cell. */
  readonly openCell: OpenCell;
  /** Reruns a job at another scale. */
  readonly rerun: (job: IJobRecord) => void;
  /** Deletes a job, after confirmation. */
  readonly remove: (job: IJobRecord) => void;
  /** Translations. */
  readonly trans: TranslationBundle;
}

/** The job view widget (put in a MainAreaWidget). */
export class JobView extends ReactWidget {
  readonly #options: IJobViewOptions;
  readonly #store = new LogStore();
  readonly #follower: LogFollower;
  readonly #scroller = React.createRef<HTMLDivElement>();
  #record: IJobRecord | null;
  #deleted = false;
  #error = '';
  #select: { filter: RankFilter; seq: number } = { filter: 'all', seq: 0 };
  #focusLogs = 0;

  /**
   * @param options - the job, manager and actions
   */
  constructor(options: IJobViewOptions) {
    super();
    this.#options = options;
    const { namespace, name } = options.jobKey;
    this.addClass('mpijob-JobView');
    this.#record = null;
    const known = options.manager.model.find(namespace, name);
    if (known) {
      this.#apply(known, false);
    }
    options.manager.model.jobChanged.connect(this.#onJobChanged, this);
    this.#follower = new LogFollower({
      key: options.jobKey,
      store: this.#store,
      onStatus: (job, deleted) => this.#apply(job, deleted)
    });
    this.#follower.stateChanged.connect(() => this.update());
    this.#follower.start();
    if (!known) {
      requestAPI<IJobRecord>(
        `jobs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`
      ).then(
        job => this.#apply(job, false),
        (error: unknown) => {
          this.#error = error instanceof Error ? error.message : String(error);
          this.update();
        }
      );
    }
  }

  /** The job shown. */
  get jobKey(): IJobKey {
    return this.#options.jobKey;
  }

  /** The job's output. */
  get store(): LogStore {
    return this.#store;
  }

  /** Scrolls to the log viewer and focuses it. */
  focusLogs(): void {
    this.#focusLogs++;
    this.update();
  }

  /** Stops following the job. */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.#follower.dispose();
    this.#options.manager.model.jobChanged.disconnect(this.#onJobChanged, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    const { trans, openCell } = this.#options;
    const job = this.#record;
    if (!job) {
      return (
        <div className="mpijob-JobView-loading">
          {this.#error
            ? trans.__(
                'Cannot show %1: %2',
                this.#options.jobKey.name,
                this.#error
              )
            : trans.__('Loading %1…', this.#options.jobKey.name)}
        </div>
      );
    }
    const status = {
      connecting: trans.__('connecting'),
      live: trans.__('live'),
      polling: trans.__('polling'),
      ended: trans.__('complete'),
      failed: trans.__('unavailable: %1', this.#follower.error)
    }[this.#follower.state];
    return (
      <JobContent focusLogs={this.#focusLogs} scroller={this.#scroller}>
        <JobHeader
          job={job}
          deleted={this.#deleted}
          onOpen={openCell}
          onRerun={() => this.#options.rerun(job)}
          onDelete={() => this.#options.remove(job)}
          trans={trans}
        />
        <Topology
          job={job}
          onSelect={node => this.#selectReplica(job, node)}
          trans={trans}
        />
        <details className="mpijob-JobView-conditions" open>
          <summary>
            {trans.__('Conditions (%1)', job.conditions.length)}
          </summary>
          <Conditions conditions={job.conditions} trans={trans} />
        </details>
        <Figures
          jobKey={this.#options.jobKey}
          version={`${job.resourceVersion}:${this.#follower.state}`}
          trans={trans}
        />
        <section
          className="mpijob-JobView-logs"
          aria-label={trans.__('Output')}
        >
          <h3>{trans.__('Output')}</h3>
          <LogViewer
            store={this.#store}
            ranks={job.workers * job.slotsPerWorker}
            select={this.#select}
            fileName={job.name}
            status={status}
            complete={this.#follower.state === 'ended'}
            onOpen={openCell}
            trans={trans}
            scrollerRef={this.#scroller}
          />
        </section>
      </JobContent>
    );
  }

  #selectReplica(job: IJobRecord, node: IReplicaNode): void {
    const filter: RankFilter =
      node.role === 'launcher' ? 'launcher' : node.index * job.slotsPerWorker;
    this.#select = { filter, seq: this.#select.seq + 1 };
    this.focusLogs();
  }

  #onJobChanged(_: JobsModel, event: IJobEvent): void {
    const { namespace, name } = this.#options.jobKey;
    if (event.job.namespace === namespace && event.job.name === name) {
      this.#apply(event.job, event.type === 'DELETED');
    }
  }

  #apply(job: IJobRecord, deleted: boolean): void {
    const known = this.#record;
    if (
      known &&
      known.uid === job.uid &&
      job.resourceVersion < known.resourceVersion &&
      !deleted
    ) {
      return;
    }
    this.#record = job;
    this.#deleted = this.#deleted || deleted;
    const sourceMap = this.#options.manager.sourceMapOf(job.uid);
    this.#store.setRewriter(
      sourceMap ? text => mapTraceback(text, sourceMap) : null
    );
    this.title.caption = this.#options.trans.__(
      'MPI job %1: %2',
      job.name,
      job.status.phase
    );
    this.update();
  }
}

function JobContent(props: {
  focusLogs: number;
  scroller: React.RefObject<HTMLDivElement>;
  children: React.ReactNode;
}): JSX.Element {
  useEffect(() => {
    if (props.focusLogs > 0) {
      props.scroller.current?.scrollIntoView({ block: 'nearest' });
      props.scroller.current?.focus();
    }
  }, [props.focusLogs]);
  return <div className="mpijob-JobView-content">{props.children}</div>;
}
