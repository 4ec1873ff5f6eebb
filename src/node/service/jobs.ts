/**
 * The job resources: `/api/jobs` (list, submit) and
 * `/api/jobs/{namespace}/{name}` (get, delete).
 */
import type { IProblem } from '../../core/errors';
import { ValidationError } from '../../core/errors';
import { buildJob } from '../../core/job';
import { jobApiPath, jobKey } from '../../core/jobKey';
import { renderJob } from '../../core/manifest';
import { classifyDocument, prepareMpiJob } from '../../core/inputDocument';
import { validateLaunchSpec } from '../../core/spec';
import type { IJobRecord } from '../../core/jobRecord';
import type { ILaunchSpec } from '../../core/spec';
import type { Submission } from '../backends/backend';
import { ALL_NAMESPACES } from '../backends/backend';
import type { IServiceDeps } from './context';
import { badRequest, booleanParam, readJson, sendJson } from './http';
import { renderDefaults } from '../images';
import { notebookFolder } from '../notebookFolder';
import { decodeProgram, isRecord } from './protocol';
import type { IResource } from './router';
import { checkDnsLabel } from './router';

const SUBMIT_FIELDS = ['spec', 'notebook', 'program', 'manifest'];

/**
 * `/api/jobs`: list jobs (`?namespace=`, all when absent) and submit one (`?dryRun=`).
 *
 * @param deps - backend and limits
 * @returns the resource
 */
export function jobsResource(deps: IServiceDeps): IResource {
  return {
    async GET({ res, query }) {
      const scopes = scopesParam(query);
      if (!scopes) {
        sendJson(res, 200, { items: await deps.backend.list() });
        return;
      }
      const lists = await Promise.all(scopes.map(s => deps.backend.list(s)));
      const items = new Map<string, IJobRecord>();
      for (const job of lists.flat()) {
        items.set(jobKey(job), job);
      }
      sendJson(res, 200, {
        items: [...items.values()].sort((a, b) =>
          a.createdAt.localeCompare(b.createdAt)
        )
      });
    },
    async POST({ req, res, query }) {
      const dryRun = booleanParam(query, 'dryRun') ?? false;
      const submission = decodeSubmission(
        await readJson(req, deps.maxBodyBytes),
        namespaceParam(query),
        deps.backend.kind === 'kubernetes'
      );
      const record = await deps.backend.submit(submission, { dryRun });
      const location = `${deps.basePath}/api/${jobApiPath(record)}`;
      sendJson(res, 201, record, dryRun ? {} : { Location: location });
    }
  };
}

/**
 * `/api/jobs/{namespace}/{name}/events`: the Kubernetes events about the
 * job's objects, oldest first.
 *
 * @param deps - the backend
 * @returns the resource
 */
export function jobEventsResource(deps: IServiceDeps): IResource {
  return {
    async GET({ res, params }) {
      sendJson(res, 200, {
        items: await deps.backend.events(params.namespace, params.name)
      });
    }
  };
}

/**
 * `/api/jobs/{namespace}/{name}/report`: where the job's ranks ran and how
 * its start went.
 *
 * @param deps - the backend
 * @returns the resource
 */
export function jobReportResource(deps: IServiceDeps): IResource {
  return {
    async GET({ res, params }) {
      sendJson(
        res,
        200,
        await deps.backend.report(params.namespace, params.name)
      );
    }
  };
}

/**
 * `/api/namespaces`: the namespaces the user may create and follow jobs
 * in, and the one used when none is chosen.
 *
 * @param deps - the backend
 * @returns the resource
 */
export function namespacesResource(deps: IServiceDeps): IResource {
  return {
    async GET({ res, query }) {
      const fresh = booleanParam(query, 'fresh') ?? false;
      sendJson(res, 200, await deps.backend.namespaces(fresh));
    }
  };
}

/**
 * `/api/jobs/{namespace}/{name}`: one job, or delete it.
 *
 * @param deps - the backend
 * @returns the resource
 */
export function jobResource(deps: IServiceDeps): IResource {
  return {
    async GET({ res, params }) {
      sendJson(res, 200, await deps.backend.get(params.namespace, params.name));
    },
    async DELETE({ res, params }) {
      sendJson(
        res,
        200,
        await deps.backend.delete(params.namespace, params.name)
      );
    }
  };
}

/**
 * Reads the optional `namespace` query parameter.
 *
 * @param query - the query
 * @returns the namespace, or undefined for all
 * @throws {HttpProblem} 400 when it is not a DNS label
 */
export function namespaceParam(query: URLSearchParams): string | undefined {
  const namespace = query.get('namespace');
  if (namespace === null || namespace === '') {
    return undefined;
  }
  checkDnsLabel(namespace, 'namespace');
  return namespace;
}

/**
 * Reads which namespaces a list or stream covers: `namespace` (repeated,
 * or comma-separated) or `allNamespaces=true`.
 *
 * @param query - the query
 * @returns namespaces, or [{@link ALL_NAMESPACES}]; undefined when the query names none
 * @throws {HttpProblem} 400 for a namespace that is not a DNS label, or both forms
 */
export function scopesParam(query: URLSearchParams): string[] | undefined {
  const all = booleanParam(query, 'allNamespaces') ?? false;
  const namespaces = query
    .getAll('namespace')
    .flatMap(value => value.split(','))
    .map(value => value.trim())
    .filter(Boolean);
  if (all && namespaces.length) {
    throw badRequest('give namespace or allNamespaces=true, not both');
  }
  if (all) {
    return [ALL_NAMESPACES];
  }
  if (!namespaces.length) {
    return undefined;
  }
  for (const namespace of namespaces) {
    checkDnsLabel(namespace, 'namespace');
  }
  return [...new Set(namespaces)];
}

/**
 * Validates a launch spec from a request, with the query's namespace.
 *
 * @param input - the spec as sent
 * @param namespace - `?namespace=`, when given
 * @returns the filled spec
 * @throws {ValidationError} listing every problem (paths relative to the spec)
 */
export function checkSpec(input: unknown, namespace?: string): ILaunchSpec {
  let candidate = input;
  if (namespace !== undefined && isRecord(input)) {
    if (input.namespace !== undefined && input.namespace !== namespace) {
      throw new ValidationError(
        [
          {
            path: 'namespace',
            message: `the namespace from the provided object ${JSON.stringify(input.namespace)} does not match the namespace "${namespace}"`
          }
        ],
        'namespace mismatch'
      );
    }
    candidate = { ...input, namespace };
  }
  const result = validateLaunchSpec(candidate);
  if (!result.ok) {
    const name =
      isRecord(input) && typeof input.name === 'string' ? input.name : '';
    throw new ValidationError(
      result.problems,
      name
        ? `The launch spec "${name}" is invalid`
        : 'The launch spec is invalid'
    );
  }
  return result.spec;
}

/**
 * Reads a submit request: `{spec, notebook}`, `{spec, program}` or `{manifest}`.
 *
 * @param body - the parsed body
 * @param namespace - `?namespace=`, when given
 * @param shipsFiles - the job runs on Kubernetes: the local modules the
 *   notebook imports and the spec's files ship from the notebook's folder on
 *   this machine (`source.notebook`, relative to the service's directory)
 * @returns what to submit, the notebook packaged
 * @throws {HttpProblem|ValidationError} naming what is wrong
 */
export function decodeSubmission(
  body: unknown,
  namespace?: string,
  shipsFiles = false
): Submission {
  if (!isRecord(body)) {
    throw badRequest(
      'the request body must be a JSON object: {spec, notebook} or {spec, program} or {manifest}'
    );
  }
  const unknown = Object.keys(body).filter(k => !SUBMIT_FIELDS.includes(k));
  if (unknown.length) {
    throw badRequest(
      `unknown field(s) in the request body: ${unknown.join(', ')}`,
      unknown.map(k => ({
        path: k,
        message: `is not a known field; known fields are: ${SUBMIT_FIELDS.join(', ')}`
      }))
    );
  }
  if (body.manifest !== undefined) {
    return decodeManifest(body, namespace);
  }
  if (body.spec === undefined) {
    throw badRequest(
      'the request body needs spec (a launch spec) or manifest',
      [{ path: 'spec', message: 'is required unless manifest is given' }]
    );
  }
  const spec = checkSpec(body.spec, namespace);
  if (spec.command) {
    return { kind: 'launch', job: buildJob(spec, null, renderDefaults()) };
  }
  if (body.program !== undefined && body.notebook !== undefined) {
    throw badRequest('give either notebook or program, not both');
  }
  if (body.program !== undefined) {
    const program = decodeProgram(body.program);
    return {
      kind: 'launch',
      job: {
        spec,
        program,
        rendered: renderJob(spec, program, renderDefaults())
      }
    };
  }
  if (body.notebook === undefined || body.notebook === null) {
    throw new ValidationError(
      [
        {
          path: 'notebook',
          message:
            'is required: send the notebook (nbformat JSON, as an object or text) or a packaged program, or set command in the spec'
        }
      ],
      'nothing to run'
    );
  }
  return {
    kind: 'launch',
    job: buildJob(spec, body.notebook, {
      ...renderDefaults(),
      folder:
        shipsFiles && spec.source?.notebook && spec.source.notebook !== '-'
          ? notebookFolder(spec.source.notebook)
          : undefined
    })
  };
}

function decodeManifest(
  body: Record<string, unknown>,
  namespace?: string
): Submission {
  const extra = ['spec', 'notebook', 'program'].filter(
    k => body[k] !== undefined
  );
  if (extra.length) {
    throw badRequest(
      `give either manifest or a launch spec, not both (also got ${extra.join(', ')})`
    );
  }
  const document = classifyDocument(body.manifest);
  if (document.kind !== 'mpijob') {
    const problem: IProblem = {
      path: 'manifest.kind',
      message: 'must be MPIJob; send a launch spec as spec instead'
    };
    throw new ValidationError([problem], 'invalid manifest');
  }
  const object = prepareMpiJob(document.object, {
    value: namespace ?? 'default',
    explicit: namespace !== undefined
  });
  return { kind: 'manifest', object };
}
