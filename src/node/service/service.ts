/**
 * The MPI job service: the REST API over a backend, on a unix socket (mode
 * 0600) or on 127.0.0.1 behind a bearer token. Nothing else is reachable.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmod, lstat, unlink } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

import type { IMpiJobBackend } from '../backends/backend';
import { BackendError } from '../backends/errors';
import { NotebookBenchmarks } from './benchmarks';
import type { IServiceDeps } from './context';
import { HttpProblem, sendProblem, toProblem } from './http';
import { JobEventHub } from './hub';
import { createRouter } from './routes';
import type { Router } from './router';
import { splitPath } from './router';
import { SseStream } from './sse';

/** Options of {@link createService}. */
export interface IServiceOptions {
  /** Where jobs run; the service does not close it. */
  readonly backend: IMpiJobBackend;
  /** Listen on this unix socket (created with mode 0600). */
  readonly socketPath?: string;
  /** Listen on this TCP port of 127.0.0.1 instead (0 picks one); needs `token`. */
  readonly port?: number;
  /** The only host a TCP listener binds. */
  readonly host?: '127.0.0.1';
  /** Bearer token every request must carry; required with `port`, optional on a socket. */
  readonly token?: string;
  /** Prefix of every route, e.g. `/mpijob`; '' (default) when a proxy strips it. */
  readonly basePath?: string;
  /** Largest request body (default 8 MiB); larger ones get 413. */
  readonly maxBodyBytes?: number;
  /** Interval of SSE heartbeat comments (default 15 s). */
  readonly heartbeatMs?: number;
  /** Changes kept for SSE resume (default 1024). */
  readonly replayEvents?: number;
  /**
   * What the service always watches: a namespace, or `*` for every one;
   * the backend's default namespace on Kubernetes, every one locally.
   */
  readonly home?: string;
  /** How long a namespace no stream follows any more stays watched, ms. */
  readonly lingerMs?: number;
  /** Interpreter of the bare mpirun runs of notebook benchmarks; `$MPIJOB_PYTHON`, else python3. */
  readonly python?: string;
  /** Results folder of notebook benchmarks that name none; `benchmarks/results` under the working directory. */
  readonly benchmarkResultsDir?: string;
  /** Receives one line per internal error; never given credentials. */
  readonly log?: (message: string) => void;
}

/** Where a started service listens. */
export interface IServiceAddress {
  /** The unix socket, when listening on one. */
  readonly socketPath?: string;
  /** `http://127.0.0.1:PORT` plus the base path, when listening on TCP. */
  readonly url?: string;
}

/** A created service. */
export interface IJobService {
  /**
   * Starts listening.
   *
   * @returns where
   * @throws {Error} when the socket is in use or the port taken
   */
  listen(): Promise<IServiceAddress>;
  /**
   * Whether stopping now would cut someone off: a client is connected (an
   * event stream, a log follow, a kept-alive connection), a job is pending,
   * running or being deleted, or a notebook benchmark runs.
   *
   * @returns true when busy
   */
  busy(): boolean;
  /** Ends every stream and connection and stops listening; safe to call twice. */
  close(): Promise<void>;
}

/** Default {@link IServiceOptions.maxBodyBytes}: notebooks with outputs get big. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Default {@link IServiceOptions.heartbeatMs}. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** Shortest token accepted: guessing must stay hopeless. */
const MIN_TOKEN_LENGTH = 16;

/** What a rejected body may still send before its connection is cut. */
const MAX_DISCARD_BYTES = 64 * 1024 * 1024;

/**
 * Creates the job service (not yet listening).
 *
 * @param options - backend, where to listen, limits
 * @returns the service
 * @throws {Error} for a listening setup that would be reachable without credentials
 */
export function createService(options: IServiceOptions): IJobService {
  checkExposure(options);
  const { backend, socketPath, port, token } = options;
  const basePath = normalizeBasePath(options.basePath ?? '');
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const hub = new JobEventHub(backend, {
    capacity: options.replayEvents,
    home: options.home,
    lingerMs: options.lingerMs
  });
  const streams = new Set<SseStream>();
  const requests = new Set<AbortController>();
  const benchmarks = new NotebookBenchmarks({
    backend,
    python: options.python,
    resultsDir: options.benchmarkResultsDir
  });
  const deps: IServiceDeps = {
    backend,
    hub,
    benchmarks,
    basePath,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    openStream(res) {
      const stream = new SseStream(res, { heartbeatMs });
      streams.add(stream);
      stream.onClose(() => streams.delete(stream));
      return stream;
    }
  };
  const router = createRouter(deps);
  const expected = token === undefined ? null : digest(token);
  const log = options.log ?? (() => undefined);

  const dispatcher: IDispatcher = { router, basePath, expected, log, requests };
  const server: Server = createServer((req, res) => {
    void dispatch(dispatcher, req, res);
  });
  const connections = new Set<Socket>();
  server.on('connection', socket => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  let listening = false;
  let closing: Promise<void> | null = null;

  return {
    async listen() {
      await hub.start(error => {
        // A user who may not list MPIJobs in their own namespace still
        // follows the namespaces they may: the service starts, and says so.
        const forbidden =
          error instanceof BackendError && error.reason === 'Forbidden';
        if (forbidden) {
          log(`not watching ${hub.home}: ${error.message}`);
        }
        return forbidden;
      });
      try {
        const address =
          socketPath !== undefined
            ? await listenOnSocket(server, socketPath)
            : await listenOnLoopback(server, port ?? 0, basePath);
        listening = true;
        server.on('error', error => log(`server error: ${error.message}`));
        return address;
      } catch (error) {
        hub.close();
        throw error;
      }
    },
    busy() {
      return (
        connections.size > 0 ||
        hub.hasActiveJobs() ||
        benchmarks.list().some(record => record.state === 'running')
      );
    },
    close() {
      closing ??= (async () => {
        // Running benchmarks stop and write what they measured.
        await benchmarks.close();
        hub.close();
        for (const stream of [...streams]) {
          stream.close();
        }
        for (const controller of [...requests]) {
          controller.abort();
        }
        if (listening) {
          await new Promise<void>(resolve => {
            server.close(() => resolve());
            server.closeAllConnections();
          });
        }
      })();
      return closing;
    }
  };
}

/**
 * Refuses setups that anyone but this user could reach.
 *
 * @throws {Error} naming what is missing
 */
function checkExposure(options: IServiceOptions): void {
  const { socketPath, port, token } = options;
  if ((socketPath === undefined) === (port === undefined)) {
    throw new Error('the service needs exactly one of socketPath and port');
  }
  if (port !== undefined) {
    if ((options.host ?? '127.0.0.1') !== '127.0.0.1') {
      throw new Error('the service listens on 127.0.0.1 only');
    }
    if (!token) {
      throw new Error('a service on a TCP port needs a bearer token');
    }
  }
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new Error(
      `the bearer token must be at least ${MIN_TOKEN_LENGTH} characters long`
    );
  }
}

/** What {@link dispatch} needs of the service. */
interface IDispatcher {
  readonly router: Router;
  readonly basePath: string;
  readonly expected: Buffer | null;
  readonly log: (message: string) => void;
  /** Requests in flight, aborted when the service closes. */
  readonly requests: Set<AbortController>;
}

/**
 * Answers one request: authenticate, route, run the handler, and turn
 * whatever it throws into problem+json.
 */
async function dispatch(
  service: IDispatcher,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const target = req.url ?? '/';
  const instance = pathOf(target);
  const controller = new AbortController();
  service.requests.add(controller);
  res.once('close', () => {
    controller.abort();
    service.requests.delete(controller);
  });
  try {
    authorize(req, service.expected);
    const { segments, query } = splitPath(target, service.basePath);
    const { handler, params } = service.router.match(
      req.method ?? '',
      segments
    );
    await handler({
      req,
      res,
      params,
      query,
      instance,
      signal: controller.signal
    });
  } catch (error) {
    if (res.headersSent) {
      // A stream failed after its 200 went out; cutting it is the only signal left.
      service.log(`${req.method} ${instance}: ${String(error)}`);
      res.destroy();
      return;
    }
    const { document, headers } = toProblem(error, instance);
    if (document.status >= 500) {
      service.log(`${req.method} ${instance}: ${document.detail}`);
    }
    if (document.status === 413) {
      headers.Connection = 'close';
      discardBody(req);
    }
    sendProblem(res, document, headers);
  }
}

/**
 * Compares the request's bearer token in constant time.
 *
 * @throws {HttpProblem} 401 when it is missing or wrong
 */
function authorize(req: IncomingMessage, expected: Buffer | null): void {
  if (!expected) {
    return;
  }
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!match) {
    throw new HttpProblem(
      401,
      'Unauthorized',
      'the request needs a bearer token: send "Authorization: Bearer <token>"',
      [],
      { 'WWW-Authenticate': 'Bearer realm="mpijob"' }
    );
  }
  // Hashing first makes the lengths equal, so the comparison leaks nothing.
  if (!timingSafeEqual(digest(match[1]), expected)) {
    throw new HttpProblem(
      401,
      'Unauthorized',
      'the bearer token is not valid',
      [],
      { 'WWW-Authenticate': 'Bearer realm="mpijob", error="invalid_token"' }
    );
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function pathOf(target: string): string {
  return target.split('?')[0];
}

function normalizeBasePath(basePath: string): string {
  const trimmed = basePath.replace(/\/+$/, '');
  if (trimmed && !/^(\/[A-Za-z0-9._~-]+)+$/.test(trimmed)) {
    throw new Error(
      `invalid basePath ${JSON.stringify(basePath)}: use e.g. "/mpijob"`
    );
  }
  return trimmed;
}

/**
 * Reads and drops the rest of a rejected body, so the client can read the
 * answer instead of a reset connection; a client that sends on and on is cut.
 */
function discardBody(req: IncomingMessage): void {
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARD_BYTES) {
      req.socket.destroy();
    }
  });
  req.resume();
}

/** Listens on 127.0.0.1 (port 0 picks a free one). */
async function listenOnLoopback(
  server: Server,
  port: number,
  basePath: string
): Promise<IServiceAddress> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const actual = address && typeof address === 'object' ? address.port : port;
  return { url: `http://127.0.0.1:${actual}${basePath}` };
}

/**
 * Listens on a unix socket that only this user can use, replacing a stale
 * socket file a crashed service left behind.
 */
async function listenOnSocket(
  server: Server,
  path: string
): Promise<IServiceAddress> {
  await removeStaleSocket(path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // bind() runs synchronously inside listen(), so the umask covers exactly
    // the socket's creation: it is never accessible to others, not even briefly.
    const umask = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.removeListener('error', reject);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
  await chmod(path, 0o600);
  return { socketPath: path };
}

async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch {
    return;
  }
  if (!isSocket) {
    throw new Error(`cannot listen on ${path}: it exists and is not a socket`);
  }
  const alive = await new Promise<boolean>(resolve => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) {
    throw new Error(
      `cannot listen on ${path}: another MPI job service is listening there`
    );
  }
  await unlink(path);
}
