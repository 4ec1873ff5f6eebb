/**
 * `mpijob describe`: one job in kubectl's describe layout.
 */
import { humanBytes, humanDuration } from '../../core/format';
import type { IJobFileInfo } from '../../core/jobFiles';
import type { IJobReport } from '../../core/jobReport';
import { TIMELINE_TITLES, timelineSeconds } from '../../core/jobReport';
import type { IJobRecord, ILogLine } from '../../core/jobRecord';
import { replicaOutcome } from '../../core/status';
import { formatTable } from '../../core/table';

// Width of the `Name:` column.
const FIELD_WIDTH = 18;

function statusLine(job: IJobRecord): string {
  const status = job.status;
  switch (status.phase) {
    case 'Failed':
      return `Failed (${status.reason}): ${status.message}`;
    case 'Pending':
    case 'Running':
    case 'Suspended':
      return status.reason
        ? `${status.phase} (${status.reason})${status.message ? `: ${status.message}` : ''}`
        : status.phase;
    default:
      return status.phase;
  }
}

function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map(line => (line ? by + line : line))
    .join('\n');
}

/**
 * Formats a job for `describe`.
 *
 * @param job - the job
 * @param lastLines - its last log lines
 * @param files - the files its ranks left (figures)
 * @param report - where its ranks ran and how its start went
 * @param now - the current time, for durations
 * @returns the text
 */
export function describeJob(
  job: IJobRecord,
  lastLines: readonly ILogLine[] | { readonly unavailable: string },
  files: readonly IJobFileInfo[] | { readonly unavailable: string } = [],
  report: IJobReport | null = null,
  now = Date.now()
): string {
  const field = (
    name: string,
    value: string | number | null | undefined
  ): string => {
    const text =
      value === null || value === undefined || value === ''
        ? '<none>'
        : String(value);
    // Further lines (a traceback) line up under the first, as in kubectl.
    return `${`${name}:`.padEnd(FIELD_WIDTH)}${text.split(/\r?\n|\r/).join(`\n${' '.repeat(FIELD_WIDTH)}`)}\n`;
  };
  let out = '';
  out += field('Name', job.name);
  out += field('Namespace', job.namespace);
  out += field('Backend', job.backend);
  out += field('Status', statusLine(job));
  out += field(
    'Created',
    `${job.createdAt} (${humanDuration(now - Date.parse(job.createdAt))} ago)`
  );
  out += field('Started', job.startedAt);
  if (job.startedAt) {
    const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
    out += field(
      job.finishedAt ? 'Finished' : 'Running for',
      job.finishedAt ?? humanDuration(end - Date.parse(job.startedAt))
    );
    if (job.finishedAt) {
      out += field('Duration', humanDuration(end - Date.parse(job.startedAt)));
    }
  }
  out += field('Exit Code', job.exitCode);
  out += field('MPI', job.mpiImplementation);
  out += field(
    'Workers',
    `${job.workers} × ${job.slotsPerWorker} slot(s), ${job.gpusPerWorker} GPU(s) each`
  );
  out += field(
    'Notebook',
    job.notebook
      ? `${job.notebook.path} (cells ${job.notebook.cells.join(', ')})`
      : null
  );
  if (job.spec?.command) {
    out += field('Command', job.spec.command.join(' '));
  }
  if (job.spec?.workingDir) {
    out += field('Working Dir', job.spec.workingDir);
  }
  if (job.spec?.image) {
    out += field('Image', job.spec.image);
  }

  out += 'Conditions:\n';
  const conditions = formatTable(
    ['Type', 'Status', 'Reason', 'Message'],
    job.conditions.map(c => [c.type, c.status, c.reason, c.message])
  );
  out += conditions ? indent(conditions) : '  <none>\n';

  out += 'Topology:\n';
  const nodes = [
    ...(job.topology.launcher ? [job.topology.launcher] : []),
    ...job.topology.workers
  ];
  out += indent(
    formatTable(
      [
        'Role',
        'Index',
        'Pod',
        'Phase',
        'Node',
        'Restarts',
        'GPUs',
        'Exit',
        'Reason'
      ],
      nodes.map(n => [
        n.role,
        n.index,
        n.podName,
        // As the job view shows it: the replica that failed first apart from those it stopped.
        replicaOutcome(n, job.status),
        n.nodeName,
        n.restarts,
        n.gpus,
        n.exitCode,
        n.reason
      ])
    )
  );

  if (report !== null) {
    out += describeReport(report);
  }

  out += 'Files:\n';
  if (!Array.isArray(files)) {
    out += `  <unavailable: ${(files as { unavailable: string }).unavailable}>\n`;
  } else if (files.length === 0) {
    out += '  <none>\n';
  } else {
    out += indent(
      formatTable(
        ['Name', 'Rank', 'Size'],
        files.map(f => [f.name, f.rank, humanBytes(f.size)])
      )
    );
  }

  out += 'Last Log Lines:\n';
  if (!Array.isArray(lastLines)) {
    return `${out}  <unavailable: ${(lastLines as { unavailable: string }).unavailable}>\n`;
  }
  out += lastLines.length
    ? lastLines
        .map(
          line =>
            `  ${line.rank === null ? '[launcher]' : `[rank ${line.rank}]`} ${line.text}\n`
        )
        .join('')
    : '  <none>\n';
  return out;
}

/**
 * The placement and timeline sections of `describe`.
 *
 * @param report - the job's report
 * @returns the text
 */
function describeReport(report: IJobReport): string {
  let out = '';
  if (report.warning !== null) {
    out += `Warning:          ${report.warning}\n`;
  }
  out += 'Placement:\n';
  out += report.placement.length
    ? indent(
        formatTable(
          ['Rank', 'Host', 'Replica', 'Node'],
          report.placement.map(p => [
            p.rank,
            p.host,
            p.role === null
              ? null
              : p.role === 'launcher'
                ? 'launcher'
                : `worker ${p.index}`,
            p.node
          ])
        )
      )
    : '  <none reported yet>\n';
  out += 'Timeline:\n';
  const seconds = timelineSeconds(report.timeline);
  out += indent(
    formatTable(
      ['Step', 'At', 'Since Created'],
      report.timeline.map(step => [
        TIMELINE_TITLES[step.step],
        step.at,
        seconds[step.step] === null || seconds[step.step] === undefined
          ? null
          : `${(seconds[step.step] as number).toFixed(1)} s`
      ])
    )
  );
  return out;
}
