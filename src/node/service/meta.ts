/**
 * The service's own resources: health, preflight and its API description.
 */
import { LAUNCH_SPEC_SCHEMA } from '../../core/spec';
import type { IServiceDeps } from './context';
import { readJson, send, sendJson } from './http';
import { checkSpec, decodeSubmission } from './jobs';
import { OPENAPI_YAML } from './openapiDocument';
import type { IHealth } from './protocol';
import { isRecord } from './protocol';
import type { IResource } from './router';

/**
 * `/api/health`: the service answers, and which backend it runs.
 *
 * @param deps - the backend
 * @returns the resource
 */
export function healthResource(deps: IServiceDeps): IResource {
  return {
    async GET({ res }) {
      const health: IHealth = {
        ok: true,
        backend: deps.backend.kind,
        watching: deps.hub.watched
      };
      sendJson(res, 200, health);
    }
  };
}

/**
 * `/api/preflight`: can jobs run here (GET), can this launch spec run here (POST).
 *
 * @param deps - backend and limits
 * @returns the resource
 */
export function preflightResource(deps: IServiceDeps): IResource {
  return {
    async GET({ res }) {
      sendJson(res, 200, await deps.backend.preflight());
    },
    async POST({ req, res }) {
      const body = await readJson(req, deps.maxBodyBytes);
      // {spec, notebook} or {spec, program} as for submitting: the notebook's
      // code is checked too; a bare launch spec checks the rest.
      if (isRecord(body) && body.spec !== undefined) {
        const submission = decodeSubmission(
          body,
          undefined,
          deps.backend.kind === 'kubernetes'
        );
        sendJson(
          res,
          200,
          submission.kind === 'launch'
            ? await deps.backend.preflight(
                submission.job.spec,
                undefined,
                submission.job.program
              )
            : await deps.backend.preflight()
        );
        return;
      }
      sendJson(res, 200, await deps.backend.preflight(checkSpec(body)));
    }
  };
}

/**
 * `/api/openapi.yaml`: this API's OpenAPI 3.1 description.
 *
 * @returns the resource
 */
export function openapiResource(): IResource {
  return {
    async GET({ res }) {
      send(res, 200, 'application/yaml', OPENAPI_YAML);
    }
  };
}

/**
 * `/api/launch-spec.json`: the launch spec's JSON Schema, which the OpenAPI
 * description references by this relative name.
 *
 * @returns the resource
 */
export function launchSpecSchemaResource(): IResource {
  return {
    async GET({ res }) {
      sendJson(res, 200, LAUNCH_SPEC_SCHEMA);
    }
  };
}
