/**
 * The implementation of {@link IMpiJobManager}.
 */
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { IJobRecord } from '../core/jobRecord';
import type { IJobKey } from './commands';
import type { IJobsModel, IMpiJobManager, ProgramSourceMap } from './tokens';

/** Source maps kept per session; older ones are dropped first. */
const MAX_SOURCE_MAPS = 200;

/** Shared state of the MPIJob plugins around one {@link IJobsModel}. */
export class MpiJobManager implements IMpiJobManager {
  readonly #model: IJobsModel;
  readonly #launched = new Set<string>();
  readonly #sourceMaps = new Map<string, ProgramSourceMap>();
  readonly #activeJobChanged = new Signal<IMpiJobManager, IJobKey | null>(this);
  readonly #launchedSignal = new Signal<IMpiJobManager, IJobRecord>(this);
  #activeJob: IJobKey | null = null;

  /**
   * @param model - the live jobs model to share
   */
  constructor(model: IJobsModel) {
    this.#model = model;
  }

  /** Every job of the service, live. */
  get model(): IJobsModel {
    return this.#model;
  }

  /** The job whose view is current. */
  get activeJob(): IJobKey | null {
    return this.#activeJob;
  }

  /** Emits when the current job view changes. */
  get activeJobChanged(): ISignal<IMpiJobManager, IJobKey | null> {
    return this.#activeJobChanged;
  }

  /** Emits each job launched from this session. */
  get launched(): ISignal<IMpiJobManager, IJobRecord> {
    return this.#launchedSignal;
  }

  /** Marks the job whose view is current. */
  setActiveJob(key: IJobKey | null): void {
    const same =
      key?.namespace === this.#activeJob?.namespace &&
      key?.name === this.#activeJob?.name;
    if (!same) {
      this.#activeJob = key;
      this.#activeJobChanged.emit(key);
    }
  }

  /** Records a job launched from this session. */
  recordLaunch(job: IJobRecord, program: ProgramSourceMap | null): void {
    this.#launched.add(job.uid);
    if (program) {
      this.#sourceMaps.set(job.uid, program);
      if (this.#sourceMaps.size > MAX_SOURCE_MAPS) {
        const oldest = this.#sourceMaps.keys().next().value;
        if (oldest !== undefined) {
          this.#sourceMaps.delete(oldest);
        }
      }
    }
    this.#launchedSignal.emit(job);
  }

  /** Whether the job was launched from this session. */
  isLaunchedHere(uid: string): boolean {
    return this.#launched.has(uid);
  }

  /** The source map of a job launched from this session. */
  sourceMapOf(uid: string): ProgramSourceMap | null {
    return this.#sourceMaps.get(uid) ?? null;
  }
}
