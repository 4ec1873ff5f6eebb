/**
 * Notebooks written for ipyparallel: `%%px`/`%px` code runs on every rank
 * (or the `--targets`), client-side magics are left out with a note and
 * client-side code gets a warning, all naming cell and line; the
 * `--targets` condition picks the same ranks ipyparallel picks engines.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';

import { packageNotebook } from '../notebook';
import { targetsExpression } from '../notebook/ipyparallel';
import {
  codeCell,
  itWithPython,
  linesOfCell,
  notebook,
  validationError
} from './helpers/notebooks';

function pack(...cells: string[]) {
  return packageNotebook(notebook(cells.map(source => codeCell(source))));
}

describe('ipyparallel notebooks', () => {
  it('should run a %%px cell as it is on every rank, noting options that only steer the client', () => {
    const program = pack(
      '%%px --block --group-outputs=engine\nfrom mpi4py import MPI\nrank = MPI.COMM_WORLD.Get_rank()'
    );
    expect(linesOfCell(program, 1)).toEqual([
      'pass  # %%px: every rank runs this cell (%%px --block --group-outputs=engine)',
      'from mpi4py import MPI',
      'rank = MPI.COMM_WORLD.Get_rank()'
    ]);
    expect(program.warnings).toEqual([
      {
        path: 'cell 1, line 1',
        message: expect.stringMatching(
          /^%%px --block --group-outputs engine: ignored, it only steers how the ipyparallel client/
        )
      }
    ]);
  });

  it('should put a %%px --targets cell under a condition on the rank, leaving string contents alone', () => {
    const program = pack(
      "%%px --targets 1:3\ns = '''a\nb'''\nfor i in range(2):\n    print(i, s)\n"
    );
    expect(linesOfCell(program, 1)).toEqual([
      'if _mpijob_on_targets(slice(1, 3, None)):  # %%px --targets 1:3',
      "    s = '''a",
      "b'''",
      '    for i in range(2):',
      '        print(i, s)'
    ]);
    expect(program.code).toContain('def _mpijob_on_targets(targets):');
    expect(pack('%%px -t 0\n\n').code).toContain(
      'if _mpijob_on_targets(0): pass  # %%px -t 0'
    );
  });

  it('should translate %px lines, with and without targets', () => {
    const program = pack(
      "%px print('all')\n%px -t [0,2] print('some')\n%px --noblock !hostname"
    );
    expect(linesOfCell(program, 1)).toEqual([
      "print('all')",
      "if _mpijob_on_targets([0, 2]): print('some')",
      '_mpijob_shell("hostname")'
    ]);
  });

  it('should leave out the client-side magics with a note naming cell and line', () => {
    const program = pack(
      '%autopx',
      '%pxconfig --noblock\n%pxresult\n%ipcluster start -n 4\nx = 1'
    );
    expect(program.warnings.map(w => [w.path, w.message])).toEqual([
      ['cell 1, line 1', expect.stringMatching(/^%autopx was left out/)],
      ['cell 2, line 1', expect.stringMatching(/^%pxconfig was left out/)],
      ['cell 2, line 2', expect.stringMatching(/^%pxresult was left out/)],
      ['cell 2, line 3', expect.stringMatching(/^%ipcluster was left out/)]
    ]);
    expect(linesOfCell(program, 2)[3]).toBe('x = 1');
  });

  it('should warn about client-side ipyparallel code and say what to do', () => {
    const program = pack(
      'import ipyparallel as ipp\nrc = ipp.Cluster(n=4).start_and_connect_sync()\nview = rc[:]',
      '@view.remote(block=True)\ndef f():\n    return 1'
    );
    expect(program.warnings.map(w => w.path)).toEqual([
      'cell 1, line 1',
      'cell 1, line 2',
      'cell 2, line 1'
    ]);
    expect(program.warnings[0].message).toMatch(
      /has no meaning inside an MPIJob.*the cell selection, or the 'skip-mpijob' tag/
    );
  });

  it('should refuse what it cannot honour, naming cell, line and the fix', () => {
    const error = validationError(() =>
      pack(
        '%%px --targets 1:x\nprint(1)',
        '%%px --bogus\nprint(1)',
        '%px',
        '%px -t 0 !hostname',
        '%%px print(1)\nprint(2)'
      )
    );
    expect(error.problems.map(p => [p.path, p.message])).toEqual([
      [
        'cell 1, line 1',
        '%%px --targets 1:x: give the ranks as a number, a slice (1:3, ::2) or a list ([0,2] or 0,2)'
      ],
      [
        'cell 2, line 1',
        expect.stringMatching(/^%%px --bogus is not an option/)
      ],
      [
        'cell 3, line 1',
        '%px needs a statement after it, e.g. %px print(rank)'
      ],
      [
        'cell 4, line 1',
        expect.stringMatching(/^%px --targets with IPython syntax/)
      ],
      [
        'cell 5, line 1',
        "%%px takes only options on its line: move 'print(1)' into the cell"
      ]
    ]);
  });

  describe('--targets', () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'mpijob-targets-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** The ranks ipyparallel would pick: Python's own indexing of range(size). */
    function oracle(targets: string, size: number): number[] | 'error' {
      const ranks = [...Array(size).keys()];
      const index = (i: number): number | 'error' => {
        const at = i < 0 ? size + i : i;
        return at >= 0 && at < size ? at : 'error';
      };
      if (/^-?\d+$/.test(targets)) {
        const at = index(Number(targets));
        return at === 'error' ? 'error' : [at];
      }
      if (targets.includes(':')) {
        const [a, b, c] = targets.split(':');
        const step = c ? Number(c) : 1;
        const clamp = (v: string, dflt: number): number => {
          if (v === '') {
            return dflt;
          }
          const n = Number(v);
          const at = n < 0 ? size + n : n;
          return step > 0
            ? Math.min(Math.max(at, 0), size)
            : Math.min(Math.max(at, -1), size - 1);
        };
        const start = clamp(a, step > 0 ? 0 : size - 1);
        const stop = clamp(b ?? '', step > 0 ? size : -1);
        const out: number[] = [];
        for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
          out.push(ranks[i]);
        }
        return out;
      }
      const picked = targets
        .replace(/[[\]]/g, '')
        .split(',')
        .map(n => index(Number(n)));
      return picked.includes('error') ? 'error' : (picked as number[]);
    }

    const targetText = fc.oneof(
      fc.integer({ min: -5, max: 5 }).map(String),
      fc
        .tuple(
          fc.option(fc.integer({ min: -5, max: 5 })),
          fc.option(fc.integer({ min: -5, max: 5 })),
          fc.option(fc.integer({ min: -3, max: 3 }).filter(n => n !== 0))
        )
        .map(
          ([a, b, c]) => `${a ?? ''}:${b ?? ''}${c === null ? '' : `:${c}`}`
        ),
      fc
        .array(fc.integer({ min: -4, max: 4 }), { minLength: 1, maxLength: 3 })
        .map(list => `[${list.join(',')}]`)
    );

    itWithPython(
      'should pick the ranks Python picks from range(size), for every rank of a job',
      () => {
        const cases = fc.sample(
          fc.tuple(targetText, fc.integer({ min: 1, max: 5 })),
          { numRuns: 60, seed: 7 }
        );
        const file = join(dir, 'targets.py');
        const helper = packageNotebook(
          notebook([codeCell('%px -t 0 pass')])
        ).code;
        writeFileSync(
          file,
          `${helper}\nimport json, os, sys\nout = []\nfor targets, size in json.loads(sys.argv[1]):\n    picked = []\n    for rank in range(size):\n        os.environ['OMPI_COMM_WORLD_RANK'], os.environ['OMPI_COMM_WORLD_SIZE'] = str(rank), str(size)\n        try:\n            if _mpijob_on_targets(eval(targets)):\n                picked.append(rank)\n        except IndexError:\n            picked = 'error'\n            break\n    out.append(picked)\nprint(json.dumps(out))\n`
        );
        const expressions = cases.map(([text, size]) => {
          const expression = targetsExpression(text);
          expect(expression).not.toBeUndefined();
          return [expression, size];
        });
        const run = spawnSync('python3', [file, JSON.stringify(expressions)], {
          encoding: 'utf8'
        });
        expect(run.stderr).toBe('');
        const picked = JSON.parse(run.stdout) as (number[] | 'error')[];
        cases.forEach(([text, size], i) => {
          const expected = oracle(text, size);
          expect([text, size, picked[i]]).toEqual([
            text,
            size,
            Array.isArray(expected) ? [...new Set(expected)].sort() : expected
          ]);
        });
      }
    );

    it('should read all, numbers, slices and lists, and refuse the rest', () => {
      expect(targetsExpression('all')).toBeNull();
      expect(targetsExpression('::2')).toBe('slice(None, None, 2)');
      expect(targetsExpression('-1')).toBe('-1');
      expect(targetsExpression('0,2')).toBe('[0, 2]');
      expect(targetsExpression('[1, 3]')).toBe('[1, 3]');
      for (const bad of ['1:x', '::0', 'a', '[1,2', '1..3', '']) {
        expect(targetsExpression(bad)).toBeUndefined();
      }
    });
  });
});

describe('MPI started from inside a job', () => {
  it('should refuse !mpirun, !mpiexec and shell cells that start MPI, naming cell and line', () => {
    const error = validationError(() =>
      pack(
        '!mpiexec -n 4 python3 train.py',
        'x = 1\n!time OMP_NUM_THREADS=1 /usr/bin/mpirun.openmpi -np 2 ./a.out',
        '%%bash\necho start\nsrun python3 x.py'
      )
    );
    expect(error.problems.map(p => p.path)).toEqual([
      'cell 1, line 1',
      'cell 2, line 2',
      'cell 3, line 3'
    ]);
    expect(error.problems[0].message).toMatch(
      /^'mpiexec' starts MPI inside a rank .*mpijob create -- python3 script\.py/
    );
    expect(error.problems[1].message).toMatch(/^'\/usr\/bin\/mpirun\.openmpi'/);
  });

  it('should leave commands that only mention MPI alone', () => {
    expect(
      pack('!echo mpirun is not run here\n!which mpiexec\n!ls /opt/mpirun-docs')
        .warnings
    ).toEqual([]);
  });
});
