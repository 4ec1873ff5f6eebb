/**
 * The launch panel's values, without the panel: where they start (settings,
 * remembered values, a job to rerun, selected cells), how they become a
 * spec, what is remembered, and that the settings' defaults in code are the
 * schema's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  initialValues,
  rememberable,
  toSpecInput,
  uniqueName
} from '../launch/specDraft';
import type { ILaunchSettings } from '../settings';
import { DEFAULT_SETTINGS, defaultImageFor } from '../settings';

const settings: ILaunchSettings = {
  ...DEFAULT_SETTINGS,
  defaultWorkers: 3,
  defaultImages: { OpenMPI: '', Intel: '', MPICH: 'registry/mpich:1' },
  defaultImage: 'registry/any:1'
};

const draft = {
  settings,
  notebookPath: 'work/Train Model.ipynb',
  remembered: null,
  prefill: null,
  cellNumbers: null,
  takenNames: new Set<string>()
};

describe('a new launch', () => {
  it('starts from the settings, then the remembered values, then the job rerun', () => {
    const values = initialValues({
      ...draft,
      remembered: { workers: 5, name: 'kept-name', cpu: '2' },
      prefill: { workers: 8 }
    });
    expect(values).toMatchObject({
      workers: 8,
      cpu: '2',
      memory: '2Gi',
      mpiImplementation: 'OpenMPI',
      source: { notebook: 'work/Train Model.ipynb', cells: 'all' }
    });
    // A remembered name is never reused: it belongs to the last job.
    expect(values.name).not.toBe('kept-name');
  });

  it('runs only the selected cells when cells are selected', () => {
    expect(initialValues({ ...draft, cellNumbers: [2, 4] }).source).toEqual({
      notebook: 'work/Train Model.ipynb',
      cells: 'selected',
      cellNumbers: [2, 4]
    });
  });

  it('suggests a name no job has', () => {
    expect(uniqueName('pi', new Set())).toBe('pi');
    expect(uniqueName('pi', new Set(['pi', 'pi-2']))).toBe('pi-3');
    expect(uniqueName('pi-2', new Set(['pi-2']))).toBe('pi-3');
    const long = 'a'.repeat(40);
    const free = uniqueName(long, new Set([long]));
    expect(free).toHaveLength(40);
    expect(free.endsWith('-2')).toBe(true);
  });
});

describe('the spec of the values', () => {
  it('drops empty fields and the fields of other cell modes', () => {
    expect(
      toSpecInput(
        {
          name: 'pi',
          workers: 2,
          env: [],
          resources: {},
          source: {
            notebook: 'pi.ipynb',
            cells: 'up-to',
            upToCell: 3,
            cellNumbers: [1]
          }
        },
        settings
      )
    ).toEqual({
      name: 'pi',
      workers: 2,
      image: 'registry/any:1',
      source: { notebook: 'pi.ipynb', cells: 'up-to', upToCell: 3 }
    });
  });

  it('takes the image of the MPI implementation when the field is empty', () => {
    expect(
      toSpecInput({ name: 'pi', mpiImplementation: 'MPICH' }, settings).image
    ).toBe('registry/mpich:1');
    expect(defaultImageFor(DEFAULT_SETTINGS, 'Intel')).toBe('');
  });

  it('leaves out gang scheduling that is off', () => {
    expect(
      toSpecInput({ name: 'pi', scheduling: { gang: 'none' } }, settings)
    ).not.toHaveProperty('scheduling');
  });

  it('remembers everything but the name and this launch’s selection', () => {
    expect(
      rememberable({
        name: 'pi',
        workers: 4,
        source: { notebook: 'pi.ipynb', cells: 'selected', cellNumbers: [1] }
      })
    ).toEqual({ workers: 4, source: { cells: 'all' } });
  });
});

describe('the launch settings', () => {
  it('default in code to what the settings schema declares', () => {
    const schema = JSON.parse(
      readFileSync(
        join(__dirname, '../../../schema/settings/plugin.json'),
        'utf8'
      )
    ) as { properties: Record<string, { default: unknown }> };
    const declared = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, v.default])
    );
    expect(DEFAULT_SETTINGS).toEqual(declared);
  });
});
