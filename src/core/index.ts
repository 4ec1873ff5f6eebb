/**
 * The pure model of jupyterlab-mpijob: no I/O, runs in the browser and Node.
 * Names are listed explicitly so the public surface is a decision.
 */
export type { IProblem } from './errors';
export { assert, formatProblem, ValidationError } from './errors';
export type { IBuiltJob } from './job';
export { buildJob, cellSelection } from './job';
export type { IKubeObject, IObjectMeta } from './kube';
export {
  CONFIGMAP_MAX_BYTES,
  GPU_RESOURCE,
  JOB_NAME_LABEL,
  MPIJOB_API_VERSION,
  MPIJOB_RESOURCE
} from './kube';
export type { IRenderedJob, IRenderOptions } from './manifest';
export {
  DEFAULT_IMAGES,
  launcherCommand,
  programConfigMapName,
  renderJob
} from './manifest';
export type { InputDocument } from './inputDocument';
export { classifyDocument, prepareMpiJob } from './inputDocument';
export { jobNameFromNotebook } from './naming';
export type {
  CellSelection,
  INotebook,
  IPackagedProgram,
  ISourceLocation
} from './notebook';
export {
  decodeSourceMap,
  encodeSourceMap,
  locateProgramLine,
  mapTraceback,
  packageNotebook,
  parseNotebook,
  PROGRAM_FILE_NAME
} from './notebook';
export type {
  ILaunchSpec,
  LaunchSpecValidation,
  MpiImplementation
} from './spec';
export {
  LAUNCH_SPEC_SCHEMA,
  parseLaunchSpec,
  totalRanks,
  validateLaunchSpec
} from './spec';
export type { IBootstrapOptions, IInterval } from './bootstrap';
export {
  bootstrapMedianInterval,
  DEFAULT_BOOTSTRAP,
  median,
  seededRandom
} from './bootstrap';
export type { IScalingRow, IScalingTable, IStats } from './stats';
export {
  computeStats,
  karpFlatt,
  parallelEfficiency,
  scalingTable,
  speedup
} from './stats';
export type {
  IEventLike,
  IJobReduction,
  IMpiJobLike,
  IPodLike,
  IReplicaNode,
  ITopology,
  JobPhase,
  JobStatus
} from './status';
export { reduceJob, summarizeTopology } from './status';
export { parseYamlStream, toYamlStream } from './yamlStream';
