/**
 * The wire format of the job service, shared by the server and
 * {@link ServiceClient}: request bodies and how a packaged program travels
 * (the problem document, the SSE format and its event names are core's).
 */
import type { IProblem } from '../../core/errors';
import { ValidationError } from '../../core/errors';
import type { BackendKind } from '../../core/jobRecord';
import type { IPackagedProgram } from '../../core/notebook';
import { decodeSourceMap, encodeSourceMap } from '../../core/notebook';

/** Every route lives under this path (after the optional base path). */
export const API_PREFIX = '/api';

/** Media type of the log endpoint's JSON form: one {@link ILogLine} per line. */
export const NDJSON_MEDIA_TYPE = 'application/x-ndjson';

export { SSE_MEDIA_TYPE } from '../../core/eventStream';
export { SSE_EVENTS } from '../../core/serviceEvents';

/** What `GET /api/health` answers. */
export interface IHealth {
  /** Always true when the service answers. */
  readonly ok: true;
  /** The backend behind the service. */
  readonly backend: BackendKind;
  /** What the service watches now: namespaces, or `*` for every one. */
  readonly watching: readonly string[];
}

/** A packaged program as it travels: the source map in its compact encoding. */
export interface IWireProgram {
  /** The Python program. */
  readonly code: string;
  /** {@link encodeSourceMap}'s output. */
  readonly sourceMap: string;
  /** The cells that went into the program. */
  readonly cellNumbers: readonly number[];
  /** Packaging warnings. */
  readonly warnings?: readonly IProblem[];
}

/**
 * The body of `POST /api/jobs`: a launch spec with its notebook (the
 * service packages it), a launch spec with an already packaged program, or
 * a raw MPIJob manifest.
 */
export interface ISubmitRequest {
  /** A launch spec (validated by the service). */
  readonly spec?: unknown;
  /** The notebook: nbformat JSON as an object or as text. */
  readonly notebook?: unknown;
  /** A program the client packaged already. */
  readonly program?: IWireProgram;
  /** An MPIJob (kubeflow.org/v2beta1). */
  readonly manifest?: unknown;
}

/**
 * Encodes a packaged program for a request body.
 *
 * @param program - the program
 * @returns its wire form
 */
export function encodeProgram(program: IPackagedProgram): IWireProgram {
  return {
    code: program.code,
    sourceMap: encodeSourceMap(program),
    cellNumbers: program.cellNumbers,
    warnings: program.warnings
  };
}

/**
 * Reads a program from a request body, checking its shape.
 *
 * @param value - the `program` field of a request
 * @returns the packaged program
 * @throws {ValidationError} naming the fields at fault
 */
export function decodeProgram(value: unknown): IPackagedProgram {
  const problems: IProblem[] = [];
  if (!isRecord(value)) {
    throw new ValidationError(
      [{ path: 'program', message: 'must be an object' }],
      'invalid program'
    );
  }
  const { code, sourceMap, cellNumbers, warnings } = value;
  if (typeof code !== 'string') {
    problems.push({ path: 'program.code', message: 'must be a string' });
  }
  if (typeof sourceMap !== 'string') {
    problems.push({ path: 'program.sourceMap', message: 'must be a string' });
  }
  if (
    !Array.isArray(cellNumbers) ||
    !cellNumbers.every(n => Number.isInteger(n) && n >= 1)
  ) {
    problems.push({
      path: 'program.cellNumbers',
      message: 'must be a list of cell numbers from 1'
    });
  }
  if (warnings !== undefined && !isProblemList(warnings)) {
    problems.push({
      path: 'program.warnings',
      message: 'must be a list of {path, message}'
    });
  }
  if (problems.length) {
    throw new ValidationError(problems, 'invalid program');
  }
  let decoded: ReturnType<typeof decodeSourceMap>;
  try {
    decoded = decodeSourceMap(sourceMap as string);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(
        error.problems.map(p => ({
          path: p.path ? `program.sourceMap.${p.path}` : 'program.sourceMap',
          message: p.message
        })),
        'invalid program'
      );
    }
    throw error;
  }
  const lines = (code as string).split('\n').length - 1;
  if (decoded.sourceMap.length !== lines) {
    throw new ValidationError(
      [
        {
          path: 'program.sourceMap',
          message: `describes ${decoded.sourceMap.length} lines but the code has ${lines}; package the notebook again`
        }
      ],
      'invalid program'
    );
  }
  return {
    code: code as string,
    sourceMap: decoded.sourceMap,
    notebookPath: decoded.notebookPath,
    cellNumbers: cellNumbers as number[],
    warnings: (warnings as IProblem[] | undefined) ?? []
  };
}

/**
 * Tells a plain JSON object from arrays and null.
 *
 * @param value - anything
 * @returns whether it is a non-array object
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isProblemList(value: unknown): value is IProblem[] {
  return (
    Array.isArray(value) &&
    value.every(
      p =>
        isRecord(p) &&
        typeof p.path === 'string' &&
        typeof p.message === 'string'
    )
  );
}
