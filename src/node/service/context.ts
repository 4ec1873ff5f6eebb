/**
 * What the resource handlers share: the backend, the event hub and the
 * service's limits.
 */
import type { ServerResponse } from 'node:http';

import type { IMpiJobBackend } from '../backends/backend';
import type { NotebookBenchmarks } from './benchmarks';
import type { JobEventHub } from './hub';
import type { SseStream } from './sse';

/** Dependencies of the handlers. */
export interface IServiceDeps {
  /** Where jobs run. */
  readonly backend: IMpiJobBackend;
  /** The fan-out of the backend's watch. */
  readonly hub: JobEventHub;
  /** The notebook benchmarks started through the service. */
  readonly benchmarks: NotebookBenchmarks;
  /** Largest request body accepted. */
  readonly maxBodyBytes: number;
  /** Prefix of every route ('' for none), for Location headers. */
  readonly basePath: string;
  /** Opens an event stream the service closes when it shuts down. */
  openStream(res: ServerResponse): SseStream;
}
