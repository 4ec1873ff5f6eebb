/**
 * What passes between the job service and a job's supervisor (the detached
 * process that runs mpirun, see `supervisor.ts`): the job's launch, given on
 * the supervisor's stdin (it holds the job's environment, which may hold
 * secrets, so it never touches the disk), and what the supervisor reports,
 * appended to `<jobDir>/supervisor.jsonl`. The file, not a pipe, carries
 * the reports so that a restarted service reads them all again.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

import type { MpiFlavor } from '../../../core/mpiOutput';
import type { ILocalFailure } from './model';
import type { IProcessIdentity } from './procs';

/** The hidden `mpijob` argument that runs a supervisor instead of the CLI. */
export const SUPERVISE_ARG = '__supervise';

/** The supervisor's reports, in a job's directory. */
export const SUPERVISOR_EVENTS_FILE = 'supervisor.jsonl';

/** The supervisor's own stderr (its crash, if any), in a job's directory. */
export const SUPERVISOR_LOG_FILE = 'supervisor.log';

/** What a supervisor runs: read from its stdin as JSON. */
export interface ISuperviseConfig {
  /** The launcher's absolute path. */
  readonly launcher: string;
  /** Its name for messages (`mpirun`). */
  readonly launcherName: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** The ranks' working directory. */
  readonly cwd: string;
  /** The launcher's whole environment, the job marker included. */
  readonly env: Readonly<Record<string, string>>;
  /** Which MPI. */
  readonly flavor: MpiFlavor;
  /** Total ranks. */
  readonly ranks: number;
  /** The job's uid (its processes' marker). */
  readonly uid: string;
  /** The job's directory (files, source map, reports). */
  readonly jobDir: string;
  /** Its log directory. */
  readonly logsDir: string;
  /** Time between SIGTERM and SIGKILL when stopping the job, in ms. */
  readonly killGraceMs: number;
}

/** One report of a supervisor. */
export type SupervisorEvent =
  | {
      /** mpirun runs. */
      readonly e: 'started';
      readonly launcher: IProcessIdentity;
      readonly at: string;
    }
  | {
      /** mpirun could not be started. */
      readonly e: 'spawnFailed';
      readonly message: string;
    }
  | {
      /** Where a rank runs. */
      readonly e: 'host';
      readonly rank: number;
      readonly host: string;
    }
  | {
      /** A rank printed for the first time. */
      readonly e: 'firstOutput';
      readonly at: string;
    }
  | {
      /** Ranks exited. */
      readonly e: 'rankExits';
      readonly exits: ReadonlyArray<{ rank: number; code: number; at: string }>;
    }
  | {
      /** mpirun ended and all output is in the files; nothing follows. */
      readonly e: 'ended';
      readonly exitCode: number | null;
      readonly signal: string | null;
      readonly failure: ILocalFailure | null;
      readonly at: string;
    };

/**
 * The command that runs a supervisor: this `mpijob` CLI script (the service
 * runs from it), or `$MPIJOB_CLI_SCRIPT` where the backend runs elsewhere
 * (tests, which set it to the bundled CLI).
 *
 * @param jobDir - shown in `ps`, to tell the supervisors apart
 * @returns file and arguments
 */
export function supervisorCommand(jobDir: string): [string, string[]] {
  const script = process.env.MPIJOB_CLI_SCRIPT || process.argv[1];
  return [process.execPath, [script, SUPERVISE_ARG, jobDir]];
}

/** Reads a supervisor's reports incrementally: complete lines only. */
export class SupervisorEvents {
  private offset = 0;
  private readonly path: string;

  /**
   * @param jobDir - the job's directory
   */
  constructor(jobDir: string) {
    this.path = join(jobDir, SUPERVISOR_EVENTS_FILE);
  }

  /**
   * The reports appended since the last call.
   *
   * @returns them, in order (none when the file is missing)
   */
  async readNew(): Promise<SupervisorEvent[]> {
    let text: Buffer;
    try {
      const handle = await fs.open(this.path, 'r');
      try {
        const { size } = await handle.stat();
        text = Buffer.alloc(Math.max(0, size - this.offset));
        await handle.read(text, 0, text.length, this.offset);
      } finally {
        await handle.close();
      }
    } catch {
      return [];
    }
    const end = text.lastIndexOf(0x0a);
    if (end < 0) {
      return [];
    }
    this.offset += end + 1;
    const events: SupervisorEvent[] = [];
    for (const line of text.subarray(0, end).toString('utf8').split('\n')) {
      try {
        const event = JSON.parse(line) as SupervisorEvent | null;
        if (event !== null && typeof event === 'object') {
          events.push(event);
        }
      } catch {
        // Not a report (a line cut short cannot be: each is one write).
      }
    }
    return events;
  }
}
