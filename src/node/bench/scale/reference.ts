/**
 * The truth a scale run measures against: the harness's own watches of the
 * run's MPIJobs and pods, straight from the API server (as admin, so they
 * are not counted with the service's requests). Each MPIJob version is
 * timestamped when it arrives, each job's first Running condition, each
 * pod's existence and phase.
 */
import { performance } from 'node:perf_hooks';

import type { KubeApi, PodObject } from '../../backends/kubernetes/api';
import { MPIJOBS } from '../../backends/kubernetes/api';
import { OPERATOR_PODS } from '../../backends/kubernetes/jobWatcher';
import type { WatchChange } from '../../backends/kubernetes/resourceWatch';
import { ResourceWatch } from '../../backends/kubernetes/resourceWatch';
import { OPERATOR_JOB_NAME_LABEL } from '../../../core/status';

interface IMpiJob {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
  };
  status?: { conditions?: Array<{ type?: string; status?: string }> };
}

/** The reference watches of one namespace. */
export class Reference {
  /** `name@resourceVersion` → when the change arrived (performance.now()). */
  readonly versions = new Map<string, number>();
  /** Job name → when it was first seen Running. */
  readonly runningAt = new Map<string, number>();
  /** Job name → its latest resourceVersion (deleted jobs are removed). */
  readonly latest = new Map<string, string>();
  /** Pod name → its job and whether it is Running. */
  private readonly pods = new Map<string, { job: string; running: boolean }>();
  private readonly jobs: ResourceWatch<IMpiJob>;
  private readonly podWatch: ResourceWatch<PodObject>;
  /** Changes seen, counted only while {@link counting}. */
  counting = true;

  /**
   * @param api - the admin's client
   * @param namespace - the run's namespace
   */
  constructor(api: KubeApi, namespace: string) {
    const ns = `/namespaces/${encodeURIComponent(namespace)}`;
    this.jobs = new ResourceWatch<IMpiJob>({
      config: api.config,
      path: `/apis/${MPIJOBS.group}/${MPIJOBS.version}${ns}/${MPIJOBS.plural}`,
      list: () => api.listMpiJobs(namespace) as Promise<{ items: IMpiJob[] }>,
      onChange: change => this.jobChanged(change)
    });
    this.podWatch = new ResourceWatch<PodObject>({
      config: api.config,
      path: `/api/v1${ns}/pods`,
      labelSelector: OPERATOR_PODS,
      list: () => api.listPods(namespace, OPERATOR_PODS),
      onChange: change => this.podChanged(change)
    });
  }

  /** Starts both watches; resolves once both listed. */
  async start(): Promise<void> {
    this.jobs.start();
    this.podWatch.start();
    await Promise.all([this.jobs.synced(), this.podWatch.synced()]);
  }

  /** Stops both watches. */
  stop(): void {
    this.jobs.stop();
    this.podWatch.stop();
  }

  /** Pods that exist now. */
  get podCount(): number {
    return this.pods.size;
  }

  /**
   * Running pods per job, in the order given.
   *
   * @param jobs - job names
   * @returns counts
   */
  runningPods(jobs: readonly string[]): number[] {
    const counts = new Map<string, number>();
    for (const pod of this.pods.values()) {
      if (pod.running) {
        counts.set(pod.job, (counts.get(pod.job) ?? 0) + 1);
      }
    }
    return jobs.map(job => counts.get(job) ?? 0);
  }

  /**
   * Jobs whose MPIJob says Running now.
   *
   * @returns their names
   */
  runningNow(): Set<string> {
    return new Set(
      this.jobs
        .items()
        .filter(isRunning)
        .map(j => j.metadata?.name ?? '')
    );
  }

  private jobChanged(change: WatchChange<IMpiJob>): void {
    const name = change.object.metadata?.name ?? '';
    const version = change.object.metadata?.resourceVersion ?? '';
    const now = performance.now();
    if (change.type === 'DELETED') {
      this.latest.delete(name);
      return;
    }
    this.latest.set(name, version);
    if (this.counting && !this.versions.has(`${name}@${version}`)) {
      this.versions.set(`${name}@${version}`, now);
    }
    if (isRunning(change.object) && !this.runningAt.has(name)) {
      this.runningAt.set(name, now);
    }
  }

  private podChanged(change: WatchChange<PodObject>): void {
    const name = change.object.metadata?.name ?? '';
    if (change.type === 'DELETED') {
      this.pods.delete(name);
      return;
    }
    const pod = change.object as PodObject & {
      metadata?: { labels?: Record<string, string> };
      status?: { phase?: string };
    };
    this.pods.set(name, {
      job: pod.metadata?.labels?.[OPERATOR_JOB_NAME_LABEL] ?? '',
      running: pod.status?.phase === 'Running'
    });
  }
}

function isRunning(job: IMpiJob): boolean {
  return (
    job.status?.conditions?.some(
      c => c.type === 'Running' && c.status === 'True'
    ) ?? false
  );
}
