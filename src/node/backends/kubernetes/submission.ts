/**
 * What a submission to a cluster creates, and the error when its preflight
 * refuses it.
 */
import type { IProblem } from '../../../core/errors';
import type { IPreflightCheck } from '../../../core/jobRecord';
import type { IKubeObject } from '../../../core/kube';
import { SPEC_ANNOTATION } from '../../../core/clusterRecord';
import type { ILaunchSpec } from '../../../core/spec';
import type { Submission } from '../backend';
import { BackendError } from '../errors';

/** What a submission creates. */
export interface IObjects {
  readonly mpiJob: IKubeObject;
  readonly configMap: IKubeObject | null;
  readonly networkPolicy: IKubeObject | null;
  readonly spec: ILaunchSpec | null;
}

/**
 * The objects a submission creates in a namespace: a manifest as given (in
 * that namespace when it names none); a launch as rendered, its spec kept
 * in an annotation.
 *
 * @param submission - a manifest or a launch
 * @param namespace - the namespace to create in
 * @returns the objects
 */
export function objectsOf(submission: Submission, namespace: string): IObjects {
  if (submission.kind === 'manifest') {
    const object = submission.object;
    return {
      mpiJob: {
        ...object,
        metadata: {
          ...object.metadata,
          namespace: object.metadata.namespace ?? namespace
        }
      },
      configMap: null,
      networkPolicy: null,
      spec: null
    };
  }
  const { rendered, spec } = submission.job;
  const mpiJob = rendered.mpiJob;
  return {
    mpiJob: {
      ...mpiJob,
      metadata: {
        ...mpiJob.metadata,
        annotations: {
          ...(mpiJob.metadata.annotations ?? {}),
          [SPEC_ANNOTATION]: JSON.stringify(spec)
        }
      }
    },
    configMap: rendered.configMap,
    networkPolicy: rendered.networkPolicy,
    spec
  };
}

/**
 * The error for a launch preflight refused: 503 when the cluster cannot be
 * used, 403 when the user lacks a permission, 422 (Invalid, with the
 * fields at fault) when the job does not fit (GPUs, quota, gang scheduler,
 * namespace): nothing is forbidden then, the job must change.
 *
 * @param failed - the failed error-severity checks
 * @param fromSpec - whether the job came from a launch spec (its fields can be named)
 * @returns the error
 */
export function preflightRefusal(
  failed: readonly IPreflightCheck[],
  fromSpec: boolean
): BackendError {
  const detail = `preflight failed, nothing was created: ${failed
    .map(c => `${c.message}${c.fix ? ` (${c.fix})` : ''}`)
    .join('; ')}`;
  if (failed.some(c => c.name === 'api' || c.name === 'crd')) {
    return new BackendError('ServiceUnavailable', detail);
  }
  if (failed.some(c => c.name.startsWith('rbac:'))) {
    return new BackendError('Forbidden', detail);
  }
  const problems: IProblem[] = fromSpec
    ? failed.map(c => ({
        path: c.path ?? '',
        message: c.fix ? `${c.message}. ${c.fix}` : c.message
      }))
    : [];
  return new BackendError('Invalid', detail, problems);
}

/**
 * The gang scheduler a manifest asks for.
 *
 * @param mpiJob - the MPIJob
 * @returns `any` when it sets a schedulingPolicy, else undefined
 */
export function gangOf(mpiJob: IKubeObject): string | undefined {
  const policy = (
    mpiJob.spec as { runPolicy?: { schedulingPolicy?: unknown } } | undefined
  )?.runPolicy?.schedulingPolicy;
  // A manifest with a schedulingPolicy needs a gang scheduler; which one is
  // the operator's setting, so either will do.
  return policy ? 'any' : undefined;
}
