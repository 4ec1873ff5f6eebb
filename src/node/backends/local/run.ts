/**
 * One run of a local job, as the service sees it: mpirun runs under a
 * detached supervisor (see `supervisor.ts`) that writes the job's logs and
 * files and reports to `supervisor.jsonl`; the service follows those
 * reports into the job's record. The job outlives the service: a restarted
 * service adopts it and follows the same reports from their start.
 */
import { closeSync, openSync, promises as fs, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { errorMessage } from '../../../core/errors';
import type { ILaunchSpec } from '../../../core/spec';
import { jobKey } from '../../../core/jobKey';
import type { IActiveRun, IEntry, ILaunchPlan } from './entry';
import { ensureMpichAbiDir, expandHome, launchEnv } from './launch';
import type { ILocalRun } from './model';
import { LOCAL_REASONS } from './model';
import type { IProcessIdentity } from './procs';
import { identify, isAlive, JOB_MARKER_ENV, stopJobProcesses } from './procs';
import { lostRun } from './recovery';
import type { ISuperviseConfig, SupervisorEvent } from './supervision';
import {
  SUPERVISOR_LOG_FILE,
  SupervisorEvents,
  supervisorCommand
} from './supervision';

/** Status message of jobs stopped because the service shut down; reason `ServiceStopped`. */
export const SERVICE_STOPPED_MESSAGE =
  'the MPI job service shut down while this job was running; its ranks were stopped. Run it again.';

// How often the reports are read when no change was noticed (a watch may
// miss changes, and a supervisor's death makes none).
const POLL_MS = 250;

// How long a supervisor may take to exit after reporting the end.
const SUPERVISOR_EXIT_MS = 5000;

/** What a run needs of the backend. */
export interface IRunHost {
  /** The backend's data directory (MPICH's ABI directory lives there). */
  readonly dataDir: string;
  /** Time between SIGTERM and SIGKILL when stopping the job, in ms. */
  readonly killGraceMs: number;
  /** The service following the job. */
  owner(): IProcessIdentity;
  /** Where the job's files go. */
  jobDir(namespace: string, name: string): string;
  /** Where the job's log files go. */
  logsDir(namespace: string, name: string): string;
  /** Applies a change to the job's run after its earlier ones, stores it and tells watchers. */
  change(
    entry: IEntry,
    mutate: (run: ILocalRun) => ILocalRun | Promise<ILocalRun>
  ): Promise<void>;
  /** Wakes the followers of a job. */
  notify(key: string): void;
}

/**
 * Starts a job's supervisor. Resolves once the job is recorded Running (or
 * Failed, when the launcher could not start); `entry.active.done` resolves
 * once its end is recorded.
 *
 * @param host - the backend
 * @param entry - the job, stored Pending
 * @param plan - what submit found out
 * @param argv - the launcher's command line (see launcherArgv)
 * @param jobDir - the job's directory
 */
export async function startRun(
  host: IRunHost,
  entry: IEntry,
  plan: ILaunchPlan,
  argv: readonly string[],
  jobDir: string
): Promise<void> {
  const spec = entry.base.spec as ILaunchSpec;
  const abiDir =
    plan.flavor === 'mpich'
      ? await ensureMpichAbiDir(host.dataDir, plan.launcher.path).catch(
          () => null
        )
      : null;
  const config: ISuperviseConfig = {
    launcher: argv[0],
    launcherName: plan.launcher.command.split('/').pop() ?? 'mpirun',
    args: argv.slice(1),
    cwd: spec.workingDir === undefined ? jobDir : expandHome(spec.workingDir),
    env: launchEnv(
      plan.flavor,
      process.env,
      spec.env ?? [],
      entry.base.uid,
      abiDir
    ),
    flavor: plan.flavor,
    ranks: plan.ranks,
    uid: entry.base.uid,
    jobDir,
    logsDir: host.logsDir(entry.base.namespace, entry.base.name),
    killGraceMs: host.killGraceMs
  };
  let supervisor: IProcessIdentity;
  try {
    supervisor = await spawnSupervisor(config);
  } catch (error) {
    await launchFailed(
      host,
      entry,
      `could not start the job's supervisor: ${errorMessage(error)}`
    );
    return;
  }
  await follow(host, entry, supervisor, plan.launcher.path).started;
}

/**
 * Follows a job whose service died, from its supervisor's first report:
 * a supervisor still running is followed to the end; one that ended while
 * no service ran left its end in the reports; one gone without an end
 * lost the job.
 *
 * @param host - the backend
 * @param entry - the job, as stored
 * @returns once the reports so far are recorded
 */
export async function adoptRun(host: IRunHost, entry: IEntry): Promise<void> {
  const supervisor = entry.stored.run.supervisor ?? null;
  if (supervisor === null) {
    // Started by a version without supervisors, or never started.
    await loseRun(host, entry, entry.stored.run.launcher);
    return;
  }
  await host.change(entry, run => ({ ...run, owner: host.owner() }));
  await follow(host, entry, supervisor, null).started;
}

async function spawnSupervisor(
  config: ISuperviseConfig
): Promise<IProcessIdentity> {
  const [file, args] = supervisorCommand(config.jobDir);
  const env = { ...process.env };
  // Stopping the job's processes must leave its supervisor, to record the end.
  delete env[JOB_MARKER_ENV];
  const log = openSync(join(config.jobDir, SUPERVISOR_LOG_FILE), 'a', 0o600);
  try {
    const child = spawn(file, args, {
      cwd: config.jobDir,
      env,
      // Its own session: it outlives the service, and a signal to the
      // service's group does not reach it.
      detached: true,
      stdio: ['pipe', 'ignore', log]
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.on('error', () => undefined);
    child.stdin?.on('error', () => undefined);
    // The environment may hold secrets: handed over on a pipe, not a file.
    child.stdin?.end(JSON.stringify(config));
    child.unref();
    return await identify(child.pid ?? -1);
  } finally {
    closeSync(log);
  }
}

/**
 * Follows a supervisor's reports into the job's record until the end.
 *
 * @returns `started`: resolves once the start (or its failure) is recorded
 */
function follow(
  host: IRunHost,
  entry: IEntry,
  supervisor: IProcessIdentity,
  launcherPath: string | null
): { started: Promise<void> } {
  const { namespace, name } = entry.base;
  const key = jobKey(entry.base);
  const jobDir = host.jobDir(namespace, name);
  const active: IActiveRun = {
    supervisor,
    hosts: {},
    firstOutputAt: entry.stored.run.firstOutputAt ?? null,
    launcher: entry.stored.run.launcher,
    stopping: null,
    done: Promise.resolve(),
    wake: () => poke()
  };
  entry.active = active;
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>(resolve => {
    markStarted = resolve;
  });
  const events = new SupervisorEvents(jobDir);
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  const watchers = [
    watchDir(jobDir, poke),
    // Log followers read the files the supervisor writes: wake them.
    watchDir(host.logsDir(namespace, name), () => host.notify(key))
  ];
  let sawStart = entry.stored.run.phase !== 'Pending';

  const apply = async (event: SupervisorEvent): Promise<boolean> => {
    switch (event.e) {
      case 'started':
        active.launcher = event.launcher;
        if (!sawStart) {
          sawStart = true;
          await host.change(entry, run => ({
            ...run,
            phase: 'Running',
            startedAt: event.at,
            launcher: event.launcher,
            supervisor
          }));
        }
        markStarted();
        return false;
      case 'spawnFailed':
        await launchFailed(
          host,
          entry,
          `could not start ${launcherPath ?? entry.stored.run.argv[0] ?? 'the launcher'}: ${event.message}`
        );
        return true;
      case 'host':
        active.hosts[event.rank] = event.host;
        return false;
      case 'firstOutput':
        active.firstOutputAt ??= event.at;
        return false;
      case 'rankExits':
        await host.change(entry, run => {
          const rankExits = { ...run.rankExits };
          const rankExitTimes = { ...run.rankExitTimes };
          for (const { rank, code, at } of event.exits) {
            if (rankExits[String(rank)] === undefined) {
              rankExits[String(rank)] = code;
              rankExitTimes[String(rank)] = at;
            }
          }
          return { ...run, rankExits, rankExitTimes };
        });
        return false;
      case 'ended':
        host.notify(key);
        await host.change(entry, run => ({
          ...run,
          phase:
            event.failure === null && active.stopping === null
              ? 'Succeeded'
              : 'Failed',
          finishedAt: event.at,
          exitCode: event.exitCode,
          signal: event.signal,
          failure:
            active.stopping === 'close'
              ? {
                  reason: LOCAL_REASONS.serviceStopped,
                  message: SERVICE_STOPPED_MESSAGE,
                  rank: null,
                  exitCode: null
                }
              : event.failure,
          hosts: { ...active.hosts },
          firstOutputAt: active.firstOutputAt
        }));
        return true;
      default:
        return false;
    }
  };

  const loop = async (): Promise<void> => {
    for (;;) {
      if (active.stopping === 'detach') {
        return;
      }
      // Alive before the read: a supervisor that died had written all it
      // ever will, so a read after finding it dead is complete.
      const alive = await isAlive(supervisor);
      for (const event of await events.readNew()) {
        if (await apply(event)) {
          return;
        }
      }
      if (!alive) {
        if (!sawStart) {
          await launchFailed(
            host,
            entry,
            `the job's supervisor exited before starting ${launcherPath ?? 'the launcher'}: ${await logTail(jobDir)}`
          );
        } else {
          await loseRun(host, entry, active.launcher);
        }
        return;
      }
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  active.done = loop()
    .catch(() => undefined)
    .then(async () => {
      markStarted();
      for (const watcher of watchers) {
        watcher?.close();
      }
      // Its last writes are done before the job's files may be removed
      // (a detached job runs on: the next service follows it).
      if (active.stopping !== 'detach') {
        await gone(supervisor, SUPERVISOR_EXIT_MS);
      }
      entry.program = null;
      if (entry.active === active) {
        entry.active = null;
      }
    });
  return { started };
}

// A supervisor gone without reporting the end: whatever of the job
// survived is stopped, and the job is lost.
async function loseRun(
  host: IRunHost,
  entry: IEntry,
  launcher: IProcessIdentity | null
): Promise<void> {
  await stopJobProcesses(
    { marker: entry.base.uid, launcher },
    host.killGraceMs
  );
  await host.change(entry, run => lostRun(run, host.owner()));
}

function launchFailed(
  host: IRunHost,
  entry: IEntry,
  message: string
): Promise<void> {
  return host.change(entry, run => ({
    ...run,
    phase: 'Failed',
    finishedAt: new Date().toISOString(),
    failure: {
      reason: LOCAL_REASONS.launcherFailed,
      message,
      rank: null,
      exitCode: null
    }
  }));
}

function watchDir(dir: string, changed: () => void): FSWatcher | null {
  try {
    const watcher = watch(dir, () => changed());
    // The poll still reads.
    watcher.on('error', () => watcher.close());
    return watcher;
  } catch {
    return null;
  }
}

async function gone(who: IProcessIdentity, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await isAlive(who)) && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

async function logTail(jobDir: string): Promise<string> {
  try {
    const text = await fs.readFile(join(jobDir, SUPERVISOR_LOG_FILE), 'utf8');
    const lines = text.trim().split('\n');
    return lines[lines.length - 1] || 'it printed nothing';
  } catch {
    return 'it printed nothing';
  }
}
