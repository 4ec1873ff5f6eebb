/**
 * The notebook corpus (fixtures/notebooks/): one small notebook per style
 * the README's "What turns a notebook into an MPIJob" covers, run through
 * the real CLI on the local backend with 2 ranks (which run and what each
 * rank prints, which are refused before launch naming cell and line, which
 * warn), then rendered for Kubernetes and checked against the MPIJob CRD.
 * The table below is the documentation of what runs.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { parseYamlStream } from '../../core/yamlStream';
import { itWithPython } from '../../core/__tests__/helpers/notebooks';
import { crdErrors } from '../../core/__tests__/helpers/reference';
import { mpijob as cli, PYTHON, ROOT, stopService } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking rendered manifests

const ENV = {
  MPIJOB_PYTHON: PYTHON,
  PATH: `${join(ROOT, '.venv', 'bin')}${delimiter}${process.env.PATH}`
};

// The corpus is copied so that nothing a job writes lands in the source tree;
// a stale __pycache__ beside the sibling modules must not ship.
const tmp = mkdtempSync(join(tmpdir(), 'mpijob-corpus-'));
const CORPUS = join(tmp, 'notebooks');
const dataDir = join(tmp, 'data');
cpSync(join(__dirname, 'fixtures', 'notebooks'), CORPUS, { recursive: true });
mkdirSync(join(CORPUS, 'sibling-module', '__pycache__'));
writeFileSync(
  join(
    CORPUS,
    'sibling-module',
    '__pycache__',
    'lib_particles.cpython-311.pyc'
  ),
  'stale'
);

/** Modules the ranks' Python must lack for the refusals below to be sure. */
const ABSENT_MODULES = ['fastparticles', 'fastjson_corpus', 'ipyparallel'];

const CLIENT_WARNING =
  "ipyparallel's client has no meaning inside an MPIJob: every rank runs this line itself, without engines to talk to. Leave the client cells out (the cell selection, or the 'skip-mpijob' tag) and keep the %%px code, which runs on every rank";

interface ICorpusRowBase {
  /** The job's name. */
  readonly name: string;
  /** The notebook, relative to the corpus folder. */
  readonly notebook: string;
  /** Flags after `--workers 2`. */
  readonly flags: readonly string[];
  /** The packaging warnings, in order, each as it follows `warning: `. */
  readonly warnings: readonly string[];
}

/** A notebook that runs: what each rank prints, in order. */
interface IRunsRow extends ICorpusRowBase {
  readonly outcome: 'runs';
  /** Rank 0's and rank 1's output lines, without their `[rank N] ` tag. */
  readonly ranks: readonly [readonly string[], readonly string[]];
  /** The files (figures) the job keeps. */
  readonly files: readonly string[];
  /** The files beside the notebook that ship in its ConfigMap. */
  readonly ships: readonly string[];
}

/** A notebook refused before launch: the problems the refusal lists. */
interface IRefusedRow extends ICorpusRowBase {
  readonly outcome: 'refused';
  /** Each problem, naming cell and line (a string is matched exactly). */
  readonly problems: readonly (string | RegExp)[];
}

type CorpusRow = IRunsRow | IRefusedRow;

const missing = (cellLine: string, module: string): string =>
  `${cellLine}: module '${module}' is not installed in the ranks' Python (${PYTHON})`;

const CORPUS_TABLE: readonly CorpusRow[] = [
  {
    name: 'px-cells',
    notebook: 'px-cells.ipynb',
    flags: [],
    outcome: 'runs',
    ranks: [
      ['engine 0 of 2', 'only rank 0 reports', 'squares [0, 1]'],
      ['engine 1 of 2', 'rank 1 sees total 3']
    ],
    warnings: [
      "cell 3, line 1: %%px --block: ignored, it only steers how the ipyparallel client waits for and shows results; each rank's output goes to the job log",
      'cell 5, line 1: %autopx was left out: every rank of an MPIJob runs every cell, as if it were on for the whole notebook',
      'cell 5, line 5: %autopx was left out: every rank of an MPIJob runs every cell, as if it were on for the whole notebook'
    ],
    files: [],
    ships: []
  },
  {
    name: 'bare-values',
    notebook: 'bare-values.ipynb',
    flags: [],
    outcome: 'runs',
    // Last bare expressions as their repr; not after `;`, not None;
    // display() prints its objects as IPython does outside a kernel.
    ranks: [
      ['0', "{'rank': 0, 'square': 0}", 'rank-0', 'rank-0 0'],
      ['1', "{'rank': 1, 'square': 1}", 'rank-1', 'rank-1 10']
    ],
    warnings: [],
    files: [],
    ships: []
  },
  {
    name: 'figures',
    notebook: 'figures.ipynb',
    flags: [],
    outcome: 'runs',
    ranks: [['shown on 0'], ['shown on 1']],
    warnings: [],
    // Rank 0's, by default: the figure cell 2 leaves open, the one cell 3 shows.
    files: ['cell2-figure1.png', 'cell3-figure1.png'],
    ships: []
  },
  {
    name: 'particles',
    notebook: 'sibling-module/particles.ipynb',
    flags: [],
    outcome: 'runs',
    ranks: [['[0, 1] 6.674e-11'], ['[2, 3] 6.674e-11']],
    warnings: [],
    files: [],
    // units.py only because lib_particles imports it; no __pycache__.
    ships: [
      'lib_particles.py',
      'physics/__init__.py',
      'physics/constants.py',
      'units.py'
    ]
  },
  {
    name: 'nbformat3',
    notebook: 'nbformat3.ipynb',
    flags: [],
    outcome: 'runs',
    ranks: [
      ['nbformat 3 on rank 0', '100'],
      ['nbformat 3 on rank 1', '101']
    ],
    warnings: [],
    files: [],
    ships: []
  },
  {
    name: 'python2-syntax',
    notebook: 'python2-syntax.ipynb',
    flags: [],
    outcome: 'refused',
    warnings: [],
    // Python words the syntax error; the text after it is the line.
    problems: [
      /cell 3, line 2: SyntaxError: Missing parentheses in call to 'print'.*: print greeting/
    ]
  },
  {
    name: 'missing-import',
    notebook: 'missing-import.ipynb',
    flags: [],
    outcome: 'refused',
    warnings: [],
    // The import in cell 1's try/except ImportError is not counted.
    problems: [missing('cell 3, line 3', 'fastparticles')]
  },
  {
    name: 'client-ipyparallel',
    notebook: 'client-ipyparallel.ipynb',
    flags: [],
    outcome: 'refused',
    warnings: [
      `cell 1, line 1: ${CLIENT_WARNING}`,
      `cell 1, line 2: ${CLIENT_WARNING}`
    ],
    problems: [missing('cell 1, line 1', 'ipyparallel')]
  },
  {
    name: 'client-ipyparallel-px',
    notebook: 'client-ipyparallel.ipynb',
    // The README's advice: leave the client cell out, keep the %%px code.
    flags: ['--cells', '2'],
    outcome: 'runs',
    ranks: [['engine 0'], ['engine 1']],
    warnings: [],
    files: [],
    ships: []
  }
];

const RUNS = CORPUS_TABLE.filter(
  (row): row is IRunsRow => row.outcome === 'runs'
);
const REFUSED = CORPUS_TABLE.filter(
  (row): row is IRefusedRow => row.outcome === 'refused'
);

function mpijob(args: readonly string[]) {
  return cli(['--data-dir', dataDir, ...args], { env: ENV });
}

function launchArgs(row: CorpusRow): string[] {
  return [
    '--from-notebook',
    join(CORPUS, row.notebook),
    '--name',
    row.name,
    '--workers',
    '2',
    ...row.flags
  ];
}

/** The `warning: ` lines of a command's stderr, without the prefix. */
function warningsOf(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter(line => line.startsWith('warning: '))
    .map(line => line.slice('warning: '.length));
}

/** Each rank's lines of a rank-tagged output, without their tags. */
function byRank(stdout: string): string[][] {
  const ranks: string[][] = [[], []];
  for (const line of stdout.split('\n').slice(0, -1)) {
    const match = /^\[rank ([01])\] (.*)$/.exec(line);
    if (match === null) {
      throw new Error(`an output line without a rank tag: ${line}`);
    }
    ranks[Number(match[1])].push(match[2]);
  }
  return ranks;
}

/** The rows of a describe section, e.g. `Files`, without their indent. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${title}:`);
  if (start < 0) {
    return [];
  }
  const rows: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  ')) {
      break;
    }
    rows.push(line.slice(2));
  }
  return rows;
}

const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

afterAll(async () => {
  await stopService(dataDir);
  rmSync(tmp, { recursive: true, force: true });
});

describe('the notebook corpus on the local backend (mpijob run, 2 ranks)', () => {
  itWithPython(
    "should have a ranks' Python without the modules the refusals name",
    () => {
      const found = spawnSync(
        PYTHON,
        [
          '-c',
          'import importlib.util, sys; print([m for m in sys.argv[1:] if importlib.util.find_spec(m)])',
          ...ABSENT_MODULES
        ],
        { encoding: 'utf8' }
      );
      expect(found.stdout).toBe('[]\n');
    }
  );

  describe.each(RUNS)('$name ($notebook)', row => {
    itWithPython(
      'should run, print each rank its lines and warn as the table says',
      async () => {
        const ran = await mpijob(['run', ...launchArgs(row)]);
        // Nothing on stderr but the warnings.
        expect(warningsOf(ran.stderr)).toEqual(row.warnings);
        expect(ran.stderr).toBe(
          row.warnings.map(warning => `warning: ${warning}\n`).join('')
        );
        expect(byRank(ran.stdout)).toEqual(row.ranks);
        expect(ran.code).toBe(0);

        const described = await mpijob(['describe', row.name]);
        expect(described.stdout).toMatch(/^Status:\s+Succeeded$/m);
        const files = section(described.stdout, 'Files')
          .slice(1)
          .map(line => line.split(/\s{3,}/).slice(0, 2));
        expect(files).toEqual(row.files.map(file => [file, '0']));
        if (row.files.length > 0) {
          const into = join(tmp, 'copied', row.name);
          const copied = await mpijob(['cp', `${row.name}:`, into]);
          expect(copied.stderr).toBe('');
          for (const file of row.files) {
            expect(readFileSync(join(into, file)).subarray(0, 8)).toEqual(
              PNG_SIGNATURE
            );
          }
        }
      },
      60_000
    );
  });

  describe.each(REFUSED)('$name ($notebook)', row => {
    itWithPython(
      'should be refused before launch, naming cell and line',
      async () => {
        const ran = await mpijob(['run', ...launchArgs(row)]);
        expect(ran.code).toBe(1);
        expect(ran.stdout).toBe('');
        expect(warningsOf(ran.stderr)).toEqual(row.warnings);
        const refusal = ran.stderr
          .split('\n')
          .filter(line => line !== '' && !line.startsWith('warning: '));
        expect(refusal[0]).toMatch(
          /^Error from server \(Invalid\): the notebook would fail on every rank: cell \d+, line \d+: /
        );
        // Then the problems, one indented line each.
        expect(refusal.slice(1).map(line => line.replace(/^ {2}/, ''))).toEqual(
          row.problems.map(problem =>
            typeof problem === 'string'
              ? problem
              : expect.stringMatching(problem)
          )
        );
        // Nothing was launched.
        const got = await mpijob(['get', row.name]);
        expect(got.code).toBe(1);
        expect(got.stderr).toBe(
          `Error from server (NotFound): mpijobs.kubeflow.org "${row.name}" not found\n`
        );

        // preflight says the same, in its program or imports row.
        const preflight = await mpijob(['preflight', ...launchArgs(row)]);
        expect(preflight.code).toBe(1);
        const failed = preflight.stdout
          .split('\n')
          .filter(line => /^\S+\s+FAILED\s/.test(line));
        expect(failed).toHaveLength(1);
        for (const problem of row.problems) {
          // Inside the row, with what to do after it.
          expect(failed[0]).toMatch(problem);
        }
      },
      60_000
    );
  });
});

describe('the notebook corpus rendered for Kubernetes (mpijob render)', () => {
  it.each(RUNS)(
    '$name ($notebook) should render a CRD-valid MPIJob and ship the files it imports',
    async row => {
      const rendered = await mpijob([
        'render',
        ...launchArgs(row),
        '-o',
        'yaml'
      ]);
      expect(warningsOf(rendered.stderr)).toEqual(row.warnings);
      expect(rendered.code).toBe(0);
      const [configMap, job] = parseYamlStream(rendered.stdout) as Json[];
      expect([configMap.kind, job.kind]).toEqual(['ConfigMap', 'MPIJob']);
      expect(crdErrors(job)).toEqual([]);
      expect(job.spec.mpiReplicaSpecs.Worker.replicas).toBe(2);
      expect(configMap.binaryData).toBeUndefined();
      const folder = join(CORPUS, row.notebook, '..');
      for (const role of ['Launcher', 'Worker']) {
        const pod = job.spec.mpiReplicaSpecs[role].template.spec;
        expect(pod.volumes).toContainEqual({
          name: 'program',
          configMap: { name: configMap.metadata.name }
        });
        // Each shipped file, mounted at its path in the working directory
        // from its ConfigMap key, with the file's own text.
        const workingDir: string = pod.containers[0].workingDir;
        const shipped = (pod.containers[0].volumeMounts as Json[])
          .filter(mount => mount.subPath !== undefined)
          .map(mount => {
            expect(mount.name).toBe('program');
            expect(mount.mountPath.startsWith(`${workingDir}/`)).toBe(true);
            expect(configMap.data[mount.subPath]).toBe(
              readFileSync(
                join(folder, mount.mountPath.slice(workingDir.length + 1)),
                'utf8'
              )
            );
            return mount.mountPath.slice(workingDir.length + 1);
          });
        expect(shipped).toEqual(row.ships);
      }
      // Nothing else in the ConfigMap than the program, its source map and those.
      expect(Object.keys(configMap.data)).toHaveLength(2 + row.ships.length);
      expect(JSON.parse(configMap.data['sourcemap.json']).notebookPath).toBe(
        join(CORPUS, row.notebook)
      );
    },
    30_000
  );
});
