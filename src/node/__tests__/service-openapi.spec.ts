/**
 * schema/openapi.yaml describes exactly the routes the service registers,
 * and the copy the bundled service serves is the same text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import type { IServiceDeps } from '../service/context';
import { OPENAPI_YAML } from '../service/openapiDocument';
import { createRouter } from '../service/routes';

const SCHEMA_DIR = join(__dirname, '..', '..', '..', 'schema');
const SOURCE = readFileSync(join(SCHEMA_DIR, 'openapi.yaml'), 'utf8');

interface IDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
}

const doc = parse(SOURCE) as IDocument;

describe('the OpenAPI description', () => {
  it('is served verbatim: the embedded copy equals schema/openapi.yaml', () => {
    // On failure, run npm run build:schemas.
    expect(OPENAPI_YAML).toBe(SOURCE);
  });

  it('is OpenAPI 3.1 and documents every route with exactly its methods', () => {
    expect(doc.openapi).toBe('3.1.0');
    const routes = createRouter({} as IServiceDeps).routes;
    const documented = Object.fromEntries(
      Object.entries(doc.paths).map(([path, item]) => [
        path,
        Object.keys(item)
          .filter(k => ['get', 'post', 'put', 'delete', 'patch'].includes(k))
          .map(k => k.toUpperCase())
          .sort()
      ])
    );
    expect(documented).toEqual(
      Object.fromEntries(routes.map(r => [r.pattern, [...r.methods].sort()]))
    );
  });

  it('resolves every reference, the launch spec schema included', () => {
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach(walk);
      } else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') {
            refs.push(value);
          } else {
            walk(value);
          }
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) {
      if (ref.startsWith('#/')) {
        const target = ref
          .slice(2)
          .split('/')
          .reduce<unknown>(
            (node, part) =>
              (node as Record<string, unknown> | undefined)?.[part],
            doc
          );
        expect([ref, target !== undefined]).toEqual([ref, true]);
      } else {
        expect(existsSync(join(SCHEMA_DIR, ref))).toBe(true);
      }
    }
  });

  it('documents the problem document and the event streams', () => {
    const problem = doc.components.schemas.Problem as { required: string[] };
    expect(problem.required).toEqual([
      'type',
      'title',
      'status',
      'detail',
      'instance',
      'message'
    ]);
    for (const path of ['/api/events', '/api/jobs/{namespace}/{name}/stream']) {
      const get = doc.paths[path].get as {
        responses: Record<string, { $ref?: string }>;
        'x-sse-events': object;
      };
      expect(get.responses['200'].$ref).toBe(
        '#/components/responses/EventStream'
      );
      expect(Object.keys(get['x-sse-events'])).toContain('status');
    }
  });
});
