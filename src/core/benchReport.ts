/**
 * Text of benchmark results shared by every report: the cells of the
 * speedup table and the lines describing where results were measured, as
 * the terminal, the HTML page and the JupyterLab viewer show them. Pure.
 */
import type { IBenchResults, ISummaryRow } from './benchResults';
import { summarizeResults, turnSamples } from './benchResults';

/** Headers of the speedup table. */
export const SUMMARY_HEADERS = [
  'workers',
  'time',
  'speedup',
  'min ratio',
  'efficiency',
  'karp-flatt',
  'e2e',
  'bare',
  'overhead',
  'extra'
] as const;

/**
 * The speedup table rows of scenario results, as cells.
 *
 * @param results - scenario results
 * @returns one row per completed worker count
 */
export function summaryCells(results: IBenchResults): string[][] {
  const summary = summarizeResults(results);
  if (summary === null) {
    return [];
  }
  return summary.rows.map(row => [
    String(row.workers),
    // One run per count has no spread to show (not a spread of zero).
    row.time.min === row.time.max
      ? `${seconds(row.time.median)} s`
      : `${seconds(row.time.median)} s (${seconds(row.time.min, row.time.median)}–${seconds(row.time.max, row.time.median)})`,
    row.workers === summary.baselineWorkers
      ? row.speedup.toFixed(2)
      : speedupText(row),
    row.speedupOfMinimums.toFixed(2),
    `${(row.efficiency * 100).toFixed(1)}%`,
    row.karpFlatt === null ? '-' : row.karpFlatt.toFixed(3),
    row.e2e === null ? '-' : `${seconds(row.e2e)} s`,
    row.bare === null ? '-' : `${seconds(row.bare)} s`,
    row.overhead === null
      ? '-'
      : `${row.overhead >= 0 ? '+' : ''}${(row.overhead * 100).toFixed(1)}%`,
    row.extra === null
      ? '-'
      : `${row.extra >= 0 ? '+' : ''}${row.extra.toFixed(3)} s`
  ]);
}

/**
 * A speedup with its confidence interval, `1.61 [1.42–1.80]`; the median
 * alone where there is no interval (fewer than 2 pairs).
 *
 * @param row - a summary row
 * @returns the text
 */
export function speedupText(
  row: Pick<ISummaryRow, 'speedup' | 'speedupCi'>
): string {
  const ci = row.speedupCi;
  return ci === null
    ? row.speedup.toFixed(2)
    : `${row.speedup.toFixed(2)} [${ci.low.toFixed(2)}–${ci.high.toFixed(2)}]`;
}

/**
 * What the runs that did not finish, and the bare baselines that could not
 * run, say: one line per distinct outcome, naming its runs.
 *
 * @param results - scenario or micro results
 * @returns lines such as `workers=2: errored: …` or
 *   `workers=1, workers=2: no bare mpirun baseline: …`
 */
export function runNotes(results: IBenchResults): string[] {
  const groups = new Map<string, string[]>();
  const add = (key: string, name: string): void => {
    groups.set(key, [...(groups.get(key) ?? []), name]);
  };
  for (const run of results.runs) {
    if (run.state !== 'completed') {
      add(`${run.state}${run.reason ? `: ${run.reason}` : ''}`, run.name);
    }
    if (run.bareSkipped !== undefined) {
      add(`no bare mpirun baseline: ${run.bareSkipped}`, run.name);
    }
  }
  const notes = [...groups].map(
    ([key, names]) => `${names.join(', ')}: ${key}`
  );
  const summary = summarizeResults(results);
  notes.push(...pairingNotes(results, summary));
  // A job cannot take less than its own bare mpirun: what shows so is noise.
  const faster = (summary?.rows ?? []).filter(
    row => row.overhead !== null && row.overhead < -NOISE
  );
  if (faster.length > 0) {
    notes.push(
      `workers=${faster.map(row => row.workers).join(', workers=')}: faster through the job service than under a bare mpirun, so the machine's noise is larger than the harness's cost here: run more repeats, on a quieter machine`
    );
  }
  return notes;
}

// Where a speedup rests on fewer turns than were measured, or on none.
function pairingNotes(
  results: IBenchResults,
  summary: ReturnType<typeof summarizeResults>
): string[] {
  if (summary === null) {
    return [];
  }
  const measured = new Map(
    results.runs
      .filter(r => r.state === 'completed' && r.workers !== null)
      .map(r => [r.workers!, turnSamples(r, summary.basis).samples.length])
  );
  const base = measured.get(summary.baselineWorkers) ?? 0;
  const notes: string[] = [];
  for (const row of summary.rows) {
    const own = measured.get(row.workers) ?? 0;
    if (row.pairs < Math.max(own, base)) {
      notes.push(
        `workers=${row.workers}: speedup from the ${row.pairs} turn${row.pairs === 1 ? '' : 's'} it shares with workers=${summary.baselineWorkers} (${own} and ${base} measured)`
      );
    }
  }
  const charted = new Set(summary.rows.map(r => r.workers));
  for (const [workers, count] of measured) {
    if (!charted.has(workers) && count > 0) {
      notes.push(
        `workers=${workers}: no speedup: none of its turns is one workers=${summary.baselineWorkers} completed`
      );
    }
  }
  return notes;
}

// Overhead below this (as a fraction) is read as noise, not a gain.
const NOISE = 0.02;

/**
 * Describes where results were measured, one short line per aspect.
 *
 * @param results - any results
 * @returns lines without newlines
 */
export function environmentLines(results: IBenchResults): string[] {
  const env = results.environment;
  const gib = (env.memoryBytes / 2 ** 30).toFixed(1);
  const lines = [
    `host ${env.hostname}: ${env.cpuModel}, ${env.cores} cores, ${gib} GiB, ${env.platform} ${env.release}, Node ${env.node}`
  ];
  const parts: string[] = [];
  if (env.backend) {
    parts.push(`backend ${env.backend}`);
  }
  if (env.mpi) {
    parts.push(`${env.mpi.implementation} (${env.mpi.version})`);
  }
  if (env.python) {
    parts.push(
      `Python ${env.python.version ?? '?'}, numpy ${env.python.numpy ?? '-'}, mpi4py ${env.python.mpi4py ?? '-'}`
    );
  }
  if (env.git) {
    parts.push(
      `commit ${env.git.commit.slice(0, 12)}${env.git.dirty ? ' (uncommitted changes)' : ''}`
    );
  }
  if (parts.length > 0) {
    lines.push(parts.join('; '));
  }
  lines.push(
    `load average ${loadText(env.loadAverage.start)} at start, ${loadText(env.loadAverage.end)} at end (1, 5, 15 min; ${env.cores} cores)`
  );
  return lines;
}

function loadText(load: readonly number[]): string {
  return load.map(x => x.toFixed(2)).join(' ');
}

/**
 * Seconds with 3 decimals (1 from 100 s, 3 significant digits below 10 ms).
 *
 * @param x - seconds
 * @param like - format a spread with the decimals of its mean
 * @returns the number as text
 */
// Seconds with 3 decimals (1 from 100 s, 3 significant digits below 10 ms);
// `like` formats a spread with the decimals of its mean.
export function seconds(x: number, like: number = x): string {
  if (like >= 100) {
    return x.toFixed(1);
  }
  if (like >= 0.01 || like === 0) {
    return x.toFixed(3);
  }
  const decimals = Math.min(
    9,
    Math.max(0, 2 - Math.floor(Math.log10(Math.abs(like))))
  );
  return x.toFixed(decimals);
}

/**
 * A number with about 3 significant digits.
 *
 * @param x - the number
 * @returns it as text
 */
export function round(x: number): string {
  if (Number.isInteger(x)) {
    return String(x);
  }
  const digits = Math.max(0, 3 - Math.floor(Math.log10(Math.abs(x))) - 1);
  return x.toFixed(Math.min(digits, 6));
}
