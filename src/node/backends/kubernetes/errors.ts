/**
 * API server failures as BackendErrors a person can act on: the verb and
 * resource for 401/403 (403 only for permissions: a quota without room is
 * 422, the job does not fit), field paths for 422, and the server URL for
 * connection and TLS failures. Never a stack trace.
 */
import type { IProblem } from '../../../core/errors';
import type { FailureReason } from '../errors';
import { BackendError } from '../errors';

/** What was being done, for the message. */
export interface IApiAction {
  /** Verb, e.g. `create`. */
  readonly verb: string;
  /** Resource, e.g. `mpijobs.kubeflow.org`. */
  readonly resource: string;
  /** Object name. */
  readonly name?: string;
  /** Namespace. */
  readonly namespace?: string;
}

/** Where the API server is and who we are, for messages. */
export interface IApiTarget {
  /** API server URL. */
  readonly server: string;
  /** User of the context. */
  readonly user: string;
}

interface IStatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    kind?: string;
    group?: string;
    causes?: Array<{ field?: string; message?: string; reason?: string }>;
  };
}

const REASONS: Readonly<Record<number, FailureReason>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'AlreadyExists',
  413: 'RequestEntityTooLarge',
  422: 'Invalid',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout'
};

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE'
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET'
]);

/**
 * Turns whatever the client library threw into a BackendError.
 *
 * @param error - an ApiException, a fetch/system error, or anything else
 * @param action - what was being done
 * @param target - server and user, for messages
 * @returns the error to throw
 */
export function toBackendError(
  error: unknown,
  action: IApiAction,
  target: IApiTarget
): BackendError {
  if (error instanceof BackendError) {
    return error;
  }
  const code = httpCode(error);
  if (code !== null) {
    return fromStatus(code, statusBody(error), action, target);
  }
  const system = systemCode(error);
  if (system && TLS_CODES.has(system)) {
    return new BackendError(
      'ServiceUnavailable',
      `TLS error talking to the Kubernetes API at ${target.server}: ${system} (${rootMessage(error)}). ` +
        "The kubeconfig's certificate-authority does not match the server's certificate: refresh the kubeconfig from your platform, or fix certificate-authority-data"
    );
  }
  if (system && NETWORK_CODES.has(system)) {
    return new BackendError(
      'ServiceUnavailable',
      `cannot reach the Kubernetes API at ${target.server}: ${system}. ` +
        'Check that the cluster is up, that this kubeconfig context points at it, and any VPN or proxy'
    );
  }
  return new BackendError(
    'InternalError',
    `${action.verb} ${action.resource}${action.name ? ` "${action.name}"` : ''} failed: ${rootMessage(error)}`
  );
}

/**
 * Whether the API server refused because a ResourceQuota has not been
 * counted yet (`status unknown for quota`): it passes within seconds.
 *
 * @param error - what the client threw
 * @returns true for that refusal
 */
export function isQuotaPending(error: unknown): boolean {
  return (
    httpCode(error) === 403 &&
    /status unknown for quota/i.test(statusBody(error)?.message ?? '')
  );
}

/**
 * The BackendError for an HTTP status from the API server.
 *
 * @param code - HTTP status
 * @param body - the Status object, when the server sent one
 * @param action - what was being done
 * @param target - server and user
 * @returns the error
 */
export function fromStatus(
  code: number,
  body: IStatusBody | null,
  action: IApiAction,
  target: IApiTarget
): BackendError {
  const serverMessage = body?.message?.trim();
  const where = action.namespace ? ` in namespace "${action.namespace}"` : '';
  const what = `${action.resource}${action.name ? ` "${action.name}"` : ''}`;
  switch (code) {
    case 401:
      return new BackendError(
        'Unauthorized',
        `the Kubernetes API at ${target.server} did not accept the credentials of user "${target.user}" (401) to ${action.verb} ${what}: log in again or refresh the token in the kubeconfig`
      );
    case 403:
      if (serverMessage && /status unknown for quota/i.test(serverMessage)) {
        return new BackendError(
          'Forbidden',
          `${serverMessage}: the namespace's ResourceQuota is new and not counted yet; try again in a few seconds`
        );
      }
      if (serverMessage && /exceeded quota/i.test(serverMessage)) {
        // The API server says 403, but nothing is forbidden: the job does not fit.
        return new BackendError(
          'Invalid',
          `${serverMessage}. The namespace's ResourceQuota has no room for this job: use fewer workers or smaller requests, delete finished jobs, or ask an admin to raise the quota (preflight shows the headroom)`
        );
      }
      return new BackendError(
        'Forbidden',
        `user "${target.user}" may not ${action.verb} ${action.resource}${where} (403${serverMessage ? `: ${serverMessage}` : ''}). ` +
          `Ask an admin to grant it, e.g. with \`mpijob admin templates -n ${action.namespace ?? 'NAMESPACE'} --user ${target.user}\``
      );
    case 404:
      if (action.name) {
        return new BackendError(
          'NotFound',
          serverMessage ?? `${what} not found`
        );
      }
      return new BackendError(
        'NotFound',
        `the API server has no ${action.resource} resource (404): is the MPI Operator installed? An admin installs it with its CRD (kubeflow.org/v2beta1 MPIJob)`
      );
    case 409:
      if (body?.reason === 'AlreadyExists') {
        return new BackendError(
          'AlreadyExists',
          `${what} already exists${where}: choose another name`
        );
      }
      return new BackendError(
        'Conflict',
        `${serverMessage ?? `conflict on ${what}`}: it changed meanwhile, try again`
      );
    case 422:
      return new BackendError(
        'Invalid',
        serverMessage ?? `${what} is invalid`,
        causes(body)
      );
    default: {
      const reason = REASONS[code] ?? 'InternalError';
      return new BackendError(
        reason,
        `${action.verb} ${what}${where}: the API server answered ${code}${serverMessage ? `: ${serverMessage}` : ''}`
      );
    }
  }
}

function causes(body: IStatusBody | null): IProblem[] {
  return (body?.details?.causes ?? [])
    .filter(c => c.message)
    .map(c => ({
      path: c.field ?? '',
      message: c.message as string
    }));
}

function httpCode(error: unknown): number | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : null;
}

function statusBody(error: unknown): IStatusBody | null {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as unknown;
      return parsed && typeof parsed === 'object'
        ? (parsed as IStatusBody)
        : null;
    } catch {
      return null;
    }
  }
  return body && typeof body === 'object' ? (body as IStatusBody) : null;
}

function systemCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function rootMessage(error: unknown): string {
  let current: unknown = error;
  let message = String((error as Error)?.message ?? error);
  for (let depth = 0; current && depth < 5; depth++) {
    const text = (current as Error).message;
    if (typeof text === 'string' && text) {
      message = text;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return message.split('\n')[0];
}
