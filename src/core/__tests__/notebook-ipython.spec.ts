/**
 * Packaging a notebook's IPython syntax (magics, shell escapes, help) into
 * plain Python, and properties of packaging over generated notebooks.
 */

import * as fc from 'fast-check';

import { INCLUDE_TAG, SKIP_TAG, packageNotebook } from '../notebook';
import type { CellSelection } from '../notebook';
import {
  codeCell,
  linesOfCell,
  markdownCell,
  notebook,
  programLines,
  splitSource,
  validationError
} from './helpers/notebooks';
import type { ITestCell } from './helpers/notebooks';

describe('#packageNotebook', () => {
  describe('IPython syntax', () => {
    function translate(source: string): string[] {
      return linesOfCell(packageNotebook(notebook([codeCell(source)])), 1);
    }

    it('should turn shell lines into calls of the generated shell helper, keeping indentation', () => {
      expect(
        translate(
          '!pip list\nfor i in range(2):\n    !echo "it\'s $i" \\\\ {i}\n!!ls'
        )
      ).toEqual([
        '_mpijob_shell("pip list")',
        'for i in range(2):',
        `    _mpijob_shell(${JSON.stringify('echo "it\'s $i" \\\\ {i}')})`,
        '_mpijob_shell("ls")'
      ]);
      const program = packageNotebook(notebook([codeCell('!ls')]));
      expect(program.code).toContain(
        'def _mpijob_shell(command, program=None):'
      );
      expect(program.code).toContain('shell=True, check=True');
    });

    it('should join backslash-continued shell lines like IPython, keeping one program line per cell line', () => {
      expect(translate('!echo one \\\n  two\nx = 1')).toEqual([
        '_mpijob_shell("echo one    two")',
        '#   two',
        'x = 1'
      ]);
    });

    it('should turn %env and %cd into os calls', () => {
      expect(
        translate(
          '%env OMP_NUM_THREADS=4\n%env MODE fast\n%cd /data/run 1\n%cd\n%env PATH2={path}'
        )
      ).toEqual([
        '_mpijob_os.environ["OMP_NUM_THREADS"] = "4"',
        '_mpijob_os.environ["MODE"] = "fast"',
        '_mpijob_os.chdir(_mpijob_os.path.expanduser("/data/run 1"))',
        '_mpijob_os.chdir(_mpijob_os.path.expanduser("~"))',
        '_mpijob_os.environ["PATH2"] = _mpijob_expand("{path}")'
      ]);
    });

    it('should drop interactive setup magics as pass statements that keep blocks valid', () => {
      expect(
        translate(
          '%matplotlib inline\nif True:\n    %load_ext autoreload\n%config Completer.use_jedi = False\n%autoreload 2\n%reload_ext foo'
        )
      ).toEqual([
        'pass  # dropped IPython magic: %matplotlib inline',
        'if True:',
        '    pass  # dropped IPython magic: %load_ext autoreload',
        'pass  # dropped IPython magic: %config Completer.use_jedi = False',
        'pass  # dropped IPython magic: %autoreload 2',
        'pass  # dropped IPython magic: %reload_ext foo'
      ]);
    });

    it('should run the statement of %time and %timeit, with a warning for %timeit', () => {
      const program = packageNotebook(
        notebook([
          codeCell('%time x = sum(range(10))\n  %timeit -n 10 -r 3 f(x)\n')
        ])
      );
      expect(linesOfCell(program, 1)).toEqual(['x = sum(range(10))', '  f(x)']);
      expect(program.warnings).toEqual([
        {
          path: 'cell 1, line 2',
          message: expect.stringMatching(/^%timeit runs the statement once/)
        }
      ]);
    });

    it('should drop help lines with a warning', () => {
      const program = packageNotebook(
        notebook([
          codeCell('x = 1\nx?\n?len\nnp.linalg.svd??\nif x:\n    obj.method?')
        ])
      );
      expect(linesOfCell(program, 1)).toEqual([
        'x = 1',
        'pass  # dropped IPython help: x?',
        'pass  # dropped IPython help: ?len',
        'pass  # dropped IPython help: np.linalg.svd??',
        'if x:',
        '    pass  # dropped IPython help: obj.method?'
      ]);
      expect(program.warnings.map(warning => warning.path)).toEqual([
        'cell 1, line 2',
        'cell 1, line 3',
        'cell 1, line 4',
        'cell 1, line 6'
      ]);
      expect(program.warnings[0].message).toMatch(/x\?.*help/);
    });

    it('should turn %%time and %%capture into pass and keep translating the body', () => {
      expect(translate('%%time\nx = 1\n!ls')).toEqual([
        'pass  # dropped IPython magic: %%time',
        'x = 1',
        '_mpijob_shell("ls")'
      ]);
      expect(translate('\n%%capture --no-stderr\nprint(1)')).toEqual([
        '',
        'pass  # dropped IPython magic: %%capture --no-stderr',
        'print(1)'
      ]);
    });

    it('should write %%writefile cells with one call on the magic line and the body as comments', () => {
      const program = packageNotebook(
        notebook([
          codeCell(
            '%%writefile -a "out dir/conf.yaml"\nkey: 1\n\n  nested: "x"\n'
          )
        ])
      );
      expect(linesOfCell(program, 1)).toEqual([
        '_mpijob_writefile("out dir/conf.yaml", "key: 1\\n\\n  nested: \\"x\\"\\n", True)',
        '# key: 1',
        '',
        '#   nested: "x"'
      ]);
      expect(program.warnings[0].message).toMatch(/once per rank/);
      expect(translate('%%writefile x.py\nprint(1)')[0]).toBe(
        '_mpijob_writefile("x.py", "print(1)\\n")'
      );
    });

    it('should run %%bash and %%sh cells as one shell call', () => {
      expect(translate('%%bash\nset -e\necho "$HOME"')).toEqual([
        '_mpijob_shell("set -e\\necho \\"$HOME\\"\\n", "bash")',
        '# set -e',
        '# echo "$HOME"'
      ]);
      expect(translate('%%sh\nls')[0]).toBe('_mpijob_shell("ls\\n", "sh")');
    });

    it('should leave IPython-looking text inside strings, brackets and continuations alone', () => {
      const source = [
        's = """',
        '%pip install numpy',
        '!rm -rf /',
        'obj?',
        '"""',
        "t = f'''{s!r:>{10}}",
        '%env X=1',
        "'''",
        'values = [',
        '    1,',
        '    %2,',
        ']',
        'total = 1 + \\',
        '    !0',
        "u = rb'\\'' ; v = 'a\\",
        '!not a shell line'
      ].join('\n');
      expect(translate(source)).toEqual(source.split('\n'));
    });

    it('should leave comments and strings that mention magics alone', () => {
      const source =
        '# %pip install x\nprint(\'!ls\', "%env")  # obj?\nx = 1 # !';
      expect(translate(source)).toEqual(source.split('\n'));
    });

    it('should move __future__ imports to the top of the program', () => {
      const program = packageNotebook(
        notebook([
          codeCell('x = 1'),
          codeCell('from __future__ import annotations\ny: Later = 2')
        ])
      );
      const lines = programLines(program);
      expect(lines.indexOf('from __future__ import annotations')).toBeLessThan(
        lines.findIndex(line => line.startsWith('import '))
      );
      expect(linesOfCell(program, 2)[0]).toBe(
        'pass  # moved to the top of the program: from __future__ import annotations'
      );
    });

    it('should warn about get_ipython() unless it is imported', () => {
      const warned = packageNotebook(
        notebook([
          codeCell('ip = get_ipython()\ns = "get_ipython"  # get_ipython')
        ])
      );
      expect(warned.warnings).toEqual([
        {
          path: 'cell 1, line 1',
          message: expect.stringMatching(/only inside IPython/)
        }
      ]);
      const imported = packageNotebook(
        notebook([
          codeCell('from IPython import get_ipython\nip = get_ipython()')
        ])
      );
      expect(imported.warnings).toEqual([]);
    });

    it('should collect every rejection from every cell into one error', () => {
      const error = validationError(() =>
        packageNotebook(
          notebook([
            codeCell('%pip install torch\nimport torch'),
            markdownCell('%pip in markdown is fine'),
            codeCell(
              'files = !ls\nout = %sx ls\n%run other.py\n%store x\n%who_knows'
            ),
            codeCell('%%javascript\nalert(1)'),
            codeCell('%%capture output\nprint(1)'),
            codeCell('x = 1\n%%time\ny = 2'),
            codeCell('await client.fetch()'),
            codeCell('doc = """never closed\n'),
            codeCell('%pip install skipped', [SKIP_TAG])
          ]),
          { notebookPath: 'train.ipynb' }
        )
      );
      expect(error.message).toMatch(/^train\.ipynb cannot run as an MPIJob/);
      expect(error.problems.map(problem => problem.path)).toEqual([
        'cell 1, line 1',
        'cell 3, line 1',
        'cell 3, line 2',
        'cell 3, line 3',
        'cell 3, line 4',
        'cell 3, line 5',
        'cell 4, line 1',
        'cell 5, line 1',
        'cell 6, line 2',
        'cell 7, line 1',
        'cell 8, line 1'
      ]);
      const messages = error.problems.map(problem => problem.message);
      expect(messages[0]).toMatch(
        /^%pip is IPython-only: install packages in the .*image instead, or tag the cell 'skip-mpijob'$/
      );
      expect(messages[1]).toMatch(/shell command's output.*subprocess\.run/);
      expect(messages[2]).toMatch(/magic's result/);
      expect(messages[3]).toMatch(/^%run is IPython-only/);
      expect(messages[4]).toMatch(/^%store is IPython-only/);
      expect(messages[5]).toMatch(/^%who_knows is an IPython magic/);
      expect(messages[6]).toMatch(
        /^%%javascript only displays something in Jupyter/
      );
      expect(messages[7]).toMatch(/%%capture output.*remove 'output'/);
      expect(messages[8]).toMatch(/%%time is a cell magic .*first line/);
      expect(messages[9]).toMatch(/top-level await.*asyncio\.run/);
      expect(messages[10]).toMatch(/triple-quoted string .*not closed/);
    });

    it('should reject unknown cell magics and allow await inside functions', () => {
      expect(() =>
        packageNotebook(notebook([codeCell('%%sql\nSELECT 1')]))
      ).toThrow(/%%sql is an IPython cell magic/);
      expect(() =>
        packageNotebook(notebook([codeCell('async def f():\n    await g()')]))
      ).not.toThrow();
    });
  });

  describe('properties', () => {
    const identifier = fc.constantFrom(
      'x',
      'value',
      'total_1',
      'np',
      'données',
      'rb',
      'f'
    );
    // Text for comments and string contents, rich in characters that mean something to IPython or the scanner.
    const text = fc.string({
      unit: fc.constantFrom(
        'a',
        'Z',
        ' ',
        '%',
        '!',
        '?',
        '#',
        '"',
        "'",
        '\\',
        '{',
        '}',
        '(',
        ']',
        'é',
        '\t'
      ),
      maxLength: 12
    });
    const quoteFree = text.map(value => value.replace(/["'\\]/g, ''));
    const ipythonLooking = fc.constantFrom(
      '%pip install x',
      '!rm -rf /',
      'obj?',
      '%%time',
      '  %cd /tmp',
      'x = !ls',
      'get_ipython()',
      'await x'
    );
    const statement: fc.Arbitrary<string[]> = fc.oneof(
      fc.tuple(identifier, fc.nat()).map(([name, n]) => [`${name} = ${n}`]),
      text.map(value => [`print(${JSON.stringify(value)})`]),
      fc
        .tuple(identifier, quoteFree)
        .map(([name, value]) => [`${name} = '${value}'  # ${value}`]),
      text.map(value => [`# ${value}`]),
      text.map(value => [`    # ${value}`]),
      fc.constantFrom('', '   ', '\t').map(blank => [blank]),
      fc
        .tuple(identifier, fc.nat(), text)
        .map(([name, n, value]) => [
          `${name} = [`,
          `    ${n},`,
          `    ${JSON.stringify(value)},  # ${value}`,
          ']'
        ]),
      fc
        .tuple(
          identifier,
          fc.array(fc.oneof(quoteFree, ipythonLooking), { maxLength: 3 })
        )
        .map(([name, inner]) => [`${name} = """`, ...inner, '"""']),
      fc
        .tuple(identifier, fc.nat())
        .map(([name, n]) => [`${name} = 1 + \\`, `    ${n}`]),
      fc
        .tuple(identifier, fc.nat())
        .map(([name, n]) => ['if True:', `    ${name} = ${n}`]),
      fc
        .tuple(identifier, quoteFree)
        .map(([name, value]) => [
          `${name} = f"{${name}!r:>{10}} ${value.replace(/[{}]/g, '')}"`
        ])
    );
    const cellArbitrary = fc.record({
      type: fc.constantFrom('code', 'code', 'code', 'markdown', 'raw'),
      statements: fc.array(statement, { maxLength: 6 }),
      markdown: text,
      tags: fc.subarray([SKIP_TAG, INCLUDE_TAG, 'other']),
      asList: fc.boolean(),
      finalNewline: fc.boolean()
    });
    const cellsArbitrary = fc
      .array(cellArbitrary, { minLength: 1, maxLength: 8 })
      .map(specs =>
        specs.map(spec => {
          const lines =
            spec.type === 'code' ? spec.statements.flat() : [spec.markdown];
          // IPython strips an indented first code line's indentation from the whole cell; keep
          // this property about verbatim lines by starting code cells unindented.
          const firstCode = lines.find(line => line.trim() !== '');
          if (
            spec.type === 'code' &&
            firstCode !== undefined &&
            /^\s/.test(firstCode)
          ) {
            lines.unshift('first = 0');
          }
          const source =
            lines.join('\n') +
            (spec.finalNewline && lines.length > 0 ? '\n' : '');
          const stored = spec.asList ? source.split(/(?<=\n)/) : source;
          return {
            cell_type: spec.type,
            metadata: { tags: spec.tags },
            source: stored,
            outputs: []
          };
        })
      );

    function sourceOf(cell: ITestCell): string {
      return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
    }

    function expectedCells(
      cells: ITestCell[],
      selection: CellSelection
    ): number[] {
      const chosen: number[] = [];
      cells.forEach((cell, index) => {
        const number = index + 1;
        const tags = cell.metadata.tags ?? [];
        const wanted =
          selection.mode === 'all' ||
          (selection.mode === 'up-to' && number <= selection.upToCell) ||
          (selection.mode === 'tagged' && tags.includes(INCLUDE_TAG)) ||
          (selection.mode === 'selected' &&
            selection.cellNumbers.includes(number));
        if (
          wanted &&
          cell.cell_type === 'code' &&
          !tags.includes(SKIP_TAG) &&
          sourceOf(cell).trim() !== ''
        ) {
          chosen.push(number);
        }
      });
      return chosen;
    }

    it('should map every program line to exactly the cell line it came from, in order', () => {
      fc.assert(
        fc.property(cellsArbitrary, cells => {
          const expected = expectedCells(cells, { mode: 'all' });
          if (expected.length === 0) {
            expect(() => packageNotebook(notebook(cells))).toThrow(
              /no code cells to run/
            );
            return;
          }
          const program = packageNotebook(notebook(cells));
          expect(program.cellNumbers).toEqual(expected);
          expect(program.warnings).toEqual([]);
          const lines = programLines(program);
          expect(program.sourceMap).toHaveLength(lines.length);
          const seen = new Map<string, number>();
          let previous = { cellNumber: 0, line: 0 };
          program.sourceMap.forEach((location, index) => {
            if (location === null) {
              return;
            }
            const cellLines = splitSource(
              sourceOf(cells[location.cellNumber - 1])
            );
            expect(lines[index]).toBe(cellLines[location.line - 1]);
            const key = `${location.cellNumber}:${location.line}`;
            expect(seen.has(key)).toBe(false);
            seen.set(key, index);
            // Cells stay in notebook order and lines in cell order.
            expect(
              location.cellNumber > previous.cellNumber ||
                (location.cellNumber === previous.cellNumber &&
                  location.line > previous.line)
            ).toBe(true);
            previous = location;
          });
          for (const cellNumber of expected) {
            splitSource(sourceOf(cells[cellNumber - 1])).forEach(
              (line, index) => {
                const at = seen.get(`${cellNumber}:${index + 1}`);
                expect(at).toBeDefined();
                expect(lines[at as number]).toBe(line);
              }
            );
          }
          expect(
            new Set(program.sourceMap.map(entry => entry?.cellNumber))
          ).toEqual(new Set([undefined, ...expected]));
        })
      );
    });

    it('should choose exactly the cells each selection mode asks for', () => {
      const withSelection = cellsArbitrary.chain(cells =>
        fc.tuple(
          fc.constant(cells),
          fc.oneof(
            fc.constant<CellSelection>({ mode: 'all' }),
            fc.constant<CellSelection>({ mode: 'tagged' }),
            fc
              .integer({ min: 1, max: cells.length })
              .map((upToCell): CellSelection => ({ mode: 'up-to', upToCell })),
            fc
              .array(fc.integer({ min: 1, max: cells.length }), {
                maxLength: cells.length + 2
              })
              .map((cellNumbers): CellSelection => ({
                mode: 'selected',
                cellNumbers
              }))
          )
        )
      );
      fc.assert(
        fc.property(withSelection, ([cells, selection]) => {
          const expected = expectedCells(cells, selection);
          if (expected.length === 0) {
            expect(() =>
              packageNotebook(notebook(cells), { selection })
            ).toThrow(/no code cells to run/);
          } else {
            expect(
              packageNotebook(notebook(cells), { selection }).cellNumbers
            ).toEqual(expected);
          }
        })
      );
    });
  });
});
