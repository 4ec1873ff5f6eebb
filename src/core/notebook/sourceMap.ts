/**
 * The source map from program lines back to notebook cells: looking a line up,
 * rewriting tracebacks, and the compact encoding stored next to the program.
 */

import { errorMessage, ValidationError } from '../errors';
import type { IProblem } from '../errors';
import { describe, isCount, isRecord, MAX_PROBLEMS } from './jsonValues';
import { PROGRAM_FILE_NAME } from './model';
import type { IPackagedProgram, ISourceLocation } from './model';

/**
 * Finds the cell line that a program line came from.
 *
 * @param program - a packaged program (only its source map is used)
 * @param line - 1-based program line, e.g. from a traceback
 * @returns the cell and line, or null for generated lines and lines outside the program
 */
export function locateProgramLine(
  program: Pick<IPackagedProgram, 'sourceMap'>,
  line: number
): ISourceLocation | null {
  if (!Number.isInteger(line) || line < 1) {
    return null;
  }
  return program.sourceMap[line - 1] ?? null;
}

/**
 * Rewrites Python traceback locations in the generated program into notebook cell locations.
 * `File ".../mpijob_main.py", line N` becomes `File "<notebook>", cell C, line L` wherever it
 * appears in a line (mpirun may prefix lines with `[1,0]<stderr>:`); other files and generated
 * lines are left as they are.
 *
 * @param text - log or traceback text
 * @param program - the packaged program's source map and notebook path
 * @returns the text with program locations replaced
 */
export function mapTraceback(
  text: string,
  program: Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'>
): string {
  if (!text.includes(PROGRAM_FILE_NAME)) {
    return text;
  }
  return text.replace(
    TRACEBACK_LOCATION,
    (match, file: string, line: string) => {
      if (!isProgramFile(file)) {
        return match;
      }
      const location = locateProgramLine(program, Number(line));
      return location
        ? `File "${program.notebookPath}", cell ${location.cellNumber}, line ${location.line}`
        : match;
    }
  );
}

/**
 * Serializes a source map compactly: runs of consecutive cell lines become one range.
 *
 * @param program - the packaged program's source map and notebook path
 * @returns JSON text for the job's ConfigMap, read back by {@link decodeSourceMap}
 */
export function encodeSourceMap(
  program: Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'>
): string {
  const ranges: [number, number, number, number][] = [];
  let last: [number, number, number, number] | undefined;
  program.sourceMap.forEach((location, index) => {
    if (!location) {
      return;
    }
    const programLine = index + 1;
    if (
      last &&
      last[0] + last[3] === programLine &&
      last[1] === location.cellNumber &&
      last[2] + last[3] === location.line
    ) {
      last[3]++;
      return;
    }
    last = [programLine, location.cellNumber, location.line, 1];
    ranges.push(last);
  });
  const encoded: ISourceMapJson = {
    version: SOURCE_MAP_VERSION,
    notebookPath: program.notebookPath,
    lines: program.sourceMap.length,
    ranges
  };
  return JSON.stringify(encoded);
}

/**
 * Reads a source map written by {@link encodeSourceMap}.
 *
 * @param text - the JSON text
 * @returns the source map and notebook path
 * @throws {ValidationError} when the text is not a source map this version wrote
 */
export function decodeSourceMap(
  text: string
): Pick<IPackagedProgram, 'sourceMap' | 'notebookPath'> {
  const summary = 'the notebook source map is damaged';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      [{ path: '', message: `it is not valid JSON (${errorMessage(error)})` }],
      summary
    );
  }
  if (!isRecord(value)) {
    throw new ValidationError(
      [
        {
          path: '',
          message: `it must be a JSON object, not ${describe(value)}`
        }
      ],
      summary
    );
  }
  const problems: IProblem[] = [];
  if (value.version !== SOURCE_MAP_VERSION) {
    problems.push({
      path: 'version',
      message: `must be ${SOURCE_MAP_VERSION}, not ${describe(value.version)}; package the notebook again`
    });
  }
  if (typeof value.notebookPath !== 'string') {
    problems.push({
      path: 'notebookPath',
      message: `must be text, not ${describe(value.notebookPath)}`
    });
  }
  const lines = value.lines;
  if (!isCount(lines) || lines > MAX_PROGRAM_LINES) {
    problems.push({
      path: 'lines',
      message: `must be a whole number from 0 to ${MAX_PROGRAM_LINES}, not ${describe(lines)}`
    });
  }
  if (!Array.isArray(value.ranges)) {
    problems.push({
      path: 'ranges',
      message: `must be a list, not ${describe(value.ranges)}`
    });
  }
  if (problems.length > 0) {
    throw new ValidationError(problems, summary);
  }
  const total = lines as number;
  const sourceMap: (ISourceLocation | null)[] = new Array<null>(total).fill(
    null
  );
  let next = 1;
  (value.ranges as unknown[]).forEach((range, index) => {
    if (problems.length >= MAX_PROBLEMS) {
      return;
    }
    if (
      !Array.isArray(range) ||
      range.length !== 4 ||
      !range.every(part => isCount(part) && part >= 1)
    ) {
      problems.push({
        path: `ranges[${index}]`,
        message:
          'must be [programLine, cellNumber, cellLine, count], all whole numbers from 1'
      });
      return;
    }
    const [programLine, cellNumber, line, count] = range as number[];
    if (programLine < next || programLine + count - 1 > total) {
      problems.push({
        path: `ranges[${index}]`,
        message: `lines ${programLine} to ${programLine + count - 1} overlap an earlier range or lie outside the program's ${total} lines`
      });
      return;
    }
    for (let offset = 0; offset < count; offset++) {
      sourceMap[programLine - 1 + offset] = {
        cellNumber,
        line: line + offset
      };
    }
    next = programLine + count;
  });
  if (problems.length > 0) {
    throw new ValidationError(problems, summary);
  }
  return { sourceMap, notebookPath: value.notebookPath as string };
}

/** Shape of an encoded source map: ranges are [programLine, cellNumber, cellLine, count]. */
interface ISourceMapJson {
  version: number;
  notebookPath: string;
  lines: number;
  ranges: [number, number, number, number][];
}

const SOURCE_MAP_VERSION = 1;

// Decoding allocates one slot per program line; refuse sizes no notebook reaches rather than exhaust memory.
const MAX_PROGRAM_LINES = 10_000_000;

const TRACEBACK_LOCATION = /File "([^"\r\n]*)", line (\d+)/g;

function isProgramFile(file: string): boolean {
  return (
    file === PROGRAM_FILE_NAME ||
    file.endsWith(`/${PROGRAM_FILE_NAME}`) ||
    file.endsWith(`\\${PROGRAM_FILE_NAME}`)
  );
}
