/**
 * Sure failures of a notebook's program found before it runs, with the
 * ranks' own Python: a syntax error (Python 2's `print x`, a stray shell
 * line), and top-level imports of modules that Python does not have. Only
 * imports that would certainly run are checked: module-level ones, not
 * those under `if`, in functions, or in a `try` that handles ImportError.
 * Nothing of the program runs; modules are looked up, not imported.
 */
import { execFile } from 'node:child_process';

import type { IProblem } from '../../core/errors';
import type { IPackagedProgram } from '../../core/notebook';
import { locateProgramLine } from '../../core/notebook';

const CHECK_TIMEOUT_MS = 20_000;

// Reads the program on stdin; prints {"syntax": …|null, "missing": […], "version": "3.11.2"}.
const CHECKER = `
import ast, importlib.util, json, platform, sys
source = sys.stdin.read()
out = {'syntax': None, 'missing': [], 'version': platform.python_version()}
try:
    tree = ast.parse(source, 'mpijob_main.py')
    compile(tree, 'mpijob_main.py', 'exec')
except SyntaxError as error:
    out['syntax'] = {'line': error.lineno, 'message': error.msg, 'text': (error.text or '').strip()}
else:
    CAUGHT = ('ImportError', 'ModuleNotFoundError', 'Exception', 'BaseException')
    def catches(handler):
        return handler.type is None or any(name in ast.unparse(handler.type) for name in CAUGHT)
    def visit(body):
        for node in body:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Try) and not any(catches(h) for h in node.handlers):
                visit(node.body)
                continue
            else:
                continue
            for name in names:
                top = name.split('.')[0]
                try:
                    found = importlib.util.find_spec(top) is not None
                except (ImportError, ValueError):
                    found = False
                if not found:
                    out['missing'].append({'line': node.lineno, 'module': name})
    visit(tree.body)
print(json.dumps(out))
`;

/** What the ranks' Python says of a program. */
export interface IProgramVerdict {
  /** The syntax error, naming cell and line; null when it compiles. */
  readonly syntax: IProblem | null;
  /** Each top-level import of a module it does not have. */
  readonly missing: readonly IProblem[];
  /** Why the check could not run (no verdict), or null. */
  readonly unavailable: string | null;
  /** The Python's version, e.g. `3.11.2`; null when the check could not run. */
  readonly version: string | null;
}

interface IRawVerdict {
  syntax: { line: number | null; message: string; text: string } | null;
  missing: { line: number; module: string }[];
  version: string;
}

/**
 * Compiles a program and looks up its top-level imports in a Python.
 *
 * @param python - the ranks' interpreter (absolute path)
 * @param program - the packaged notebook
 * @param options - where and with what environment the ranks start
 * @returns syntax error and missing modules, each naming cell and line
 */
export function checkProgram(
  python: string,
  program: IPackagedProgram,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}
): Promise<IProgramVerdict> {
  return new Promise(resolve => {
    const child = execFile(
      python,
      ['-c', CHECKER],
      {
        cwd: options.cwd,
        env: options.env,
        timeout: CHECK_TIMEOUT_MS,
        maxBuffer: 1024 * 1024,
        encoding: 'utf8'
      },
      (error, stdout, stderr) => {
        let raw: IRawVerdict;
        try {
          raw = JSON.parse(stdout) as IRawVerdict;
        } catch {
          resolve({
            syntax: null,
            missing: [],
            version: null,
            unavailable: `${python} could not check the program: ${(stderr || error?.message || 'no answer').trim().split('\n').pop()}`
          });
          return;
        }
        resolve(verdict(raw, program, python));
      }
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(program.code);
  });
}

function verdict(
  raw: IRawVerdict,
  program: IPackagedProgram,
  python: string
): IProgramVerdict {
  const where = (line: number | null): string => {
    const at = line === null ? null : locateProgramLine(program, line);
    return at ? `cell ${at.cellNumber}, line ${at.line}` : 'program';
  };
  const syntax = raw.syntax
    ? {
        path: where(raw.syntax.line),
        message: `SyntaxError: ${raw.syntax.message}${raw.syntax.text ? `: ${raw.syntax.text}` : ''}`
      }
    : null;
  const missing = raw.missing.map(m => ({
    path: where(m.line),
    message: `module '${m.module}' is not installed in the ranks' Python (${python})`
  }));
  return { syntax, missing, unavailable: null, version: raw.version };
}
