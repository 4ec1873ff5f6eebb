/**
 * From program lines back to notebook cells: source map lookups, traceback
 * rewriting, and the source map's compact encoding.
 */

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';

import {
  PROGRAM_FILE_NAME,
  decodeSourceMap,
  encodeSourceMap,
  locateProgramLine,
  mapTraceback,
  packageNotebook
} from '../notebook';
import { itWithPython, validationError } from './helpers/notebooks';
import type { IPackagedProgram, ISourceLocation } from '../notebook';

function notebook(sources: (string | null)[]): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { language: 'python', name: 'python3' } },
    cells: sources.map(source =>
      source === null
        ? { cell_type: 'markdown', metadata: {}, source: '# Notes' }
        : { cell_type: 'code', metadata: {}, source, outputs: [] }
    )
  };
}

/** Index (0-based) of the program line holding `text`. */
function indexOf(program: IPackagedProgram, text: string): number {
  const index = program.code.split('\n').indexOf(text);
  expect(index).toBeGreaterThanOrEqual(0);
  return index;
}

const program = packageNotebook(
  notebook([
    null,
    'import math\n\ndef area(r):\n    return math.pi * r ** 2\n',
    '!nproc\nprint(area(2))\n'
  ]),
  { notebookPath: 'geometry.ipynb' }
);

// Plain cells for the properties: markdown cells in between shift cell numbers.
const plainCell = fc.oneof(
  fc.constant(null),
  fc
    .array(
      fc.oneof(
        fc.nat().map(n => `x = ${n}`),
        fc
          .string({ maxLength: 10 })
          .map(text => `# ${text.replace(/[\r\n]/g, '')}`),
        fc.constantFrom(
          '',
          'if x:',
          '    y = [',
          '        1]',
          '!ls',
          '%matplotlib inline'
        )
      ),
      { minLength: 1, maxLength: 8 }
    )
    .map(lines => `print(0)\n${lines.join('\n')}`)
);
const packagedNotebooks = fc
  .array(plainCell, { minLength: 1, maxLength: 6 })
  .filter(cells => cells.some(cell => cell !== null))
  .chain(cells =>
    fc
      .constantFrom('notebook.ipynb', 'dir with space/ä.ipynb')
      .map(notebookPath => packageNotebook(notebook(cells), { notebookPath }))
  );

describe('#locateProgramLine', () => {
  it('should give the cell and line of a program line', () => {
    expect(
      locateProgramLine(program, indexOf(program, 'import math') + 1)
    ).toEqual({
      cellNumber: 2,
      line: 1
    });
    expect(
      locateProgramLine(program, indexOf(program, 'print(area(2))') + 1)
    ).toEqual({
      cellNumber: 3,
      line: 2
    });
  });

  it('should give null for generated lines and lines outside the program', () => {
    expect(locateProgramLine(program, 1)).toBeNull();
    expect(
      locateProgramLine(program, indexOf(program, '# %% [cell 3]') + 1)
    ).toBeNull();
    for (const line of [
      0,
      -1,
      1.5,
      NaN,
      Infinity,
      program.sourceMap.length + 1
    ]) {
      expect(locateProgramLine(program, line)).toBeNull();
    }
  });
});

describe('#mapTraceback', () => {
  const areaLine = indexOf(program, '    return math.pi * r ** 2') + 1;
  const printLine = indexOf(program, 'print(area(2))') + 1;

  it('should rewrite locations in the program into notebook cells', () => {
    const traceback = [
      'Traceback (most recent call last):',
      `  File "/opt/job/${PROGRAM_FILE_NAME}", line ${printLine}, in <module>`,
      '    print(area(2))',
      `  File "${PROGRAM_FILE_NAME}", line ${areaLine}, in area`,
      '    return math.pi * r ** 2',
      "NameError: name 'math' is not defined"
    ].join('\n');
    expect(mapTraceback(traceback, program)).toBe(
      [
        'Traceback (most recent call last):',
        '  File "geometry.ipynb", cell 3, line 2, in <module>',
        '    print(area(2))',
        '  File "geometry.ipynb", cell 2, line 4, in area',
        '    return math.pi * r ** 2',
        "NameError: name 'math' is not defined"
      ].join('\n')
    );
  });

  it('should find locations anywhere in a line, as mpirun prefixes output', () => {
    const line = `[1,3]<stderr>:  File "/app/${PROGRAM_FILE_NAME}", line ${printLine}, in <module>`;
    expect(mapTraceback(`${line}\n${line}`, program)).toBe(
      [1, 2]
        .map(
          () =>
            '[1,3]<stderr>:  File "geometry.ipynb", cell 3, line 2, in <module>'
        )
        .join('\n')
    );
  });

  it('should leave other files, generated lines and unknown lines unchanged', () => {
    const untouched = [
      `  File "/usr/lib/python3.11/subprocess.py", line ${printLine}, in run`,
      `  File "/app/my_${PROGRAM_FILE_NAME}", line ${printLine}, in <module>`,
      `  File "/app/${PROGRAM_FILE_NAME}", line 3, in _mpijob_shell`,
      `  File "/app/${PROGRAM_FILE_NAME}", line 99999, in <module>`,
      `${PROGRAM_FILE_NAME} line ${printLine}`,
      'no traceback here'
    ].join('\n');
    expect(mapTraceback(untouched, program)).toBe(untouched);
  });

  it('should map big logs quickly', () => {
    const lines: string[] = [];
    for (let index = 0; index < 100_000; index++) {
      lines.push(
        index % 10 === 0
          ? `[1,${index % 8}]<stderr>:  File "/app/${PROGRAM_FILE_NAME}", line ${printLine}, in <module>`
          : `[1,${index % 8}]<stdout>: step ${index} loss=${Math.random().toFixed(6)} and some padding text`
      );
    }
    const log = lines.join('\n');
    const mapped = mapTraceback(log, program);
    expect(
      mapped.split('\n').filter(line => line.includes('cell 3, line 2'))
    ).toHaveLength(10_000);
  });

  it('should map a synthetic traceback line for every program line to its cell and line', () => {
    fc.assert(
      fc.property(
        packagedNotebooks,
        fc.constantFrom('', '[1,0]<stderr>:', '[0] '),
        fc.constantFrom(
          `/app/${PROGRAM_FILE_NAME}`,
          PROGRAM_FILE_NAME,
          `C:\\job\\${PROGRAM_FILE_NAME}`
        ),
        (packaged, prefix, file) => {
          packaged.sourceMap.forEach((location, index) => {
            const line = `${prefix}  File "${file}", line ${index + 1}, in <module>`;
            expect(mapTraceback(line, packaged)).toBe(
              location === null
                ? line
                : `${prefix}  File "${packaged.notebookPath}", cell ${location.cellNumber}, line ${location.line}, in <module>`
            );
          });
        }
      ),
      { numRuns: 50 }
    );
  });
});

describe('#encodeSourceMap', () => {
  it('should round-trip through decodeSourceMap', () => {
    expect(decodeSourceMap(encodeSourceMap(program))).toEqual({
      sourceMap: program.sourceMap,
      notebookPath: 'geometry.ipynb'
    });
  });

  it('should store runs of lines as one range each', () => {
    const plain = packageNotebook(
      notebook(
        Array.from({ length: 20 }, (_, index) => `a = ${index}\n`.repeat(50))
      )
    );
    const encoded = encodeSourceMap(plain);
    const parsed = JSON.parse(encoded) as { ranges: unknown[] };
    expect(parsed.ranges).toHaveLength(20);
    expect(encoded.length).toBeLessThan(
      JSON.stringify(plain.sourceMap).length / 50
    );
  });

  it('should round-trip any packaged program', () => {
    fc.assert(
      fc.property(packagedNotebooks, packaged => {
        expect(decodeSourceMap(encodeSourceMap(packaged))).toEqual({
          sourceMap: packaged.sourceMap,
          notebookPath: packaged.notebookPath
        });
      }),
      { numRuns: 50 }
    );
  });

  it('should round-trip any source map', () => {
    const location: fc.Arbitrary<ISourceLocation> = fc.record({
      cellNumber: fc.integer({ min: 1, max: 5 }),
      line: fc.integer({ min: 1, max: 5 })
    });
    fc.assert(
      fc.property(
        fc.array(fc.option(location, { nil: null }), { maxLength: 60 }),
        fc.string(),
        (sourceMap, notebookPath) => {
          expect(
            decodeSourceMap(encodeSourceMap({ sourceMap, notebookPath }))
          ).toEqual({
            sourceMap,
            notebookPath
          });
        }
      )
    );
  });
});

describe('#decodeSourceMap', () => {
  const valid = {
    version: 1,
    notebookPath: 'a.ipynb',
    lines: 5,
    ranges: [[2, 1, 1, 2]]
  };

  it('should read a hand-written map', () => {
    expect(decodeSourceMap(JSON.stringify(valid))).toEqual({
      notebookPath: 'a.ipynb',
      sourceMap: [
        null,
        { cellNumber: 1, line: 1 },
        { cellNumber: 1, line: 2 },
        null,
        null
      ]
    });
  });

  it('should reject text that is not a source map', () => {
    expect(
      validationError(() => decodeSourceMap('not json')).problems[0].message
    ).toMatch(/not valid JSON/);
    expect(
      validationError(() => decodeSourceMap('[]')).problems[0].message
    ).toMatch(/JSON object/);
    expect(
      validationError(() =>
        decodeSourceMap(JSON.stringify({ version: 2 }))
      ).problems.map(problem => problem.path)
    ).toEqual(['version', 'notebookPath', 'lines', 'ranges']);
  });

  it('should reject malformed, overlapping and out-of-range ranges', () => {
    const error = validationError(() =>
      decodeSourceMap(
        JSON.stringify({
          ...valid,
          ranges: [
            [2, 1, 1, 2],
            [3, 1, 5, 1],
            [1, 2, 3],
            [5, 1, 1, 2],
            [4, 0, 1, 1],
            'x'
          ]
        })
      )
    );
    expect(error.problems.map(problem => problem.path)).toEqual([
      'ranges[1]',
      'ranges[2]',
      'ranges[3]',
      'ranges[4]',
      'ranges[5]'
    ]);
    expect(error.problems[0].message).toMatch(/overlap/);
  });

  it('should refuse absurd sizes instead of allocating them', () => {
    expect(
      validationError(() =>
        decodeSourceMap(JSON.stringify({ ...valid, lines: 1e12 }))
      ).problems
    ).toEqual([
      { path: 'lines', message: expect.stringMatching(/whole number from 0/) }
    ]);
  });
});

describe('tracebacks of real runs', () => {
  let directory = '';
  beforeAll(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mpijob-traceback-'));
  });
  afterAll(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  function run(packaged: IPackagedProgram): {
    status: number | null;
    stdout: string;
    stderr: string;
  } {
    const file = path.join(directory, PROGRAM_FILE_NAME);
    fs.writeFileSync(file, packaged.code, 'utf8');
    return spawnSync('python3', [file], { cwd: directory, encoding: 'utf8' });
  }

  itWithPython(
    'should name the failing cell and line in the mapped traceback',
    () => {
      const packaged = packageNotebook(
        notebook([
          'def divide(a, b):\n    """Divide a by b."""\n    return a / b\n',
          "print('before')\n\nratio = divide(1, 0)\nprint('after')\n",
          null
        ]),
        { notebookPath: 'analysis.ipynb' }
      );
      const result = run(packaged);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('before\n');
      expect(result.stderr).toContain(PROGRAM_FILE_NAME);
      const mapped = mapTraceback(result.stderr, packaged);
      expect(mapped).not.toContain(PROGRAM_FILE_NAME);
      expect(mapped).toContain(
        'File "analysis.ipynb", cell 2, line 3, in <module>'
      );
      expect(mapped).toContain(
        'File "analysis.ipynb", cell 1, line 3, in divide'
      );
      expect(mapped).toMatch(/ZeroDivisionError: division by zero\s*$/);
      // The same log as mpirun --tag-output writes it.
      const tagged = result.stderr
        .split('\n')
        .map(line => `[1,1]<stderr>:${line}`)
        .join('\n');
      expect(mapTraceback(tagged, packaged)).toContain(
        '[1,1]<stderr>:  File "analysis.ipynb", cell 2, line 3, in <module>'
      );
    }
  );

  itWithPython('should point a failing shell line at its cell line', () => {
    const packaged = packageNotebook(
      notebook([null, 'x = 1\nif x:\n    !exit 3\n'])
    );
    const result = run(packaged);
    expect(result.status).toBe(1);
    const mapped = mapTraceback(result.stderr, packaged);
    expect(mapped).toContain(
      'File "notebook.ipynb", cell 2, line 3, in <module>'
    );
    expect(mapped).toMatch(
      /CalledProcessError: Command 'exit 3' returned non-zero exit status 3/
    );
  });

  itWithPython('should point a syntax error at its cell line', () => {
    const packaged = packageNotebook(
      notebook(['x = 1\n', 'y = (x +\n     )\n'])
    );
    const result = run(packaged);
    expect(result.status).toBe(1);
    expect(mapTraceback(result.stderr, packaged)).toMatch(
      /File "notebook\.ipynb", cell 2, line [12]\n/
    );
  });
});
