/**
 * Packaging a notebook into one Python program: reading the file, choosing
 * cells, translating IPython syntax, and the 1:1 source map.
 */

import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';

import {
  INCLUDE_TAG,
  PROGRAM_FILE_NAME,
  SKIP_TAG,
  packageNotebook,
  parseNotebook,
  selectCells
} from '../notebook';
import type { CellSelection, IPackagedProgram } from '../notebook';
import {
  codeCell,
  itWithPython,
  linesOfCell,
  markdownCell,
  notebook,
  programLines,
  splitSource,
  validationError
} from './helpers/notebooks';
import type { ITestCell } from './helpers/notebooks';

function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(__dirname, 'fixtures', 'notebooks', name));
}

describe('#parseNotebook', () => {
  const document = notebook([
    markdownCell('# Title'),
    codeCell(['x = 1\n', 'print(x)'], ['mpijob', 'other'])
  ]);

  it('should read the same notebook from JSON text, UTF-8 bytes and a parsed object', () => {
    const text = JSON.stringify(document);
    const fromText = parseNotebook(text);
    expect(parseNotebook(new TextEncoder().encode(text))).toEqual(fromText);
    expect(parseNotebook(Buffer.from(text, 'utf8'))).toEqual(fromText);
    expect(parseNotebook(document)).toEqual(fromText);
    expect(fromText).toEqual({
      nbformatMinor: 5,
      language: 'python',
      cells: [
        { cell_type: 'markdown', source: '# Title', tags: [] },
        {
          cell_type: 'code',
          source: 'x = 1\nprint(x)',
          tags: ['mpijob', 'other']
        }
      ]
    });
  });

  it('should accept a byte order mark', () => {
    const text = `\uFEFF${JSON.stringify(document)}`;
    expect(parseNotebook(text).cells).toHaveLength(2);
    expect(parseNotebook(new TextEncoder().encode(text)).cells).toHaveLength(2);
  });

  it('should take the language from kernelspec, then language_info, else python', () => {
    const cells = [codeCell('x = 1')];
    expect(
      parseNotebook(notebook(cells, { kernelspec: { language: 'R' } })).language
    ).toBe('R');
    expect(
      parseNotebook(notebook(cells, { language_info: { name: 'julia' } }))
        .language
    ).toBe('julia');
    expect(parseNotebook(notebook(cells, {})).language).toBe('python');
  });

  it('should reject bytes that are not UTF-8', () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const error = validationError(() => parseNotebook(bytes));
    expect(error.problems[0].message).toMatch(/not valid UTF-8.*save it again/);
  });

  it('should reject invalid JSON and say where it broke', () => {
    const error = validationError(() =>
      parseNotebook('{\n  "nbformat": 4,\n  "cells": [,]\n}', 'broken.ipynb')
    );
    expect(error.message).toContain('broken.ipynb');
    expect(error.problems[0].message).toMatch(/not valid JSON/);
    expect(error.problems[0].message).toMatch(/line 3/);
  });

  it('should reject an empty file as not JSON', () => {
    expect(validationError(() => parseNotebook('')).message).toMatch(
      /not valid JSON.*empty/
    );
  });

  it('should convert nbformat 3 in memory, as nbformat upgrades it', () => {
    const v3 = {
      nbformat: 3,
      nbformat_minor: 0,
      metadata: { name: 'old' },
      worksheets: [
        {
          cells: [
            { cell_type: 'heading', level: 2, metadata: {}, source: ['Pi'] },
            {
              cell_type: 'code',
              language: 'python',
              collapsed: false,
              input: ['from mpi4py import MPI\n', 'print(1)'],
              metadata: {},
              outputs: [],
              prompt_number: 1
            }
          ]
        },
        {
          cells: [
            {
              cell_type: 'code',
              language: 'python',
              input: 'print(2)',
              metadata: { tags: ['mpijob'] },
              outputs: []
            }
          ]
        }
      ]
    };
    const parsed = parseNotebook(v3);
    expect(parsed.language).toBe('python');
    expect(parsed.cells).toEqual([
      { cell_type: 'markdown', source: '## Pi', tags: [] },
      {
        cell_type: 'code',
        source: 'from mpi4py import MPI\nprint(1)',
        tags: []
      },
      { cell_type: 'code', source: 'print(2)', tags: ['mpijob'] }
    ]);
    expect(
      packageNotebook(JSON.stringify(v3), { selection: { mode: 'tagged' } })
        .cellNumbers
    ).toEqual([3]);
  });

  it('should refuse notebooks older than nbformat 3 and say how to convert them', () => {
    const error = validationError(() =>
      parseNotebook({ nbformat: 2, nbformat_minor: 0, worksheets: [] })
    );
    expect(error.problems).toEqual([
      {
        path: 'nbformat',
        message: expect.stringMatching(/nbformat 2 notebook.*jupyter nbconvert/)
      }
    ]);
  });

  it('should reject files that are not notebooks at all', () => {
    expect(validationError(() => parseNotebook('[1, 2]')).message).toMatch(
      /JSON object/
    );
    expect(
      validationError(() => parseNotebook({ cells: [] })).problems
    ).toEqual([
      { path: 'nbformat', message: expect.stringMatching(/missing/) }
    ]);
    expect(
      validationError(() => parseNotebook({ nbformat: 4, cells: {} })).problems
    ).toEqual([{ path: 'cells', message: expect.stringMatching(/list/) }]);
    expect(
      validationError(() => parseNotebook({ nbformat: 5, cells: [] })).message
    ).toMatch(/only nbformat 3 and 4 notebooks are supported, not 5/);
  });

  it('should name every broken cell at once', () => {
    const error = validationError(() =>
      parseNotebook({
        nbformat: 4,
        nbformat_minor: 4,
        cells: [
          { cell_type: 'code', source: 'x = 1', metadata: {} },
          { source: 'y = 2' },
          { cell_type: 'code', metadata: {} },
          { cell_type: 'code', source: [1, 2] },
          { cell_type: 'code', source: '', metadata: { tags: 'mpijob' } },
          'not a cell'
        ]
      })
    );
    expect(error.problems.map(problem => problem.path)).toEqual([
      'cell 2',
      'cell 3',
      'cell 4',
      'cell 5',
      'cell 6'
    ]);
    expect(error.problems[0].message).toMatch(/cell_type/);
    expect(error.problems[1].message).toMatch(/source/);
    expect(error.problems[2].message).toMatch(/source/);
    expect(error.problems[3].message).toMatch(/tags/);
  });
});

describe('#selectCells', () => {
  const cells = [
    markdownCell('# Intro'), // 1
    codeCell('import os'), // 2
    codeCell('a = 1', [INCLUDE_TAG]), // 3
    codeCell('b = 2', [SKIP_TAG, INCLUDE_TAG]), // 4
    markdownCell('More'), // 5
    codeCell('   \n\t\n'), // 6: blank
    codeCell('c = 3', [INCLUDE_TAG]), // 7
    codeCell('d = 4') // 8
  ];
  const parsed = parseNotebook(notebook(cells));

  it('should choose non-empty code cells without the skip tag, counting markdown cells', () => {
    expect(selectCells(parsed, { mode: 'all' })).toEqual([2, 3, 7, 8]);
    expect(selectCells(parsed, { mode: 'up-to', upToCell: 7 })).toEqual([
      2, 3, 7
    ]);
    expect(selectCells(parsed, { mode: 'up-to', upToCell: 5 })).toEqual([2, 3]);
    expect(selectCells(parsed, { mode: 'tagged' })).toEqual([3, 7]);
    expect(
      selectCells(parsed, { mode: 'selected', cellNumbers: [8, 4, 2, 8, 1] })
    ).toEqual([2, 8]);
  });

  it('should reject cell numbers the notebook does not have', () => {
    expect(
      validationError(() => selectCells(parsed, { mode: 'up-to', upToCell: 9 }))
        .problems
    ).toEqual([
      {
        path: 'selection.upToCell',
        message: 'cell 9 does not exist: the notebook has 8 cells'
      }
    ]);
    const error = validationError(() =>
      selectCells(parsed, { mode: 'selected', cellNumbers: [2, 12, 0] })
    );
    expect(error.problems.map(problem => problem.path)).toEqual([
      'selection.cellNumbers[1]',
      'selection.cellNumbers[2]'
    ]);
    expect(error.problems[0].message).toMatch(/cell 12 does not exist/);
  });

  it('should reject a malformed selection', () => {
    const selection = { mode: 'some' } as unknown as CellSelection;
    expect(
      validationError(() => selectCells(parsed, selection)).problems
    ).toEqual([
      { path: 'selection.mode', message: expect.stringMatching(/'all'/) }
    ]);
  });

  it('should explain an empty choice with a hint for each mode', () => {
    const onlyMarkdown = parseNotebook(notebook([markdownCell('# Just text')]));
    expect(
      validationError(() => selectCells(onlyMarkdown)).problems[0].message
    ).toMatch(/^no code cells to run: the notebook has no code cells/);
    const untagged = parseNotebook(notebook([codeCell('x = 1')]));
    expect(
      validationError(() => selectCells(untagged, { mode: 'tagged' })).message
    ).toMatch(/no code cells to run: .*tag the cells to run with 'mpijob'/);
    expect(
      validationError(() => selectCells(parsed, { mode: 'up-to', upToCell: 1 }))
        .message
    ).toMatch(/no code cells to run: cells 1 to 1/);
    expect(
      validationError(() =>
        selectCells(parsed, { mode: 'selected', cellNumbers: [4, 6] })
      ).message
    ).toMatch(/no code cells to run: the selected cells \(4, 6\)/);
    expect(
      validationError(() =>
        selectCells(parsed, { mode: 'selected', cellNumbers: [] })
      ).message
    ).toMatch(/no code cells to run: no cells are selected/);
    const allSkipped = parseNotebook(notebook([codeCell('x = 1', [SKIP_TAG])]));
    expect(validationError(() => selectCells(allSkipped)).message).toMatch(
      /no code cells to run: .*skip-mpijob/
    );
  });
});

describe('#packageNotebook', () => {
  it('should lay out a prelude, then each cell after a marker, mapping cell lines 1:1', () => {
    const program = packageNotebook(
      notebook([
        markdownCell('# Title'),
        codeCell('import math\n\nx = math.pi\n'),
        codeCell(['def f(y):\n', '    return y * 2\n', 'print(f(x))'])
      ]),
      { notebookPath: 'work/analysis.ipynb' }
    );
    const lines = programLines(program);
    expect(program.code.endsWith('\n')).toBe(true);
    expect(program.sourceMap).toHaveLength(lines.length);
    expect(program.cellNumbers).toEqual([2, 3]);
    expect(program.notebookPath).toBe('work/analysis.ipynb');
    expect(program.warnings).toEqual([]);
    expect(lines[0]).toMatch(/^# Generated .*work\/analysis\.ipynb/);
    const marker2 = lines.indexOf('# %% [cell 2]');
    const marker3 = lines.indexOf('# %% [cell 3]');
    expect(marker2).toBeGreaterThan(0);
    expect(
      program.sourceMap.slice(0, marker2 + 1).every(entry => entry === null)
    ).toBe(true);
    expect(lines.slice(marker2 + 1, marker3)).toEqual([
      'import math',
      '',
      'x = math.pi'
    ]);
    expect(program.sourceMap.slice(marker2 + 1, marker3)).toEqual([
      { cellNumber: 2, line: 1 },
      { cellNumber: 2, line: 2 },
      { cellNumber: 2, line: 3 }
    ]);
    expect(program.sourceMap[marker3]).toBeNull();
    expect(linesOfCell(program, 3)).toEqual([
      'def f(y):',
      '    return y * 2',
      'print(f(x))'
    ]);
  });

  it('should install an excepthook that aborts every MPI rank when one fails', () => {
    const program = packageNotebook(notebook([codeCell('x = 1')]));
    expect(program.code).toContain(
      '_mpijob_sys.excepthook = _mpijob_excepthook'
    );
    expect(program.code).toContain("_mpijob_sys.modules.get('mpi4py.MPI')");
    expect(program.code).toContain('Get_size() > 1');
    expect(program.code).toContain('COMM_WORLD.Abort(1)');
    // Every generated module-level name is prefixed so that user code cannot be shadowed.
    const generated = programLines(program).filter(
      (line, index) =>
        program.sourceMap[index] === null && /^(def|class|import) /.test(line)
    );
    for (const line of generated) {
      expect(line).toMatch(
        /^(def _mpijob_|class _mpijob_|import \w+ as _mpijob_)/
      );
    }
  });

  it('should refuse notebooks whose kernel is not Python', () => {
    const error = validationError(() =>
      packageNotebook(
        notebook([codeCell('x <- 1')], { kernelspec: { language: 'R' } })
      )
    );
    expect(error.problems[0].message).toBe(
      'only Python notebooks can run as MPIJobs; this one is R'
    );
    expect(() =>
      packageNotebook(
        notebook([codeCell('x = 1')], { kernelspec: { language: 'Python' } })
      )
    ).not.toThrow();
  });

  it('should refuse a notebook with only markdown cells', () => {
    expect(() => packageNotebook(notebook([markdownCell('# Notes')]))).toThrow(
      /no code cells to run/
    );
  });

  it('should skip empty code cells silently', () => {
    const program = packageNotebook(
      notebook([
        codeCell(''),
        codeCell('x = 1'),
        codeCell(['\n', '   \n']),
        codeCell([])
      ])
    );
    expect(program.cellNumbers).toEqual([2]);
    expect(program.warnings).toEqual([]);
  });

  it('should ignore outputs, however large', () => {
    const huge = 'y'.repeat(99) + '\n';
    const withOutputs = notebook([codeCell('print("hi")'), codeCell('x = 2')]);
    (withOutputs.cells as ITestCell[])[0].outputs = [
      {
        output_type: 'stream',
        name: 'stdout',
        text: Array<string>(100_000).fill(huge)
      },
      {
        output_type: 'error',
        ename: 'Oops',
        evalue: '%pip !ls',
        traceback: ['?']
      }
    ];
    const text = JSON.stringify(withOutputs);
    expect(text.length).toBeGreaterThan(10_000_000);
    const program = packageNotebook(text);
    expect(program).toEqual(
      packageNotebook(notebook([codeCell('print("hi")'), codeCell('x = 2')]))
    );
  });

  it('should keep \\r\\n line endings from adding or merging lines', () => {
    const program = packageNotebook(
      notebook([codeCell('x = 1\r\ny = 2\r\n!ls\r\n')])
    );
    expect(linesOfCell(program, 1)).toEqual([
      'x = 1',
      'y = 2',
      '_mpijob_shell("ls")'
    ]);
  });

  it('should strip a common first-line indentation the way IPython does', () => {
    const program = packageNotebook(
      notebook([codeCell('\n    x = 1\n    if x:\n        y = 2\n  z = 3\n')])
    );
    expect(linesOfCell(program, 1)).toEqual([
      '',
      'x = 1',
      'if x:',
      '    y = 2',
      '  z = 3'
    ]);
  });

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

  describe('with python3', () => {
    let directory = '';
    beforeAll(() => {
      directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mpijob-notebook-'));
    });
    afterAll(() => {
      fs.rmSync(directory, { recursive: true, force: true });
    });

    function writeProgram(program: IPackagedProgram): string {
      const file = path.join(directory, PROGRAM_FILE_NAME);
      fs.writeFileSync(file, program.code, 'utf8');
      return file;
    }

    itWithPython(
      'should produce valid Python for every translated IPython form',
      () => {
        const program = packageNotebook(fixture('magics.ipynb'), {
          notebookPath: 'magics.ipynb'
        });
        expect(program.cellNumbers).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 12]);
        const file = writeProgram(program);
        expect(() =>
          execFileSync(
            'python3',
            [
              '-c',
              "import ast,sys; source=open(sys.argv[1], encoding='utf-8').read(); ast.parse(source); compile(source, sys.argv[1], 'exec')",
              file
            ],
            { stdio: 'pipe' }
          )
        ).not.toThrow();
      }
    );

    itWithPython(
      'should run translated magics with the effect they have in Jupyter',
      () => {
        const program = packageNotebook(fixture('magics.ipynb'));
        const file = writeProgram(program);
        const result = spawnSync('python3', [file], {
          cwd: directory,
          encoding: 'utf8'
        });
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        expect(result.stdout.trim().split('\n')).toEqual([
          'shell says mpijob',
          'env says hello',
          'indented',
          '45',
          'bash sees world',
          '3',
          'sh runs too',
          '[0, 2, 4]',
          'captured in Jupyter, logged in the job',
          'first line|second {not expanded}|third line world'
        ]);
      }
    );

    itWithPython(
      'should produce valid Python for generated notebooks with strings, brackets and magics',
      () => {
        const program = packageNotebook(
          notebook([
            codeCell('from __future__ import annotations\nimport os\n'),
            codeCell(
              "s = '''\n%pip install\n'''\nd = {\n  'a': [1,\n  2],\n}\n!echo {d['a']}\n"
            ),
            codeCell(
              '    def f(x: Later) -> int:\n        %time y = x\n        return y\n    %env A=1\n'
            ),
            codeCell('%%writefile notes.txt\n"""unbalanced\n(\n'),
            codeCell('t = f"{s!r:>{10}} {{literal}}"\nu = rb"\\"" \nlen?\n')
          ])
        );
        const file = writeProgram(program);
        const result = spawnSync('python3', [file], {
          cwd: directory,
          encoding: 'utf8'
        });
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        expect(result.stdout).toBe('[1, 2]\n');
      }
    );
  });
});
