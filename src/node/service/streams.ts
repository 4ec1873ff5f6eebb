/**
 * The streaming resources: a job's output (`/logs`, text or NDJSON), the
 * change feed of all jobs (`/api/events`, SSE) and one job's status and
 * output together (`/stream`, SSE).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { IJobEvent, IJobRecord, ILogLine } from '../../core/jobRecord';
import type { JobPhase } from '../../core/status';
import { BackendError } from '../backends/errors';
import type { IServiceDeps } from './context';
import type { ISequencedEvent } from './hub';
import { inScope } from './hub';
import { badRequest, booleanParam, countParam, toProblem } from './http';
import { scopesParam } from './jobs';
import { NDJSON_MEDIA_TYPE, SSE_EVENTS } from './protocol';
import type { IResource } from './router';
import type { SseStream } from './sse';

const TERMINAL: ReadonlySet<JobPhase> = new Set(['Succeeded', 'Failed']);

/** How long a job stream waits, after the output ended, for the final status. */
const FINAL_STATUS_WAIT_MS = 10_000;

/**
 * `/api/jobs/{namespace}/{name}/logs`: the output as `text/plain` lines
 * (kubectl's form) or, with `Accept: application/x-ndjson`, one {@link ILogLine} per line.
 *
 * @param deps - the backend
 * @returns the resource
 */
export function logsResource(deps: IServiceDeps): IResource {
  return {
    async GET({ req, res, params, query, signal, instance }) {
      const follow = booleanParam(query, 'follow') ?? false;
      const timestamps = booleanParam(query, 'timestamps') ?? false;
      const rank = countParam(query, 'rank');
      const tail = countParam(query, 'tail', true);
      // Answer 404 as a problem before the 200 headers go out.
      await deps.backend.get(params.namespace, params.name);
      const ndjson = accepts(req, NDJSON_MEDIA_TYPE);
      res.writeHead(200, {
        'Content-Type': ndjson
          ? NDJSON_MEDIA_TYPE
          : 'text/plain; charset=utf-8',
        'Cache-Control': 'no-cache',
        'X-Accel-Buffering': 'no',
        'X-Content-Type-Options': 'nosniff'
      });
      res.flushHeaders();
      const lines = deps.backend.logs(params.namespace, params.name, {
        follow,
        rank,
        tail,
        signal
      });
      try {
        for await (const line of lines) {
          const text = ndjson
            ? `${JSON.stringify(line)}\n`
            : `${timestamps ? `${line.time} ` : ''}${line.text}\n`;
          if (signal.aborted) {
            return;
          }
          if (!res.write(text)) {
            await drained(res);
          }
        }
      } catch (error) {
        if (signal.aborted) {
          return;
        }
        if (!ndjson) {
          throw error;
        }
        // NDJSON readers learn why the output stopped; plain text can only be cut.
        const { document } = toProblem(error, instance);
        res.write(`${JSON.stringify({ error: document })}\n`);
      }
      res.end();
    }
  };
}

/**
 * `/api/events`: every job change as SSE, of the namespaces asked for
 * (`?namespace=` repeated, `?allNamespaces=true` for every one the user may
 * see, the service's own namespace without either); the service watches
 * them while the stream is open. A new client first gets every job (ADDED,
 * without ids) and then `synced` with the id to resume after;
 * `Last-Event-ID` resumes after that id, or resyncs when it is too old;
 * `?since=<ms>` starts with the changes the service received since then.
 *
 * @param deps - the hub
 * @returns the resource
 */
export function eventsResource(deps: IServiceDeps): IResource {
  return {
    async GET({ req, res, query }) {
      const hub = deps.hub;
      const scopes = scopesParam(query) ?? [hub.home];
      const since = countParam(query, 'since');
      const lastEventId = header(req, 'last-event-id');
      // Watching a namespace nobody watched yet lists it first; a refusal
      // (403) is answered as a problem, before the stream opens.
      const following = await hub.follow(scopes);
      const stream = deps.openStream(res);
      stream.onClose(() => following.dispose());
      const wanted = (event: IJobEvent): boolean =>
        scopes.some(scope => inScope(scope, event.job.namespace));
      const forward = (change: ISequencedEvent): void => {
        if (wanted(change.event)) {
          stream.send({
            event: SSE_EVENTS.status,
            id: change.id,
            data: change.event,
            shared: true
          });
        }
      };
      // From here to subscribe nothing awaits, so no change slips in between.
      const lastId =
        lastEventId !== undefined && /^\d+$/.test(lastEventId)
          ? Number(lastEventId)
          : NaN;
      const replay =
        lastEventId !== undefined
          ? hub.watchedSince(scopes, { id: lastId })
            ? hub.since(lastId)
            : null
          : since !== undefined && hub.watchedSince(scopes, { time: since })
            ? hub.receivedSince(since)
            : null;
      if (replay) {
        const mine = replay.filter(change => wanted(change.event));
        mine.forEach(forward);
        stream.send({
          event: SSE_EVENTS.synced,
          id: hub.lastId,
          data: { resumed: true, events: mine.length }
        });
      } else {
        if (lastEventId !== undefined || since !== undefined) {
          stream.send({
            event: SSE_EVENTS.resync,
            data: {
              reason:
                'the changes after the requested point are no longer buffered; every job follows'
            }
          });
        }
        const snapshot = hub.snapshot(scopes);
        for (const job of snapshot.jobs) {
          stream.send({
            event: SSE_EVENTS.status,
            data: { type: 'ADDED', job } satisfies IJobEvent
          });
        }
        stream.send({
          event: SSE_EVENTS.synced,
          id: snapshot.id,
          data: { resumed: false, jobs: snapshot.jobs.length }
        });
      }
      const subscription = hub.subscribe(forward);
      stream.onClose(() => subscription.dispose());
    }
  };
}

/**
 * `/api/jobs/{namespace}/{name}/stream`: one job as SSE. `status` events
 * carry its changes (the current state first), `log` events its output with
 * the line's ordinal as id, `end` the final record once it ended and every
 * line was sent. `Last-Event-ID` (a line ordinal) resumes the output after
 * that line.
 *
 * @param deps - backend and hub
 * @returns the resource
 */
export function jobStreamResource(deps: IServiceDeps): IResource {
  return {
    async GET({ req, res, params, signal, instance }) {
      const { namespace, name } = params;
      const lastEventId = header(req, 'last-event-id');
      if (lastEventId !== undefined && !/^\d{1,15}$/.test(lastEventId)) {
        throw badRequest(
          `invalid Last-Event-ID ${JSON.stringify(lastEventId)}: a job stream's ids are line numbers`
        );
      }
      const skip = lastEventId === undefined ? 0 : Number(lastEventId);
      // The job's namespace is watched while its stream is open, whichever
      // namespaces the jobs list shows.
      const following = await deps.hub.follow([namespace]);
      let known: IJobRecord;
      try {
        known =
          deps.hub.find(namespace, name) ??
          (await deps.backend.get(namespace, name));
      } catch (error) {
        following.dispose();
        throw error;
      }
      const stream = deps.openStream(res);
      stream.onClose(() => following.dispose());
      const follower = new JobFollower(stream, known);
      const subscription = deps.hub.subscribe(change => {
        const { job } = change.event;
        if (job.namespace === namespace && job.name === name) {
          follower.status(change.event);
        }
      });
      stream.onClose(() => subscription.dispose());
      follower.status({ type: 'ADDED', job: known });

      let ordinal = 0;
      try {
        for await (const line of deps.backend.logs(namespace, name, {
          follow: true,
          signal
        })) {
          ordinal++;
          if (ordinal <= skip) {
            continue;
          }
          if (!follower.log(ordinal, line)) {
            return;
          }
          await stream.drained();
        }
        if (signal.aborted || stream.closed) {
          return;
        }
        const final = await follower.final(
          () => deps.backend.get(namespace, name),
          FINAL_STATUS_WAIT_MS
        );
        stream.send({
          event: SSE_EVENTS.end,
          id: Math.max(ordinal, skip),
          data: final
        });
      } catch (error) {
        if (!signal.aborted && !stream.closed) {
          stream.send({
            event: SSE_EVENTS.error,
            data: toProblem(error, instance).document
          });
        }
      } finally {
        subscription.dispose();
        stream.close();
      }
    }
  };
}

/** Sends one job's events, each status once, and waits for its final one. */
class JobFollower {
  private latest: IJobRecord;
  private sent: IJobRecord | null = null;
  private deleted = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly stream: SseStream,
    job: IJobRecord
  ) {
    this.latest = job;
    // A client that leaves (or a service that closes) ends the wait for the final status.
    stream.onClose(() => this.wake?.());
  }

  /** Sends a change unless it is one already sent. */
  status(event: IJobEvent): void {
    const { job } = event;
    // Versions are opaque: the same one is a repeat, any other is news.
    const repeat =
      this.sent !== null &&
      event.type !== 'DELETED' &&
      this.sent.uid === job.uid &&
      this.sent.resourceVersion === job.resourceVersion;
    if (repeat) {
      return;
    }
    this.latest = job;
    this.sent = job;
    this.deleted = event.type === 'DELETED';
    this.stream.send({ event: SSE_EVENTS.status, data: event, shared: true });
    this.wake?.();
  }

  /** Sends a line; false when the client is gone. */
  log(ordinal: number, line: ILogLine): boolean {
    return this.stream.send({ event: SSE_EVENTS.log, id: ordinal, data: line });
  }

  /**
   * The record to end with: the backend's latest; when the output ended
   * before the status did, the terminal status once it arrives.
   */
  async final(
    get: () => Promise<IJobRecord>,
    waitMs: number
  ): Promise<IJobRecord> {
    try {
      const job = await get();
      this.status({ type: 'MODIFIED', job });
    } catch (error) {
      if (!(error instanceof BackendError && error.reason === 'NotFound')) {
        throw error;
      }
      this.deleted = true;
    }
    const deadline = Date.now() + waitMs;
    while (
      !this.deleted &&
      !TERMINAL.has(this.latest.status.phase) &&
      !this.stream.closed &&
      Date.now() < deadline
    ) {
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.latest;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function accepts(req: IncomingMessage, type: string): boolean {
  return (req.headers.accept ?? '')
    .split(',')
    .some(part => part.split(';')[0].trim().toLowerCase() === type);
}

function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed || res.writableEnded) {
    return Promise.resolve();
  }
  return new Promise(resolve => {
    const done = (): void => {
      res.removeListener('drain', done);
      res.removeListener('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
