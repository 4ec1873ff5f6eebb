/**
 * Plain HTTP plumbing of the service: problem+json answers, bounded JSON
 * bodies and query parameters. Handlers throw; the dispatcher answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { IProblem } from '../../core/errors';
import { ValidationError } from '../../core/errors';
import { jsonErrorDetail } from '../../core/jsonErrorPosition';
import type { IProblemDocument } from '../../core/problem';
import { encodeProblem, PROBLEM_MEDIA_TYPE } from '../../core/problem';
import { BackendError } from '../backends/errors';

/** A failure answered as problem+json, for conditions the backend never sees. */
export class HttpProblem extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Kubernetes-style reason, used as the problem's title. */
  readonly reason: string;
  /** Field or parameter problems. */
  readonly problems: readonly IProblem[];
  /** Extra response headers (Allow, WWW-Authenticate). */
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @param status - HTTP status
   * @param reason - e.g. `BadRequest`, `MethodNotAllowed`
   * @param detail - the sentence shown to users
   * @param problems - field or parameter problems
   * @param headers - extra response headers
   */
  constructor(
    status: number,
    reason: string,
    detail: string,
    problems: readonly IProblem[] = [],
    headers: Record<string, string> = {}
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.status = status;
    this.reason = reason;
    this.problems = problems;
    this.headers = headers;
  }
}

/**
 * A 400 BadRequest naming what is wrong.
 *
 * @param detail - the sentence
 * @param problems - parameter problems
 * @returns the error to throw
 */
export function badRequest(
  detail: string,
  problems: readonly IProblem[] = []
): HttpProblem {
  return new HttpProblem(400, 'BadRequest', detail, problems);
}

/**
 * Turns anything a handler threw into a problem document.
 *
 * @param error - what was thrown
 * @param instance - the request path
 * @returns the document and extra headers
 */
export function toProblem(
  error: unknown,
  instance: string
): { document: IProblemDocument; headers: Record<string, string> } {
  let status = 500;
  let reason = 'InternalError';
  let detail = 'internal error';
  let problems: readonly IProblem[] = [];
  let headers: Record<string, string> = {};
  if (error instanceof HttpProblem) {
    ({ status, reason, problems } = error);
    detail = error.message;
    headers = { ...error.headers };
  } else if (error instanceof BackendError) {
    ({ status, reason, problems } = error);
    detail = error.message;
  } else if (error instanceof ValidationError) {
    // The brief of the API: invalid input is a 400 whose title says Invalid.
    status = 400;
    reason = 'Invalid';
    detail = error.message;
    problems = error.problems;
  } else if (error instanceof Error) {
    detail = `internal error: ${error.message}`;
  }
  const document = encodeProblem(
    { status, reason, detail, problems },
    instance
  );
  return { document, headers };
}

/**
 * Answers with JSON.
 *
 * @param res - the response
 * @param status - HTTP status
 * @param body - anything JSON can hold
 * @param headers - extra headers
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  send(res, status, 'application/json', JSON.stringify(body), headers);
}

/**
 * Answers with a problem document.
 *
 * @param res - the response
 * @param document - the problem
 * @param headers - extra headers
 */
export function sendProblem(
  res: ServerResponse,
  document: IProblemDocument,
  headers: Record<string, string> = {}
): void {
  send(
    res,
    document.status,
    PROBLEM_MEDIA_TYPE,
    JSON.stringify(document),
    headers
  );
}

/**
 * Answers with a body of the given type.
 *
 * @param res - the response
 * @param status - HTTP status
 * @param contentType - media type
 * @param body - the body
 * @param headers - extra headers
 */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {}
): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    ...headers,
    'Content-Type': contentType.includes('charset')
      ? contentType
      : `${contentType}; charset=utf-8`,
    'Content-Length': String(bytes.length),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff'
  });
  res.end(bytes);
}

/**
 * Reads a request body of at most `maxBytes`.
 *
 * @param req - the request
 * @param maxBytes - the limit
 * @returns the bytes
 * @throws {HttpProblem} 413 when the body is larger
 */
export function readBody(
  req: IncomingMessage,
  maxBytes: number
): Promise<Buffer> {
  const tooLarge = (): HttpProblem =>
    new HttpProblem(
      413,
      'RequestEntityTooLarge',
      `the request body is larger than the limit of ${formatBytes(maxBytes)}`
    );
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        req.removeListener('data', onData);
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (!failed) {
        resolve(Buffer.concat(chunks));
      }
    });
    req.once('error', reject);
  });
}

/**
 * Reads a JSON request body.
 *
 * @param req - the request
 * @param maxBytes - the size limit
 * @returns the parsed value
 * @throws {HttpProblem} 415 for another media type, 413 when too large, 400 naming where the JSON breaks
 */
export async function readJson(
  req: IncomingMessage,
  maxBytes: number
): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  // Requiring JSON also keeps browsers from posting here without a CORS preflight.
  if (
    type !== 'application/json' &&
    !/^application\/[\w.+-]+\+json$/.test(type)
  ) {
    throw new HttpProblem(
      415,
      'UnsupportedMediaType',
      `the request body must be application/json, not ${type ? JSON.stringify(type) : 'untyped'}`
    );
  }
  const bytes = await readBody(req, maxBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('the request body is not UTF-8 text');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(
      `the request body is not valid JSON: ${jsonErrorDetail(error, text)}`
    );
  }
}

/**
 * Reads an optional boolean query parameter (`true`/`false`, `1`/`0`, or empty for true).
 *
 * @param query - the parameters
 * @param name - which one
 * @returns the value, or undefined when absent
 * @throws {HttpProblem} 400 for anything else
 */
export function booleanParam(
  query: URLSearchParams,
  name: string
): boolean | undefined {
  const value = query.get(name);
  if (value === null) {
    return undefined;
  }
  if (['', 'true', '1'].includes(value)) {
    return true;
  }
  if (['false', '0'].includes(value)) {
    return false;
  }
  throw badRequest(`invalid value for ${name}: ${JSON.stringify(value)}`, [
    { path: name, message: 'must be true or false' }
  ]);
}

/**
 * Reads an optional whole-number query parameter.
 *
 * @param query - the parameters
 * @param name - which one
 * @param allowMinusOne - treat `-1` as absent (kubectl's `--tail=-1`)
 * @returns the value, or undefined when absent
 * @throws {HttpProblem} 400 for anything else
 */
export function countParam(
  query: URLSearchParams,
  name: string,
  allowMinusOne = false
): number | undefined {
  const value = query.get(name);
  if (value === null || (allowMinusOne && value === '-1')) {
    return undefined;
  }
  if (!/^\d{1,15}$/.test(value)) {
    throw badRequest(`invalid value for ${name}: ${JSON.stringify(value)}`, [
      { path: name, message: 'must be a whole number from 0' }
    ]);
  }
  return Number(value);
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MiB`
    : `${bytes} bytes`;
}
