/**
 * `/api/jobs/{namespace}/{name}/files[/{file}]`: the files a job's ranks
 * left (its notebook's figures): the list as JSON, each file as its bytes.
 */
import { extname } from 'node:path';

import { FILE_NAME } from '../../core/jobFiles';
import type { IServiceDeps } from './context';
import { badRequest, sendJson } from './http';
import type { IResource } from './router';

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json'
};

/**
 * The list of a job's files.
 *
 * @param deps - the backend
 * @returns the resource
 */
export function filesResource(deps: IServiceDeps): IResource {
  return {
    async GET({ res, params }) {
      sendJson(res, 200, {
        items: await deps.backend.listFiles(params.namespace, params.name)
      });
    }
  };
}

/**
 * One file of a job, as its bytes.
 *
 * @param deps - the backend
 * @returns the resource
 */
export function fileResource(deps: IServiceDeps): IResource {
  return {
    async GET({ res, params }) {
      if (!FILE_NAME.test(params.file)) {
        throw badRequest(`invalid file name ${JSON.stringify(params.file)}`, [
          {
            path: 'file',
            message:
              "must be a file name: letters, digits, '.', '_' and '-', starting with a letter or digit"
          }
        ]);
      }
      const file = await deps.backend.readFile(
        params.namespace,
        params.name,
        params.file
      );
      res.writeHead(200, {
        'Content-Type':
          MEDIA_TYPES[extname(file.name).toLowerCase()] ??
          'application/octet-stream',
        'Content-Length': String(file.bytes.length),
        'Content-Disposition': `attachment; filename="${file.name}"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        // A job's file is data, never a page that runs.
        'Content-Security-Policy': "default-src 'none'; sandbox"
      });
      res.end(Buffer.from(file.bytes));
    }
  };
}
