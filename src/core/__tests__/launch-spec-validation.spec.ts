import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';

import { launchSpecSchema } from '../generated/launchSpecSchema';
import type { ILaunchSpec } from '../spec';
import {
  fieldTitles,
  parseLaunchSpec,
  pointerToPath,
  problemField,
  totalRanks,
  validateLaunchSpec
} from '../spec';
import { ValidationError } from '../errors';

const minimal = { name: 'train', source: { notebook: 'train.ipynb' } };

function problemsOf(input: unknown): { path: string; message: string }[] {
  const result = validateLaunchSpec(input);
  if (result.ok) {
    throw new Error(
      `expected problems, got a valid spec: ${JSON.stringify(result.spec)}`
    );
  }
  return [...result.problems];
}

describe('#validateLaunchSpec', () => {
  it('should fill every default from the schema', () => {
    const result = validateLaunchSpec(minimal);
    expect(result.ok).toBe(true);
    const spec = (result as { spec: ILaunchSpec }).spec;
    expect(spec).toEqual({
      name: 'train',
      namespace: 'default',
      mpiImplementation: 'OpenMPI',
      workers: 2,
      slotsPerWorker: 1,
      gpusPerWorker: 0,
      cpu: '1',
      memory: '2Gi',
      source: { notebook: 'train.ipynb', cells: 'all' },
      python: 'python3',
      runPolicy: { backoffLimit: 0, cleanPodPolicy: 'Running' },
      networkPolicy: false,
      sshAuthMountPath: '/root/.ssh',
      workerCommand: ['/usr/sbin/sshd', '-De'],
      oversubscribe: false,
      figures: 'rank0'
    });
    expect(totalRanks(spec)).toBe(2);
  });

  it('should not modify its input', () => {
    const input = structuredClone(minimal);
    validateLaunchSpec(input);
    expect(input).toEqual(minimal);
  });

  it('should report every problem at once, each with its field path', () => {
    const problems = problemsOf({
      name: 'Bad_Name',
      workers: 0,
      gpusPerWorker: 1.5,
      mpiImplementation: 'LAM',
      memory: 'lots',
      env: [{ name: '1X', value: 'v' }, { name: 'OK' }],
      source: { notebook: 'a.ipynb', cells: 'some' },
      colour: 'blue'
    });
    const byPath = Object.fromEntries(problems.map(p => [p.path, p.message]));
    expect(byPath['name']).toMatch(/must start with a lowercase letter/);
    expect(byPath['workers']).toBe('must be at least 1');
    expect(byPath['gpusPerWorker']).toBe('must be an integer');
    expect(byPath['mpiImplementation']).toBe(
      'must be one of: "OpenMPI", "Intel", "MPICH"'
    );
    expect(byPath['memory']).toMatch(/memory quantity such as '2Gi'/);
    expect(byPath['env[0].name']).toMatch(/valid environment variable name/);
    expect(byPath['env[1].value']).toBe('is required');
    expect(byPath['source.cells']).toMatch(
      /must be one of: "all", "up-to", "tagged", "selected"/
    );
    expect(byPath['colour']).toMatch(
      /^is not a known field; known fields are: name, namespace/
    );
  });

  it('should require a notebook unless a command is given', () => {
    expect(problemsOf({ name: 'x' })).toEqual([
      {
        path: 'source.notebook',
        message: expect.stringMatching(/is required unless command is set/)
      }
    ]);
    expect(validateLaunchSpec({ name: 'x', command: ['hostname'] }).ok).toBe(
      true
    );
  });

  it('should require the cell numbers that a cell mode needs', () => {
    expect(
      problemsOf({
        name: 'x',
        source: { notebook: 'a.ipynb', cells: 'up-to' }
      })[0].path
    ).toBe('source.upToCell');
    expect(
      problemsOf({
        name: 'x',
        source: { notebook: 'a.ipynb', cells: 'selected' }
      })[0].path
    ).toBe('source.cellNumbers');
  });

  it('should say what is wrong with text typed where a count belongs', () => {
    expect(problemsOf({ ...minimal, workers: '', gpusPerWorker: '-' })).toEqual(
      [
        { path: 'workers', message: 'must not be empty: enter a whole number' },
        { path: 'gpusPerWorker', message: 'must be a whole number, not "-"' }
      ]
    );
  });

  it('should speak of cells, not of array items, for the cell selection', () => {
    expect(
      problemsOf({
        name: 'x',
        source: {
          notebook: 'a.ipynb',
          cells: 'selected',
          cellNumbers: [0, 2, 2]
        }
      })
    ).toEqual([
      {
        path: 'source.cellNumbers[0]',
        message: 'must be a cell number: cells are counted from 1'
      },
      { path: 'source.cellNumbers', message: 'must not list a cell twice' }
    ]);
    expect(
      problemsOf({
        name: 'x',
        source: { notebook: 'a.ipynb', cells: 'selected', cellNumbers: [] }
      })
    ).toEqual([
      { path: 'source.cellNumbers', message: 'must list at least one cell' }
    ]);
    expect(
      problemsOf({ name: 'x', source: { notebook: 'a.ipynb', cells: 'up-to' } })
    ).toEqual([
      {
        path: 'source.upToCell',
        message: "'up-to' needs the number of the last cell to run"
      }
    ]);
  });

  it('should reject scheduling fields the chosen gang scheduler ignores', () => {
    const problems = problemsOf({
      ...minimal,
      scheduling: { queue: 'q', scheduleTimeoutSeconds: 5 }
    });
    expect(problems.map(p => p.path)).toEqual([
      'scheduling.queue',
      'scheduling.scheduleTimeoutSeconds'
    ]);
    expect(
      validateLaunchSpec({
        ...minimal,
        scheduling: { gang: 'volcano', queue: 'q' }
      }).ok
    ).toBe(true);
  });

  it('should reject invalid label keys and values with a sentence', () => {
    const problems = problemsOf({
      ...minimal,
      labels: { 'bad key!': 'v', team: 'not ok!' }
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        {
          path: 'labels["bad key!"]',
          message: expect.stringMatching(/not a valid label key/)
        },
        {
          path: 'labels.team',
          message: expect.stringMatching(/at most 63 letters/)
        }
      ])
    );
  });

  it('should say what the root must be when it is not an object', () => {
    expect(problemsOf('workers: 2')).toEqual([
      { path: '', message: 'must be an object' }
    ]);
    expect(problemsOf(null)).toEqual([
      { path: '', message: 'must be an object' }
    ]);
  });

  it('should accept any worker, slot and GPU count in range (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 0, max: 16 }),
        (workers, slotsPerWorker, gpusPerWorker) => {
          const result = validateLaunchSpec({
            ...minimal,
            workers,
            slotsPerWorker,
            gpusPerWorker
          });
          return (
            result.ok && totalRanks(result.spec) === workers * slotsPerWorker
          );
        }
      )
    );
  });

  it('should reject any worker count out of range, naming workers (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 1001 })),
        workers => {
          const result = validateLaunchSpec({ ...minimal, workers });
          return (
            !result.ok &&
            result.problems.length === 1 &&
            result.problems[0].path === 'workers'
          );
        }
      )
    );
  });
});

describe('#parseLaunchSpec', () => {
  it('should throw a ValidationError that lists the problems', () => {
    expect(() =>
      parseLaunchSpec({ name: 'x', workers: -1, source: { notebook: 'a' } })
    ).toThrow(ValidationError);
    try {
      parseLaunchSpec({ name: 'x', workers: -1, source: { notebook: 'a' } });
    } catch (error) {
      expect((error as ValidationError).message).toBe(
        'invalid launch spec: workers: must be at least 1'
      );
    }
  });
});

describe('#fieldTitles', () => {
  it('should give the titles the launch panel shows along a path', () => {
    expect(fieldTitles('oversubscribe')).toEqual([
      'Allow more ranks than cores'
    ]);
    expect(fieldTitles('source.cellNumbers[1]')).toEqual([
      'Code',
      'Cell numbers'
    ]);
    expect(fieldTitles('env[0].name')).toEqual([
      'Environment variables',
      'Name'
    ]);
    expect(fieldTitles('labels["team"]')).toEqual(['Labels']);
    expect(fieldTitles('cell 2, line 1')).toEqual([]);
  });
});

describe('#problemField', () => {
  it('should name every part of the cell selection as the one field cells', () => {
    for (const path of [
      'source.cells',
      'source.upToCell',
      'source.cellNumbers[0]',
      'selection.cellNumbers[2]'
    ]) {
      expect(problemField(path)).toEqual({
        name: 'cells',
        field: 'source.cells'
      });
    }
    expect(problemField('source.notebook')).toEqual({
      name: 'notebook',
      field: 'source.notebook'
    });
    expect(problemField('env[0].name')).toEqual({
      name: 'env[0].name',
      field: 'env[0].name'
    });
  });
});

describe('#pointerToPath', () => {
  it('should turn JSON pointers into field paths', () => {
    expect(pointerToPath('')).toBe('');
    expect(pointerToPath('/env/0/name')).toBe('env[0].name');
    expect(pointerToPath('/labels/app.kubernetes.io~1name')).toBe(
      'labels["app.kubernetes.io/name"]'
    );
  });
});

describe('schema/launch-spec.json', () => {
  it('should be what src/core/generated embeds (run npm run build:schemas)', () => {
    const source = JSON.parse(
      readFileSync(join(__dirname, '../../../schema/launch-spec.json'), 'utf8')
    );
    expect(launchSpecSchema).toEqual(source);
  });

  it('should be what the precompiled validator checks (npm run build:schemas)', () => {
    // ajv's standalone code, generated with the embedded copies: --check
    // regenerates them in memory and fails on any difference.
    expect(() =>
      execFileSync(
        process.execPath,
        [join(__dirname, '../../../scripts/embed-schemas.mjs'), '--check'],
        { stdio: 'pipe' }
      )
    ).not.toThrow();
  });

  it('should describe exactly the fields of ILaunchSpec', () => {
    // A Record over keyof ILaunchSpec makes the compiler check this list.
    const fields: Record<keyof ILaunchSpec, true> = {
      name: true,
      namespace: true,
      image: true,
      mpiImplementation: true,
      workers: true,
      slotsPerWorker: true,
      gpusPerWorker: true,
      cpu: true,
      memory: true,
      source: true,
      python: true,
      command: true,
      workingDir: true,
      files: true,
      figures: true,
      env: true,
      scheduling: true,
      runPolicy: true,
      networkPolicy: true,
      sshAuthMountPath: true,
      workerCommand: true,
      oversubscribe: true,
      labels: true
    };
    expect(Object.keys(launchSpecSchema.properties).sort()).toEqual(
      Object.keys(fields).sort()
    );
  });
});
