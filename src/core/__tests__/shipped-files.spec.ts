import { ValidationError } from '../errors';
import { buildJob } from '../job';
import type { IKubeObject } from '../kube';
import { CONFIGMAP_MAX_BYTES } from '../kube';
import { FILES_WORK_DIR, PROGRAM_MOUNT_PATH } from '../manifest';
import type { INotebookFolder } from '../notebook';
import { importedModules, PROGRAM_FILE_NAME } from '../notebook';
import type { ILaunchSpec } from '../spec';
import { parseLaunchSpec, validateLaunchSpec } from '../spec';
import { notebookText } from './helpers/notebooks';
import { crdErrors } from './helpers/reference';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking rendered JSON in assertions

const encoder = new TextEncoder();

/** A notebook folder held in memory: path -> contents. */
function folder(files: Record<string, string | Uint8Array>): INotebookFolder {
  const bytes = (path: string): Uint8Array | null => {
    const value = files[path];
    return value === undefined
      ? null
      : typeof value === 'string'
        ? encoder.encode(value)
        : value;
  };
  return {
    readFile: bytes,
    isFile: path => files[path] !== undefined,
    listFiles: path => {
      const inside = Object.keys(files)
        .filter(name => name.startsWith(`${path.replace(/\/+$/, '')}/`))
        .sort();
      return inside.length ? inside : null;
    }
  };
}

function notebook(...cells: string[]): string {
  return notebookText(cells);
}

function spec(overrides: Record<string, unknown> = {}): ILaunchSpec {
  return parseLaunchSpec({
    name: 'sim',
    source: { notebook: 'sim.ipynb' },
    ...overrides
  });
}

function pod(job: IKubeObject, role: 'Launcher' | 'Worker'): Json {
  return (job.spec as Json).mpiReplicaSpecs[role].template.spec;
}

const SIBLINGS = {
  'lib_particles.py':
    'import helpers\n\ndef step(x):\n    return helpers.twice(x)\n',
  'helpers.py': 'def twice(x):\n    return 2 * x\n',
  'physics/__init__.py': 'from .units import G\n',
  'physics/units.py': 'G = 6.674e-11\n',
  'physics/__pycache__/units.cpython-311.pyc': new Uint8Array([1, 2, 3]),
  'unrelated.py': 'print("not imported")\n',
  'data.csv': 'x,y\n1,2\n',
  'weights.npy': new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0, 0xff])
};

describe('#importedModules', () => {
  it('should name the top-level module of every import statement, not imports inside strings', () => {
    const code = [
      'import os, lib_particles as lp',
      'from physics.units import G',
      'from . import nothing',
      'text = """',
      'import notamodule',
      '"""',
      '    import indented',
      'x = 1; import after_semicolon'
    ].join('\n');
    expect(importedModules(code)).toEqual([
      { module: 'os', line: 1 },
      { module: 'lib_particles', line: 1 },
      { module: 'physics', line: 2 },
      { module: 'indented', line: 7 },
      { module: 'after_semicolon', line: 8 }
    ]);
  });
});

describe('#buildJob with the notebook folder', () => {
  it('should ship the imported local modules (and those they import) and packages, mounted in the working directory', () => {
    const built = buildJob(
      spec(),
      notebook(
        'import numpy as np\nimport lib_particles\n',
        'from physics import G\nprint(lib_particles.step(G))'
      ),
      { folder: folder(SIBLINGS) }
    );
    const configMap = built.rendered.configMap as IKubeObject;
    expect(Object.keys(configMap.data as Json).sort()).toEqual(
      [
        PROGRAM_FILE_NAME,
        'helpers.py',
        'lib_particles.py',
        'physics.__init__.py',
        'physics.units.py',
        'sourcemap.json'
      ].sort()
    );
    expect((configMap.data as Json)['lib_particles.py']).toBe(
      SIBLINGS['lib_particles.py']
    );
    expect(configMap.binaryData).toBeUndefined();
    for (const role of ['Launcher', 'Worker'] as const) {
      const spec = pod(built.rendered.mpiJob, role);
      const container = spec.containers[0];
      expect(container.workingDir).toBe(FILES_WORK_DIR);
      expect(spec.volumes).toEqual([
        { name: 'program', configMap: { name: 'sim-program' } },
        { name: 'work', emptyDir: {} }
      ]);
      expect(container.volumeMounts).toEqual([
        { name: 'program', mountPath: PROGRAM_MOUNT_PATH, readOnly: true },
        { name: 'work', mountPath: FILES_WORK_DIR },
        ...[
          ['helpers.py', 'helpers.py'],
          ['lib_particles.py', 'lib_particles.py'],
          ['physics/__init__.py', 'physics.__init__.py'],
          ['physics/units.py', 'physics.units.py']
        ].map(([path, key]) => ({
          name: 'program',
          mountPath: `${FILES_WORK_DIR}/${path}`,
          subPath: key,
          readOnly: true
        }))
      ]);
    }
    expect(crdErrors(built.rendered.mpiJob)).toEqual([]);
    expect(built.program?.warnings).toEqual([]);
  });

  it('should ship the spec files, binary ones as binaryData, into a working directory the spec names', () => {
    const built = buildJob(
      spec({ files: ['data.csv', 'weights.npy'], workingDir: '/scratch' }),
      notebook('import numpy as np\nw = np.load("weights.npy")'),
      { folder: folder(SIBLINGS) }
    );
    const configMap = built.rendered.configMap as IKubeObject;
    expect((configMap.data as Json)['data.csv']).toBe('x,y\n1,2\n');
    expect(configMap.binaryData).toEqual({
      'weights.npy': Buffer.from(SIBLINGS['weights.npy']).toString('base64')
    });
    const worker = pod(built.rendered.mpiJob, 'Worker');
    expect(worker.volumes).toEqual([
      { name: 'program', configMap: { name: 'sim-program' } }
    ]);
    expect(worker.containers[0].workingDir).toBe('/scratch');
    expect(worker.containers[0].volumeMounts.slice(1)).toEqual([
      {
        name: 'program',
        mountPath: '/scratch/data.csv',
        subPath: 'data.csv',
        readOnly: true
      },
      {
        name: 'program',
        mountPath: '/scratch/weights.npy',
        subPath: 'weights.npy',
        readOnly: true
      }
    ]);
    expect(built.program?.warnings).toEqual([]);
  });

  it('should ship a whole folder the spec names, leaving out __pycache__', () => {
    const built = buildJob(spec({ files: ['physics/'] }), notebook('x = 1'), {
      folder: folder(SIBLINGS)
    });
    expect(
      Object.keys(built.rendered.configMap?.data as Json).filter(key =>
        key.startsWith('physics')
      )
    ).toEqual(['physics.__init__.py', 'physics.units.py']);
  });

  it('should warn, naming cell and line, about a relative data file beside the notebook that does not ship', () => {
    const built = buildJob(
      spec(),
      notebook(
        'import pandas as pd',
        "x = 1\ndf = pd.read_csv('data.csv')\nmissing = open('not-there.txt')\nurl = open('/etc/hosts')"
      ),
      { folder: folder(SIBLINGS) }
    );
    expect(built.program?.warnings).toEqual([
      {
        path: 'cell 2, line 2',
        message: expect.stringMatching(
          /^opens 'data\.csv', a file beside the notebook that is not shipped to Kubernetes: add it to the launch spec's files \(--file data\.csv\)/
        )
      }
    ]);
    // A warning, not a refusal: the job renders, without the file.
    expect(Object.keys(built.rendered.configMap?.data as Json)).not.toContain(
      'data.csv'
    );
  });

  it('should take only paths inside the notebook folder in the spec', () => {
    const result = validateLaunchSpec({
      name: 'sim',
      source: { notebook: 'sim.ipynb' },
      files: ['data.csv', 'lib/', '../secrets.txt', '/etc/passwd', 'data.csv']
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      {
        path: 'files[2]',
        message:
          "must be a path relative to the notebook's folder, such as 'data.csv' or 'lib/', without .."
      },
      {
        path: 'files[3]',
        message:
          "must be a path relative to the notebook's folder, such as 'data.csv' or 'lib/', without .."
      },
      { path: 'files', message: 'names a path twice' }
    ]);
  });

  it('should refuse a spec file that is not beside the notebook', () => {
    expect(() =>
      buildJob(spec({ files: ['nope.csv'] }), notebook('x = 1'), {
        folder: folder(SIBLINGS)
      })
    ).toThrow(
      expect.objectContaining({
        problems: [
          {
            path: 'files[0]',
            message:
              '"nope.csv" is neither a file nor a folder beside the notebook'
          }
        ]
      })
    );
  });

  it('should refuse files past the ConfigMap limit, naming each file and its size and what to do', () => {
    const big = new Uint8Array(CONFIGMAP_MAX_BYTES - 1000).fill(1);
    let error: unknown;
    try {
      buildJob(spec({ files: ['big.bin'] }), notebook('import lib_particles'), {
        folder: folder({ ...SIBLINGS, 'big.bin': big })
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const [problem] = (error as ValidationError).problems;
    expect(problem.path).toBe('files');
    expect(problem.message).toMatch(
      /^the program \(\d+\.\d KiB\) and the files beside the notebook that ship with it come to 1\.01 MiB, more than a ConfigMap can hold \(1\.00 MiB\): big\.bin 1023\.0 KiB, lib_particles\.py 57 B, helpers\.py 31 B\. Leave large data files out of the launch spec's files \(--file\)/
    );
  });

  it('should ship nothing without the folder (the local backend reads files in place)', () => {
    const built = buildJob(spec(), notebook('import lib_particles'));
    expect(Object.keys(built.rendered.configMap?.data as Json).sort()).toEqual([
      PROGRAM_FILE_NAME,
      'sourcemap.json'
    ]);
    const worker = pod(built.rendered.mpiJob, 'Worker');
    expect(worker.containers[0].workingDir).toBeUndefined();
  });
});
