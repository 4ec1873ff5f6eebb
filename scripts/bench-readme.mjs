// Writes the tables of benchmarks/README.md from the committed results files
// (benchmarks/results/*.json), between the markers
//   <!-- generated: NAME (scripts/bench-readme.mjs) -->
//   <!-- end generated: NAME -->
// so no number there is typed by hand. `--check` writes nothing and exits 1
// when the README differs from what the files give (a test runs it).
//
//   node scripts/bench-readme.mjs [--check]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const README = join(root, 'benchmarks', 'README.md');
const RESULTS = join(root, 'benchmarks', 'results');

/** The results files whose names start with `prefix`, oldest first (`file`: the name). */
function results(prefix) {
  return readdirSync(RESULTS)
    .filter(name => name.startsWith(prefix) && name.endsWith('.json'))
    .sort()
    .map(file => ({
      file,
      ...JSON.parse(readFileSync(join(RESULTS, file), 'utf8'))
    }));
}

const mean = values => values.reduce((a, b) => a + b, 0) / values.length;
const fixed = (value, digits) => value.toFixed(digits);
const signed = (value, digits, unit) =>
  `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}${unit}`;

/**
 * A Markdown table laid out as Prettier lays it out (so `npm run lint`
 * leaves it alone): every column as wide as its widest cell.
 */
function table(headers, rows) {
  const widths = headers.map((header, column) =>
    Math.max(3, header.length, ...rows.map(row => row[column].length))
  );
  const line = cells =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(headers),
    `| ${widths.map(width => '-'.repeat(width)).join(' | ')} |`,
    ...rows.map(line)
  ].join('\n');
}

/** compute-local: the speedup on 2 ranks, and what the harness costs. */
function computeLocal() {
  const rows = results('compute-local-').map(run => {
    const [one, two] = run.summary.rows;
    const byWorkers = new Map(run.runs.map(r => [r.workers, r]));
    const measured = workers =>
      byWorkers
        .get(workers)
        .attempts.filter(a => a.phase === 'measure' && a.state === 'completed');
    const bareWorkload = workers =>
      byWorkers.get(workers).series.bareWorkload.stats.mean;
    // Identical halves of the work, one a rank: the faster rank is what an
    // undisturbed machine would give for both.
    const fasterRank = mean(
      measured(2).map(a => Math.min(...a.metrics.rank_compute_seconds))
    );
    return [
      `\`${run.file.replace(/\.json$/, '')}\``,
      two.speedupCi
        ? `${fixed(two.speedup, 2)} [${fixed(two.speedupCi.low, 2)}–${fixed(two.speedupCi.high, 2)}]`
        : fixed(two.speedup, 2),
      fixed(two.speedupOfMinimums, 2),
      `${fixed(two.efficiency * 100, 1)} %`,
      fixed(bareWorkload(1) / bareWorkload(2), 2),
      fixed(mean(measured(1).map(a => a.workloadSeconds)) / fasterRank, 2),
      `${signed(one.overhead * 100, 1, ' %')} / ${signed(two.overhead * 100, 1, ' %')}`,
      `${signed(one.extra * 1000, 0, ' ms')} / ${signed(two.extra * 1000, 0, ' ms')}`,
      `${fixed(run.environment.loadAverage.start[0], 2)}`
    ];
  });
  return table(
    [
      'Results file',
      'Speedup, 2 vs 1 rank (compute time) [95 % CI]',
      'Ratio of fastest times',
      'Efficiency',
      'Bare-mpirun speedup',
      'Against the faster rank',
      'OVERHEAD 1 / 2 ranks',
      'EXTRA 1 / 2 ranks',
      'Load at start'
    ],
    rows
  );
}

/** cli-start: the latest run of benchmarks/cli_start.mjs. */
function cliStart() {
  const all = results('cli-start-');
  if (all.length === 0) {
    return '(no results/cli-start-*.json yet: run benchmarks/cli_start.mjs)';
  }
  const run = all[all.length - 1];
  const ms = value => `${Math.round(value)} ms`;
  const rows = run.runs.map(r => {
    const stats = r.series.latency.stats;
    return [
      `\`${r.name}\``,
      `${ms(stats.p50)} (${ms(stats.min)}–${ms(stats.max)})`,
      `${fixed(r.metrics.vsNode, 2)}×`,
      `${fixed(r.metrics.vsBareMpirun, 2)}×`
    ];
  });
  const env = run.environment;
  return [
    `\`results/${run.file}\`: ${run.runs[0].series.latency.stats.samplesCount} rounds, ${env.cores} cores (${env.cpuModel}), Node ${env.node}, load average ${fixed(env.loadAverage.start[0], 2)} at the start.`,
    '',
    table(
      [
        'Command',
        'Median (min–max)',
        'vs `node -e 0`',
        'vs bare `mpirun -n 2 python3 -c pass`'
      ],
      rows
    )
  ].join('\n');
}

const median = values => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** sdk-overhead: the latest run of benchmarks/sdk_overhead.py. */
function sdkOverhead() {
  const all = results('sdk-overhead-');
  if (all.length === 0) {
    return '(no results/sdk-overhead-*.json yet: run benchmarks/sdk_overhead.py)';
  }
  const run = all[all.length - 1];
  const spread = samples =>
    `${fixed(median(samples), 3)} s (${fixed(Math.min(...samples), 3)}–${fixed(Math.max(...samples), 3)})`;
  const rows = run.notebooks.map(n => [
    n.notebook,
    spread(n.sdkSeconds),
    spread(n.cliSeconds),
    fixed(median(n.sdkSeconds) / median(n.cliSeconds), 2),
    signed(
      median(n.sdkSeconds.map((s, i) => (s - n.cliSeconds[i]) * 1000)),
      0,
      ' ms'
    )
  ]);
  const env = run.environment;
  return [
    `\`results/${run.file}\`: ${run.repeats} repeats, ${env.cores} cores (${env.cpuModel}), Python ${env.python}, load average ${fixed(env.loadAverage.start[0], 2)} at the start.`,
    '',
    table(
      [
        'notebook',
        'SDK median (min–max)',
        'CLI median (min–max)',
        'SDK/CLI',
        'paired difference'
      ],
      rows
    )
  ].join('\n');
}

/** numpy's linear quantile of ascending samples, as src/core/stats.ts computes it. */
function quantile(sorted, q) {
  const virtual = (sorted.length - 1) * q;
  const lo = Math.floor(virtual);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const gamma = virtual - lo;
  const diff = sorted[hi] - sorted[lo];
  return gamma >= 0.5
    ? sorted[hi] - diff * (1 - gamma)
    : sorted[lo] + diff * gamma;
}

/** scale-kwok: the control plane with many jobs at once, from each run's raw samples. */
function scaleKwok() {
  const rows = results('scale-kwok-').map(run => {
    const scale = run.scale;
    const sorted = name =>
      [...run.runs[0].series[name].samples].sort((a, b) => a - b);
    const running = sorted('submitToRunning');
    const sse = sorted('statusToSse');
    const watches = scale.requests
      .filter(r => r.verb === 'watch')
      .map(r => `${r.resource.split('.')[0]} ${r.maxOpen}`)
      .join(', ');
    const rate = label => {
      const o = scale.operator.find(x => x.label === label);
      return o && o.podsCreatedSeconds
        ? `${fixed(o.pods / o.podsCreatedSeconds, 1)} (${o.qps}/${o.burst})`
        : '–';
    };
    return [
      `\`${run.file.replace(/\.json$/, '')}\``,
      `${scale.jobs} × ${scale.workers}`,
      `${fixed(quantile(running, 0.5), 0)} / ${fixed(quantile(running, 0.95), 0)} / ${fixed(running[running.length - 1], 0)} s`,
      `${fixed(scale.allRunningSeconds, 0)} s`,
      `${fixed(quantile(sse, 0.5), 0)} / ${fixed(quantile(sse, 0.99), 0)} ms`,
      `${fixed(scale.service.cpuSeconds, 0)} s / ${fixed(scale.service.maxRssBytes / 2 ** 20, 0)} MiB`,
      watches,
      `${rate('default')} → ${rate('tuned')}`,
      `${fixed(scale.delete.seconds, 0)} s`
    ];
  });
  return table(
    [
      'Results file',
      'Jobs × workers',
      'Submit → Running p50 / p95 / max',
      'All Running',
      'Status → SSE p50 / p99',
      'Service CPU / max RSS',
      'Watches open (per kind)',
      'Operator pods/s (QPS/burst): default → tuned',
      'Delete all'
    ],
    rows
  );
}

/** scale-faults: each fault of the latest run, and what the SSE clients saw. */
function scaleFaults() {
  const runs = results('scale-faults-');
  const run = runs[runs.length - 1];
  const clients = run.scale.sse.clients;
  const sum = key => clients.reduce((n, c) => n + c[key], 0);
  return [
    `\`results/${run.file}\`: ${run.scale.jobs} jobs × ${run.scale.workers} workers, ${clients.length} SSE clients; over the whole run the clients skipped ${sum('gaps')} ids and repeated ${sum('duplicates')}, reconnected ${sum('connections') - clients.length} times (${sum('resyncs')} of them with a resync) and ended with ${clients.reduce((n, c) => n + c.diverged.length, 0)} jobs unlike the API.`,
    '',
    table(
      [
        'Fault',
        'At (s after the first submit)',
        'Back after',
        'Clients agree with the API'
      ],
      run.scale.faults.map(f => [
        f.kind,
        fixed(f.at, 0),
        `${fixed(f.recoverySeconds, 1)} s`,
        f.converged ? 'yes' : `no: ${f.message}`
      ])
    )
  ].join('\n');
}

const SECTIONS = {
  'compute-local': computeLocal,
  'cli-start': cliStart,
  'sdk-overhead': sdkOverhead,
  'scale-kwok': scaleKwok,
  'scale-faults': scaleFaults
};

let text = readFileSync(README, 'utf8');
for (const [name, make] of Object.entries(SECTIONS)) {
  const start = `<!-- generated: ${name} (scripts/bench-readme.mjs) -->`;
  const end = `<!-- end generated: ${name} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    process.stderr.write(`benchmarks/README.md: no ${start} … ${end}\n`);
    process.exit(1);
  }
  text = `${text.slice(0, from + start.length)}\n\n${make()}\n\n${text.slice(to)}`;
}

if (process.argv.includes('--check')) {
  if (text !== readFileSync(README, 'utf8')) {
    process.stderr.write(
      'benchmarks/README.md: its tables differ from benchmarks/results/*.json: run node scripts/bench-readme.mjs\n'
    );
    process.exit(1);
  }
} else {
  writeFileSync(README, text);
}
