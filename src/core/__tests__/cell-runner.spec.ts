/**
 * The packaged program runs its cells as a kernel does, checked with a real
 * Python: a cell's last bare expression is shown (unless None or ended with
 * `;`), `display()` works without an import, cells share one `__main__`
 * namespace, and a traceback starts at the cell, not in the runner.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { locateProgramLine, packageNotebook } from '../notebook';
import { codeCell, itWithPython, notebook } from './helpers/notebooks';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpijob-cells-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...cells: string[]) {
  const program = packageNotebook(
    notebook(cells.map(source => codeCell(source)))
  );
  const file = join(dir, 'program.py');
  writeFileSync(file, program.code);
  const result = spawnSync('python3', [file], { cwd: dir, encoding: 'utf8' });
  return { program, file, ...result };
}

describe('the packaged program', () => {
  itWithPython(
    "should show each cell's last bare expression as Jupyter does",
    () => {
      const result = run(
        "result = {'data': [1, 2], 'rank': 0}\nresult",
        "result['rank'];",
        'None',
        "print('printed')\n41 + 1  # the answer",
        "display('shown', 3)",
        'def f():\n    return _ * 2\n',
        'f()',
        'for i in range(2):\n    i'
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(
        [
          "{'data': [1, 2], 'rank': 0}",
          'printed',
          '42',
          'shown 3',
          '84',
          ''
        ].join('\n')
      );
    }
  );

  itWithPython(
    'should run every cell in one __main__ namespace, where pickle finds what cells define',
    () => {
      const result = run(
        'import pickle\nclass Point:\n    def __init__(self, x):\n        self.x = x',
        "assert __name__ == '__main__'\nprint(pickle.loads(pickle.dumps(Point(3))).x)"
      );
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('3\n');
    }
  );

  itWithPython(
    'should start a traceback at the cell that raised, as Jupyter does',
    () => {
      const result = run(
        'x = 1',
        'def g():\n    raise ValueError("boom")\n\ng()'
      );
      expect(result.status).toBe(1);
      const frames = [
        ...result.stderr.matchAll(/File "([^"]+)", line (\d+), in (\S+)/g)
      ];
      expect(frames.map(m => [m[1], m[3]])).toEqual([
        [result.file, '<module>'],
        [result.file, 'g']
      ]);
      expect(
        frames.map(m => locateProgramLine(result.program, Number(m[2])))
      ).toEqual([
        { cellNumber: 2, line: 4 },
        { cellNumber: 2, line: 2 }
      ]);
      expect(result.stderr).toMatch(/ValueError: boom\n$/);
      expect(result.stderr).not.toContain('_mpijob_run_cells');
    }
  );

  itWithPython('should refuse a syntax error before any cell runs', () => {
    const result = run("print('first')", 'print x');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/SyntaxError/);
  });
});
