/**
 * A job's supervisor: the detached process (`mpijob __supervise JOBDIR`,
 * in a session of its own) that runs one local job's mpirun, so that the job
 * outlives the service that started it. It parses mpirun's output into the
 * per-rank logs and files as it comes, stops the job when one rank fails,
 * and reports what happened to `supervisor.jsonl` (see `supervision.ts`),
 * ending with how the job ended once all its output is in the files.
 *
 * It does not carry the job's marker: stopping the job's processes leaves
 * it running, to record the end.
 */
import { appendFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { errorMessage } from '../../../core/errors';
import { FileAssembler } from '../../../core/jobFiles';
import type { IPackagedProgram } from '../../../core/notebook';
import { MpiOutputParser } from '../../../core/mpiOutput';
import {
  describeLauncherFailure,
  describeRankFailure,
  failureMessage,
  FailureTracker
} from '../failure';
import { JobFileWriter } from './files';
import type { ILocalFailure } from './model';
import { LOCAL_REASONS } from './model';
import { identify, signalExitCode, stopJobProcesses } from './procs';
import { LogWriter, readSourceMap } from './store';
import type { ISuperviseConfig, SupervisorEvent } from './supervision';
import { SUPERVISOR_EVENTS_FILE } from './supervision';

// After a rank exits non-zero, how long the MPI gets to stop the others
// itself (Open MPI does; MPICH keeps them running) before the supervisor does.
const FAIL_FAST_DELAY_MS = 1000;

// Rank exits arriving together are reported together.
const RANK_EXIT_BATCH_MS = 25;

// How long output may still arrive after the launcher exited (a process
// that inherited the pipes keeps them open).
const DRAIN_TIMEOUT_MS = 2000;

/**
 * Runs a supervisor: reads its config from stdin, runs the job, exits.
 */
export async function superviseMain(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  const config = JSON.parse(
    Buffer.concat(chunks).toString('utf8')
  ) as ISuperviseConfig;
  // The service that started it may die: that is no reason to stop.
  for (const signal of ['SIGHUP', 'SIGINT', 'SIGPIPE'] as const) {
    process.on(signal, () => undefined);
  }
  await supervise(config);
  process.exit(0);
}

/**
 * Runs one job's launcher to its end.
 *
 * @param config - what to run
 */
async function supervise(config: ISuperviseConfig): Promise<void> {
  const report = (event: SupervisorEvent): void => {
    try {
      // One write per report: a reader never sees half of one.
      appendFileSync(
        join(config.jobDir, SUPERVISOR_EVENTS_FILE),
        `${JSON.stringify(event)}\n`,
        { mode: 0o600 }
      );
    } catch {
      // The job was deleted: nobody reads any more.
    }
  };
  const writer = new LogWriter(config.logsDir);
  const files = new JobFileWriter(config.jobDir);
  const assembler = new FileAssembler();
  const tracker = new FailureTracker();
  const pendingExits: Array<{ rank: number; code: number; at: string }> = [];
  let exitBatch: ReturnType<typeof setTimeout> | null = null;
  let failFast: ReturnType<typeof setTimeout> | null = null;
  let failingFast = false;
  let firstOutput = false;
  let seq = 0;
  let launcher: Awaited<ReturnType<typeof identify>> | null = null;
  const flushExits = (): void => {
    if (exitBatch !== null) {
      clearTimeout(exitBatch);
      exitBatch = null;
    }
    if (pendingExits.length > 0) {
      report({ e: 'rankExits', exits: pendingExits.splice(0) });
    }
  };
  const parser = new MpiOutputParser(config.flavor, config.ranks, {
    line: line => {
      const time = new Date().toISOString();
      writer.append(line.rank, {
        n: seq++,
        t: time,
        s: line.stream,
        x: line.text
      });
      if (line.rank !== null && !firstOutput) {
        firstOutput = true;
        report({ e: 'firstOutput', at: time });
      }
      tracker.observe(line);
    },
    host: (rank, host) => report({ e: 'host', rank, host }),
    rankExit: (rank, code) => {
      tracker.rankExited(rank, code);
      pendingExits.push({ rank, code, at: new Date().toISOString() });
      exitBatch ??= setTimeout(flushExits, RANK_EXIT_BATCH_MS);
      if (code !== 0 && failFast === null) {
        // Fail fast: one rank's failure ends the job, whatever the MPI does.
        failFast = setTimeout(() => {
          failingFast = true;
          void stopJobProcesses(
            { marker: config.uid, launcher },
            config.killGraceMs
          );
        }, FAIL_FAST_DELAY_MS);
      }
    },
    file: (rank, chunk) => {
      const file = assembler.add(rank, chunk);
      if (file !== null) {
        files.write(file);
      }
    }
  });

  let child: ChildProcess;
  try {
    child = spawn(config.launcher, [...config.args], {
      cwd: config.cwd,
      env: config.env,
      // Its own session and process group: stopping the job cannot hit the supervisor.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    });
  } catch (error) {
    // Arguments Node refuses (e.g. a NUL byte in an environment value).
    report({ e: 'spawnFailed', message: errorMessage(error) });
    return;
  }
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>(resolve =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  );
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => parser.push('stdout', chunk));
  child.stderr?.on('data', (chunk: string) => parser.push('stderr', chunk));
  const started = await new Promise<Error | null>(resolve => {
    child.once('spawn', () => resolve(null));
    child.once('error', error => resolve(error));
  });
  child.on('error', () => undefined);
  if (started !== null) {
    report({ e: 'spawnFailed', message: errorMessage(started) });
    return;
  }
  launcher = await identify(child.pid ?? -1);
  report({ e: 'started', launcher, at: new Date().toISOString() });

  const result = await exited;
  if (failFast !== null) {
    clearTimeout(failFast);
  }
  // Nothing of the job may outlive its launcher.
  await stopJobProcesses(
    { marker: config.uid, launcher: null },
    Math.min(config.killGraceMs, 1000)
  );
  await drained(child, DRAIN_TIMEOUT_MS);
  parser.finish();
  await writer.close();
  await files.close();
  flushExits();
  const exitCode =
    result.code ??
    (result.signal !== null ? signalExitCode(result.signal) : null);
  report({
    e: 'ended',
    exitCode,
    signal: result.signal,
    failure: outcome(
      tracker,
      config.launcherName,
      exitCode,
      failingFast,
      await readSourceMap(config.jobDir)
    ),
    at: new Date().toISOString()
  });
}

function outcome(
  tracker: FailureTracker,
  launcherName: string,
  exitCode: number | null,
  failingFast: boolean,
  program: Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'> | null
): ILocalFailure | null {
  const rankFailed = [...tracker.rankExits.values()].some(code => code !== 0);
  if (exitCode === 0 && !failingFast && !rankFailed) {
    return null;
  }
  const culprit = tracker.culprit();
  if (culprit !== null) {
    const code = culprit.exitCode ?? exitCode;
    const text = describeRankFailure(
      { rank: culprit.rank, exitCode: code },
      tracker.rankTail(culprit.rank),
      program
    );
    return {
      reason: LOCAL_REASONS.workerFailed,
      message: failureMessage(text),
      rank: culprit.rank,
      exitCode: code
    };
  }
  const text = describeLauncherFailure(
    launcherName,
    exitCode,
    tracker.launcherLines
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
