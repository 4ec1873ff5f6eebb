/**
 * Which rank made a job fail, and why, from its output (a local job's, or a
 * Kubernetes launcher's log).
 *
 * Evidence, strongest first: the rank the MPI names in its abort message
 * (the packaged program's excepthook prints the traceback, then calls MPI
 * Abort, so that rank's traceback is complete and the other ranks' deaths
 * follow from it); the rank Open MPI names as the first to exit non-zero;
 * the first rank whose output holds a complete traceback (one cut short
 * when its rank was stopped is no evidence); the first non-zero exit the
 * rank wrapper reported.
 *
 * A local rank's stderr comes joined to its stdout (see core/mpiOutput),
 * marked as stderr only where the program marks it, so the evidence is looked
 * for in both streams; a traceback on stderr is read from stderr alone.
 */
import { mapTraceback } from '../../core/notebook';
import type { IPackagedProgram } from '../../core/notebook';
import type { IOutputLine, StreamName } from '../../core/mpiOutput';
import { signalOfExitCode } from './local/procs';

/** The rank blamed for a failure. */
export interface IRankCulprit {
  /** MPI rank. */
  readonly rank: number;
  /** Its exit status, when known. */
  readonly exitCode: number | null;
}

/** A failure described for people. */
export interface IFailureText {
  /** One line, e.g. `rank 1 failed (exit code 1) in cell 3, line 2: ZeroDivisionError: division by zero`. */
  readonly summary: string;
  /** The last output lines that explain it (the traceback, mapped to cells). */
  readonly details: readonly string[];
}

// Lines kept per rank and for the launcher: enough for a traceback's end.
const TAIL_LINES = 40;

// Lines of detail a status message carries.
const DETAIL_LINES = 8;

// Longest line a status message carries.
const DETAIL_CHARS = 300;

const TRACEBACK_HEADER = 'Traceback (most recent call last):';
const OPENMPI_ABORT = /MPI_ABORT was invoked on rank (\d+)/;
const OPENMPI_ABORT_CODE = /with errorcode (-?\d+)/;
const MPICH_ABORT = /MPI_Abort\([^)]*?,\s*(-?\d+)\) - process (\d+)/;
const OPENMPI_PROCESS = /Process name:\s*\[\[\d+,\d+\],(\d+)\]/;
const OPENMPI_EXIT = /Exit code:\s*(-?\d+)/;
const CELL_LOCATION = /File "[^"\r\n]*", cell (\d+), line (\d+)/;
const SYNTAX_ERROR = /^(?:SyntaxError|IndentationError|TabError)\b/;

/** Collects the evidence about a failure while a job's output goes by. */
export class FailureTracker {
  private readonly tails = new Map<number, string[]>();
  // Each rank's stderr lines alone: where its stderr comes on a channel of
  // its own (Kubernetes' launcher log), its stdout interleaves with it in any
  // order, even inside a traceback.
  private readonly stderrTails = new Map<number, string[]>();
  // The stream of each rank's last traceback header.
  private readonly tracebackStreams = new Map<number, StreamName>();
  private readonly launcherTail: string[] = [];
  private readonly exits = new Map<number, number>();
  private tracebackRank: number | null = null;
  // Ranks whose traceback has begun but not yet reached its exception line,
  // and the stream it is on.
  private readonly openTracebacks = new Map<number, StreamName>();
  private abort: { rank: number; code: number | null } | null = null;
  private openMpiExit: { rank: number; code: number | null } | null = null;
  private firstNonZeroExit: number | null = null;
  // Open MPI spreads "rank N ... errorcode E" and "Process name ... Exit code" over lines.
  private awaitingAbortCode = false;
  private awaitingExitCode = false;

  /**
   * Looks at one line.
   *
   * @param line - a parsed output line
   */
  observe(line: IOutputLine): void {
    const text = line.text;
    if (line.rank === null) {
      pushBounded(this.launcherTail, text);
      this.observeLauncher(text);
      return;
    }
    pushBounded(tailOf(this.tails, line.rank), text);
    if (line.stream === 'stderr') {
      pushBounded(tailOf(this.stderrTails, line.rank), text);
    }
    if (text.trim() === TRACEBACK_HEADER) {
      this.openTracebacks.set(line.rank, line.stream);
      this.tracebackStreams.set(line.rank, line.stream);
    } else if (
      this.openTracebacks.get(line.rank) === line.stream &&
      text !== '' &&
      !/^\s/.test(text)
    ) {
      // The exception line: this rank's traceback is complete.
      this.openTracebacks.delete(line.rank);
      this.tracebackRank ??= line.rank;
    }
    const mpich = MPICH_ABORT.exec(text);
    if (mpich !== null && this.abort === null) {
      this.abort = { rank: Number(mpich[2]), code: Number(mpich[1]) };
    }
  }

  /**
   * Records a rank's exit status, as the rank wrapper reported it.
   *
   * @param rank - the rank
   * @param code - its exit status
   */
  rankExited(rank: number, code: number): void {
    if (!this.exits.has(rank)) {
      this.exits.set(rank, code);
      if (code !== 0 && this.firstNonZeroExit === null) {
        this.firstNonZeroExit = rank;
      }
    }
  }

  /** Exit statuses reported so far, by rank. */
  get rankExits(): ReadonlyMap<number, number> {
    return this.exits;
  }

  /**
   * The last output lines of a rank: its stderr's when its traceback came
   * on stderr, else both streams'.
   *
   * @param rank - the rank
   * @returns oldest first
   */
  rankTail(rank: number): readonly string[] {
    const tails =
      this.tracebackStreams.get(rank) === 'stderr'
        ? this.stderrTails
        : this.tails;
    return tails.get(rank) ?? [];
  }

  /** The launcher's last lines, oldest first. */
  get launcherLines(): readonly string[] {
    return this.launcherTail;
  }

  /**
   * The rank to blame, from the strongest evidence at hand.
   *
   * @returns the rank and its exit status, or null when no rank is implicated
   */
  culprit(): IRankCulprit | null {
    const rank =
      this.abort?.rank ??
      this.openMpiExit?.rank ??
      this.tracebackRank ??
      this.firstNonZeroExit;
    if (rank === null) {
      return null;
    }
    const code =
      this.exits.get(rank) ??
      (this.abort?.rank === rank ? this.abort.code : null) ??
      (this.openMpiExit?.rank === rank ? this.openMpiExit.code : null);
    return { rank, exitCode: code ?? null };
  }

  private observeLauncher(text: string): void {
    if (this.awaitingAbortCode) {
      const code = OPENMPI_ABORT_CODE.exec(text);
      if (code !== null && this.abort !== null) {
        this.abort = { rank: this.abort.rank, code: Number(code[1]) };
        this.awaitingAbortCode = false;
      }
    }
    if (this.awaitingExitCode) {
      const code = OPENMPI_EXIT.exec(text);
      if (code !== null && this.openMpiExit !== null) {
        this.openMpiExit = {
          rank: this.openMpiExit.rank,
          code: Number(code[1])
        };
        this.awaitingExitCode = false;
      }
    }
    const abort = OPENMPI_ABORT.exec(text);
    if (abort !== null && this.abort === null) {
      const code = OPENMPI_ABORT_CODE.exec(text);
      this.abort = {
        rank: Number(abort[1]),
        code: code ? Number(code[1]) : null
      };
      this.awaitingAbortCode = code === null;
    }
    const processName = OPENMPI_PROCESS.exec(text);
    if (processName !== null && this.openMpiExit === null) {
      this.openMpiExit = { rank: Number(processName[1]), code: null };
      this.awaitingExitCode = true;
    }
  }
}

/**
 * Describes a rank's failure: the exception and the notebook cell it came
 * from when its output holds a traceback, else how it exited.
 *
 * @param culprit - rank and exit status
 * @param rankTail - the rank's last output lines
 * @param program - the packaged program, to map tracebacks to cells; null for command jobs
 * @returns summary and detail lines
 */
export function describeRankFailure(
  culprit: IRankCulprit,
  rankTail: readonly string[],
  program: Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'> | null
): IFailureText {
  const lines = program
    ? rankTail.map(line => mapTraceback(line, program))
    : [...rankTail];
  const exit =
    culprit.exitCode === null ? '' : ` (${describeExit(culprit.exitCode)})`;
  let header = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].trim() === TRACEBACK_HEADER) {
      header = i;
      break;
    }
  }
  if (header >= 0) {
    // The exception line is the first unindented line after the frames.
    let error = -1;
    for (let i = header + 1; i < lines.length; i++) {
      if (lines[i] !== '' && !/^\s/.test(lines[i])) {
        error = i;
        break;
      }
    }
    if (error >= 0) {
      let where = '';
      for (let i = error - 1; i > header; i--) {
        const location = CELL_LOCATION.exec(lines[i]);
        if (location !== null) {
          where = ` in cell ${location[1]}, line ${location[2]}`;
          break;
        }
      }
      return {
        summary: `rank ${culprit.rank} failed${exit}${where}: ${clip(lines[error])}`,
        details: lastLines(lines.slice(header, error + 1))
      };
    }
  }
  // A syntax error has no "Traceback" header: Python prints the file,
  // line and caret, then the error.
  for (let error = lines.length - 1; error >= 0; error--) {
    if (!SYNTAX_ERROR.test(lines[error])) {
      continue;
    }
    let where = '';
    for (let i = error - 1; i >= Math.max(0, error - 4); i--) {
      const location = CELL_LOCATION.exec(lines[i]);
      if (location !== null) {
        where = ` in cell ${location[1]}, line ${location[2]}`;
        break;
      }
    }
    return {
      summary: `rank ${culprit.rank} failed${exit}${where}: ${clip(lines[error])}`,
      details: lastLines(lines.slice(Math.max(0, error - 4), error + 1))
    };
  }
  const how =
    culprit.exitCode === null
      ? 'failed'
      : signalOfExitCode(culprit.exitCode) !== null
        ? `was killed by ${signalOfExitCode(culprit.exitCode)}${culprit.exitCode === 137 ? ' (out of memory?)' : ''}`
        : `exited with code ${culprit.exitCode}`;
  return {
    summary: `rank ${culprit.rank} ${how}`,
    details: lastLines(lines)
  };
}

/**
 * Describes a launcher failure no rank is blamed for (mpirun could not
 * start the ranks, or was killed).
 *
 * @param launcher - file name of the launcher, e.g. `mpirun`
 * @param exitCode - its exit status
 * @param launcherLines - its last output lines
 * @returns summary and detail lines
 */
export function describeLauncherFailure(
  launcher: string,
  exitCode: number | null,
  launcherLines: readonly string[]
): IFailureText {
  const meaningful = launcherLines.filter(
    line => line.trim() !== '' && !/^[-=*]{8,}$/.test(line.trim())
  );
  const how =
    exitCode === null
      ? 'failed'
      : signalOfExitCode(exitCode) !== null
        ? `was killed by ${signalOfExitCode(exitCode)}`
        : `failed (exit code ${exitCode})`;
  return {
    summary: `${launcher} ${how}${meaningful.length > 0 ? `: ${clip(meaningful[0].trim())}` : ''}`,
    details: lastLines(meaningful)
  };
}

/**
 * One message from a failure text: the summary, then the details on their
 * own lines.
 *
 * @param text - summary and details
 * @returns the message
 */
export function failureMessage(text: IFailureText): string {
  return [text.summary, ...text.details].join('\n');
}

function describeExit(code: number): string {
  const signal = signalOfExitCode(code);
  return signal === null ? `exit code ${code}` : `killed by ${signal}`;
}

function lastLines(lines: readonly string[]): string[] {
  return lines
    .filter(line => line.trim() !== '')
    .slice(-DETAIL_LINES)
    .map(clip);
}

function clip(line: string): string {
  return line.length > DETAIL_CHARS ? `${line.slice(0, DETAIL_CHARS)}…` : line;
}

function pushBounded(lines: string[], line: string): void {
  lines.push(line);
  if (lines.length > TAIL_LINES) {
    lines.shift();
  }
}

function tailOf(tails: Map<number, string[]>, rank: number): string[] {
  let tail = tails.get(rank);
  if (tail === undefined) {
    tail = [];
    tails.set(rank, tail);
  }
  return tail;
}
