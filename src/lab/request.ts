/**
 * The one way the frontend talks to the MPI job service, which Jupyter
 * Server proxies at `<baseUrl>/mpijob/` (behind Jupyter's own auth).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { IProblem } from '../core/errors';

/** The problem+json body of a failed request. */
export interface IProblemDetails {
  /** Kubernetes-style reason, e.g. `NotFound`, `Invalid`. */
  title: string;
  /** HTTP status. */
  status: number;
  /** What happened, in kubectl's words. */
  detail: string;
  /** Field problems, for validation errors. */
  errors?: IProblem[];
}

/** A failed request to the service, keeping its problem+json body. */
export class MpiJobResponseError extends ServerConnection.ResponseError {
  /** The problem details; null when the body was not problem+json. */
  readonly problem: IProblemDetails | null;

  /**
   * @param response - the HTTP response
   * @param problem - its parsed problem+json body
   */
  constructor(response: Response, problem: IProblemDetails | null) {
    super(
      response,
      problem?.detail ?? `${response.status} ${response.statusText}`
    );
    this.problem = problem;
  }
}

/**
 * The URL of a service endpoint.
 *
 * @param path - path below `api/`, e.g. `jobs`
 * @param settings - server settings
 * @returns the absolute URL
 */
export function serviceUrl(
  path: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): string {
  return URLExt.join(settings.baseUrl, 'mpijob', 'api', path);
}

/**
 * Calls the service and parses its JSON answer.
 *
 * @param path - path below `api/`
 * @param init - fetch options
 * @param settings - server settings
 * @returns the parsed body
 * @throws {ServerConnection.NetworkError} when the server cannot be reached
 * @throws {MpiJobResponseError} for a non-2xx answer
 */
export async function requestAPI<T>(
  path: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      serviceUrl(path, settings),
      init,
      settings
    );
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const problem =
      body && typeof body === 'object' && 'detail' in body
        ? (body as IProblemDetails)
        : null;
    throw new MpiJobResponseError(response, problem);
  }
  return body as T;
}
