/**
 * Splits the output of `mpirun --tag-output` (Open MPI 4; `--output
 * tag:raw` from Open MPI 5, see {@link OPENMPI_TAGS_SCRIPT}) or `mpiexec
 * -prepend-rank` (MPICH) into per-rank lines.
 *
 * Both launchers tag every write chunk of a rank, not every line: rank 1's
 * `print(1, 2)` may arrive as `[1,1]<stdout>:1[1,1]<stdout>: [1,1]<stdout>:2`
 * plus a newline. So the stream is cut at each tag, each piece is appended
 * to that rank's buffer for the stream, and a line is emitted at each `\n`.
 * Untagged text after a newline is the launcher's own output (rank null).
 *
 * The launchers forward a rank's stdout and stderr on separate channels,
 * which loses their relative order (a traceback could come before what the
 * rank printed ahead of it). So the rank wrapper joins each rank's stderr to
 * its stdout, and programs that know it (the packaged notebook's prelude)
 * start each stderr line with {@link STDERR_MARK}; the parser gives such
 * lines back as stderr.
 */

import type { IFileChunk } from './jobFiles';
import { FILE_MARKER, parseFileChunk } from './jobFiles';
import { HOST_MARKER } from './jobReport';

/** Which MPI launches the ranks. */
export type MpiFlavor = 'openmpi' | 'mpich';

/** An output stream. */
export type StreamName = 'stdout' | 'stderr';

/** One line of job output. */
export interface IOutputLine {
  /** MPI rank; null for the launcher. */
  readonly rank: number | null;
  /** Stream. */
  readonly stream: StreamName;
  /** Text without the newline. */
  readonly text: string;
}

/** Receivers of parsed output. */
export interface IOutputHandlers {
  /** A complete line. */
  line(line: IOutputLine): void;
  /** A rank's process ended with this exit status (reported by the rank wrapper). */
  rankExit(rank: number, code: number): void;
  /** A chunk of a file a rank printed (see core/jobFiles.ts); not a log line. */
  file?(rank: number, chunk: IFileChunk): void;
  /** The host a rank reported as it started (see core/jobReport.ts); not a log line. */
  host?(rank: number, host: string): void;
}

/**
 * What the rank wrapper prints on stderr when the rank's program ends; the
 * record separator (0x1e) keeps it apart from anything a program prints.
 */
export const RANK_EXIT_MARKER = '\u001empijob-exit ';

/**
 * Starts a line of a rank's stderr that the rank wrote into its stdout (the
 * unit separator, 0x1f, which programs do not print).
 */
export const STDERR_MARK = '\u001f';

/**
 * Set to `1` in a rank program's environment when its stderr goes into its
 * stdout; programs that can (the packaged notebook) then start each stderr
 * line with {@link STDERR_MARK}.
 */
export const STDERR_MARK_ENV = 'MPIJOB_MARK_STDERR';

/**
 * The constant `sh -c` script every rank runs: the program comes only as
 * positional arguments ("$@"), never as script text. The program's stderr
 * is joined to its stdout, so that the rank's lines keep their order. The
 * script reports the program's exit status on stderr, which gives per-rank
 * exit codes under any MPI and lets the backend stop a job when one rank
 * fails (MPICH keeps the other ranks running otherwise).
 */
export const RANK_WRAPPER_SCRIPT = `${STDERR_MARK_ENV}=1 "$@" 2>&1\nrc=$?\nprintf '\\036mpijob-exit %s\\n' "$rc" >&2\nexit "$rc"`;

/** `$0` of the wrapper script, shown by `ps`. */
export const RANK_WRAPPER_NAME = 'mpijob-rank';

/**
 * The constant `sh -c` script that starts Open MPI's mpirun (its `$0`) with
 * rank-tagged output: `--tag-output` up to Open MPI 4, `--output tag:raw`
 * from Open MPI 5 on. Open MPI 5 (PMIx) holds back an unfinished line of a
 * rank until the rest comes, and hands it to the next line of any rank
 * instead (openpmix/openpmix#3858): a rank's line then shows up in another
 * rank's log, whenever mpirun reads a rank's pipe mid-line. Raw output
 * passes each chunk on at once, tagged with its own rank, as Open MPI 4
 * does. Open MPI 4 refuses `--output`, so the version decides; the job's
 * arguments come only as "$@".
 */
export const OPENMPI_TAGS_SCRIPT = [
  'case "$("$0" --version 2>/dev/null)" in',
  '*"Open MPI) "[5-9].*) exec "$0" --output tag:raw "$@" ;;',
  'esac',
  'exec "$0" --tag-output "$@"'
].join('\n');

/**
 * An Open MPI mpirun command line with rank-tagged output (see
 * {@link OPENMPI_TAGS_SCRIPT}).
 *
 * @param mpirun - the mpirun to run (a name on PATH, or a path)
 * @param args - its arguments, without output options
 * @returns the command line
 */
export function openMpiTagged(
  mpirun: string,
  args: readonly string[]
): string[] {
  return ['/bin/sh', '-c', OPENMPI_TAGS_SCRIPT, mpirun, ...args];
}

// A line that never ends (a progress bar redrawn with \r) is cut here.
const MAX_LINE_CHARS = 64 * 1024;

const TAGS: Record<MpiFlavor, RegExp> = {
  openmpi: /\[\d+,(\d+)\]<(stdout|stderr|stddiag)>:/g,
  mpich: /\[(\d+)\] /g
};

// What the end of a chunk may hold of a tag cut in two.
const TAG_PREFIXES: Record<MpiFlavor, RegExp> = {
  openmpi: /^\[\d*(,\d*(\](<[a-z]{0,7}>?)?)?)?$/,
  mpich: /^\[\d*\]?$/
};

const MARKER_LINE = new RegExp(`${RANK_EXIT_MARKER}(\\d{1,3})$`);

interface ITarget {
  readonly rank: number | null;
  readonly stream: StreamName;
}

interface IPipeState {
  // Text held back because it may be the start of a tag.
  held: string;
  // Where untagged text goes: the last tag's rank until its line ends.
  current: ITarget | null;
  // A tag was just read: the next text is the start of its chunk.
  afterTag: boolean;
}

/** Incremental parser of one job's launcher output (both pipes). */
export class MpiOutputParser {
  private readonly tag: RegExp;
  private readonly tagPrefix: RegExp;
  private readonly ranks: number;
  private readonly handlers: IOutputHandlers;
  private readonly pipes: Record<StreamName, IPipeState> = {
    stdout: { held: '', current: null, afterTag: false },
    stderr: { held: '', current: null, afterTag: false }
  };
  // Open MPI 5 (PRRTE) writes a space after every tag, Open MPI 4 none:
  // null until a chunk tells which (see tagSpace()).
  private spaceAfterTag: boolean | null;
  private readonly buffers = new Map<string, string>();
  private readonly targets = new Map<string, ITarget>();

  /**
   * @param flavor - the MPI whose tags to read
   * @param ranks - number of ranks; tags naming others are plain text
   * @param handlers - receivers
   */
  constructor(flavor: MpiFlavor, ranks: number, handlers: IOutputHandlers) {
    this.spaceAfterTag = flavor === 'openmpi' ? null : false;
    this.tag = new RegExp(TAGS[flavor].source, 'g');
    this.tagPrefix = TAG_PREFIXES[flavor];
    this.ranks = ranks;
    this.handlers = handlers;
  }

  /**
   * Feeds a decoded chunk of the launcher's stdout or stderr.
   *
   * @param pipe - which of the launcher's pipes it came from
   * @param chunk - the text
   */
  push(pipe: StreamName, chunk: string): void {
    const state = this.pipes[pipe];
    let text = state.held + chunk;
    state.held = '';
    const bracket = text.lastIndexOf('[');
    if (bracket >= 0 && text.length - bracket < 32) {
      const tail = text.slice(bracket);
      if (this.tagPrefix.test(tail) && !this.isCompleteTag(tail)) {
        state.held = tail;
        text = text.slice(0, bracket);
      }
    }
    if (this.spaceAfterTag === null) {
      const undecided = this.undecidedTail(text);
      state.held = text.slice(undecided) + state.held;
      text = text.slice(0, undecided);
    }
    this.consume(pipe, text);
  }

  // Where a last tag starts whose chunk so far could still be an Open MPI 5
  // host marker line (its space not yet known to be the tag's): held back
  // until more comes. The text's length when there is none.
  private undecidedTail(text: string): number {
    const marker = ` ${HOST_MARKER}`;
    const tag = this.tag;
    tag.lastIndex = 0;
    let last: RegExpExecArray | null = null;
    let match: RegExpExecArray | null;
    while ((match = tag.exec(text)) !== null) {
      last = match;
    }
    if (last === null) {
      return text.length;
    }
    const rest = text.slice(last.index + last[0].length);
    return rest.length < marker.length && marker.startsWith(rest)
      ? last.index
      : text.length;
  }

  /** Flushes everything held, as the launcher has exited and its pipes closed. */
  finish(): void {
    for (const pipe of ['stdout', 'stderr'] as const) {
      const state = this.pipes[pipe];
      const held = state.held;
      state.held = '';
      if (held !== '') {
        this.consume(pipe, held);
      }
    }
    for (const [key, text] of this.buffers) {
      const target = this.targets.get(key);
      if (target && text !== '') {
        this.emit(target, text);
      }
    }
    this.buffers.clear();
  }

  private isCompleteTag(text: string): boolean {
    this.tag.lastIndex = 0;
    const match = this.tag.exec(text);
    return match !== null && match.index === 0;
  }

  private consume(pipe: StreamName, text: string): void {
    const state = this.pipes[pipe];
    const tag = this.tag;
    tag.lastIndex = 0;
    let from = 0;
    let match: RegExpExecArray | null;
    while ((match = tag.exec(text)) !== null) {
      const rank = Number(match[1]);
      if (rank >= this.ranks) {
        // Not a tag of this job: program text that looks like one.
        continue;
      }
      this.untagged(pipe, text.slice(from, match.index));
      const stream: StreamName =
        match[2] === undefined
          ? pipe
          : match[2] === 'stdout'
            ? 'stdout'
            : 'stderr';
      state.current = { rank, stream };
      state.afterTag = true;
      from = match.index + match[0].length;
    }
    this.untagged(pipe, text.slice(from));
  }

  // Text up to the first newline continues the current target's line; what
  // follows a newline without a tag is the launcher's.
  private untagged(pipe: StreamName, text: string): void {
    if (text === '') {
      return;
    }
    const state = this.pipes[pipe];
    if (state.afterTag) {
      state.afterTag = false;
      text = this.tagSpace(text);
      if (text === '') {
        return;
      }
    }
    if (state.current === null) {
      this.append({ rank: null, stream: pipe }, text);
      return;
    }
    const newline = text.indexOf('\n');
    if (newline < 0) {
      this.append(state.current, text);
      return;
    }
    this.append(state.current, text.slice(0, newline + 1));
    state.current = null;
    const rest = text.slice(newline + 1);
    if (rest !== '') {
      this.append({ rank: null, stream: pipe }, rest);
    }
  }

  // A chunk right after a tag, less the space Open MPI 5 put there. Only
  // Open MPI 5 starts a chunk that does not begin with a space with one; a
  // space before the program's first line (a rank's host marker) is its
  // tag's too. Until one of those shows, a space is the program's.
  private tagSpace(chunk: string): string {
    if (this.spaceAfterTag === null) {
      if (chunk.startsWith(` ${HOST_MARKER}`)) {
        this.spaceAfterTag = true;
      } else if (!chunk.startsWith(' ')) {
        this.spaceAfterTag = false;
      }
    }
    return this.spaceAfterTag === true && chunk.startsWith(' ')
      ? chunk.slice(1)
      : chunk;
  }

  private append(target: ITarget, text: string): void {
    const key = `${target.rank ?? 'L'}:${target.stream}`;
    this.targets.set(key, target);
    let buffer = (this.buffers.get(key) ?? '') + text;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      this.emit(target, buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
    while (buffer.length > MAX_LINE_CHARS) {
      this.emit(target, buffer.slice(0, MAX_LINE_CHARS));
      buffer = buffer.slice(MAX_LINE_CHARS);
    }
    this.buffers.set(key, buffer);
  }

  private emit(target: ITarget, raw: string): void {
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (target.rank === null) {
      this.handlers.line({ rank: null, stream: target.stream, text });
      return;
    }
    if (text.includes(RANK_EXIT_MARKER)) {
      const marker = MARKER_LINE.exec(text);
      if (marker !== null) {
        this.handlers.rankExit(target.rank, Number(marker[1]));
        text = text.slice(0, marker.index);
        if (text === '') {
          return;
        }
      }
    }
    if (text.startsWith(HOST_MARKER)) {
      this.handlers.host?.(target.rank, text.slice(HOST_MARKER.length).trim());
      return;
    }
    if (text.startsWith(FILE_MARKER)) {
      const chunk = parseFileChunk(text.slice(FILE_MARKER.length));
      if (chunk !== null) {
        this.handlers.file?.(target.rank, chunk);
        return;
      }
    }
    const mark = text.indexOf(STDERR_MARK);
    if (mark < 0) {
      this.handlers.line({ rank: target.rank, stream: target.stream, text });
      return;
    }
    // Text before the mark is a line the rank left unfinished on stdout.
    if (mark > 0) {
      this.handlers.line({
        rank: target.rank,
        stream: target.stream,
        text: text.slice(0, mark)
      });
    }
    this.handlers.line({
      rank: target.rank,
      stream: 'stderr',
      text: text
        .slice(mark + 1)
        .split(STDERR_MARK)
        .join('')
    });
  }
}
