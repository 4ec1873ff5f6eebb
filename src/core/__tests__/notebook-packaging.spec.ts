/**
 * Packaging a notebook into one Python program: reading the file, choosing
 * cells, translating IPython syntax, and the 1:1 source map.
 */

import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

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
