/**
 * The notebook's folder on this machine, read for a Kubernetes job: core
 * picks the files beside the notebook that ship with its program
 * (`collectLocalFiles`), this only reads them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

import type { INotebookFolder } from '../core/notebook';

/** Folders are listed this deep at most (a symlink loop or a huge tree stops here). */
const MAX_DEPTH = 16;

/**
 * The folder that holds a notebook.
 *
 * @param notebookPath - the notebook's path, relative to `base` unless absolute
 * @param base - where a relative path starts; the current directory when absent
 * @returns read access to its folder
 */
export function notebookFolder(
  notebookPath: string,
  base: string = process.cwd()
): INotebookFolder {
  const root = dirname(
    isAbsolute(notebookPath) ? notebookPath : resolve(base, notebookPath)
  );
  const at = (path: string): string => join(root, ...path.split('/'));
  const isFile = (path: string): boolean => {
    try {
      return statSync(at(path)).isFile();
    } catch {
      return false;
    }
  };
  return {
    isFile,
    readFile: path => {
      if (!isFile(path)) {
        return null;
      }
      try {
        return new Uint8Array(readFileSync(at(path)));
      } catch {
        return null;
      }
    },
    listFiles: path => {
      try {
        if (!statSync(at(path)).isDirectory()) {
          return null;
        }
      } catch {
        return null;
      }
      const files: string[] = [];
      const walk = (relative: string, depth: number): void => {
        if (depth > MAX_DEPTH) {
          return;
        }
        let names: string[];
        try {
          names = readdirSync(at(relative)).sort();
        } catch {
          return;
        }
        for (const name of names) {
          const child = `${relative}/${name}`;
          let stat;
          try {
            stat = statSync(at(child));
          } catch {
            continue;
          }
          if (stat.isDirectory()) {
            walk(child, depth + 1);
          } else if (stat.isFile()) {
            files.push(child);
          }
        }
      };
      walk(path.replace(/\/+$/, ''), 0);
      return files;
    }
  };
}
