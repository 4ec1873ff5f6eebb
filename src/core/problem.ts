/**
 * The error body of the job service: RFC 9457 problem details with
 * Kubernetes' status reason as the title. The service encodes it; the CLI
 * client and the frontend decode it, trusting nothing about its shape (a
 * proxy in between may answer too).
 */
import type { IProblem } from './errors';

/** Media type of error bodies (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** Prefix of a problem's `type`; the Kubernetes reason follows it. */
export const PROBLEM_TYPE_PREFIX = 'urn:jupyterlab-mpijob:problem:';

/** The HTTP status of each Kubernetes `metav1.StatusReason` the service uses. */
export const REASON_STATUS = {
  BadRequest: 400,
  Invalid: 422,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Forbidden: 403,
  Unauthorized: 401,
  RequestEntityTooLarge: 413,
  ServiceUnavailable: 503,
  InternalError: 500,
  Timeout: 504
} as const;

/** A Kubernetes status reason the service answers with. */
export type FailureReason = keyof typeof REASON_STATUS;

/** What a client needs of a problem: why, what, and which fields. */
export interface IProblemDetails {
  /** The Kubernetes status reason, e.g. `NotFound`. */
  readonly title: string;
  /** The HTTP status. */
  readonly status: number;
  /** What went wrong, worded like kubectl. */
  readonly detail: string;
  /** Field, cell or parameter problems. */
  readonly errors?: readonly IProblem[];
}

/** The whole document the service sends. */
export interface IProblemDocument extends IProblemDetails {
  /** `urn:jupyterlab-mpijob:problem:<Reason>`. */
  readonly type: string;
  /** The request path. */
  readonly instance: string;
  /** Same as `detail`, for clients that read `message`. */
  readonly message: string;
}

/**
 * Tells the reasons the service uses from any other string.
 *
 * @param value - a title
 * @returns whether it is a known reason
 */
export function isFailureReason(value: unknown): value is FailureReason {
  return typeof value === 'string' && Object.hasOwn(REASON_STATUS, value);
}

/**
 * The reason for a status when the body names none (a proxy's answer).
 *
 * @param status - an HTTP status from 400
 * @returns the reason kubectl would print
 */
export function reasonForStatus(status: number): FailureReason {
  switch (status) {
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 413:
      return 'RequestEntityTooLarge';
    case 422:
      return 'Invalid';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return status >= 400 && status < 500 ? 'BadRequest' : 'InternalError';
  }
}

/**
 * Builds the document for a failure.
 *
 * @param failure - status, reason, sentence and field problems
 * @param instance - the request path
 * @returns the document to send
 */
export function encodeProblem(
  failure: {
    readonly status: number;
    readonly reason: string;
    readonly detail: string;
    readonly problems?: readonly IProblem[];
  },
  instance: string
): IProblemDocument {
  const { status, reason, detail, problems = [] } = failure;
  return {
    type: `${PROBLEM_TYPE_PREFIX}${reason}`,
    title: reason,
    status,
    detail,
    instance,
    message: detail,
    ...(problems.length
      ? { errors: problems.map(p => ({ path: p.path, message: p.message })) }
      : {})
  };
}

/**
 * Reads a problem from a parsed body, whatever its shape.
 *
 * @param body - the parsed JSON of an error answer (or of an `error` field)
 * @param status - the HTTP status, for a body that gives none
 * @returns the details (the title from the status when the body gives none); null when the body says nothing (no `detail` or `message`)
 */
export function decodeProblem(
  body: unknown,
  status: number
): IProblemDetails | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return null;
  }
  const doc = body as Record<string, unknown>;
  const detail =
    typeof doc.detail === 'string'
      ? doc.detail
      : typeof doc.message === 'string'
        ? doc.message
        : null;
  if (detail === null) {
    return null;
  }
  const ownStatus = typeof doc.status === 'number' ? doc.status : status;
  const errors = (Array.isArray(doc.errors) ? doc.errors : [])
    .filter(
      (p: unknown): p is Record<string, unknown> =>
        p !== null && typeof p === 'object'
    )
    .map(p => ({
      path: String(p.path ?? ''),
      message: String(p.message ?? '')
    }));
  return {
    title:
      typeof doc.title === 'string' && doc.title
        ? doc.title
        : reasonForStatus(ownStatus),
    status: ownStatus,
    detail,
    ...(errors.length ? { errors } : {})
  };
}
