/**
 * The one place the service's routes are registered.
 */
import { benchmarkResource, benchmarksResource } from './benchmarks';
import type { IServiceDeps } from './context';
import { fileResource, filesResource } from './files';
import {
  jobEventsResource,
  jobReportResource,
  jobResource,
  jobsResource,
  namespacesResource
} from './jobs';
import {
  healthResource,
  launchSpecSchemaResource,
  openapiResource,
  preflightResource
} from './meta';
import { Router, checkDnsLabel } from './router';
import { eventsResource, jobStreamResource, logsResource } from './streams';

/**
 * Builds the router of the REST API.
 *
 * @param deps - what the handlers use
 * @returns the router, with `{namespace}` and `{name}` checked as DNS labels
 */
export function createRouter(deps: IServiceDeps): Router {
  const router = new Router({
    namespace: checkDnsLabel,
    name: checkDnsLabel,
    id: checkDnsLabel
  });
  router.add('/api/health', healthResource(deps));
  router.add('/api/preflight', preflightResource(deps));
  router.add('/api/openapi.yaml', openapiResource());
  router.add('/api/launch-spec.json', launchSpecSchemaResource());
  router.add('/api/events', eventsResource(deps));
  router.add('/api/jobs', jobsResource(deps));
  router.add('/api/jobs/{namespace}/{name}', jobResource(deps));
  router.add('/api/jobs/{namespace}/{name}/logs', logsResource(deps));
  router.add('/api/jobs/{namespace}/{name}/stream', jobStreamResource(deps));
  router.add('/api/jobs/{namespace}/{name}/files', filesResource(deps));
  router.add('/api/jobs/{namespace}/{name}/files/{file}', fileResource(deps));
  router.add('/api/jobs/{namespace}/{name}/events', jobEventsResource(deps));
  router.add('/api/jobs/{namespace}/{name}/report', jobReportResource(deps));
  router.add('/api/namespaces', namespacesResource(deps));
  router.add('/api/benchmarks', benchmarksResource(deps));
  router.add('/api/benchmarks/{id}', benchmarkResource(deps));
  return router;
}
