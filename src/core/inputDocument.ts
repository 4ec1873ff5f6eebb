/**
 * Existing MPIJob manifests as input (e.g. the upstream examples): tell them
 * apart from launch specs and check the structure the mpi-operator relies on.
 * Full field validation is the API server's job (against the CRD).
 */

import type { IProblem } from './errors';
import { ValidationError } from './errors';
import { imageReferenceProblem } from './imageRef';
import type { IKubeObject } from './kube';
import { MPIJOB_API_VERSION } from './kube';
import { describeAjvErrors } from './spec';
import { lazyValidator } from './schemaValidator';

/** A document read from a file given to `create -f`. */
export type InputDocument =
  | { readonly kind: 'mpijob'; readonly object: Record<string, unknown> }
  | { readonly kind: 'launch-spec'; readonly object: Record<string, unknown> };

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const replicaSpec = {
  type: 'object',
  required: ['template'],
  properties: {
    replicas: { type: 'integer', minimum: 0 },
    restartPolicy: {
      type: 'string',
      enum: ['Always', 'OnFailure', 'Never', 'ExitCode']
    },
    template: {
      type: 'object',
      required: ['spec'],
      properties: {
        spec: {
          type: 'object',
          required: ['containers'],
          properties: {
            containers: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                required: ['name', 'image'],
                properties: {
                  name: { type: 'string', minLength: 1 },
                  image: { type: 'string', minLength: 1 }
                }
              }
            }
          }
        }
      }
    }
  }
};

/** The structure of an MPIJob that we and the operator rely on. */
const MPIJOB_STRUCTURE = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    metadata: {
      type: 'object',
      required: ['name'],
      properties: {
        name: {
          type: 'string',
          minLength: 1,
          maxLength: 63,
          pattern: DNS_LABEL
        },
        namespace: {
          type: 'string',
          minLength: 1,
          maxLength: 63,
          pattern: DNS_LABEL
        }
      }
    },
    spec: {
      type: 'object',
      required: ['mpiReplicaSpecs'],
      properties: {
        slotsPerWorker: { type: 'integer', minimum: 1 },
        mpiImplementation: {
          type: 'string',
          enum: ['OpenMPI', 'Intel', 'MPICH']
        },
        mpiReplicaSpecs: {
          type: 'object',
          required: ['Launcher'],
          additionalProperties: false,
          properties: {
            Launcher: {
              ...replicaSpec,
              properties: {
                ...replicaSpec.properties,
                replicas: { type: 'integer', const: 1 }
              }
            },
            Worker: replicaSpec
          }
        }
      }
    }
  }
};

const validator = lazyValidator(MPIJOB_STRUCTURE, { strict: false });

/**
 * Tells an MPIJob manifest from a launch spec.
 *
 * @param doc - one parsed YAML/JSON document
 * @returns the document and what it is
 * @throws {ValidationError} for anything else (another kind, not an object)
 */
export function classifyDocument(doc: unknown): InputDocument {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ValidationError(
      [
        {
          path: '',
          message: 'expected a mapping: an MPIJob manifest or a launch spec'
        }
      ],
      'cannot read the input'
    );
  }
  const object = doc as Record<string, unknown>;
  if (object.kind === undefined && object.apiVersion === undefined) {
    return { kind: 'launch-spec', object };
  }
  if (object.kind === 'MPIJob') {
    return { kind: 'mpijob', object };
  }
  throw new ValidationError(
    [
      {
        path: 'kind',
        message: `${JSON.stringify(object.kind)} is not supported: give an MPIJob (${MPIJOB_API_VERSION}) or a launch spec (no kind)`
      }
    ],
    'cannot read the input'
  );
}

/** Image references of the replicas' containers that Kubernetes would not pull. */
function imageProblems(object: Record<string, unknown>): IProblem[] {
  const problems: IProblem[] = [];
  const replicas = ((object.spec ?? {}) as { mpiReplicaSpecs?: unknown })
    .mpiReplicaSpecs;
  for (const [role, replica] of Object.entries(
    (replicas ?? {}) as Record<string, unknown>
  )) {
    const pod = (
      replica as { template?: { spec?: Record<string, unknown> } } | null
    )?.template?.spec;
    for (const list of ['initContainers', 'containers'] as const) {
      const containers = pod?.[list];
      if (!Array.isArray(containers)) {
        continue;
      }
      containers.forEach((container: { image?: unknown }, i: number) => {
        if (typeof container?.image !== 'string') {
          return;
        }
        const problem = imageReferenceProblem(container.image);
        if (problem) {
          problems.push({
            path: `spec.mpiReplicaSpecs.${role}.template.spec.${list}[${i}].image`,
            message: problem
          });
        }
      });
    }
  }
  return problems;
}

/**
 * Checks an MPIJob manifest and fills in its namespace, kubectl-style.
 *
 * @param object - a document classified as an MPIJob
 * @param namespace - the namespace asked for with `-n`, if any
 * @returns a copy with `metadata.namespace` set
 * @throws {ValidationError} listing every structural problem
 */
export function prepareMpiJob(
  object: Record<string, unknown>,
  namespace: { value: string; explicit: boolean }
): IKubeObject {
  const problems: IProblem[] = [];
  if (object.apiVersion !== MPIJOB_API_VERSION) {
    problems.push({
      path: 'apiVersion',
      message:
        `${JSON.stringify(object.apiVersion)} is not served by mpi-operator v2: use ${MPIJOB_API_VERSION}` +
        (object.apiVersion === 'kubeflow.org/v1'
          ? ' (v1 MPIJobs need the v1 operator; move mpiReplicaSpecs and slotsPerWorker over as they are)'
          : '')
    });
  }
  const validate = validator();
  if (!validate(object)) {
    problems.push(...describeAjvErrors(validate.errors ?? []));
  } else {
    problems.push(...imageProblems(object));
  }
  if (problems.length) {
    throw new ValidationError(problems, 'invalid MPIJob');
  }
  const copy = structuredClone(object) as unknown as IKubeObject;
  const own = copy.metadata.namespace;
  if (own && namespace.explicit && own !== namespace.value) {
    throw new ValidationError(
      [
        {
          path: 'metadata.namespace',
          message: `the namespace from the provided object "${own}" does not match the namespace "${namespace.value}". You must pass '--namespace=${own}' to perform this operation.`
        }
      ],
      'namespace mismatch'
    );
  }
  copy.metadata.namespace = own ?? namespace.value;
  return copy;
}
