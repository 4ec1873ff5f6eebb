/**
 * The one line a benchmark workload prints from rank 0,
 * `MPIJOB_BENCH {json}`, and what it means for the run.
 */
import type { IOutputMetric } from './scenario';

/** Start of the benchmark line. */
export const BENCH_LINE_PREFIX = 'MPIJOB_BENCH ';

/** What a workload's output says. */
export type WorkloadReport =
  | {
      readonly kind: 'measured';
      /** Seconds the workload measured; null when it gave none. */
      readonly seconds: number | null;
      /** Everything it reported but `seconds`. */
      readonly metrics: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'missing'; readonly message: string };

/**
 * Reads the workload's report from its output: the last benchmark line,
 * and the scenario's output metric when it has one.
 *
 * @param lines - rank 0's output lines, oldest first
 * @param metric - a number to read from the output, when the scenario names one
 * @returns measured (with seconds and metrics), skipped (with the reason) or missing
 */
export function parseWorkloadOutput(
  lines: readonly string[],
  metric?: IOutputMetric
): WorkloadReport {
  let record: Record<string, unknown> | null = null;
  let problem: string | null = null;
  for (const line of lines) {
    const at = line.indexOf(BENCH_LINE_PREFIX);
    if (at < 0) {
      continue;
    }
    const json = line.slice(at + BENCH_LINE_PREFIX.length).trim();
    try {
      const parsed: unknown = JSON.parse(json);
      if (
        parsed !== null &&
        typeof parsed === 'object' &&
        !Array.isArray(parsed)
      ) {
        record = parsed as Record<string, unknown>;
        problem = null;
      } else {
        problem = `the ${BENCH_LINE_PREFIX.trim()} line holds ${json}, not a JSON object`;
      }
    } catch {
      problem = `the ${BENCH_LINE_PREFIX.trim()} line is not JSON: ${json.slice(0, 200)}`;
    }
  }
  const extracted = metric ? extractMetric(lines, metric) : null;
  if (record !== null && typeof record.skipped === 'string') {
    return { kind: 'skipped', reason: record.skipped };
  }
  if (record === null && extracted === null) {
    return {
      kind: 'missing',
      message:
        problem ??
        `the workload printed no ${BENCH_LINE_PREFIX.trim()} line from rank 0${metric ? ` and nothing matched /${metric.pattern}/` : ''}`
    };
  }
  const { seconds, ...rest } = record ?? {};
  const metrics: Record<string, unknown> = { ...rest };
  if (extracted !== null && metric) {
    metrics[metric.name] = extracted;
  }
  const valid =
    typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0;
  return { kind: 'measured', seconds: valid ? seconds : null, metrics };
}

function extractMetric(
  lines: readonly string[],
  metric: IOutputMetric
): number | null {
  const pattern = new RegExp(metric.pattern);
  let value: number | null = null;
  for (const line of lines) {
    const match = pattern.exec(line);
    const number = match?.[1] !== undefined ? Number(match[1]) : NaN;
    if (Number.isFinite(number)) {
      value = number;
    }
  }
  return value;
}
