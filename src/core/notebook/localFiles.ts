/**
 * Files beside the notebook that a Kubernetes job needs: the local modules
 * its cells import (`x.py`, or a package folder `x/` with `__init__.py`),
 * the modules those import in turn, and the extra files the spec names.
 * Relative data paths the cells open but that do not ship get a warning.
 *
 * No I/O here: the caller hands in a view of the notebook's folder.
 */

import type { IProblem } from '../errors';
import { ValidationError } from '../errors';
import type { IPackagedProgram } from './model';
import { PythonScanner } from './pythonScanner';

/** Read access to the notebook's folder; every path is relative to it, `/`-separated. */
export interface INotebookFolder {
  /**
   * The bytes of a regular file.
   *
   * @param path - relative to the notebook's folder
   * @returns its bytes; null when it is not a regular file
   */
  readFile(path: string): Uint8Array | null;
  /**
   * Every regular file under a folder, recursively.
   *
   * @param path - relative to the notebook's folder
   * @returns paths relative to the notebook's folder; null when it is not a folder
   */
  listFiles(path: string): string[] | null;
  /**
   * Whether a regular file exists.
   *
   * @param path - relative to the notebook's folder
   * @returns true for a regular file
   */
  isFile(path: string): boolean;
}

/** A file shipped with the program, at its path relative to the notebook's folder. */
export interface IShippedFile {
  /** Relative, `/`-separated path; the ranks find it at this path in their working directory. */
  readonly path: string;
  /** Its contents. */
  readonly bytes: Uint8Array;
}

/** What ships beside the program, and the warnings about what does not. */
export interface ILocalFiles {
  /** The files, sorted by path. */
  readonly files: readonly IShippedFile[];
  /** Relative data files the cells open that exist beside the notebook but do not ship. */
  readonly warnings: readonly IProblem[];
}

const IMPORT_LINE = /^\s*(import|from)\s+(.*)$/;
const MODULE_NAME = /^[A-Za-z_]\w*/;
// The first argument of a call is a plain string: open('data.csv'), np.load("x.npy"), pd.read_csv('d/t.csv').
const CALL_WITH_PATH = /[A-Za-z_][\w.]*\(\s*[rRuU]?(['"])([^'"\\\n]+)\1/g;
// Leaves out what is not a file of the notebook's folder: absolute, home, URLs, format templates.
const NOT_LOCAL = /^(\/|~|[A-Za-z][\w+.-]*:)|[{}*?%$<>|]/;
const SKIPPED_IN_FOLDERS = /(^|\/)(__pycache__|\.[^/]*)(\/|$)|\.py[co]$/;

/**
 * A relative path as the notebook's folder names it: no `.` segments, no
 * empty ones; null for a path that leaves the folder or is absolute.
 *
 * @param path - as written
 * @returns the normalized path, or null
 */
export function normalizeRelativePath(path: string): string | null {
  if (path.startsWith('/') || path.startsWith('~') || path.includes('\\')) {
    return null;
  }
  const parts = path.split('/').filter(part => part !== '' && part !== '.');
  if (parts.length === 0 || parts.includes('..')) {
    return null;
  }
  return parts.join('/');
}

/**
 * The top-level modules named by import statements in Python source.
 *
 * @param code - the source
 * @param include - which 1-based lines count (all when absent)
 * @returns module names with the line of their import, in order
 */
export function importedModules(
  code: string,
  include?: (line: number) => boolean
): { module: string; line: number }[] {
  const found: { module: string; line: number }[] = [];
  const scanner = new PythonScanner();
  const lines = code.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const starts = scanner.atLogicalLineStart;
    scanner.scan(line, index + 1);
    if (!starts || (include && !include(index + 1))) {
      continue;
    }
    for (const statement of line.split(';')) {
      const match = IMPORT_LINE.exec(statement);
      if (!match) {
        continue;
      }
      const rest = match[2].replace(/#.*$/, '');
      const names =
        match[1] === 'from'
          ? [rest.split(/\s+import\b/)[0]]
          : rest.replace(/[()\\]/g, '').split(',');
      for (const name of names) {
        const module = MODULE_NAME.exec(name.trim());
        if (module) {
          found.push({ module: module[0], line: index + 1 });
        }
      }
    }
  }
  return found;
}

function where(program: IPackagedProgram, programLine: number): string | null {
  const location = program.sourceMap[programLine - 1];
  return location ? `cell ${location.cellNumber}, line ${location.line}` : null;
}

/**
 * Chooses the files beside the notebook that ship with its program: the
 * local modules its cells import (and those they import), then the extra
 * paths the spec names (files, or folders taken whole).
 *
 * @param program - the packaged notebook
 * @param extra - the spec's `files`, relative to the notebook's folder
 * @param folder - the notebook's folder
 * @returns the files and warnings for relative data paths left behind
 * @throws {ValidationError} when an extra path is not in the folder
 */
export function collectLocalFiles(
  program: IPackagedProgram,
  extra: readonly string[],
  folder: INotebookFolder
): ILocalFiles {
  const shipped = new Map<string, Uint8Array>();
  const add = (path: string): boolean => {
    if (shipped.has(path)) {
      return false;
    }
    const bytes = folder.readFile(path);
    if (bytes === null) {
      return false;
    }
    shipped.set(path, bytes);
    return true;
  };
  const decoder = new TextDecoder('utf-8');
  const seenModules = new Set<string>();
  const importsOf = (code: string, include?: (line: number) => boolean) => {
    for (const { module } of importedModules(code, include)) {
      if (seenModules.has(module)) {
        continue;
      }
      seenModules.add(module);
      if (folder.isFile(`${module}.py`)) {
        add(`${module}.py`);
        importsOf(decoder.decode(shipped.get(`${module}.py`)));
      } else if (folder.isFile(`${module}/__init__.py`)) {
        for (const path of folder.listFiles(module) ?? []) {
          if (
            !SKIPPED_IN_FOLDERS.test(path) &&
            add(path) &&
            /\.py$/.test(path)
          ) {
            importsOf(decoder.decode(shipped.get(path)));
          }
        }
      }
    }
  };
  importsOf(
    program.code,
    line => (program.sourceMap[line - 1] ?? null) !== null
  );

  const problems: IProblem[] = [];
  extra.forEach((raw, index) => {
    const path = normalizeRelativePath(raw);
    if (path === null) {
      problems.push({
        path: `files[${index}]`,
        message: `"${raw}" is not a path inside the notebook's folder: give it relative to the folder, without ..`
      });
      return;
    }
    if (folder.isFile(path)) {
      add(path);
      return;
    }
    const inside = folder.listFiles(path);
    if (inside === null) {
      problems.push({
        path: `files[${index}]`,
        message: `"${raw}" is neither a file nor a folder beside the notebook`
      });
      return;
    }
    for (const file of inside) {
      if (!SKIPPED_IN_FOLDERS.test(file.slice(path.length + 1))) {
        add(file);
      }
    }
  });
  if (problems.length > 0) {
    throw new ValidationError(
      problems,
      'cannot ship the files beside the notebook'
    );
  }

  const warnings: IProblem[] = [];
  const warned = new Set<string>();
  const scanner = new PythonScanner();
  const lines = program.code.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const insideString = scanner.insideTripleQuotedString;
    scanner.scan(line, index + 1);
    const at = where(program, index + 1);
    if (at === null || insideString) {
      continue;
    }
    for (const match of line.matchAll(CALL_WITH_PATH)) {
      if (NOT_LOCAL.test(match[2])) {
        continue;
      }
      const path = normalizeRelativePath(match[2]);
      if (path === null || shipped.has(path) || !folder.isFile(path)) {
        continue;
      }
      const key = `${at}:${path}`;
      if (warned.has(key)) {
        continue;
      }
      warned.add(key);
      warnings.push({
        path: at,
        message: `opens '${match[2]}', a file beside the notebook that is not shipped to Kubernetes: add it to the launch spec's files (--file ${path}), or read it from a volume or object storage`
      });
    }
  }
  const files = [...shipped.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, bytes]) => ({ path, bytes }));
  return { files, warnings };
}
