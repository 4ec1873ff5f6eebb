/**
 * The view of one job: header, topology, conditions, Kubernetes events and
 * the live log viewer, kept up to date by the jobs model and the job's own
 * stream. A job that does not exist (any more) gets one line, not a
 * follower retrying against 404s.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useEffect } from 'react';

import { jobApiPath } from '../../core/jobKey';
import type {
  IJobEvent,
  IJobKubeEvent,
  IJobRecord
} from '../../core/jobRecord';
import { mapTraceback } from '../../core/notebook';
import type { IReplicaNode } from '../../core/status';
import type { OpenCell } from '../CellText';
import type { IJobKey } from '../commands';
import { MpiJobResponseError, requestAPI } from '../request';
import type { IJobsModel, IMpiJobManager } from '../tokens';
import { Conditions } from './Conditions';
import { Figures } from './Figures';
import { StartupReport } from './StartupReport';
import { JobHeader } from './JobHeader';
import { KubeEvents } from './KubeEvents';
import { LogFollower } from './logs/logFollower';
import type { RankFilter } from './logs/LogStore';
import { LogStore } from './logs/LogStore';
import { LogViewer } from './logs/LogViewer';
import { Topology } from './Topology';
import { errorMessage } from '../../core/errors';

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
  #missing = false;
  #error = '';
  #events: IJobKubeEvent[] | null = null;
  #eventsError = '';
  #eventsTimer = 0;
  #eventsOf = '';
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
    if (known) {
      this.#follower.start();
    } else {
      // Is it there at all? A restored tab may name a job long gone.
      this.#check().then(
        job => {
          if (job) {
            this.#apply(job, false);
            this.#follower.start();
          }
        },
        () => undefined
      );
    }
  }

  /** Whether the job does not exist (it was never found). */
  get missing(): boolean {
    return this.#missing;
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
    window.clearTimeout(this.#eventsTimer);
    this.#follower.dispose();
    this.#options.manager.model.jobChanged.disconnect(this.#onJobChanged, this);
    super.dispose();
  }

  protected onAfterShow(): void {
    // A job outside the namespaces the list follows is not watched once its
    // stream ended: look again when the view comes back.
    const { namespace, name } = this.#options.jobKey;
    if (
      this.#record &&
      !this.#deleted &&
      this.#follower.state === 'ended' &&
      !this.#options.manager.model.find(namespace, name)
    ) {
      void this.#check().then(job => {
        if (job) {
          this.#apply(job, false);
        }
      });
    }
  }

  protected render(): JSX.Element {
    const { trans, openCell } = this.#options;
    const job = this.#record;
    const { namespace, name } = this.#options.jobKey;
    if (!job) {
      return (
        <div className="mpijob-JobView-loading" role="status">
          {this.#missing
            ? trans.__(
                '%1 does not exist in namespace %2: it was deleted, or it ran on another backend.',
                name,
                namespace
              )
            : this.#error
              ? trans.__('Cannot show %1: %2', name, this.#error)
              : trans.__('Loading %1…', name)}
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
        <StartupReport
          jobKey={this.#options.jobKey}
          version={`${job.resourceVersion}:${this.#follower.state}`}
          deleted={this.#deleted}
          trans={trans}
        />
        <Figures
          jobKey={this.#options.jobKey}
          version={`${job.resourceVersion}:${this.#follower.state}`}
          deleted={this.#deleted}
          trans={trans}
        />
        {job.backend === 'kubernetes' && (
          <details
            className="mpijob-JobView-conditions mpijob-JobView-events"
            open
          >
            <summary>
              {this.#events === null
                ? trans.__('Events')
                : trans.__(
                    'Events (%1, %2 warnings)',
                    this.#events.length,
                    this.#events.filter(e => e.type === 'Warning').length
                  )}
            </summary>
            <KubeEvents
              events={this.#events}
              error={this.#eventsError}
              now={Date.now()}
              trans={trans}
            />
          </details>
        )}
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

  #onJobChanged(_: IJobsModel, event: IJobEvent): void {
    const { namespace, name } = this.#options.jobKey;
    if (event.job.namespace === namespace && event.job.name === name) {
      this.#apply(event.job, event.type === 'DELETED');
    }
  }

  /**
   * Reads the job once.
   *
   * @returns the job, or null when it does not exist (then the view says so)
   */
  async #check(): Promise<IJobRecord | null> {
    try {
      return await requestAPI<IJobRecord>(jobApiPath(this.#options.jobKey));
    } catch (error) {
      if (
        error instanceof MpiJobResponseError &&
        error.response.status === 404
      ) {
        if (this.#record) {
          this.#deleted = true;
          this.#follower.dispose();
        } else {
          this.#missing = true;
        }
      } else {
        this.#error = errorMessage(error);
      }
      this.update();
      return null;
    }
  }

  /** Reads the job's Kubernetes events again, soon (changes come in bursts). */
  #refreshEvents(job: IJobRecord): void {
    if (job.backend !== 'kubernetes' || this.#deleted) {
      return;
    }
    // Once per version of the job: its events change with its pods.
    if (this.#eventsOf === job.resourceVersion) {
      return;
    }
    this.#eventsOf = job.resourceVersion;
    window.clearTimeout(this.#eventsTimer);
    this.#eventsTimer = window.setTimeout(() => {
      requestAPI<{ items: IJobKubeEvent[] }>(
        jobApiPath(this.#options.jobKey, 'events')
      ).then(
        body => {
          this.#events = body.items;
          this.#eventsError = '';
          this.update();
        },
        (error: unknown) => {
          // A deleted job's events go with it; the last ones stay shown.
          if (!this.#deleted) {
            this.#eventsError = errorMessage(error);
            this.update();
          }
        }
      );
    }, 300);
  }

  #apply(job: IJobRecord, deleted: boolean): void {
    // Changes arrive in order on each stream; versions are opaque, so the
    // latest one received is the one shown.
    this.#record = job;
    this.#deleted = this.#deleted || deleted;
    this.#refreshEvents(job);
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
