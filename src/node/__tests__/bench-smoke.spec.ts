/**
 * `mpijob bench` end to end with the real CLI, job service and mpirun: the
 * smoke scenario on 1 and 2 ranks produces a results file that matches
 * schema/results.json, a report table, an HTML page and a PNG chart;
 * Ctrl-C writes what was measured; a Kubernetes scenario is recorded as
 * skipped. Nothing here asserts timings.
 */
import { spawn } from 'node:child_process';
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { IDEAL_LABEL, speedupChartConfig } from '../../core/benchChart';
import type { IBenchResults } from '../../core/benchResults';
import { resultsProblems, summarizeResults } from '../../core/benchResults';
import { notebookText } from '../../core/__tests__/helpers/notebooks';
import { CLI, mpijob as run, PYTHON, ROOT, stopService } from './helpers';

jest.setTimeout(60_000);

const dataDir = mkdtempSync(join(tmpdir(), 'mpijob-bench-data-'));
const out = mkdtempSync(join(tmpdir(), 'mpijob-bench-out-'));
const SMOKE = join(ROOT, 'benchmarks', 'scenarios', 'smoke-local.yaml');
const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

function mpijob(args: readonly string[]) {
  return run(['--data-dir', dataDir, ...args], {
    env: { MPIJOB_PYTHON: PYTHON }
  });
}

function readJson(path: string): IBenchResults {
  return JSON.parse(readFileSync(path, 'utf8')) as IBenchResults;
}

afterAll(async () => {
  await stopService(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

describe('mpijob bench run and report', () => {
  const results = join(out, 'smoke.json');

  it('should run the smoke scenario on 1 and 2 ranks and write valid results', async () => {
    const ran = await mpijob([
      'bench',
      'run',
      SMOKE,
      '--out',
      results,
      '-o',
      'json'
    ]);
    expect(ran.stderr).toContain(`results: ${results}`);
    expect(ran.code).toBe(0);
    // Not a terminal: plain progress lines, no bar.
    expect(ran.stderr).not.toContain('\u001b[2K');
    expect(ran.stderr).toMatch(
      /smoke-local workers=2 run 2: workload [\d.]+ s, end-to-end [\d.]+ s, bare mpirun [\d.]+ s/
    );
    // Worker counts take turns job by job.
    const order = [
      ...ran.stderr.matchAll(/workers=(\d) (warm-up|run) (\d):/g)
    ].map(m => `${m[1]} ${m[2]} ${m[3]}`);
    expect(order).toEqual([
      '1 warm-up 1',
      '2 warm-up 1',
      '1 run 1',
      '2 run 1',
      '1 run 2',
      '2 run 2'
    ]);

    const written = readJson(results);
    expect(resultsProblems(written)).toEqual([]);
    // -o is the output format, as for every verb: the record on stdout.
    expect(JSON.parse(ran.stdout)).toEqual(written);
    expect(written.kind).toBe('scenario');
    expect(written.state).toBe('completed');
    expect(written.environment.backend).toBe('local');
    expect(written.environment.mpi?.version).toMatch(/\d+\.\d+/);
    expect(written.environment.python?.numpy).toMatch(/^\d+\./);
    expect(written.environment.python?.mpi4py).toMatch(/^\d+\./);
    expect(written.environment.loadAverage.start).toHaveLength(3);
    expect(written.runs.map(r => [r.workers, r.ranks, r.state])).toEqual([
      [1, 1, 'completed'],
      [2, 2, 'completed']
    ]);
    for (const r of written.runs) {
      // 1 warm-up and 2 measured jobs; every measured sample is kept.
      expect(r.attempts.map(a => [a.phase, a.state])).toEqual([
        ['warmup', 'completed'],
        ['measure', 'completed'],
        ['measure', 'completed']
      ]);
      for (const name of ['workload', 'e2e', 'bare', 'bareWorkload']) {
        expect(r.series[name].samples).toHaveLength(2);
        expect(r.series[name].stats?.samplesCount).toBe(2);
      }
      // The workload ran on as many ranks as asked, and estimated pi.
      const metrics = r.attempts[1].metrics ?? {};
      expect(metrics.ranks).toBe(r.ranks);
      expect(Math.abs(Number(metrics.value) - Math.PI)).toBeLessThan(0.05);
      // End to end includes the launch: longer than the workload's own time.
      expect(r.series.e2e.stats!.mean).toBeGreaterThan(
        r.series.workload.stats!.mean
      );
    }
    expect(written.summary?.rows.map(r => r.workers)).toEqual([1, 2]);
    expect(written.summary?.basis).toBe('workload');
    // Both measured turns pair; the file recomputes exactly from its samples.
    expect(written.summary?.rows.map(r => r.pairs)).toEqual([2, 2]);
    expect(written.summary).toEqual(summarizeResults(written));

    // The jobs were deleted after the run.
    const left = await mpijob(['get', '-A']);
    expect(left.stdout).not.toContain('smoke-local');
  });

  it('should print the speedup table and write an HTML report and a PNG chart', async () => {
    const png = join(out, 'smoke.png');
    const html = join(out, 'smoke.html');
    const report = await mpijob([
      'bench',
      'report',
      results,
      '--png',
      png,
      '--html',
      html
    ]);
    expect(report.stderr).toBe(`wrote ${html}\nwrote ${png}\n`);
    expect(report.code).toBe(0);
    const lines = report.stdout.split('\n');
    const header = lines.find(l => l.startsWith('WORKERS'));
    expect(header?.split(/\s{3,}/)).toEqual([
      'WORKERS',
      'TIME',
      'SPEEDUP',
      'MIN RATIO',
      'EFFICIENCY',
      'KARP-FLATT',
      'E2E',
      'BARE',
      'OVERHEAD',
      'EXTRA'
    ]);
    // Time: median (min–max); speedup: median of the 2 per-turn ratios [95% CI].
    expect(report.stdout).toMatch(
      /^1 +[\d.]+ s( \([\d.]+–[\d.]+\))? +1\.00 +1\.00 +100\.0% +- /m
    );
    expect(report.stdout).toMatch(
      /^2 +[\d.]+ s( \([\d.]+–[\d.]+\))? +[\d.]+ \[[\d.]+–[\d.]+\] +[\d.]+ +[\d.]+% +-?[\d.]+ +[\d.]+ s +[\d.]+ s +[+-][\d.]+% +[+-][\d.]+ s$/m
    );

    const bytes = readFileSync(png);
    expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
    // Speedup and efficiency side by side, 800 × 520 each.
    expect(bytes.readUInt32BE(16)).toBe(1600);
    expect(bytes.readUInt32BE(20)).toBe(520);
    expect(statSync(png).size).toBeGreaterThan(10_000);
    // Drawn, not blank: the first result's colour is on the chart.
    const { loadImage, createCanvas } = await import('@napi-rs/canvas');
    const image = await loadImage(bytes);
    const canvas = createCanvas(image.width, image.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const pixels = ctx.getImageData(0, 0, image.width, image.height).data;
    let blue = 0;
    let white = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const [r, g, b] = [pixels[i], pixels[i + 1], pixels[i + 2]];
      if (
        Math.abs(r - 0x1f) < 24 &&
        Math.abs(g - 0x77) < 24 &&
        Math.abs(b - 0xb4) < 24
      ) {
        blue++;
      }
      if (r === 255 && g === 255 && b === 255) {
        white++;
      }
    }
    expect(blue).toBeGreaterThan(200);
    expect(white / (pixels.length / 4)).toBeGreaterThan(0.5);

    // What was drawn: axis titles and the series, the ideal line included.
    const config = speedupChartConfig([readJson(results)]);
    const scales = config.options?.scales as Record<
      string,
      { title: { text: string } }
    >;
    expect(scales.x.title.text).toBe('Workers');
    expect(scales.y.title.text).toBe('Speedup');
    expect(config.data.datasets.map(d => d.label)).toEqual([
      IDEAL_LABEL,
      'smoke-local',
      'smoke-local 95% CI'
    ]);

    // Self-contained: chart.js inlined, no network.
    const page = readFileSync(html, 'utf8');
    expect(page).not.toMatch(/<script[^>]+src=/);
    expect(page).not.toMatch(/https?:\/\/cdn/);
    expect(page).toContain('new Chart(document.getElementById(id), config)');
    expect(page).toMatch(/Chart\.js v4/);
    expect(page).toContain('"text":"Workers"');
    expect(page).toContain('<th>KARP-FLATT</th>');
  });

  it('should refuse files that are not results, naming the fields', async () => {
    const bad = join(out, 'bad.json');
    writeFileSync(bad, JSON.stringify({ schemaVersion: 1, kind: 'scenario' }));
    const report = await mpijob(['bench', 'report', bad]);
    expect(report.code).toBe(1);
    expect(report.stderr).toContain(`error: ${bad}: name: is required\n`);
    expect(report.stderr).toContain(`error: ${bad}: runs: is required\n`);
  });

  it('should refuse an invalid scenario with its field paths, exit 1', async () => {
    const bad = join(out, 'bad.yaml');
    writeFileSync(
      bad,
      'name: bad\nworkers: [1, 1]\nworkload: compute_pi.py\nrepeats: 0\n'
    );
    const ran = await mpijob(['bench', 'run', bad]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(
      `error: ${bad}: workers: must not repeat items\nerror: ${bad}: repeats: must be at least 1\n`
    );
    const usage = await mpijob(['bench', 'run', SMOKE, '--workers', 'one']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('invalid --workers "one"');
  });
});

describe('mpijob bench run with the ranks’ Python found on PATH', () => {
  // As scripts/lab.sh runs things: a venv first on PATH, MPIJOB_PYTHON
  // unset. mpirun puts its own bin folder (/usr/bin) first on the ranks'
  // PATH, where `python3` is another interpreter (without numpy here).
  const venv = join(ROOT, '.venv');
  const ownDataDir = mkdtempSync(join(tmpdir(), 'mpijob-bench-path-'));

  afterAll(async () => {
    await stopService(ownDataDir);
    rmSync(ownDataDir, { recursive: true, force: true });
  });

  function scenario(name: string, workload: string): string {
    writeFileSync(join(out, `${name}.py`), workload);
    const file = join(out, `${name}.yaml`);
    writeFileSync(
      file,
      [
        `name: ${name}`,
        `workload: ./${name}.py`,
        'backend: local',
        'workers: [1, 2]',
        'repeats: 1',
        'warmups: 0',
        'timeoutSeconds: 60',
        `env: { EXPECTED_PREFIX: '${venv}' }`,
        ''
      ].join('\n')
    );
    return file;
  }

  function runOnPath(file: string, results: string) {
    return run(
      ['--data-dir', ownDataDir, 'bench', 'run', file, '--out', results],
      {
        env: {
          MPIJOB_PYTHON: undefined,
          PATH: `${join(venv, 'bin')}:${process.env.PATH ?? ''}`
        }
      }
    );
  }

  it('should run the jobs and the bare mpirun baseline in the venv’s interpreter', async () => {
    const file = scenario(
      'venv-python',
      [
        'import os, sys',
        'from mpi4py import MPI',
        "if sys.prefix != os.environ['EXPECTED_PREFIX']:",
        "    sys.exit(f'ranks run {sys.executable}, not the venv python')",
        'if MPI.COMM_WORLD.Get_rank() == 0:',
        '    print(\'MPIJOB_BENCH {"seconds": 0.01}\', flush=True)',
        ''
      ].join('\n')
    );
    const results = join(out, 'venv-python.json');
    const ran = await runOnPath(file, results);
    expect(ran.stderr).not.toContain('no bare mpirun baseline');
    expect(ran.code).toBe(0);
    const written = readJson(results);
    expect(written.state).toBe('completed');
    for (const runOfCount of written.runs) {
      expect(runOfCount.bareSkipped).toBeUndefined();
      expect(runOfCount.series.bare.samples).toHaveLength(1);
    }
    expect(written.environment.python?.executable).toBe(
      join(venv, 'bin', 'python3')
    );
  });

  it('should chart the jobs when the bare baseline cannot run, saying why', async () => {
    // Fails outside a job only: the job service marks its ranks. One rank
    // says why: a bare mpirun does not tag its ranks' output, so two
    // tracebacks written at once interleave ('RuntimeErrorRuntimeError: …').
    // The other ends cleanly: had it failed first, mpirun could stop rank 0
    // before its traceback was written (only 'Exit code: 1' was left).
    const file = scenario(
      'no-baseline',
      [
        'import os, sys',
        "if 'MPIJOB_LOCAL_UID' not in os.environ:",
        "    if os.environ.get('OMPI_COMM_WORLD_RANK', '0') != '0':",
        '        sys.exit(0)',
        "    raise RuntimeError('only inside a job')",
        'from mpi4py import MPI',
        'if MPI.COMM_WORLD.Get_rank() == 0:',
        '    print(\'MPIJOB_BENCH {"seconds": 0.01}\', flush=True)',
        ''
      ].join('\n')
    );
    const results = join(out, 'no-baseline.json');
    const ran = await runOnPath(file, results);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain(
      'workers=1, workers=2: no bare mpirun baseline: bare mpirun exited with code 1: RuntimeError: only inside a job'
    );
    const written = readJson(results);
    expect(resultsProblems(written)).toEqual([]);
    expect(written.state).toBe('completed');
    expect(written.summary?.rows.map(r => r.workers)).toEqual([1, 2]);
    for (const runOfCount of written.runs) {
      expect(runOfCount.bareSkipped).toMatch(/RuntimeError: only inside a job/);
      expect(runOfCount.series.bare.samples).toEqual([]);
      expect(runOfCount.series.e2e.samples).toHaveLength(1);
    }
  });
});

describe('mpijob bench run --from-notebook', () => {
  it('should benchmark a notebook as the launch panel does, results beside the notebook', async () => {
    const dir = mkdtempSync(join(out, 'nb-'));
    const notebookFile = join(dir, 'ranks.ipynb');
    writeFileSync(
      notebookFile,
      notebookText([
        'from mpi4py import MPI\nprint("rank", MPI.COMM_WORLD.Get_rank())'
      ])
    );
    const ran = await mpijob([
      'bench',
      'run',
      '--from-notebook',
      notebookFile,
      '--workers',
      '2,1',
      '--repeats',
      '2',
      '--warmups',
      '0',
      '--env',
      'OMP_NUM_THREADS=1'
    ]);
    expect(ran.stderr).toMatch(/ranks workers=2 run 2: end-to-end/);
    expect(ran.code).toBe(0);
    const file = /results: (.+)$/m.exec(ran.stderr)?.[1] ?? '';
    expect(file).toMatch(
      new RegExp(`^${join(dir, 'benchmarks')}/ranks-\\d{8}-\\d{6}\\.json$`)
    );
    const written = readJson(file);
    expect(resultsProblems(written)).toEqual([]);
    expect(written.scenario).toMatchObject({
      name: 'ranks',
      notebook: notebookFile,
      workers: [1, 2],
      repeats: 2,
      warmups: 0,
      bare: true,
      env: { OMP_NUM_THREADS: '1' }
    });
    expect(written.summary?.basis).toBe('e2e');
    for (const runOfCount of written.runs) {
      expect(runOfCount.state).toBe('completed');
      expect(runOfCount.series.e2e.samples).toHaveLength(2);
      expect(runOfCount.series.bare.samples).toHaveLength(2);
    }
    expect(ran.stdout).toMatch(/^WORKERS\s+TIME\s+SPEEDUP/m);
  });

  it('should refuse a scenario and a notebook at once, and job flags on a scenario', async () => {
    const both = await mpijob([
      'bench',
      'run',
      SMOKE,
      '--from-notebook',
      'x.ipynb'
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      'give a scenario file or --from-notebook, not both'
    );
    const flags = await mpijob([
      'bench',
      'run',
      SMOKE,
      '--gpus-per-worker',
      '1'
    ]);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain(
      "--gpus-per-worker set up a notebook's jobs (--from-notebook); a scenario file sets its own"
    );
    const file = await mpijob(['bench', 'run', SMOKE, '-o', 'out.json']);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain(
      'error: -o is the output format (json or yaml), not the results file: write the results to out.json with --out out.json'
    );
    const none = await mpijob(['bench', 'run']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      'give a scenario file, or a notebook with --from-notebook'
    );
  });
});

describe('mpijob bench run on a backend that is not available', () => {
  it('should record every run as skipped with the reason, and exit 0', async () => {
    const results = join(out, 'k8s.json');
    const kubeconfig = join(out, 'no-such-kubeconfig');
    const ran = await mpijob([
      '--kubeconfig',
      kubeconfig,
      'bench',
      'run',
      join(ROOT, 'benchmarks', 'scenarios', 'tensorflow-benchmarks-k8s.yaml'),
      '--out',
      results
    ]);
    expect(ran.code).toBe(0);
    expect(ran.stderr).toContain(
      `skipped: scenario tensorflow-benchmarks runs on the kubernetes backend, which is not available here: cannot read the kubeconfig ${kubeconfig}`
    );
    const written = readJson(results);
    expect(resultsProblems(written)).toEqual([]);
    expect(written.state).toBe('skipped');
    expect(written.summary).toBeNull();
    expect(written.runs.map(r => [r.workers, r.state])).toEqual([
      [1, 'skipped'],
      [2, 'skipped'],
      [4, 'skipped']
    ]);
    expect(written.runs[0].reason).toMatch(
      /kubernetes backend is not available/
    );
  });
});

describe('mpijob bench run interrupted with Ctrl-C', () => {
  it('should delete the running job and write what was measured, state interrupted', async () => {
    const results = join(out, 'interrupted.json');
    const child = spawn(
      process.execPath,
      [
        CLI,
        '--data-dir',
        dataDir,
        'bench',
        'run',
        SMOKE,
        '--repeats',
        '50',
        '--out',
        results
      ],
      { cwd: ROOT, env: { ...process.env, MPIJOB_PYTHON: PYTHON } }
    );
    let stderr = '';
    child.stderr.setEncoding('utf8');
    const measured = new Promise<void>(resolve => {
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        if (/workers=1 run 2:/.test(stderr)) {
          resolve();
        }
      });
    });
    child.stdout.resume();
    const exited = new Promise<number | null>(resolve =>
      child.on('close', code => resolve(code))
    );
    await measured;
    child.kill('SIGINT');
    const code = await exited;
    expect(stderr).toContain('interrupting: stopping the running job');
    expect(code).toBe(1);
    expect(stderr).toContain(
      `error: interrupted: what was measured so far is in ${results}`
    );
    const written = readJson(results);
    expect(resultsProblems(written)).toEqual([]);
    expect(written.state).toBe('interrupted');
    expect(written.runs.map(r => [r.workers, r.state, r.reason])).toEqual([
      [1, 'interrupted', 'interrupted'],
      [2, 'interrupted', 'interrupted']
    ]);
    // Worker counts take turns, so both were measured before Ctrl-C.
    for (const r of written.runs) {
      expect(r.series.workload.samples.length).toBeGreaterThanOrEqual(1);
    }
    const left = await mpijob(['get', '-A']);
    expect(left.stdout).not.toContain('smoke-local');
  });
});
