// How long `mpijob` takes to start and to do a round trip, beside what it
// wraps: `node -e 0` (Node alone), `mpijob --version` (the CLI's start),
// `mpijob get` (a request to the local job service), `mpijob run --rm` of a
// one-cell notebook on 2 ranks (create, follow, exit, delete in one process)
// and a bare `mpirun -n 2 python3 -c pass` (with and without importing
// mpi4py, which every notebook job does).
//
//   npm run build:cli && node benchmarks/cli_start.mjs [--repeats 10] [--out FILE]
//
// The commands take turns, one sample each per round, so a noisy machine
// hits them alike. Writes a results file (schema/results.json, kind micro,
// one run per command: its wall-clock `series.latency` in milliseconds, as
// `bench micro` writes it, and in `metrics` its median and the median's
// ratios to `node -e 0` and to the bare mpirun) to
// benchmarks/results/cli-start-<time>.json; `node scripts/bench-readme.mjs`
// puts its table into benchmarks/README.md.
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'lib', 'node', 'cli.js');

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '10' },
    out: { type: 'string' }
  }
});
const repeats = Number(values.repeats);
if (!Number.isInteger(repeats) || repeats < 3) {
  process.stderr.write(
    `error: --repeats ${values.repeats}: give a whole number, at least 3\n`
  );
  process.exit(2);
}

const work = mkdtempSync(join(os.tmpdir(), 'mpijob-cli-start-'));
const dataDir = join(work, 'data');
const notebook = join(work, 'tiny.ipynb');
writeFileSync(
  notebook,
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      {
        cell_type: 'code',
        id: 'a1',
        metadata: {},
        execution_count: null,
        outputs: [],
        source: 'x = 1'
      }
    ]
  })
);
const venvBin = join(ROOT, '.venv', 'bin');
const env = {
  ...process.env,
  MPIJOB_DATA_DIR: dataDir,
  MPIJOB_BACKEND: 'local',
  PATH: `${venvBin}${delimiter}${process.env.PATH}`,
  // What the local backend sets for its own mpirun.
  OMPI_ALLOW_RUN_AS_ROOT: '1',
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
  OMPI_MCA_rmaps_base_oversubscribe: '1'
};
const node = process.execPath;

/** The commands, in the order they take turns. */
const COMMANDS = [
  { name: 'node -e 0', file: node, args: ['-e', '0'] },
  { name: 'mpijob --version', file: node, args: [CLI, '--version'] },
  { name: 'mpijob get', file: node, args: [CLI, 'get'] },
  {
    name: 'mpijob run --rm (1-cell notebook, 2 ranks)',
    file: node,
    args: [CLI, 'run', '--rm', '--from-notebook', notebook, '--workers', '2']
  },
  {
    name: 'mpirun -n 2 python3 -c pass',
    file: 'mpirun',
    args: ['-n', '2', 'python3', '-c', 'pass']
  },
  {
    name: 'mpirun -n 2 python3 -c "from mpi4py import MPI"',
    file: 'mpirun',
    args: ['-n', '2', 'python3', '-c', 'from mpi4py import MPI']
  }
];

function once(command) {
  const started = process.hrtime.bigint();
  const ran = spawnSync(command.file, command.args, {
    cwd: work,
    env,
    encoding: 'utf8'
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (ran.status !== 0) {
    throw new Error(
      `${command.name} exited ${ran.status ?? ran.signal}: ${ran.stderr.trim()}`
    );
  }
  return seconds;
}

/**
 * The project's own statistics (src/core/stats.ts, what every results file
 * holds), bundled on the fly: this script runs without a TypeScript build.
 */
async function projectStats() {
  const { outputFiles } = await build({
    entryPoints: [join(ROOT, 'src', 'core', 'stats.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'error'
  });
  const code = Buffer.from(outputFiles[0].text).toString('base64');
  return import(`data:text/javascript;base64,${code}`);
}
const { computeStats: stats } = await projectStats();

function text(file, args) {
  try {
    return execFileSync(file, args, { encoding: 'utf8', env }).trim();
  } catch {
    return null;
  }
}

const startedAt = new Date();
const loadStart = os.loadavg();
// Warm-up: starts the job service (`get`), fills the file cache.
for (const command of COMMANDS) {
  once(command);
}
const samples = COMMANDS.map(() => []);
const times = COMMANDS.map(() => ({ start: null, end: null }));
for (let round = 0; round < repeats; round++) {
  COMMANDS.forEach((command, i) => {
    times[i].start ??= new Date().toISOString();
    samples[i].push(once(command));
    times[i].end = new Date().toISOString();
  });
  process.stderr.write(`round ${round + 1}/${repeats}\n`);
}
const medians = samples.map(s => stats(s).p50);
const bare = medians[4];
const results = {
  schemaVersion: 2,
  kind: 'micro',
  name: 'cli-start',
  state: 'completed',
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  scenario: null,
  environment: {
    hostname: os.hostname(),
    platform: process.platform,
    release: os.release(),
    arch: process.arch,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    loadAverage: { start: loadStart, end: os.loadavg() },
    node: process.version,
    mpi: {
      implementation: 'OpenMPI',
      launcher: text('which', ['mpirun']) ?? 'mpirun',
      version: text('mpirun', ['--version'])?.split('\n')[0] ?? null
    },
    python: null,
    git: {
      commit: text('git', ['-C', ROOT, 'rev-parse', 'HEAD']),
      dirty: (text('git', ['-C', ROOT, 'status', '--porcelain']) ?? '') !== ''
    },
    backend: 'local',
    date: startedAt.toISOString()
  },
  runs: COMMANDS.map((command, i) => ({
    name: command.name,
    workers: null,
    ranks: null,
    state: 'completed',
    reason: null,
    startedAt: times[i].start,
    finishedAt: times[i].end,
    attempts: [],
    metrics: {
      medianSeconds: medians[i],
      vsNode: medians[i] / medians[0],
      vsBareMpirun: medians[i] / bare
    },
    series: {
      latency: {
        unit: 'ms',
        samples: samples[i].map(s => s * 1000),
        stats: stats(samples[i].map(s => s * 1000))
      }
    }
  })),
  summary: null
};
const stamp = startedAt
  .toISOString()
  .replace(/[-:]/g, '')
  .replace('T', '-')
  .slice(0, 15);
const out =
  values.out ?? join(ROOT, 'benchmarks', 'results', `cli-start-${stamp}.json`);
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
for (const [i, command] of COMMANDS.entries()) {
  process.stdout.write(
    `${command.name.padEnd(52)} median ${(medians[i] * 1000).toFixed(0).padStart(5)} ms  ×${(medians[i] / medians[0]).toFixed(2)} node -e 0\n`
  );
}
process.stderr.write(`results: ${out}\n`);

// The job service the first `get` started.
try {
  process.kill(Number(readFileSync(join(dataDir, 'service.pid'), 'utf8')));
} catch {
  // Already gone.
}
rmSync(work, { recursive: true, force: true });
