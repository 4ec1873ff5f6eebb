/**
 * Job records of one namespace (or all), kept current by three watches:
 * MPIJobs, the operator's pods, and events. A change to any of them
 * recomputes the records of the job it belongs to (core's reduction) and
 * reports the jobs whose record changed. Pods seen deleted are remembered
 * (as last seen) while their job exists, so its topology keeps where each
 * replica ran after the operator's clean-up.
 */
import equal from 'fast-deep-equal';

import type {
  IJobEvent,
  IJobKubeEvent,
  IJobRecord
} from '../../../core/jobRecord';
import { jobKey } from '../../../core/jobKey';
import type { IKubeObject } from '../../../core/kube';
import {
  jobKubeEvents,
  jobOfObject,
  recordFromCluster
} from '../../../core/clusterRecord';
import {
  OPERATOR_JOB_NAME_LABEL,
  OPERATOR_NAME,
  OPERATOR_NAME_LABEL,
  slimEvent,
  slimPod
} from '../../../core/status';
import type { EventObject, KubeApi, PodObject } from './api';
import { MPIJOBS } from './api';
import type { WatchChange } from './resourceWatch';
import { ResourceWatch } from './resourceWatch';

/** Label selector of every pod the mpi-operator creates. */
export const OPERATOR_PODS = `${OPERATOR_NAME_LABEL}=${OPERATOR_NAME}`;

// Events shown per job: enough to explain a pending job, bounded so a job
// whose pods fail over and over does not grow its record without end.
const MAX_EVENTS = 2000;

// A job's pods change in bursts (100 workers start within seconds): their
// changes are gathered this long and the job's record is built once for
// them, instead of once per pod (each build goes through the job's pods and
// its namespace's events, and each record sent carries every replica).
// Changes of the MPIJob itself are not held back.
const POD_CHANGES_MS = 100;

type MpiJobObject = IKubeObject & {
  metadata: IKubeObject['metadata'] & { resourceVersion?: string };
};

/** Watches one namespace's jobs; shared by every listener of that namespace. */
export class JobWatcher {
  private readonly listeners = new Set<(event: IJobEvent) => void>();
  private readonly records = new Map<string, IJobRecord>();
  /** Job key -> pod name -> the pod as last seen before it was deleted. */
  private readonly removed = new Map<string, Map<string, PodObject>>();
  private readonly jobs: ResourceWatch<MpiJobObject>;
  private readonly pods: ResourceWatch<PodObject>;
  private readonly events: ResourceWatch<EventObject>;
  private ready = false;
  private synced = false;
  /** Jobs whose pods or events changed since their record was last built. */
  private readonly pending = new Set<string>();
  private pendingTimer: NodeJS.Timeout | null = null;

  /**
   * @param api - the cluster
   * @param namespace - one namespace, or undefined for all
   * @param onError - told about connection failures (they are retried)
   * @param decorate - adds what the cluster objects do not say (a failure's
   *   cause, from the log) to each record
   */
  constructor(
    api: KubeApi,
    readonly namespace: string | undefined,
    onError?: (error: unknown) => void,
    private readonly decorate: (record: IJobRecord) => IJobRecord = r => r
  ) {
    const scope = namespace
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : '';
    const common = { config: api.config, onError };
    this.jobs = new ResourceWatch<MpiJobObject>({
      ...common,
      path: `/apis/${MPIJOBS.group}/${MPIJOBS.version}${scope}/${MPIJOBS.plural}`,
      list: () =>
        api.listMpiJobs(namespace) as Promise<{ items: MpiJobObject[] }>,
      onChange: change => this.jobChanged(change),
      onSynced: () => this.resync(),
      groupBy: job => keyOf(job.metadata.namespace, job.metadata.name)
    });
    this.pods = new ResourceWatch<PodObject>({
      ...common,
      path: `/api/v1${scope}/pods`,
      labelSelector: OPERATOR_PODS,
      list: () => api.listPods(namespace, OPERATOR_PODS),
      onChange: change => this.podChanged(change),
      groupBy: pod => {
        const job = pod.metadata?.labels?.[OPERATOR_JOB_NAME_LABEL];
        return job ? keyOf(pod.metadata?.namespace, job) : undefined;
      },
      slim: slimPod
    });
    this.events = new ResourceWatch<EventObject>({
      ...common,
      path: `/api/v1${scope}/events`,
      list: () => api.listEvents(namespace),
      onChange: change => this.eventChanged(change),
      // Filed by job, so a job's record reads its own events, not its
      // namespace's (5,000 of them with 50 jobs of 100 workers).
      groupBy: event => jobKeyOfEvent(event),
      slim: slimEvent
    });
  }

  /**
   * Starts the watches; resolves once all three have listed.
   *
   * @returns when the first records are known
   * @throws {BackendError} when a first list fails (403, unreachable…)
   */
  async start(): Promise<void> {
    this.pods.start();
    this.events.start();
    await Promise.all([this.pods.synced(), this.events.synced()]);
    this.jobs.start();
    await this.jobs.synced();
    this.ready = true;
    this.resync();
    this.synced = true;
  }

  /** Whether the first lists are in (its records are complete). */
  get isSynced(): boolean {
    return this.synced;
  }

  /**
   * One job's record, as watched.
   *
   * @returns the record, or undefined when the job is not there
   */
  find(namespace: string, name: string): IJobRecord | undefined {
    return this.records.get(keyOf(namespace, name));
  }

  /**
   * The Kubernetes events about one job's objects, as watched.
   *
   * @param namespace - the job's namespace
   * @param name - the job's name
   * @returns its events, oldest first
   */
  jobEvents(namespace: string, name: string): IJobKubeEvent[] {
    return jobKubeEvents(name, this.events.itemsIn(keyOf(namespace, name)));
  }

  /** Adds a listener; returns a function that removes it. */
  listen(listener: (event: IJobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Number of listeners. */
  get size(): number {
    return this.listeners.size;
  }

  /** Current records. */
  list(): IJobRecord[] {
    return [...this.records.values()];
  }

  /** Stops all watches. */
  stop(): void {
    if (this.pendingTimer) {
      clearTimeout(this.pendingTimer);
      this.pendingTimer = null;
    }
    this.pending.clear();
    this.jobs.stop();
    this.pods.stop();
    this.events.stop();
    this.listeners.clear();
  }

  private jobChanged(change: WatchChange<MpiJobObject>): void {
    const key = keyOf(
      change.object.metadata.namespace,
      change.object.metadata.name
    );
    if (change.type === 'DELETED') {
      const last = this.records.get(key);
      this.records.delete(key);
      this.removed.delete(key);
      this.pending.delete(key);
      if (last && this.ready) {
        this.emit({
          type: 'DELETED',
          job: this.recompute(change.object) ?? last
        });
      }
      return;
    }
    this.update(change.object);
  }

  private podChanged(change: WatchChange<PodObject>): void {
    const pod = change.object;
    const job = pod.metadata?.labels?.[OPERATOR_JOB_NAME_LABEL];
    if (!job) {
      return;
    }
    const namespace = pod.metadata?.namespace;
    const key = keyOf(namespace, job);
    const name = pod.metadata?.name;
    if (name && this.records.has(key)) {
      const gone = this.removed.get(key) ?? new Map<string, PodObject>();
      if (change.type === 'DELETED') {
        gone.set(name, pod);
        this.removed.set(key, gone);
      } else {
        // The operator made the replica again (same name).
        gone.delete(name);
      }
    }
    this.later(key);
  }

  private eventChanged(change: WatchChange<EventObject>): void {
    const key = jobKeyOfEvent(change.object);
    if (key !== undefined && this.records.has(key)) {
      this.later(key);
    }
  }

  // Builds a job's record again soon, with the other changes that come
  // until then (see POD_CHANGES_MS).
  private later(key: string): void {
    if (!this.ready) {
      // The first records are built once everything is listed.
      return;
    }
    this.pending.add(key);
    if (this.pendingTimer === null) {
      this.pendingTimer = setTimeout(() => {
        this.pendingTimer = null;
        const keys = [...this.pending];
        this.pending.clear();
        for (const pending of keys) {
          this.updateByKey(pending);
        }
      }, POD_CHANGES_MS);
      this.pendingTimer.unref?.();
    }
  }

  private updateByName(namespace: string | undefined, name: string): void {
    this.updateByKey(keyOf(namespace, name));
  }

  private updateByKey(key: string): void {
    const job = this.jobs.itemsIn(key)[0];
    if (job) {
      this.update(job);
    }
  }

  private update(job: MpiJobObject): void {
    const record = this.recompute(job);
    if (!record) {
      return;
    }
    const key = keyOf(record.namespace, record.name);
    // Built now: what was waiting for it is in.
    this.pending.delete(key);
    const before = this.records.get(key);
    this.records.set(key, record);
    if (!this.ready) {
      return;
    }
    if (!before) {
      this.emit({ type: 'ADDED', job: record });
    } else if (changed(before, record)) {
      this.emit({ type: 'MODIFIED', job: record });
    }
  }

  /**
   * How many of a job's pods exist now (deleted ones not counted).
   *
   * @param namespace - the job's namespace
   * @param name - the job's name
   * @returns the count
   */
  livePods(namespace: string, name: string): number {
    return this.pods.itemsIn(keyOf(namespace, name)).length;
  }

  /**
   * A job's pods: those live now and those seen deleted (as last seen).
   *
   * @param namespace - the job's namespace
   * @param name - the job's name
   * @returns the pods
   */
  podsOf(namespace: string, name: string): PodObject[] {
    const key = keyOf(namespace, name);
    const removed = this.removed.get(key);
    return [
      ...this.pods.itemsIn(key),
      ...(removed ? [...removed.values()] : [])
    ];
  }

  private recompute(job: MpiJobObject): IJobRecord | null {
    const { name, namespace } = job.metadata;
    if (!name) {
      return null;
    }
    const key = keyOf(namespace, name);
    const pods = this.pods.itemsIn(key);
    const events = this.events.itemsIn(key).slice(-MAX_EVENTS);
    const removed = this.removed.get(key);
    return this.decorate(
      recordFromCluster(job, pods, events, removed ? [...removed.values()] : [])
    );
  }

  /**
   * Builds a job's record again (its decoration changed) and tells the
   * listeners when it differs.
   *
   * @param namespace - the job's namespace
   * @param name - the job's name
   */
  refresh(namespace: string, name: string): void {
    this.updateByName(namespace, name);
  }

  /** After a (re)list of MPIJobs: recompute all, drop the vanished. */
  private resync(): void {
    const seen = new Set<string>();
    for (const job of this.jobs.items()) {
      seen.add(keyOf(job.metadata.namespace, job.metadata.name));
      this.update(job);
    }
    for (const [key, record] of this.records) {
      if (!seen.has(key)) {
        this.records.delete(key);
        this.removed.delete(key);
        if (this.ready) {
          this.emit({ type: 'DELETED', job: record });
        }
      }
    }
  }

  private emit(event: IJobEvent): void {
    for (const listener of [...this.listeners]) {
      listener(event);
    }
  }
}

function keyOf(
  namespace: string | undefined,
  name: string | undefined
): string {
  return jobKey({ namespace: namespace ?? '', name: name ?? '' });
}

// Compared in place: a 101-replica topology written out twice per pod
// change was a large part of what the service allocated at scale.
function changed(a: IJobRecord, b: IJobRecord): boolean {
  return (
    a.resourceVersion !== b.resourceVersion ||
    !equal(a.status, b.status) ||
    !equal(a.topology, b.topology) ||
    !equal(a.conditions, b.conditions)
  );
}

// The key of the job an event is about, if it is about one.
function jobKeyOfEvent(event: EventObject): string | undefined {
  const job = jobOfObject(event.involvedObject);
  return job === undefined ? undefined : keyOf(event.metadata?.namespace, job);
}
