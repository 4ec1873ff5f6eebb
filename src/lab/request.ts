/**
 * The one way the frontend talks to the MPI job service, which Jupyter
 * Server proxies at `<baseUrl>/mpijob/` (behind Jupyter's own auth).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { IProblemDetails } from '../core/problem';
import { decodeProblem } from '../core/problem';

export type { IProblemDetails } from '../core/problem';

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
 * Calls the service through Jupyter's connection (its auth headers: the
 * token never goes in a URL) and checks the status.
 *
 * @param path - path below `api/`
 * @param init - fetch options
 * @param settings - server settings
 * @returns the response, status 2xx, its body unread
 * @throws {ServerConnection.NetworkError} when the server cannot be reached
 * @throws {MpiJobResponseError} for a non-2xx answer, with its problem+json body
 */
export async function fetchAPI(
  path: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<Response> {
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
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = JSON.parse(await response.text());
    } catch {
      // Not ours (a proxy's page, say): the status line is all there is.
    }
    throw new MpiJobResponseError(
      response,
      decodeProblem(body, response.status)
    );
  }
  return response;
}

/**
 * Calls the service and parses its JSON answer.
 *
 * @param path - path below `api/`
 * @param init - fetch options
 * @param settings - server settings
 * @returns the parsed body (null for an empty one)
 * @throws {ServerConnection.NetworkError} when the server cannot be reached
 * @throws {MpiJobResponseError} for a non-2xx answer
 */
export async function requestAPI<T>(
  path: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const text = await (await fetchAPI(path, init, settings)).text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  return body as T;
}
