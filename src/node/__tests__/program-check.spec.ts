/**
 * Sure failures of a notebook found before anything runs, with the ranks'
 * real Python: syntax errors (Python 2) and top-level imports of modules it
 * does not have, each naming cell and line; guarded imports and modules
 * beside the notebook are fine. Checked on submit and in preflight.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildJob } from '../../core/job';
import { parseLaunchSpec } from '../../core/spec';
import { BackendError } from '../backends/errors';
import { programSyntaxCheck } from '../backends/kubernetes/programSyntax';
import { LocalBackend } from '../backends/local';

jest.setTimeout(60_000);

const PYTHON = join(__dirname, '..', '..', '..', '.venv', 'bin', 'python');
const dir = mkdtempSync(join(tmpdir(), 'mpijob-check-'));
let backend: LocalBackend;

beforeAll(async () => {
  backend = await LocalBackend.open({
    dataDir: join(dir, 'data'),
    python: PYTHON
  });
});

afterAll(async () => {
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

function job(name: string, cells: string[], workingDir?: string) {
  const spec = parseLaunchSpec({
    name,
    workers: 1,
    source: { notebook: `${name}.ipynb`, cells: 'all' },
    ...(workingDir ? { workingDir } : {})
  });
  return buildJob(spec, {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map(source => ({
      cell_type: 'code',
      metadata: {},
      outputs: [],
      source
    }))
  });
}

async function refusal(submit: Promise<unknown>): Promise<BackendError> {
  try {
    await submit;
  } catch (error) {
    if (error instanceof BackendError) {
      return error;
    }
    throw error;
  }
  throw new Error('the job was accepted');
}

describe('a notebook checked with the ranks’ Python before it runs', () => {
  it('should refuse Python 2 syntax, naming cell and line, and start nothing', async () => {
    const error = await refusal(
      backend.submit({
        kind: 'launch',
        job: job('py-two', ['x = 1', "print 'hello'"])
      })
    );
    expect(error.reason).toBe('Invalid');
    expect(error.problems).toEqual([
      {
        path: 'cell 2, line 1',
        message: expect.stringMatching(
          /^SyntaxError: Missing parentheses in call to 'print'.*: print 'hello'$/
        )
      }
    ]);
    expect(await backend.list()).toEqual([]);
  });

  it('should refuse top-level imports the ranks’ Python lacks, and only those', async () => {
    const error = await refusal(
      backend.submit({
        kind: 'launch',
        job: job('imports', [
          'import os\nimport no_such_module_here',
          'try:\n    import cupy as xp\nexcept ImportError:\n    import numpy as xp',
          'def later():\n    import not_at_top_level',
          'from no_such_package.sub import thing'
        ])
      })
    );
    expect(error.problems.map(p => [p.path, p.message])).toEqual([
      [
        'cell 1, line 2',
        `module 'no_such_module_here' is not installed in the ranks' Python (${PYTHON})`
      ],
      [
        'cell 4, line 1',
        `module 'no_such_package.sub' is not installed in the ranks' Python (${PYTHON})`
      ]
    ]);
    expect(error.message).toContain(
      `Install what is missing into ${PYTHON}, or set MPIJOB_PYTHON`
    );
  });

  it('should find modules beside the notebook, in its working directory', async () => {
    const folder = mkdtempSync(join(dir, 'project-'));
    writeFileSync(join(folder, 'beside_me.py'), 'X = 1\n');
    const report = await backend.preflight(
      job('beside', ['import beside_me'], folder).spec,
      undefined,
      job('beside', ['import beside_me'], folder).program
    );
    expect(report.checks.find(c => c.name === 'imports')).toMatchObject({
      ok: true
    });
    const elsewhere = await backend.preflight(
      job('beside', ['import beside_me']).spec,
      undefined,
      job('beside', ['import beside_me']).program
    );
    expect(elsewhere.ok).toBe(false);
    expect(elsewhere.checks.find(c => c.name === 'imports')).toMatchObject({
      ok: false,
      message: expect.stringContaining(
        "cell 1, line 1: module 'beside_me' is not installed"
      )
    });
  });

  it('should report both checks in preflight when given the notebook', async () => {
    const bad = job('both', ["print 'x'"]);
    const report = await backend.preflight(bad.spec, undefined, bad.program);
    expect(report.ok).toBe(false);
    expect(report.checks.find(c => c.name === 'program')).toMatchObject({
      ok: false,
      severity: 'error',
      message: expect.stringMatching(
        /^the notebook's code does not compile: cell 1, line 1: SyntaxError/
      )
    });
    // Nothing is said of its imports until it compiles.
    expect(report.checks.find(c => c.name === 'imports')).toBeUndefined();
    const good = job('good', ['import numpy']);
    const fine = await backend.preflight(good.spec, undefined, good.program);
    expect(
      fine.checks
        .filter(c => c.name === 'program' || c.name === 'imports')
        .map(c => c.ok)
    ).toEqual([true, true]);
  });
});

describe('a notebook bound for a cluster, compiled with this machine’s Python', () => {
  it('should warn of a line Python 3 refuses, naming cell and line, and not block', async () => {
    const bad = job('py2', ['x = 1', "print 'x'"]);
    expect(bad.program).not.toBeNull();
    expect(await programSyntaxCheck(bad.program!, PYTHON)).toEqual({
      name: 'program',
      ok: false,
      severity: 'warning',
      message: expect.stringMatching(
        /^cell 2, line 1: SyntaxError: Missing parentheses in call to 'print'.* \(with this machine's Python 3\.\d+\.\d+; the image's Python runs the job/
      ),
      fix: expect.stringContaining('skip-mpijob')
    });
    const good = job('py3', ["print('x')"]);
    expect(await programSyntaxCheck(good.program!, PYTHON)).toMatchObject({
      name: 'program',
      ok: true,
      message: expect.stringMatching(
        /^the notebook's code compiles with this machine's Python 3\./
      )
    });
  });

  it('should say nothing when no Python answers here', async () => {
    const some = job('nopython', ["print('x')"]);
    expect(
      await programSyntaxCheck(some.program!, join(dir, 'no-such-python'))
    ).toBeNull();
  });
});
