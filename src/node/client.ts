/**
 * The job service's HTTP client: the CLI's backend. Every verb of
 * {@link IMpiJobBackend} maps to one route of the REST API; watches follow
 * the SSE change feed and reconnect without gaps until disposed.
 *
 * Launches travel as the validated spec plus the program the CLI packaged
 * (its source map in the compact encoding), so what runs is exactly what the
 * CLI showed; the service validates both again. {@link ServiceClient.submitLaunch}
 * sends a raw spec and notebook instead and lets the service package it.
 */
import { Agent, request } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';

import type { IServerSentEvent } from '../core/eventStream';
import { EventStreamParser } from '../core/eventStream';
import type {
  BackendKind,
  IJobEvent,
  IJobKubeEvent,
  IJobRecord,
  ILogLine,
  INamespaceList,
  IPreflightReport
} from '../core/jobRecord';
import type { IJobFile, IJobFileInfo } from '../core/jobFiles';
import type { IJobReport } from '../core/jobReport';
import type {
  INotebookBenchRecord,
  INotebookBenchRequest
} from '../core/notebookBench';
import { jobApiPath, jobKey } from '../core/jobKey';
import type { IPackagedProgram } from '../core/notebook';
import {
  decodeProblem,
  isFailureReason,
  reasonForStatus
} from '../core/problem';
import type { ILaunchSpec } from '../core/spec';
import type {
  IDisposable,
  ILogOptions,
  IMpiJobBackend,
  Submission
} from './backends/backend';
import { ALL_NAMESPACES } from './backends/backend';
import { BackendError } from './backends/errors';
import type { IHealth, ISubmitRequest } from './service/protocol';
import {
  API_PREFIX,
  encodeProgram,
  isRecord,
  NDJSON_MEDIA_TYPE,
  SSE_EVENTS,
  SSE_MEDIA_TYPE
} from './service/protocol';

/** Options of {@link ServiceClient}. */
export interface IServiceClientOptions {
  /** The service's unix socket. */
  readonly socketPath?: string;
  /** Or its loopback URL, `http://127.0.0.1:PORT` (plus a base path, if any). */
  readonly url?: string;
  /** Bearer token (needed on TCP). */
  readonly token?: string;
  /** The backend kind, when known; otherwise learned from `health()` and records. */
  readonly kind?: BackendKind;
  /** First reconnect delay of a watch (default 250 ms); it doubles up to `maxReconnectMs`. */
  readonly reconnectMs?: number;
  /** Longest reconnect delay (default 10 s). */
  readonly maxReconnectMs?: number;
  /** A watch reconnects after this long without a byte, heartbeats included (default 45 s). */
  readonly idleTimeoutMs?: number;
  /** Told why a watch connection failed before it reconnects. */
  readonly onWatchError?: (error: BackendError) => void;
}

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set([
  '127.0.0.1',
  'localhost',
  '[::1]'
]);

/** An {@link IMpiJobBackend} that is the job service, over HTTP. */
export class ServiceClient implements IMpiJobBackend {
  private readonly agent = new Agent({ keepAlive: true });
  private readonly where: string;
  private readonly basePath: string;
  private readonly target:
    { socketPath: string; servername: '' } | { host: string; port: number };
  private readonly watches = new Set<IDisposable>();
  private readonly streams = new Set<AbortController>();
  private knownKind: BackendKind | undefined;

  /**
   * @param options - where the service is and how to authenticate
   * @throws {Error} for a URL that is not http on a loopback address
   */
  constructor(private readonly options: IServiceClientOptions) {
    this.knownKind = options.kind;
    if (options.socketPath !== undefined) {
      // No TLS here, so no server name to work out: Node would otherwise
      // compile its IPv6 pattern for it, ~5 ms of every CLI command.
      this.target = { socketPath: options.socketPath, servername: '' };
      this.where = options.socketPath;
      this.basePath = '';
    } else if (options.url !== undefined) {
      const url = new URL(options.url);
      // The token must never leave the machine.
      if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) {
        throw new Error(
          `the MPI job service URL must be http://127.0.0.1:PORT, not ${options.url}`
        );
      }
      this.target = {
        host: url.hostname === '[::1]' ? '::1' : url.hostname,
        port: Number(url.port || 80)
      };
      this.where = `${url.protocol}//${url.host}`;
      this.basePath = url.pathname.replace(/\/+$/, '');
    } else {
      throw new Error('a ServiceClient needs socketPath or url');
    }
  }

  /**
   * Creates a client and learns the backend kind from the service.
   *
   * @param options - where the service is
   * @returns the client
   * @throws {BackendError} ServiceUnavailable when the service cannot be reached
   */
  static async connect(options: IServiceClientOptions): Promise<ServiceClient> {
    const client = new ServiceClient(options);
    try {
      await client.health();
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** The backend behind the service (`local` until the service said otherwise). */
  get kind(): BackendKind {
    return this.knownKind ?? 'local';
  }

  /**
   * Asks whether the service is up and which backend it runs.
   *
   * @returns the health report
   * @throws {BackendError} ServiceUnavailable when it cannot be reached
   */
  async health(): Promise<IHealth> {
    const health = await this.json<IHealth>('GET', '/health');
    this.knownKind = health.backend;
    return health;
  }

  /**
   * Runs the backend's preflight checks.
   *
   * @param spec - the job about to be submitted, when there is one
   * @returns the report
   */
  preflight(
    spec?: ILaunchSpec,
    _namespace?: string,
    program?: IPackagedProgram | null
  ): Promise<IPreflightReport> {
    if (spec === undefined) {
      return this.json<IPreflightReport>('GET', '/preflight');
    }
    return this.json<IPreflightReport>(
      'POST',
      '/preflight',
      program ? { spec, program: encodeProgram(program) } : spec
    );
  }

  /**
   * Submits a job: a launch sends the spec and the packaged program, a
   * manifest is sent as it is.
   *
   * @param submission - what to run
   * @param options - `dryRun`
   * @returns the record
   * @throws {BackendError} AlreadyExists, Invalid, …
   */
  submit(
    submission: Submission,
    options: { dryRun?: boolean } = {}
  ): Promise<IJobRecord> {
    const body: ISubmitRequest =
      submission.kind === 'launch'
        ? {
            spec: submission.job.spec,
            ...(submission.job.program
              ? { program: encodeProgram(submission.job.program) }
              : {})
          }
        : { manifest: submission.object };
    return this.post(body, options);
  }

  /**
   * Submits a raw launch spec and notebook; the service validates and packages them.
   *
   * @param spec - a launch spec (defaults are filled in by the service)
   * @param notebook - the notebook as nbformat JSON (object or text); not needed with `spec.command`
   * @param options - `dryRun`
   * @returns the record
   * @throws {BackendError} Invalid with field and cell problems, AlreadyExists, …
   */
  submitLaunch(
    spec: unknown,
    notebook?: unknown,
    options: { dryRun?: boolean } = {}
  ): Promise<IJobRecord> {
    return this.post(
      notebook === undefined ? { spec } : { spec, notebook },
      options
    );
  }

  /**
   * Lists jobs, oldest first.
   *
   * @param namespace - one namespace, or all when undefined
   * @returns the jobs
   */
  async list(namespace?: string): Promise<IJobRecord[]> {
    const query =
      namespace === undefined
        ? ''
        : namespace === ALL_NAMESPACES
          ? '?allNamespaces=true'
          : `?namespace=${encodeURIComponent(namespace)}`;
    const list = await this.json<{ items: IJobRecord[] }>(
      'GET',
      `/jobs${query}`
    );
    return list.items;
  }

  /**
   * The namespaces the user may create and follow jobs in.
   *
   * @param fresh - ask the cluster again instead of a recent answer
   * @returns the current namespace and the namespaces found
   */
  namespaces(fresh = false): Promise<INamespaceList> {
    return this.json<INamespaceList>(
      'GET',
      fresh ? '/namespaces?fresh=true' : '/namespaces'
    );
  }

  /**
   * The Kubernetes events about a job's objects.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns the events, oldest first
   * @throws {BackendError} NotFound
   */
  /**
   * Where a job's ranks ran and how its start went.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns placement, warning and timeline
   * @throws {BackendError} NotFound
   */
  report(namespace: string, name: string): Promise<IJobReport> {
    return this.json<IJobReport>('GET', `${jobPath(namespace, name)}/report`);
  }

  async events(namespace: string, name: string): Promise<IJobKubeEvent[]> {
    const list = await this.json<{ items: IJobKubeEvent[] }>(
      'GET',
      `${jobPath(namespace, name)}/events`
    );
    return list.items;
  }

  /**
   * One job.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns the record
   * @throws {BackendError} NotFound
   */
  get(namespace: string, name: string): Promise<IJobRecord> {
    return this.record('GET', jobPath(namespace, name));
  }

  /**
   * Stops a job and removes it.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns the job as it was when deleted
   * @throws {BackendError} NotFound
   */
  delete(namespace: string, name: string): Promise<IJobRecord> {
    return this.record('DELETE', jobPath(namespace, name));
  }

  /**
   * The files a job's ranks left.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @returns the files
   * @throws {BackendError} NotFound
   */
  async listFiles(namespace: string, name: string): Promise<IJobFileInfo[]> {
    const list = await this.json<{ items: IJobFileInfo[] }>(
      'GET',
      `${jobPath(namespace, name)}/files`
    );
    return list.items;
  }

  /**
   * One file a job's ranks left.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @param file - the file's name
   * @returns the file
   * @throws {BackendError} NotFound, for the job or the file
   */
  async readFile(
    namespace: string,
    name: string,
    file: string
  ): Promise<IJobFile> {
    const [info] = (await this.listFiles(namespace, name)).filter(
      f => f.name === file
    );
    const res = await this.open(
      'GET',
      `${jobPath(namespace, name)}/files/${encodeURIComponent(file)}`
    );
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) {
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      throw this.unavailable(error);
    }
    return {
      name: file,
      rank: info?.rank ?? 0,
      bytes: new Uint8Array(Buffer.concat(chunks))
    };
  }

  /**
   * Starts a notebook benchmark in the service, as the launch panel does.
   *
   * @param request - spec, notebook, worker counts, repeats, results folder
   * @returns its record, running
   * @throws {BackendError} Invalid naming the fields; Conflict while another runs
   */
  startBenchmark(
    request: INotebookBenchRequest
  ): Promise<INotebookBenchRecord> {
    return this.json<INotebookBenchRecord>('POST', '/benchmarks', request);
  }

  /**
   * A notebook benchmark's progress, and its results file once it ended.
   *
   * @param id - its id
   * @returns the record
   * @throws {BackendError} NotFound
   */
  benchmark(id: string): Promise<INotebookBenchRecord> {
    return this.json<INotebookBenchRecord>(
      'GET',
      `/benchmarks/${encodeURIComponent(id)}`
    );
  }

  /**
   * Stops a notebook benchmark; it still writes what it measured.
   *
   * @param id - its id
   * @returns the record as it is now
   * @throws {BackendError} NotFound
   */
  stopBenchmark(id: string): Promise<INotebookBenchRecord> {
    return this.json<INotebookBenchRecord>(
      'DELETE',
      `/benchmarks/${encodeURIComponent(id)}`
    );
  }

  /**
   * Follows job changes from now on over the SSE feed, reconnecting with
   * `Last-Event-ID` (exponential backoff with jitter) until disposed. After
   * a resync the listener gets the difference to what it saw: ADDED,
   * MODIFIED and DELETED events.
   *
   * @param namespace - one namespace, or all
   * @param listener - called for every change
   * @returns the handle that stops the watch
   */
  watch(
    namespace: string | undefined,
    listener: (event: IJobEvent) => void
  ): IDisposable {
    const watch = new EventWatch(this, namespace, listener, this.options);
    const handle: IDisposable = {
      dispose: () => {
        watch.dispose();
        this.watches.delete(handle);
      }
    };
    this.watches.add(handle);
    watch.start();
    return handle;
  }

  /**
   * A job's output as it streams from the service.
   *
   * @param namespace - its namespace
   * @param name - its name
   * @param options - follow, rank, tail, signal
   * @returns the lines, oldest first
   * @throws {BackendError} NotFound; ServiceUnavailable when the connection is lost
   */
  async *logs(
    namespace: string,
    name: string,
    options: ILogOptions = {}
  ): AsyncGenerator<ILogLine> {
    const query = new URLSearchParams();
    if (options.follow) {
      query.set('follow', 'true');
    }
    if (options.rank !== undefined) {
      query.set('rank', String(options.rank));
    }
    if (options.tail !== undefined) {
      query.set('tail', String(options.tail));
    }
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    options.signal?.addEventListener('abort', abort);
    this.streams.add(controller);
    let res: IncomingMessage | null = null;
    try {
      if (options.signal?.aborted) {
        return;
      }
      res = await this.open(
        'GET',
        `${jobPath(namespace, name)}/logs?${query}`,
        {
          headers: { Accept: NDJSON_MEDIA_TYPE },
          signal: controller.signal
        }
      );
      res.setEncoding('utf8');
      let pending = '';
      for await (const chunk of res) {
        pending += chunk as string;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const text of lines) {
          if (text) {
            yield this.logLine(text);
          }
        }
      }
      if (!res.complete) {
        throw this.unavailable(new Error('the connection closed mid-stream'));
      }
    } catch (error) {
      if (controller.signal.aborted) {
        return;
      }
      throw error instanceof BackendError ? error : this.unavailable(error);
    } finally {
      options.signal?.removeEventListener('abort', abort);
      this.streams.delete(controller);
      res?.destroy();
    }
  }

  /** Stops every watch and stream and closes idle connections. */
  async close(): Promise<void> {
    for (const watch of [...this.watches]) {
      watch.dispose();
    }
    for (const controller of [...this.streams]) {
      controller.abort();
    }
    this.agent.destroy();
  }

  /**
   * Sends a request and waits for the response headers.
   *
   * @param method - HTTP method
   * @param path - below `/api`, with query
   * @param options - body, headers, abort signal
   * @returns the response, status below 400
   * @throws {BackendError} the service's problem, or ServiceUnavailable
   * @internal
   */
  open(
    method: string,
    path: string,
    options: {
      body?: unknown;
      headers?: OutgoingHttpHeaders;
      signal?: AbortSignal;
      idleTimeoutMs?: number;
    } = {}
  ): Promise<IncomingMessage> {
    const payload =
      options.body === undefined
        ? undefined
        : Buffer.from(JSON.stringify(options.body), 'utf8');
    const headers: OutgoingHttpHeaders = {
      Accept: 'application/json',
      ...options.headers
    };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    }
    if (this.options.token !== undefined) {
      headers.Authorization = `Bearer ${this.options.token}`;
    }
    return new Promise((resolve, reject) => {
      const req = request({
        ...this.target,
        agent: this.agent,
        method,
        path: `${this.basePath}${API_PREFIX}${path}`,
        headers,
        signal: options.signal
      });
      if (options.idleTimeoutMs !== undefined) {
        req.setTimeout(options.idleTimeoutMs, () =>
          req.destroy(new Error(`no data for ${options.idleTimeoutMs} ms`))
        );
      }
      // `on`, not `once`: an abort after the response may emit a second error.
      req.on('error', error => reject(this.unavailable(error)));
      req.once('response', res => {
        if (res.statusCode !== undefined && res.statusCode < 400) {
          resolve(res);
          return;
        }
        readText(res).then(
          text => reject(this.problem(res, text)),
          error => reject(this.unavailable(error))
        );
      });
      req.end(payload);
    });
  }

  private async json<T>(
    method: string,
    path: string,
    body?: unknown
  ): Promise<T> {
    const res = await this.open(method, path, { body });
    let text: string;
    try {
      text = await readText(res);
    } catch (error) {
      throw this.unavailable(error);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new BackendError(
        'InternalError',
        `the MPI job service at ${this.where} sent a response that is not JSON`
      );
    }
  }

  private async record(
    method: string,
    path: string,
    body?: unknown
  ): Promise<IJobRecord> {
    const record = await this.json<IJobRecord>(method, path, body);
    this.knownKind = record.backend;
    return record;
  }

  private post(
    body: ISubmitRequest,
    options: { dryRun?: boolean }
  ): Promise<IJobRecord> {
    return this.record(
      'POST',
      `/jobs?dryRun=${options.dryRun ? 'true' : 'false'}`,
      body
    );
  }

  private logLine(text: string): ILogLine {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new BackendError(
        'InternalError',
        `the MPI job service at ${this.where} sent a log line that is not JSON`
      );
    }
    if (isRecord(value) && value.error !== undefined) {
      throw problemError(
        value.error,
        500,
        `the MPI job service at ${this.where} answered 500`
      );
    }
    return value as ILogLine;
  }

  private problem(res: IncomingMessage, text: string): BackendError {
    let document: unknown = null;
    try {
      document = JSON.parse(text);
    } catch {
      // Not ours (a proxy's page, say): the status line is all there is.
    }
    const status = res.statusCode ?? 500;
    return problemError(
      document,
      status,
      `the MPI job service at ${this.where} answered ${status} ${res.statusMessage ?? ''}`.trim()
    );
  }

  /**
   * The error for a service that cannot be reached.
   *
   * @param error - the network error
   * @returns ServiceUnavailable naming where
   * @internal
   */
  unavailable(error: unknown): BackendError {
    if (error instanceof BackendError) {
      return error;
    }
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such socket (is the service running?)'
        : code === 'ECONNREFUSED'
          ? 'connection refused (is the service running?)'
          : code === 'EACCES'
            ? 'permission denied'
            : error instanceof Error
              ? error.message
              : String(error);
    return new BackendError(
      'ServiceUnavailable',
      `cannot reach the MPI job service at ${this.where}: ${reason}`
    );
  }
}

/** One watch: an SSE connection, renewed with `Last-Event-ID` until disposed. */
class EventWatch {
  private readonly startedAt = Date.now();
  private readonly known = new Map<string, IJobRecord>();
  private lastEventId = '';
  private relist: Map<string, IJobRecord> | null = null;
  private controller: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private disposed = false;

  constructor(
    private readonly client: ServiceClient,
    private readonly namespace: string | undefined,
    private readonly listener: (event: IJobEvent) => void,
    private readonly options: IServiceClientOptions
  ) {}

  start(): void {
    void this.connect();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.controller?.abort();
  }

  private async connect(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const query = new URLSearchParams();
    if (this.namespace === ALL_NAMESPACES) {
      query.set('allNamespaces', 'true');
    } else if (this.namespace !== undefined) {
      query.set('namespace', this.namespace);
    }
    const headers: OutgoingHttpHeaders = { Accept: SSE_MEDIA_TYPE };
    if (this.lastEventId) {
      headers['Last-Event-ID'] = this.lastEventId;
    } else {
      // Until the first id arrives: the changes since watch() was called, not a list.
      query.set('since', String(this.startedAt));
    }
    try {
      const res = await this.client.open('GET', `/events?${query}`, {
        headers,
        signal: controller.signal,
        idleTimeoutMs: this.options.idleTimeoutMs ?? 45_000
      });
      this.attempt = 0;
      this.relist = null;
      const parser = new EventStreamParser(this.lastEventId);
      res.setEncoding('utf8');
      for await (const chunk of res) {
        for (const event of parser.push(chunk as string)) {
          this.onEvent(event);
        }
      }
      throw new Error('the service closed the event stream');
    } catch (error) {
      if (this.disposed) {
        return;
      }
      this.options.onWatchError?.(this.client.unavailable(error));
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    const initial = this.options.reconnectMs ?? 250;
    const max = this.options.maxReconnectMs ?? 10_000;
    const ceiling = Math.min(max, initial * 2 ** this.attempt++);
    // Jitter keeps many clients from reconnecting in lockstep after a restart.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.disposed) {
        void this.connect();
      }
    }, delay);
  }

  private onEvent(parsed: IServerSentEvent): void {
    if (this.disposed) {
      return;
    }
    if (parsed.event === SSE_EVENTS.resync) {
      this.relist = new Map();
      return;
    }
    if (parsed.event === SSE_EVENTS.synced) {
      if (this.relist) {
        this.applyRelist(this.relist);
        this.relist = null;
      }
      this.lastEventId = parsed.lastEventId;
      return;
    }
    if (parsed.event !== SSE_EVENTS.status) {
      return;
    }
    const event = JSON.parse(parsed.data) as IJobEvent;
    if (!parsed.hasId) {
      // Part of a list after a resync: compared with what the listener saw at `synced`.
      this.relist?.set(jobKey(event.job), event.job);
      return;
    }
    this.lastEventId = parsed.lastEventId;
    this.deliver(event);
  }

  private applyRelist(jobs: Map<string, IJobRecord>): void {
    for (const [id, job] of [...this.known]) {
      if (!jobs.has(id)) {
        this.deliver({ type: 'DELETED', job });
      }
    }
    for (const [id, job] of jobs) {
      const seen = this.known.get(id);
      if (!seen || seen.uid !== job.uid) {
        this.deliver({ type: 'ADDED', job });
      } else if (seen.resourceVersion !== job.resourceVersion) {
        this.deliver({ type: 'MODIFIED', job });
      }
    }
  }

  private deliver(event: IJobEvent): void {
    if (event.type === 'DELETED') {
      this.known.delete(jobKey(event.job));
    } else {
      this.known.set(jobKey(event.job), event.job);
    }
    this.listener(event);
  }
}

/**
 * Turns a problem document into the error the CLI prints as
 * `Error from server (Reason): detail`.
 *
 * @param document - the parsed body (or a log line's `error`)
 * @param status - the HTTP status
 * @param fallback - the sentence when the body says nothing
 * @returns the error
 */
function problemError(
  document: unknown,
  status: number,
  fallback: string
): BackendError {
  const problem = decodeProblem(document, status);
  if (!problem) {
    return new BackendError(reasonForStatus(status), fallback);
  }
  return new BackendError(
    isFailureReason(problem.title)
      ? problem.title
      : reasonForStatus(problem.status),
    problem.detail,
    problem.errors
  );
}

function jobPath(namespace: string, name: string): string {
  return `/${jobApiPath({ namespace, name })}`;
}

async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
