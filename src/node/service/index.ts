/**
 * The MPI job service: REST + SSE over a backend, for JupyterLab and the CLI.
 */
export {
  createService,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_BODY_BYTES
} from './service';
export type { IJobService, IServiceAddress, IServiceOptions } from './service';
export type { IHealth, ISubmitRequest, IWireProgram } from './protocol';
export {
  API_PREFIX,
  decodeProgram,
  encodeProgram,
  NDJSON_MEDIA_TYPE,
  SSE_EVENTS
} from './protocol';
export type { IProblemDocument } from '../../core/problem';
export { PROBLEM_MEDIA_TYPE } from '../../core/problem';
