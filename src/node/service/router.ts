/**
 * A small router: fixed path patterns with `{param}` segments, one handler
 * per method. Paths are split before they are decoded, so an encoded slash
 * can never move a request to another route, and dot segments are refused
 * rather than resolved.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { badRequest, HttpProblem } from './http';

/** What a handler gets. */
export interface IRequestContext {
  /** The request. */
  readonly req: IncomingMessage;
  /** The response. */
  readonly res: ServerResponse;
  /** Path parameters, decoded and checked. */
  readonly params: Readonly<Record<string, string>>;
  /** Query parameters. */
  readonly query: URLSearchParams;
  /** The request path as the client sent it (the problem's `instance`). */
  readonly instance: string;
  /** Aborted when the client goes away or the service closes. */
  readonly signal: AbortSignal;
}

/** Handles one method of one resource. */
export type Handler = (context: IRequestContext) => Promise<void>;

/** HTTP methods the service serves. */
export type Method = 'GET' | 'POST' | 'DELETE';

/** The handlers of one resource, by method. */
export type IResource = Partial<Record<Method, Handler>>;

/** How a path parameter is checked before any handler runs. */
export type ParamCheck = (value: string, name: string) => void;

interface IRoute {
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly resource: IResource;
}

/** A matched request. */
export interface IMatch {
  /** The handler. */
  readonly handler: Handler;
  /** Its path parameters. */
  readonly params: Record<string, string>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks a namespace or job name from a path: a DNS-1123 label.
 *
 * @param value - the decoded segment
 * @param name - the parameter's name, for the message
 * @throws {HttpProblem} 400 naming the parameter
 */
export function checkDnsLabel(value: string, name: string): void {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    throw badRequest(
      `invalid ${name} ${JSON.stringify(value)}: a ${name} must consist of lower case alphanumeric characters or '-', start and end with an alphanumeric character, and be at most 63 characters (a DNS-1123 label)`,
      [
        {
          path: name,
          message:
            "must be a DNS-1123 label: lower case letters, digits and '-', starting and ending with a letter or digit"
        }
      ]
    );
  }
}

/** Routes requests to resources. */
export class Router {
  private readonly table: IRoute[] = [];

  /**
   * @param checks - how each `{param}` is checked, by name
   */
  constructor(
    private readonly checks: Readonly<Record<string, ParamCheck>> = {}
  ) {}

  /**
   * Adds a resource.
   *
   * @param pattern - e.g. `/api/jobs/{namespace}/{name}`
   * @param resource - its handlers by method
   */
  add(pattern: string, resource: IResource): void {
    this.table.push({
      pattern,
      segments: pattern.split('/').slice(1),
      resource
    });
  }

  /** Every route and its methods, for documentation checks. */
  get routes(): { pattern: string; methods: string[] }[] {
    return this.table.map(r => ({
      pattern: r.pattern,
      methods: Object.keys(r.resource)
    }));
  }

  /**
   * Finds the handler of a request.
   *
   * @param method - the request method
   * @param segments - decoded path segments (see {@link splitPath})
   * @returns the handler and parameters
   * @throws {HttpProblem} 404 for no route, 405 for a method it lacks, 400 for a bad parameter
   */
  match(method: string, segments: readonly string[]): IMatch {
    for (const route of this.table) {
      const params = bind(route.segments, segments);
      if (!params) {
        continue;
      }
      const handler = route.resource[method as Method];
      if (!handler) {
        const allow = Object.keys(route.resource).join(', ');
        throw new HttpProblem(
          405,
          'MethodNotAllowed',
          `the method ${method} is not allowed on ${route.pattern}; use ${allow}`,
          [],
          { Allow: allow }
        );
      }
      for (const [name, value] of Object.entries(params)) {
        this.checks[name]?.(value, name);
      }
      return { handler, params };
    }
    throw new HttpProblem(
      404,
      'NotFound',
      `the server could not find the requested resource`
    );
  }
}

function bind(
  pattern: readonly string[],
  segments: readonly string[]
): Record<string, string> | null {
  if (pattern.length !== segments.length) {
    return null;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i];
    if (part.startsWith('{') && part.endsWith('}')) {
      params[part.slice(1, -1)] = segments[i];
    } else if (part !== segments[i]) {
      return null;
    }
  }
  return params;
}

/**
 * Splits a request target into decoded path segments and query, below the base path.
 *
 * @param target - `req.url`, e.g. `/api/jobs/default/pi?x=1`
 * @param basePath - the prefix the service is mounted at, '' for none
 * @returns segments (without the base path) and query
 * @throws {HttpProblem} 400 for dot segments, encoded slashes or bad escapes; 404 outside the base path
 */
export function splitPath(
  target: string,
  basePath: string
): { segments: string[]; query: URLSearchParams } {
  const mark = target.indexOf('?');
  const raw = mark < 0 ? target : target.slice(0, mark);
  const query = new URLSearchParams(mark < 0 ? '' : target.slice(mark + 1));
  if (!raw.startsWith(`${basePath}/`)) {
    throw new HttpProblem(
      404,
      'NotFound',
      'the server could not find the requested resource'
    );
  }
  const segments = raw
    .slice(basePath.length + 1)
    .split('/')
    .map(segment => {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        throw badRequest(
          `invalid path segment ${JSON.stringify(segment)}: malformed percent-encoding`
        );
      }
      // Never resolve or pass on: a name like this is an attempt to leave the resource.
      if (decoded === '.' || decoded === '..' || /[/\\\0]/.test(decoded)) {
        throw badRequest(
          `invalid path segment ${JSON.stringify(segment)}: path segments may not be "." or ".." or contain slashes`,
          [
            {
              path: 'path',
              message: 'must not contain ".", ".." or encoded slashes'
            }
          ]
        );
      }
      return decoded;
    });
  return { segments, query };
}
