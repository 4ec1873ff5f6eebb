/**
 * One run of a local job: mpirun started in a session of its own, its
 * output parsed into per-rank logs and files as it comes, ranks that exit
 * recorded (one failing rank stops the job), and, once the launcher exited,
 * how the job ended.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';

import { errorMessage } from '../../../core/errors';
import { FileAssembler } from '../../../core/jobFiles';
import { MpiOutputParser } from '../../../core/mpiOutput';
import type { ILaunchSpec } from '../../../core/spec';
import { jobKey } from '../../../core/jobKey';
import {
  describeLauncherFailure,
  describeRankFailure,
  failureMessage,
  FailureTracker
} from '../failure';
import type { IActiveRun, IEntry, ILaunchPlan } from './entry';
import { JobFileWriter } from './files';
import { ensureMpichAbiDir, expandHome, launchEnv } from './launch';
import type { ILocalFailure, ILocalRun } from './model';
import { LOCAL_REASONS } from './model';
import { identify, signalExitCode, stopJobProcesses } from './procs';
import { LogWriter } from './store';

/** Status message of jobs stopped because the service shut down; reason `ServiceStopped`. */
export const SERVICE_STOPPED_MESSAGE =
  'the MPI job service shut down while this job was running; its ranks were stopped. Run it again.';

// After a rank exits non-zero, how long the MPI gets to stop the others
// itself (Open MPI does; MPICH keeps them running) before the backend does.
const FAIL_FAST_DELAY_MS = 1000;

// Rank exits arriving together are recorded together.
const RANK_EXIT_BATCH_MS = 25;

// How long output may still arrive after the launcher exited (a process
// that inherited the pipes keeps them open).
const DRAIN_TIMEOUT_MS = 2000;

/** What a run needs of the backend. */
export interface IRunHost {
  /** The backend's data directory (MPICH's ABI directory lives there). */
  readonly dataDir: string;
  /** Time between SIGTERM and SIGKILL when stopping the job, in ms. */
  readonly killGraceMs: number;
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
 * Starts a job's launcher. Resolves once the job is recorded Running (or
 * Failed, when the launcher could not start); `entry.active.done` resolves
 * once its end is recorded.
 *
 * @param host - the backend
 * @param entry - the job, stored Pending
 * @param plan - what submit found out
 * @param args - the launcher's arguments
 * @param jobDir - the job's directory
 */
export async function startRun(
  host: IRunHost,
  entry: IEntry,
  plan: ILaunchPlan,
  args: readonly string[],
  jobDir: string
): Promise<void> {
  const spec = entry.base.spec as ILaunchSpec;
  const key = jobKey(entry.base);
  const abiDir =
    plan.flavor === 'mpich'
      ? await ensureMpichAbiDir(host.dataDir, plan.launcher.path).catch(
          () => null
        )
      : null;
  const env = launchEnv(
    plan.flavor,
    process.env,
    spec.env ?? [],
    entry.base.uid,
    abiDir
  );
  const writer = new LogWriter(
    host.logsDir(entry.base.namespace, entry.base.name),
    () => host.notify(key)
  );
  const tracker = new FailureTracker();
  let child: ChildProcess;
  try {
    child = spawn(plan.launcher.path, [...args], {
      cwd: spec.workingDir === undefined ? jobDir : expandHome(spec.workingDir),
      env,
      // Its own session and process group: stopping the job cannot hit the service.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    });
  } catch (error) {
    // Arguments Node refuses (e.g. a NUL byte in an environment value).
    await writer.close();
    await launchFailed(host, entry, plan, error);
    return;
  }
  const active: IActiveRun = {
    child,
    launcherName: plan.launcher.command.split('/').pop() ?? 'mpirun',
    tracker,
    writer,
    parser: new MpiOutputParser(plan.flavor, plan.ranks, {
      line: line => {
        const time = new Date().toISOString();
        writer.append(line.rank, {
          n: active.seq++,
          t: time,
          s: line.stream,
          x: line.text
        });
        if (line.rank !== null) {
          active.firstOutputAt ??= time;
        }
        tracker.observe(line);
      },
      host: (rank, host) => {
        active.hosts[rank] = host;
      },
      rankExit: (rank, code) => onRankExit(host, entry, active, rank, code),
      file: (rank, chunk) => {
        const file = active.assembler.add(rank, chunk);
        if (file !== null) {
          active.files.write(file);
        }
      }
    }),
    files: new JobFileWriter(jobDir),
    assembler: new FileAssembler(),
    hosts: {},
    firstOutputAt: null,
    launcher: null,
    seq: 0,
    stopping: null,
    done: Promise.resolve(),
    failFast: null,
    exitBatch: null,
    pendingExits: []
  };
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>(resolve =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  );
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) =>
    active.parser.push('stdout', chunk)
  );
  child.stderr?.on('data', (chunk: string) =>
    active.parser.push('stderr', chunk)
  );
  const started = await new Promise<Error | null>(resolve => {
    child.once('spawn', () => resolve(null));
    child.once('error', error => resolve(error));
  });
  // Later errors (a failed kill) must not crash the service.
  child.on('error', () => undefined);
  if (started !== null) {
    await writer.close();
    await launchFailed(host, entry, plan, started);
    return;
  }
  entry.active = active;
  const pid = child.pid ?? -1;
  const startedAt = new Date().toISOString();
  // Queued before the exit handling can queue anything, so Running is
  // never recorded after the job's end.
  const running = host.change(entry, async run => {
    active.launcher = await identify(pid);
    return {
      ...run,
      phase: 'Running',
      startedAt,
      launcher: active.launcher
    };
  });
  active.done = exited.then(result => finish(host, entry, active, result));
  await running;
}

function launchFailed(
  host: IRunHost,
  entry: IEntry,
  plan: ILaunchPlan,
  error: unknown
): Promise<void> {
  const reason = errorMessage(error);
  return host.change(entry, run => ({
    ...run,
    phase: 'Failed',
    finishedAt: new Date().toISOString(),
    failure: {
      reason: LOCAL_REASONS.launcherFailed,
      message: `could not start ${plan.launcher.path}: ${reason}`,
      rank: null,
      exitCode: null
    }
  }));
}

function onRankExit(
  host: IRunHost,
  entry: IEntry,
  active: IActiveRun,
  rank: number,
  code: number
): void {
  active.tracker.rankExited(rank, code);
  active.pendingExits.push({ rank, code, at: new Date().toISOString() });
  if (active.exitBatch === null) {
    active.exitBatch = setTimeout(() => {
      active.exitBatch = null;
      void recordRankExits(host, entry, active);
    }, RANK_EXIT_BATCH_MS);
  }
  if (code !== 0 && active.stopping === null && active.failFast === null) {
    // Fail fast: one rank's failure ends the job, whatever the MPI does.
    active.failFast = setTimeout(() => {
      if (entry.active === active && active.stopping === null) {
        active.stopping = 'failfast';
        void stopJobProcesses(
          { marker: entry.base.uid, launcher: active.launcher },
          host.killGraceMs
        );
      }
    }, FAIL_FAST_DELAY_MS);
  }
}

function recordRankExits(
  host: IRunHost,
  entry: IEntry,
  active: IActiveRun
): Promise<void> {
  const exits = active.pendingExits.splice(0);
  if (exits.length === 0) {
    return Promise.resolve();
  }
  return host.change(entry, run => {
    const rankExits = { ...run.rankExits };
    const rankExitTimes = { ...run.rankExitTimes };
    for (const { rank, code, at } of exits) {
      if (rankExits[String(rank)] === undefined) {
        rankExits[String(rank)] = code;
        rankExitTimes[String(rank)] = at;
      }
    }
    return { ...run, rankExits, rankExitTimes };
  });
}

// The launcher exited: collect the rest of the output, make sure nothing
// of the job is left, and record how it ended.
async function finish(
  host: IRunHost,
  entry: IEntry,
  active: IActiveRun,
  result: { code: number | null; signal: NodeJS.Signals | null }
): Promise<void> {
  if (active.failFast !== null) {
    clearTimeout(active.failFast);
    active.failFast = null;
  }
  await stopJobProcesses(
    { marker: entry.base.uid, launcher: null },
    Math.min(host.killGraceMs, 1000)
  );
  await drained(active.child, DRAIN_TIMEOUT_MS);
  active.parser.finish();
  await active.writer.close();
  await active.files.close();
  if (active.exitBatch !== null) {
    clearTimeout(active.exitBatch);
    active.exitBatch = null;
  }
  await recordRankExits(host, entry, active);
  if (entry.deleting) {
    entry.active = null;
    return;
  }
  const exitCode =
    result.code ??
    (result.signal !== null ? signalExitCode(result.signal) : null);
  const failure = outcome(entry, active, exitCode);
  await host.change(entry, run => {
    entry.active = null;
    entry.program = null;
    return {
      ...run,
      phase: failure === null ? 'Succeeded' : 'Failed',
      finishedAt: new Date().toISOString(),
      exitCode,
      signal: result.signal,
      failure,
      hosts: { ...active.hosts },
      firstOutputAt: active.firstOutputAt
    };
  });
}

function outcome(
  entry: IEntry,
  active: IActiveRun,
  exitCode: number | null
): ILocalFailure | null {
  if (active.stopping === 'close') {
    return {
      reason: LOCAL_REASONS.serviceStopped,
      message: SERVICE_STOPPED_MESSAGE,
      rank: null,
      exitCode: null
    };
  }
  const rankFailed = [...active.tracker.rankExits.values()].some(
    code => code !== 0
  );
  if (exitCode === 0 && active.stopping === null && !rankFailed) {
    return null;
  }
  const culprit = active.tracker.culprit();
  if (culprit !== null) {
    const code = culprit.exitCode ?? exitCode;
    const text = describeRankFailure(
      { rank: culprit.rank, exitCode: code },
      active.tracker.rankTail(culprit.rank),
      entry.program
    );
    return {
      reason: LOCAL_REASONS.workerFailed,
      message: failureMessage(text),
      rank: culprit.rank,
      exitCode: code
    };
  }
  const text = describeLauncherFailure(
    active.launcherName,
    exitCode,
    active.tracker.launcherLines
  );
  return {
    reason: LOCAL_REASONS.launcherFailed,
    message: failureMessage(text),
    rank: null,
    exitCode
  };
}

// Resolves once the child's pipes closed, or after `ms` (then they are
// destroyed: what a stray process still writes is dropped).
function drained(child: ChildProcess, ms: number): Promise<void> {
  const streams = [child.stdout, child.stderr].filter(
    (s): s is NonNullable<typeof s> => s !== null && !s.destroyed
  );
  return new Promise(resolve => {
    let open = streams.length;
    if (open === 0) {
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      for (const s of streams) {
        s.destroy();
      }
      resolve();
    }, ms);
    for (const s of streams) {
      s.once('close', () => {
        if (--open === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}
