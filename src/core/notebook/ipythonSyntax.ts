/**
 * IPython syntax in cells (magics, `!command`, `obj?` help, top-level await,
 * get_ipython) translated into plain Python where a faithful form exists and
 * rejected otherwise. Each cell line becomes exactly one program line, so
 * tracebacks map back 1:1; a line that IPython would join with the next keeps
 * the next one as a comment.
 */

import type { IProblem } from '../errors';
import type { IHelpers } from './prelude';
import type { ProgramBuilder } from './programBuilder';
import { PythonScanner } from './pythonScanner';
import {
  CLIENT_LINE_MAGICS,
  clientCodeWarning,
  ignoredNote,
  mayUseIpyparallelClient,
  parsePx
} from './ipyparallel';
import { commentText, pythonString } from './pythonText';
import { SKIP_TAG } from './selection';

const NON_BLANK = /\S/;

// The way out that every rejection offers besides rewriting the code.
const OR_SKIP = `or tag the cell '${SKIP_TAG}'`;

const ESCAPE_CANDIDATE = /^[ \t\f]*[!%]|=[ \t]*[!%]/m;

// A shell command that launches MPI: at the start of a command, perhaps
// after `time`, `exec` or variable assignments.
const NESTED_MPI =
  /(?:^|[;&|\n(]\s*)(?:(?:time|exec|env)\s+|\w+=\S*\s+)*((?:\S*\/)?(?:mpirun|mpiexec|orterun|prterun|srun)(?:\.\w+)?)(?=\s|$)/m;

/**
 * Whether a cell can go into the program verbatim: nothing in it can be IPython syntax, need a
 * warning or the end-of-cell string check; its first code line is not indented; its line breaks
 * are plain newlines. Most cells qualify, and sparing them the per-line split and the
 * per-character scanner keeps large notebooks fast. Anything doubtful goes the slow way.
 */
function isPlainPython(source: string): boolean {
  // Substring searches are much cheaper than one regex with many alternatives.
  if (
    source.includes('?') ||
    source.includes('\r') ||
    source.includes("'''") ||
    source.includes('"""') ||
    source.includes('get_ipython') ||
    source.includes('await') ||
    source.includes('__future__') ||
    mayUseIpyparallelClient(source)
  ) {
    return false;
  }
  if (
    (source.includes('!') || source.includes('%')) &&
    ESCAPE_CANDIDATE.test(source)
  ) {
    return false;
  }
  const code = NON_BLANK.exec(source);
  return (
    code !== null && source.lastIndexOf('\n', code.index) + 1 === code.index
  );
}

const HELP =
  /^(?:\?{1,2}[\p{L}\p{N}_.*%[\]]*|[\p{L}_%][\p{L}\p{N}_.*%[\]]*\?{1,2})$/u;

const ASSIGN_ESCAPE =
  /^[\p{L}_][\p{L}\p{N}_.]*(?:\s*,\s*[\p{L}_][\p{L}\p{N}_.]*)*\s*=\s*([!%])/u;

const FUTURE_IMPORT = /^from[ \t]+__future__[ \t]+import\b(.*)$/;

// Setup magics that only configure the interactive session; they do nothing useful in a batch job.
const DROPPED_LINE_MAGICS = new Set([
  'matplotlib',
  'load_ext',
  'reload_ext',
  'unload_ext',
  'config',
  'autoreload',
  'aimport'
]);

const PACKAGE_MAGICS = new Set(['pip', 'conda', 'mamba', 'micromamba']);

const DISPLAY_CELL_MAGICS = new Set([
  'html',
  'javascript',
  'js',
  'latex',
  'markdown',
  'svg'
]);

const SHELL_PROGRAMS = new Map([
  ['bash', 'bash'],
  ['sh', 'sh'],
  ['/bin/bash', 'bash'],
  ['/bin/sh', 'sh'],
  ['/usr/bin/bash', 'bash']
]);

/** Translates cells into program lines, collecting rejections and warnings across all cells. */
export class IPythonTranslator {
  /** Rejections, thrown together once every cell is read. */
  readonly problems: IProblem[] = [];
  /** `from __future__` names, which Python only accepts at the top of the program. */
  readonly futureImports: string[] = [];
  /** Generated helpers the program needs. */
  readonly helpers: IHelpers = {
    expand: false,
    shell: false,
    writefile: false,
    targets: false
  };

  private readonly warnings: IProblem[] = [];
  private readonly getIpythonWarnings = new Set<IProblem>();
  private importsGetIpython = false;
  private cellNumber = 0;
  // Added to every line of a `%%px --targets` cell's body, now inside an `if`.
  private blockIndent = '';
  // The line being translated starts inside a triple-quoted string: its
  // text is the string's, so it gets no block indentation.
  private lineInString = false;

  /**
   * @param out - where the program lines go
   */
  constructor(private readonly out: ProgramBuilder) {}

  /**
   * Adds a cell to the program, translating its IPython syntax.
   *
   * @param cellNumber - the 1-based cell number
   * @param source - the cell's text
   */
  translateCell(cellNumber: number, source: string): void {
    this.cellNumber = cellNumber;
    this.blockIndent = '';
    this.lineInString = false;
    this.out.startCell(cellNumber);
    if (isPlainPython(source)) {
      this.out.emitVerbatim(source);
      return;
    }
    const lines = splitLines(source);
    let first = 0;
    while (first < lines.length && !NON_BLANK.test(lines[first])) {
      this.emit(lines[first], first + 1);
      first++;
    }
    if (first === lines.length) {
      return;
    }
    let start = first;
    const head = lines[first].trimStart();
    if (head.startsWith('%%')) {
      if (!this.cellMagic(lines, first, head)) {
        return;
      }
      start = first + 1;
    }
    // Like IPython, strip the first code line's indentation from every line that has it.
    let indented = start;
    while (indented < lines.length && !NON_BLANK.test(lines[indented])) {
      indented++;
    }
    const prefix =
      indented < lines.length ? leadingWhitespace(lines[indented]) : '';
    this.scanLines(lines, start, prefix);
  }

  /**
   * The warnings for the user, once every cell is translated.
   *
   * @returns every warning, except get_ipython() ones when some cell imports it
   */
  finishWarnings(): IProblem[] {
    return this.importsGetIpython
      ? this.warnings.filter(warning => !this.getIpythonWarnings.has(warning))
      : this.warnings;
  }

  private emit(text: string, line: number): void {
    this.out.emit(
      this.blockIndent && !this.lineInString && text !== ''
        ? `${this.blockIndent}${text}`
        : text,
      line
    );
  }

  private reject(line: number, message: string): void {
    this.problems.push({ path: this.where(line), message });
  }

  private warn(line: number, message: string): IProblem {
    const warning = { path: this.where(line), message };
    this.warnings.push(warning);
    return warning;
  }

  private where(line: number): string {
    return `cell ${this.cellNumber}, line ${line}`;
  }

  private scanLines(lines: string[], start: number, prefix: string): void {
    const scanner = new PythonScanner();
    for (let index = start; index < lines.length; index++) {
      const line = stripPrefix(lines[index], prefix);
      this.lineInString = scanner.insideTripleQuotedString;
      if (scanner.atLogicalLineStart) {
        index = this.logicalLine(lines, index, line, prefix, scanner);
      } else {
        this.emitPython(line, index + 1, scanner);
      }
    }
    if (scanner.insideTripleQuotedString) {
      this.reject(
        scanner.logicalLineStart,
        'the triple-quoted string that starts here is not closed by the end of the cell; close it (Jupyter fails on this cell too)'
      );
    }
  }

  private emitPython(
    line: string,
    lineNumber: number,
    scanner: PythonScanner
  ): void {
    this.emit(line, lineNumber);
    scanner.scan(line, lineNumber);
    if (scanner.sawGetIpython) {
      if (/\bimport\b/.test(line)) {
        this.importsGetIpython = true;
      } else {
        this.getIpythonWarnings.add(
          this.warn(
            lineNumber,
            "get_ipython() exists only inside IPython; this line raises NameError in the MPIJob unless it imports it with 'from IPython import get_ipython' (which then returns None)"
          )
        );
      }
    }
    if (scanner.sawTopLevelAwait) {
      this.reject(
        lineNumber,
        'top-level await only works in IPython: put the code in an async function and run it with asyncio.run(...)'
      );
    }
  }

  /** Translates the logical line starting at `index` (`line`, without the cell's indentation); returns the index of its last physical line. */
  private logicalLine(
    lines: string[],
    index: number,
    line: string,
    prefix: string,
    scanner: PythonScanner
  ): number {
    const lineNumber = index + 1;
    if (line.startsWith('from')) {
      const future = FUTURE_IMPORT.exec(line);
      if (future) {
        this.hoistFuture(line, future[1], lineNumber);
        return index;
      }
    }
    const client = clientCodeWarning(line);
    if (client !== null) {
      this.warn(lineNumber, client);
    }
    // Every form handled below contains one of these characters; most lines contain none.
    if (!line.includes('!') && !line.includes('%') && !line.includes('?')) {
      this.emitPython(line, lineNumber, scanner);
      return index;
    }
    const indent = leadingWhitespace(line);
    const rest = line.slice(indent.length);
    const head = rest.charAt(0);
    const trimmed = rest.trimEnd();
    if (HELP.test(trimmed)) {
      this.emit(
        `${indent}pass  # dropped IPython help: ${commentText(trimmed)}`,
        lineNumber
      );
      this.warn(lineNumber, `'${trimmed}' shows IPython help; it was left out`);
      return index;
    }
    const assignment = ASSIGN_ESCAPE.exec(rest);
    if (assignment) {
      this.reject(
        lineNumber,
        assignment[1] === '!'
          ? "'x = !command' keeps a shell command's output, which only works in IPython: use subprocess.run(command, shell=True, capture_output=True, text=True).stdout instead"
          : "'x = %magic' keeps a magic's result, which only works in IPython: rewrite the line in plain Python"
      );
      this.emit(line, lineNumber);
      return index;
    }
    if (head === '!') {
      const { text, end } = joinEscapedLine(lines, index, prefix, rest);
      const command = text.slice(text.startsWith('!!') ? 2 : 1);
      this.emitShell(indent, command, lineNumber);
      this.emitContinuations(lines, index, end, prefix);
      return end;
    }
    if (head === '%') {
      const { text, end } = joinEscapedLine(lines, index, prefix, rest);
      this.lineMagic(indent, text, lineNumber, scanner);
      this.emitContinuations(lines, index, end, prefix);
      return end;
    }
    this.emitPython(line, lineNumber, scanner);
    return index;
  }

  private emitContinuations(
    lines: string[],
    index: number,
    end: number,
    prefix: string
  ): void {
    for (let next = index + 1; next <= end; next++) {
      this.emit(`# ${commentText(stripPrefix(lines[next], prefix))}`, next + 1);
    }
  }

  private emitShell(indent: string, command: string, lineNumber: number): void {
    this.rejectNestedMpi(command, lineNumber);
    this.helpers.shell = true;
    this.emit(`${indent}_mpijob_shell(${pythonString(command)})`, lineNumber);
  }

  // The job's ranks were started by MPI; a rank cannot start MPI again.
  private rejectNestedMpi(commands: string, lineNumber: number): void {
    const launcher = NESTED_MPI.exec(commands);
    if (launcher !== null) {
      this.reject(
        lineNumber,
        `'${launcher[1]}' starts MPI inside a rank that MPI already started (Open MPI refuses: it does not support recursive calls): run the program as the job itself (mpijob create -- python3 script.py), ${OR_SKIP}`
      );
    }
  }

  private lineMagic(
    indent: string,
    text: string,
    lineNumber: number,
    scanner: PythonScanner
  ): void {
    const trimmed = text.trimEnd();
    if (trimmed.startsWith('%%')) {
      this.reject(
        lineNumber,
        `${magicName(trimmed)} is a cell magic and only works on the first line of its cell`
      );
      this.emit(`${indent}pass`, lineNumber);
      return;
    }
    const match = /^%(\S*)(?:\s(.*))?$/.exec(trimmed);
    const name = match ? match[1] : '';
    const args = match?.[2]?.trim() ?? '';
    const dropped = droppedMagic(indent, trimmed);
    switch (name) {
      case 'env':
        this.envMagic(indent, args, lineNumber, dropped);
        return;
      case 'cd':
        this.cdMagic(indent, args, lineNumber);
        return;
      case 'time':
      case 'timeit': {
        const statement = name === 'timeit' ? stripTimeitOptions(args) : args;
        if (!statement) {
          this.reject(lineNumber, `%${name} needs a statement after it`);
          this.emit(dropped, lineNumber);
          return;
        }
        if (name === 'timeit') {
          this.warn(
            lineNumber,
            '%timeit runs the statement once here instead of timing it; measure with time.perf_counter() if you need the timing'
          );
        }
        this.emitPython(`${indent}${statement}`, lineNumber, scanner);
        return;
      }
      case 'sx':
      case 'system':
        this.emitShell(indent, args, lineNumber);
        return;
      case 'px':
        this.pxLine(indent, args, lineNumber, scanner);
        return;
      case 'run':
        this.reject(
          lineNumber,
          `%run is IPython-only: import the script as a module or copy its code into a cell, ${OR_SKIP}`
        );
        break;
      case 'store':
        this.reject(
          lineNumber,
          `%store is IPython-only and the job cannot see what your kernel stored: save the data to a file the job can read, ${OR_SKIP}`
        );
        break;
      default:
        if (DROPPED_LINE_MAGICS.has(name)) {
          this.emit(dropped, lineNumber);
          return;
        }
        if (CLIENT_LINE_MAGICS.has(name)) {
          this.warn(lineNumber, CLIENT_LINE_MAGICS.get(name) as string);
          this.emit(dropped, lineNumber);
          return;
        }
        this.reject(
          lineNumber,
          PACKAGE_MAGICS.has(name)
            ? `%${name} is IPython-only: install packages in the job's container image instead, ${OR_SKIP}`
            : name
              ? `%${name} is an IPython magic with no plain-Python equivalent here: rewrite the line in Python, ${OR_SKIP}`
              : `'${trimmed}' is IPython syntax with no plain-Python equivalent: rewrite the line in Python, ${OR_SKIP}`
        );
    }
    this.emit(dropped, lineNumber);
  }

  /** `%px [options] statement`: the statement runs on every rank, or on the targets. */
  private pxLine(
    indent: string,
    args: string,
    lineNumber: number,
    scanner: PythonScanner
  ): void {
    const px = parsePx(args, '%px');
    const dropped = droppedMagic(indent, `%px ${args}`);
    if (px.error !== null) {
      this.reject(lineNumber, px.error);
      this.emit(dropped, lineNumber);
      return;
    }
    if (px.ignored.length > 0) {
      this.warn(lineNumber, ignoredNote('%px', px.ignored));
    }
    const statement = px.statement;
    if (statement === '') {
      this.reject(
        lineNumber,
        '%px needs a statement after it, e.g. %px print(rank)'
      );
      this.emit(dropped, lineNumber);
      return;
    }
    const escaped = statement.startsWith('!') || statement.startsWith('%');
    if (px.targets === null) {
      if (statement.startsWith('!')) {
        this.emitShell(indent, statement.slice(1), lineNumber);
      } else if (statement.startsWith('%')) {
        this.lineMagic(indent, statement, lineNumber, scanner);
      } else {
        this.emitPython(`${indent}${statement}`, lineNumber, scanner);
      }
      return;
    }
    if (escaped) {
      this.reject(
        lineNumber,
        `%px --targets with IPython syntax ('${statement}') cannot be translated: use a %%px --targets cell, or plain Python`
      );
      this.emit(dropped, lineNumber);
      return;
    }
    this.helpers.targets = true;
    this.emitPython(
      `${indent}if _mpijob_on_targets(${px.targets}): ${statement}`,
      lineNumber,
      scanner
    );
  }

  private envMagic(
    indent: string,
    args: string,
    lineNumber: number,
    dropped: string
  ): void {
    // Same split as IPython's %env: on '=' when there is one, else on the first space.
    const separator = args.includes('=') ? '=' : ' ';
    const at = args.indexOf(separator);
    if (at < 0) {
      this.warn(
        lineNumber,
        '%env without a value only shows variables; it was left out'
      );
      this.emit(dropped, lineNumber);
      return;
    }
    const name = args.slice(0, at).trim();
    const value = args.slice(at + 1).trim();
    if (name === '' || /\s/.test(name)) {
      this.reject(
        lineNumber,
        `%env needs 'NAME=value' or 'NAME value'; '${name}' is not a variable name`
      );
      this.emit(dropped, lineNumber);
      return;
    }
    this.emit(
      `${indent}_mpijob_os.environ[${pythonString(name)}] = ${this.expandable(value)}`,
      lineNumber
    );
  }

  private cdMagic(indent: string, args: string, lineNumber: number): void {
    let path = args.replace(/^-q(?:\s+|$)/, '');
    if (path.startsWith('-')) {
      this.reject(
        lineNumber,
        `'%cd ${args}' uses IPython's directory history or bookmarks: give a real path, or use os.chdir(path)`
      );
      this.emit(`${indent}pass`, lineNumber);
      return;
    }
    path = unquote(path) || '~';
    this.emit(
      `${indent}_mpijob_os.chdir(_mpijob_os.path.expanduser(${this.expandable(path)}))`,
      lineNumber
    );
  }

  /** A Python expression for `text` after IPython's `{expr}` / `$name` expansion, which only runs when needed. */
  private expandable(text: string): string {
    if (!/[{}$]/.test(text)) {
      return pythonString(text);
    }
    this.helpers.expand = true;
    return `_mpijob_expand(${pythonString(text)})`;
  }

  private hoistFuture(line: string, names: string, lineNumber: number): void {
    let list = names.replace(/#.*$/, '').trim();
    if (list.startsWith('(') && list.endsWith(')')) {
      list = list.slice(1, -1);
    }
    const parts = list.split(',').map(part => part.trim());
    if (
      !parts.every(part => /^[A-Za-z_]\w*(?:\s+as\s+[A-Za-z_]\w*)?$/.test(part))
    ) {
      this.reject(
        lineNumber,
        'write this __future__ import on a line of its own so it can be moved to the top of the program'
      );
      this.emit(line, lineNumber);
      return;
    }
    // Python accepts __future__ imports only before any other statement, so they go to the top.
    for (const part of parts) {
      if (!this.futureImports.includes(part)) {
        this.futureImports.push(part);
      }
    }
    this.emit(
      `pass  # moved to the top of the program: ${commentText(line)}`,
      lineNumber
    );
  }

  /** Handles a `%%` first line; returns true when the rest of the cell is ordinary code. */
  private cellMagic(lines: string[], first: number, head: string): boolean {
    const lineNumber = first + 1;
    const magic = head.trimEnd();
    const match = /^%%(\S*)\s*(.*)$/.exec(magic);
    const name = match ? match[1] : '';
    const args = match ? match[2].trim() : '';
    const dropped = droppedMagic('', magic);
    switch (name) {
      case 'time':
        if (args) {
          this.reject(
            lineNumber,
            '%%time takes nothing after it on its line: move the statement into the cell'
          );
        }
        this.emit(dropped, lineNumber);
        return true;
      case 'timeit': {
        this.warn(
          lineNumber,
          '%%timeit runs the cell once here instead of timing it; measure with time.perf_counter() if you need the timing'
        );
        const setup = stripTimeitOptions(args);
        this.emit(setup || dropped, lineNumber);
        return true;
      }
      case 'px': {
        const px = parsePx(args, '%%px');
        if (px.error !== null || px.statement !== '') {
          this.reject(
            lineNumber,
            px.error ??
              `%%px takes only options on its line: move '${px.statement}' into the cell`
          );
          this.emitWholeCell(lines, first, 'pass');
          return false;
        }
        if (px.ignored.length > 0) {
          this.warn(lineNumber, ignoredNote('%%px', px.ignored));
        }
        if (px.targets === null) {
          this.emit(
            `pass  # %%px: every rank runs this cell (${commentText(magic)})`,
            lineNumber
          );
          return true;
        }
        this.helpers.targets = true;
        const empty = !lines.slice(first + 1).some(l => NON_BLANK.test(l));
        this.emit(
          `if _mpijob_on_targets(${px.targets}):${empty ? ' pass' : ''}  # ${commentText(magic)}`,
          lineNumber
        );
        this.blockIndent = '    ';
        return true;
      }
      case 'capture': {
        const variable = splitArguments(args).find(arg => !arg.startsWith('-'));
        if (variable !== undefined) {
          this.reject(
            lineNumber,
            `'%%capture ${variable}' keeps the cell's output in a variable, which only works in IPython: remove '${variable}' (the output then goes to the job log), ${OR_SKIP}`
          );
        }
        this.emit(dropped, lineNumber);
        return true;
      }
      case 'writefile': {
        const parts = splitArguments(args);
        const append = parts.some(part => part === '-a' || part === '--append');
        const paths = parts.filter(
          part => part !== '-a' && part !== '--append'
        );
        if (paths.length !== 1) {
          this.reject(
            lineNumber,
            '%%writefile needs exactly one file name (and -a to append)'
          );
          this.emitWholeCell(lines, first, 'pass');
          return false;
        }
        if (append) {
          this.warn(
            lineNumber,
            'every MPI rank runs this cell, so on a shared volume the text is appended once per rank'
          );
        }
        this.helpers.writefile = true;
        this.emitWholeCell(
          lines,
          first,
          `_mpijob_writefile(${pythonString(paths[0])}, ${pythonString(cellBody(lines, first))}${append ? ', True' : ''})`
        );
        return false;
      }
      case 'bash':
      case 'sh':
      case 'script': {
        const program =
          name === 'script'
            ? SHELL_PROGRAMS.get(args)
            : args
              ? undefined
              : name;
        if (program === undefined) {
          this.reject(
            lineNumber,
            name === 'script'
              ? `'%%script ${args}' is IPython-only; only '%%script bash' and '%%script sh' can run in the job: rewrite the cell in Python, ${OR_SKIP}`
              : `options of %%${name} are IPython-only: remove '${args}', ${OR_SKIP}`
          );
          this.emitWholeCell(lines, first, 'pass');
          return false;
        }
        lines
          .slice(first + 1)
          .forEach((line, index) =>
            this.rejectNestedMpi(line, first + index + 2)
          );
        this.helpers.shell = true;
        this.emitWholeCell(
          lines,
          first,
          `_mpijob_shell(${pythonString(cellBody(lines, first))}, ${pythonString(program)})`
        );
        return false;
      }
      default:
        this.reject(
          lineNumber,
          DISPLAY_CELL_MAGICS.has(name)
            ? `%%${name} only displays something in Jupyter and does nothing in an MPIJob: tag the cell '${SKIP_TAG}'`
            : `%%${name} is an IPython cell magic with no plain-Python equivalent here: rewrite the cell in Python, ${OR_SKIP}`
        );
        this.emitWholeCell(lines, first, 'pass');
        return false;
    }
  }

  /** Emits a whole-cell magic as one statement on the magic's line; the body stays visible as comments so lines still map 1:1. */
  private emitWholeCell(
    lines: string[],
    first: number,
    statement: string
  ): void {
    this.emit(statement, first + 1);
    for (let index = first + 1; index < lines.length; index++) {
      const line = lines[index];
      this.emit(line === '' ? '' : `# ${commentText(line)}`, index + 1);
    }
  }
}

function cellBody(lines: readonly string[], first: number): string {
  // IPython hands a cell magic the text after its first line, ending with a newline.
  return first + 1 < lines.length
    ? `${lines.slice(first + 1).join('\n')}\n`
    : '';
}

function joinEscapedLine(
  lines: readonly string[],
  index: number,
  prefix: string,
  rest: string
): { text: string; end: number } {
  // IPython joins backslash-continued `!`/`%` lines with single spaces.
  let text = rest;
  let end = index;
  while (text.endsWith('\\') && end + 1 < lines.length) {
    end++;
    text = `${text.slice(0, -1)} ${stripPrefix(lines[end], prefix)}`;
  }
  return { text: text.trimEnd(), end };
}

function stripTimeitOptions(args: string): string {
  return args.replace(/^(?:-[nrp]\s*\d+\s*|-[tcqo](?:\s+|$))*/, '').trim();
}

function splitArguments(args: string): string[] {
  const parts: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(args)) !== null) {
    parts.push(match[1] ?? match[2] ?? match[3]);
  }
  return parts;
}

function unquote(text: string): string {
  const trimmed = text.trim();
  return /^(["']).*\1$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
}

function magicName(text: string): string {
  return /^%*\S*/.exec(text)?.[0] ?? text;
}

function splitLines(source: string): string[] {
  // Python ends lines at \r\n, \r and \n, and nothing else; splitting the same way keeps lines 1:1.
  const lines = source.split(/\r\n?|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}

function leadingWhitespace(line: string): string {
  let end = 0;
  while (end < line.length) {
    const code = line.charCodeAt(end);
    if (code !== 32 && code !== 9 && code !== 12) {
      break;
    }
    end++;
  }
  return line.slice(0, end);
}

function stripPrefix(line: string, prefix: string): string {
  return prefix && line.startsWith(prefix) ? line.slice(prefix.length) : line;
}

function droppedMagic(indent: string, magic: string): string {
  return `${indent}pass  # dropped IPython magic: ${commentText(magic)}`;
}
