/**
 * A small Python lexical scanner. Fed a cell one physical line at a time, it
 * tracks strings (including f-string replacement fields), brackets and
 * backslash continuations, so the translator knows whether the next line starts
 * a new logical line, where IPython syntax can appear. It also spots the two
 * words the translator cares about in code, `get_ipython` and top-level `await`.
 */

/**
 * An open string literal, or an f-string replacement field (`{...}`, code again with its own
 * bracket depth). One shape for both keeps property access in the hot loop monomorphic.
 */
class Frame {
  /** Bracket depth inside a replacement field. */
  depth = 0;
  /** A replacement field after the `:` that starts its format spec, where quotes are plain text. */
  spec = false;

  constructor(
    readonly field: boolean,
    readonly quote: number,
    readonly triple: boolean,
    readonly raw: boolean,
    readonly format: boolean
  ) {}
}

const CHAR_DOUBLE_QUOTE = 34;
const CHAR_SINGLE_QUOTE = 39;
const CHAR_BACKSLASH = 92;
const CHAR_OPEN_BRACE = 123;
const CHAR_CLOSE_BRACE = 125;
const CHAR_N = 78;

// Character classes of the scanner's code mode; everything else needs no attention.
const QUOTE = 1;
const HASH = 2;
const OPEN = 3;
const CLOSE = 4;
const CLOSE_BRACE = 5;
const COLON = 6;
const BACKSLASH = 7;
const LETTER = 8;
const DIGIT = 9;

const CHAR_CLASS = (() => {
  const table = new Uint8Array(128);
  for (let code = 48; code <= 57; code++) {
    table[code] = DIGIT;
  }
  for (let code = 65; code <= 90; code++) {
    table[code] = LETTER;
    table[code + 32] = LETTER;
  }
  table[95] = LETTER;
  table[CHAR_SINGLE_QUOTE] = QUOTE;
  table[CHAR_DOUBLE_QUOTE] = QUOTE;
  table['#'.charCodeAt(0)] = HASH;
  table['('.charCodeAt(0)] = OPEN;
  table['['.charCodeAt(0)] = OPEN;
  table[CHAR_OPEN_BRACE] = OPEN;
  table[')'.charCodeAt(0)] = CLOSE;
  table[']'.charCodeAt(0)] = CLOSE;
  table[CHAR_CLOSE_BRACE] = CLOSE_BRACE;
  table[':'.charCodeAt(0)] = COLON;
  table[CHAR_BACKSLASH] = BACKSLASH;
  return table;
})();

function charClass(code: number): number {
  // Non-ASCII characters can only matter as parts of identifiers.
  return code < 128 ? CHAR_CLASS[code] : LETTER;
}

function isIdentifierPart(code: number): boolean {
  const kind = charClass(code);
  return kind === LETTER || kind === DIGIT;
}

// r, u, b, f, t in either case: the letters a string prefix is made of.
function isPrefixLetter(code: number): boolean {
  const lower = code | 32;
  return (
    lower === 114 ||
    lower === 117 ||
    lower === 98 ||
    lower === 102 ||
    lower === 116
  );
}

// The letter combinations that make a string prefix, lowercased; an empty prefix never gets looked up.
const STRING_PREFIXES = new Set([
  'r',
  'u',
  'b',
  'f',
  't',
  'br',
  'rb',
  'fr',
  'rf',
  'tr',
  'rt'
]);

/** Index of the quote closing a single-quoted plain string that starts at `from`, or -1 when the line ends first. */
function closingQuote(line: string, from: number, quote: number): number {
  const quoteChar = quote === CHAR_SINGLE_QUOTE ? "'" : '"';
  let i = from;
  for (;;) {
    const quoteAt = line.indexOf(quoteChar, i);
    if (quoteAt < 0) {
      return -1;
    }
    let backslashes = 0;
    while (
      line.charCodeAt(quoteAt - 1 - backslashes) === CHAR_BACKSLASH &&
      quoteAt - 1 - backslashes >= from
    ) {
      backslashes++;
    }
    if (backslashes % 2 === 0) {
      return quoteAt;
    }
    i = quoteAt + 1;
  }
}

/** Scans one cell's physical lines in order; call {@link PythonScanner.scan} for every line that is Python code. */
export class PythonScanner {
  /** 1-based cell line where the logical line being scanned began. */
  logicalLineStart = 0;
  /** The last scanned line names `get_ipython` in code. */
  sawGetIpython = false;
  /** The last scanned line uses `await` in a top-level statement. */
  sawTopLevelAwait = false;

  private readonly frames: Frame[] = [];
  private top: Frame | undefined = undefined;
  private depth = 0;
  private continued = false;
  private topLevel = false;
  private escapedEnd = false;
  private watchIdentifiers = false;

  /** No string, bracket or backslash continuation is open: the next line starts a logical line. */
  get atLogicalLineStart(): boolean {
    return this.top === undefined && this.depth === 0 && !this.continued;
  }

  /** A triple-quoted string is still open. */
  get insideTripleQuotedString(): boolean {
    return this.frames.some(frame => !frame.field && frame.triple);
  }

  /**
   * Scans the next physical line.
   *
   * @param line - the line, without its line break
   * @param lineNumber - its 1-based line number in the cell
   */
  scan(line: string, lineNumber: number): void {
    if (this.atLogicalLineStart) {
      this.logicalLineStart = lineNumber;
      const first = line.charCodeAt(0);
      this.topLevel =
        line.length > 0 && first !== 32 && first !== 9 && first !== 12;
    }
    this.sawGetIpython = false;
    this.sawTopLevelAwait = false;
    this.continued = false;
    this.escapedEnd = false;
    // Identifiers only matter for two words; lines without them skip the identifier checks.
    this.watchIdentifiers =
      line.includes('get_ipython') || (this.topLevel && line.includes('await'));
    const length = line.length;
    let i = 0;
    while (i < length) {
      const frame = this.top;
      if (frame === undefined || frame.field) {
        i = this.scanCode(line, i, frame);
      } else {
        i = this.scanString(line, i, frame);
      }
    }
    // A single-quoted string cannot span lines unless the newline is escaped; dropping a broken one
    // keeps it from swallowing the rest of the cell (Python reports the error anyway).
    const top = this.top;
    if (top !== undefined && !top.field && !top.triple && !this.escapedEnd) {
      this.pop();
    }
  }

  private push(frame: Frame): void {
    this.frames.push(frame);
    this.top = frame;
  }

  private pop(): void {
    const frames = this.frames;
    frames.pop();
    this.top = frames.length > 0 ? frames[frames.length - 1] : undefined;
  }

  /** Scans code (top level, or a replacement field) until a frame opens or closes; returns where it stopped. */
  private scanCode(
    line: string,
    start: number,
    field: Frame | undefined
  ): number {
    const length = line.length;
    for (let i = start; i < length; i++) {
      const code = line.charCodeAt(i);
      if (field !== undefined && field.spec) {
        if (code === CHAR_OPEN_BRACE) {
          this.push(new Frame(true, 0, false, false, false));
          return i + 1;
        }
        if (code === CHAR_CLOSE_BRACE) {
          this.pop();
          return i + 1;
        }
        continue;
      }
      switch (charClass(code)) {
        case QUOTE:
          return this.openString(line, i);
        case HASH:
          return length;
        case OPEN:
          if (field !== undefined) {
            field.depth++;
          } else {
            this.depth++;
          }
          break;
        case CLOSE:
          if (field !== undefined) {
            field.depth = Math.max(0, field.depth - 1);
          } else {
            this.depth = Math.max(0, this.depth - 1);
          }
          break;
        case CLOSE_BRACE:
          if (field === undefined) {
            this.depth = Math.max(0, this.depth - 1);
          } else if (field.depth > 0) {
            field.depth--;
          } else {
            this.pop();
            return i + 1;
          }
          break;
        case COLON:
          if (field !== undefined && field.depth === 0) {
            field.spec = true;
          }
          break;
        case BACKSLASH:
          if (i === length - 1) {
            this.continued = true;
          }
          break;
        case LETTER:
          if (
            this.watchIdentifiers &&
            (i === 0 || !isIdentifierPart(line.charCodeAt(i - 1)))
          ) {
            this.checkIdentifier(line, i);
          }
          break;
      }
    }
    return length;
  }

  private checkIdentifier(line: string, at: number): void {
    let end = at + 1;
    while (end < line.length && isIdentifierPart(line.charCodeAt(end))) {
      end++;
    }
    const word = line.slice(at, end);
    if (word === 'get_ipython') {
      this.sawGetIpython = true;
    } else if (word === 'await' && this.topLevel) {
      this.sawTopLevelAwait = true;
    }
  }

  private openString(line: string, at: number): number {
    // The prefix is the letters right before the quote, unless they end a longer identifier.
    let from = at;
    while (
      from > 0 &&
      at - from < 2 &&
      isPrefixLetter(line.charCodeAt(from - 1))
    ) {
      from--;
    }
    let prefix = from === at ? '' : line.slice(from, at).toLowerCase();
    if (
      prefix !== '' &&
      ((from > 0 && isIdentifierPart(line.charCodeAt(from - 1))) ||
        !STRING_PREFIXES.has(prefix))
    ) {
      prefix = '';
    }
    const quote = line.charCodeAt(at);
    const triple =
      line.charCodeAt(at + 1) === quote && line.charCodeAt(at + 2) === quote;
    const format = prefix.includes('f') || prefix.includes('t');
    if (!triple && !format) {
      // The common case, a plain string closed on the same line, needs no frame.
      const end = closingQuote(line, at + 1, quote);
      if (end >= 0) {
        return end + 1;
      }
    }
    this.push(new Frame(false, quote, triple, prefix.includes('r'), format));
    return at + (triple ? 3 : 1);
  }

  /** Scans string text until the string ends or a replacement field opens; returns where it stopped. */
  private scanString(line: string, start: number, frame: Frame): number {
    const length = line.length;
    const quoteChar = frame.quote === CHAR_SINGLE_QUOTE ? "'" : '"';
    let i = start;
    while (i < length) {
      if (!frame.format) {
        // Plain strings only care about quotes and backslashes: jump straight to the next one.
        const quoteAt = line.indexOf(quoteChar, i);
        const escapeAt = line.indexOf('\\', i);
        i =
          quoteAt < 0
            ? escapeAt < 0
              ? length
              : escapeAt
            : escapeAt < 0
              ? quoteAt
              : Math.min(quoteAt, escapeAt);
        if (i === length) {
          break;
        }
      }
      const code = line.charCodeAt(i);
      if (code === CHAR_BACKSLASH) {
        if (i + 1 >= length) {
          this.escapedEnd = true;
          return length;
        }
        if (
          frame.format &&
          !frame.raw &&
          line.charCodeAt(i + 1) === CHAR_N &&
          line.charCodeAt(i + 2) === CHAR_OPEN_BRACE
        ) {
          // \N{NAME} is a character name, not a replacement field.
          const close = line.indexOf('}', i + 3);
          i = close < 0 ? length : close + 1;
        } else {
          i += 2;
        }
        continue;
      }
      if (code === frame.quote) {
        if (!frame.triple) {
          this.pop();
          return i + 1;
        }
        if (
          line.charCodeAt(i + 1) === frame.quote &&
          line.charCodeAt(i + 2) === frame.quote
        ) {
          this.pop();
          return i + 3;
        }
      } else if (frame.format && code === CHAR_OPEN_BRACE) {
        if (line.charCodeAt(i + 1) !== CHAR_OPEN_BRACE) {
          this.push(new Frame(true, 0, false, false, false));
          return i + 1;
        }
        i++;
      } else if (frame.format && code === CHAR_CLOSE_BRACE) {
        if (line.charCodeAt(i + 1) === CHAR_CLOSE_BRACE) {
          i++;
        }
      }
      i++;
    }
    return length;
  }
}
