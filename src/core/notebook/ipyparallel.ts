/**
 * ipyparallel in an MPIJob. A notebook written for ipyparallel runs its
 * `%%px`/`%px` code on engines, which are MPI ranks when the cluster uses
 * MPI; in an MPIJob every rank runs the whole program, so that code runs as
 * it is, and `--targets` becomes a condition on the rank. The client side
 * (clusters, views, `%autopx`, `%pxresult`) has no meaning inside the job:
 * its magics are left out with a note, its Python code gets a warning.
 */

/** `%px`/`%%px` options that only steer the client's output or blocking. */
const IGNORED_FLAGS = new Set([
  '-b',
  '--block',
  '-a',
  '--noblock',
  '--stream',
  '--no-stream',
  '--local',
  '--verbose',
  '--no-verbose',
  '--signal-on-interrupt'
]);

/** Options of the same kind that take a value. */
const IGNORED_WITH_VALUE = new Set([
  '--group-outputs',
  '--progress-after',
  '-o',
  '--out',
  '--save-name'
]);

const TARGET_FLAGS = new Set(['-t', '--targets']);

/** Client-side magics, left out with a note. */
export const CLIENT_LINE_MAGICS: ReadonlyMap<string, string> = new Map([
  [
    'autopx',
    '%autopx was left out: every rank of an MPIJob runs every cell, as if it were on for the whole notebook'
  ],
  [
    'pxconfig',
    '%pxconfig was left out: it only sets how the ipyparallel client shows results'
  ],
  [
    'pxresult',
    "%pxresult was left out: each rank's output is already in the job log"
  ],
  [
    'result',
    "%result was left out: each rank's output is already in the job log"
  ],
  [
    'ipcluster',
    '%ipcluster was left out: the MPIJob starts the ranks itself (set the workers instead)'
  ]
]);

/** What a `%px` or `%%px` line asks for. */
export interface IPxCall {
  /**
   * A Python expression selecting the ranks (an int, a slice or a list, as
   * `range(size)[...]` takes it), or null for every rank.
   */
  readonly targets: string | null;
  /** The statement after the options (`%px` only). */
  readonly statement: string;
  /** Options accepted and ignored, for the note. */
  readonly ignored: readonly string[];
  /** Why the line cannot be translated, or null. */
  readonly error: string | null;
}

/**
 * Reads a `%px` / `%%px` line's arguments (the text after the magic name).
 *
 * @param args - the arguments
 * @param magic - `%px` or `%%px`, for messages
 * @returns the targets, the statement and the ignored options
 */
export function parsePx(args: string, magic: string): IPxCall {
  let rest = args.trim();
  let targets: string | null = null;
  const ignored: string[] = [];
  const fail = (error: string): IPxCall => ({
    targets: null,
    statement: '',
    ignored,
    error
  });
  // Options come first; the first word that is not one starts the statement.
  for (;;) {
    const match = /^(-{1,2}[A-Za-z][\w-]*)(?:=(\S+))?(?:\s+|$)/.exec(rest);
    if (match === null) {
      break;
    }
    const [whole, flag, attached] = match;
    rest = rest.slice(whole.length);
    const takeValue = (): string | null => {
      if (attached !== undefined) {
        return attached;
      }
      const value = /^("[^"]*"|'[^']*'|\S+)(?:\s+|$)/.exec(rest);
      if (value === null) {
        return null;
      }
      rest = rest.slice(value[0].length);
      return value[1].replace(/^(["'])(.*)\1$/, '$2');
    };
    if (TARGET_FLAGS.has(flag)) {
      const value = takeValue();
      if (value === null) {
        return fail(
          `${magic} ${flag} needs the ranks, e.g. 0, 1:3, ::2 or [0,2]`
        );
      }
      const expression = targetsExpression(value);
      if (expression === undefined) {
        return fail(
          `${magic} ${flag} ${value}: give the ranks as a number, a slice (1:3, ::2) or a list ([0,2] or 0,2)`
        );
      }
      targets = expression;
    } else if (IGNORED_FLAGS.has(flag)) {
      ignored.push(flag);
    } else if (IGNORED_WITH_VALUE.has(flag)) {
      const value = takeValue();
      ignored.push(value === null ? flag : `${flag} ${value}`);
    } else {
      return fail(
        `${magic} ${flag} is not an option this job can honour: remove it (the ranks of an MPIJob are ipyparallel's engines)`
      );
    }
  }
  return { targets, statement: rest.trimEnd(), ignored, error: null };
}

/**
 * The Python selector for `--targets`: `all`, `3`, `-1`, `1:3`, `::2`,
 * `[0,2]` or `0,2`.
 *
 * @param text - the option's value
 * @returns a Python expression indexing `range(size)`, null for all ranks,
 *   undefined when the text is not a target list
 */
export function targetsExpression(text: string): string | null | undefined {
  const value = text.trim();
  if (value === 'all' || value === ':' || value === '::') {
    return null;
  }
  if (/^-?\d+$/.test(value)) {
    return String(Number(value));
  }
  const slice = /^(-?\d*):(-?\d*)(?::(-?\d*))?$/.exec(value);
  if (slice) {
    const part = (p: string | undefined): string =>
      p === undefined || p === '' ? 'None' : String(Number(p));
    if (slice[3] !== undefined && slice[3] !== '' && Number(slice[3]) === 0) {
      return undefined;
    }
    return `slice(${part(slice[1])}, ${part(slice[2])}, ${part(slice[3])})`;
  }
  const list = /^\[?\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*,?\s*\]?$/.exec(value);
  if (list && value.startsWith('[') === value.endsWith(']')) {
    return `[${list[1]
      .split(',')
      .map(n => String(Number(n.trim())))
      .join(', ')}]`;
  }
  return undefined;
}

/** The note for options that were accepted and ignored. */
export function ignoredNote(magic: string, ignored: readonly string[]): string {
  return `${magic} ${ignored.join(' ')}: ignored, it only steers how the ipyparallel client waits for and shows results; each rank's output goes to the job log`;
}

// Client-side ipyparallel: creating or reaching a cluster, and views.
const CLIENT_CODE =
  /^\s*(?:import\s+ipyparallel\b|from\s+ipyparallel\b)|\b(?:ipp|ipyparallel)\.(?:Cluster|Client)\s*\(|^\s*@\s*[A-Za-z_]\w*\.(?:remote|parallel)\b/;

/** Whether a source text may hold client-side ipyparallel code (cheap check). */
export function mayUseIpyparallelClient(source: string): boolean {
  return (
    source.includes('ipyparallel') ||
    source.includes('ipp.') ||
    source.includes('.remote') ||
    source.includes('.parallel')
  );
}

/**
 * The warning for a line of client-side ipyparallel code, if it is one.
 *
 * @param line - a logical line's first physical line
 * @returns the warning text, or null
 */
export function clientCodeWarning(line: string): string | null {
  if (!CLIENT_CODE.test(line)) {
    return null;
  }
  return "ipyparallel's client has no meaning inside an MPIJob: every rank runs this line itself, without engines to talk to. Leave the client cells out (the cell selection, or the 'skip-mpijob' tag) and keep the %%px code, which runs on every rank";
}

/** The prelude helper that `--targets` conditions call. */
export const ON_TARGETS = [
  'def _mpijob_on_targets(targets):',
  "    # %px --targets: ipyparallel's engines are the MPI ranks here.",
  '    rank, size = _mpijob_rank(), _mpijob_size()',
  '    ranks = range(size)',
  '    try:',
  '        chosen = [ranks[t] for t in targets] if isinstance(targets, list) else ranks[targets]',
  '    except IndexError:',
  "        raise IndexError('%%px --targets %r: this job has %d rank(s)' % (targets, size)) from None",
  '    return rank == chosen if isinstance(chosen, int) else rank in chosen'
];
