/**
 * `mpijob list` (alias `get`): jobs as a table, like `kubectl get`.
 */
import type { Command } from 'commander';

import { humanDuration } from '../../../core/format';
import type { IJobEvent, IJobRecord } from '../../../core/jobRecord';
import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import type { OutputFormat, OutputKind, PrintFormat } from '../outputFormat';
import { parseOutput } from '../outputFormat';
import { formatTable } from '../../../core/table';
import type { Cell } from '../../../core/table';

const FORMATS: readonly OutputKind[] = [
  'json',
  'yaml',
  'name',
  'wide',
  'jsonpath',
  'custom-columns'
];

const EXAMPLES = `
Examples:
  # Jobs in the default namespace
  mpijob list

  # Every namespace, with GPUs, MPI and notebook columns
  mpijob list -A -o wide

  # Names only, kubectl's JSONPath
  mpijob get -o jsonpath='{.items[*].metadata.name}'

  # Columns of your choice
  mpijob get -o custom-columns=NAME:.metadata.name,PHASE:.status.phase,EXIT:.status.exitCode

  # Follow changes as they happen
  mpijob list --watch
`;

/**
 * The `STATUS` column: the phase, with the reason when there is one.
 *
 * @param job - a job
 * @returns e.g. `Running`, `Failed (WorkerFailed)`
 */
export function statusColumn(job: IJobRecord): string {
  const status = job.status;
  const reason = 'reason' in status && status.reason ? status.reason : null;
  return reason && status.phase !== 'Succeeded'
    ? `${status.phase} (${reason})`
    : status.phase;
}

function row(
  job: IJobRecord,
  wide: boolean,
  allNamespaces: boolean,
  now: number
): Cell[] {
  const ready = job.topology.workers.filter(
    w => w.phase === 'Running' || w.phase === 'Succeeded'
  ).length;
  const status = statusColumn(job);
  const cells: Cell[] = [
    ...(allNamespaces ? [job.namespace] : []),
    job.name,
    `${ready}/${job.workers}`,
    status,
    humanDuration(now - Date.parse(job.createdAt))
  ];
  if (wide) {
    cells.push(
      job.slotsPerWorker,
      job.gpusPerWorker * job.workers,
      job.mpiImplementation,
      job.backend,
      job.notebook?.path ?? null
    );
  }
  return cells;
}

function headers(wide: boolean, allNamespaces: boolean): string[] {
  return [
    ...(allNamespaces ? ['namespace'] : []),
    'name',
    'workers',
    'status',
    'age',
    ...(wide ? ['slots', 'gpus', 'mpi', 'backend', 'notebook'] : [])
  ];
}

/**
 * Adds `list` / `get`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerList(program: Command, context: ICliContext): void {
  program
    .command('list [names...]')
    .alias('get')
    .description(
      'List MPIJobs, or show the named ones (one name with -o json|yaml prints the job itself).'
    )
    .option(
      '-n, --namespace <namespace>',
      'Namespace; "default" when not given.'
    )
    .option('-A, --all-namespaces', 'List jobs of every namespace.')
    .option(
      '-o, --output <format>',
      'Output format: json, yaml (a v1 List of MPIJobs; one object for one name), name, wide, jsonpath=TEMPLATE, custom-columns=HEADER:PATH,….'
    )
    .option(
      '-w, --watch',
      'After listing, print every change until interrupted.'
    )
    .addHelpText('after', EXAMPLES)
    .action(
      async (
        names: string[],
        options: Record<string, unknown>,
        self: Command
      ) => {
        const parsed =
          options.output === undefined
            ? null
            : parseOutput(String(options.output), FORMATS, 'mpijob list');
        const format = printable(parsed);
        const all = Boolean(options.allNamespaces);
        const namespace = all ? undefined : namespaceOf(options);
        const { stdout, stderr } = context.io;
        const wide = parsed?.kind === 'wide';
        // The printers (YAML, JSONPath) load only when asked for.
        const printers = format ? await import('../printers') : null;
        await context.withBackend(self, async backend => {
          const jobs = names.length
            ? await Promise.all(
                names.map(name => backend.get(namespace ?? 'default', name))
              )
            : await backend.list(namespace);
          if (format && printers) {
            stdout.write(
              printers.printRecords(jobs, format, names.length !== 1)
            );
          } else if (jobs.length) {
            const now = Date.now();
            stdout.write(
              formatTable(
                headers(wide, all),
                jobs.map(j => row(j, wide, all, now))
              )
            );
          } else if (!options.watch) {
            stderr.write(
              all
                ? 'No resources found\n'
                : `No resources found in ${namespace} namespace.\n`
            );
          }
          if (!options.watch) {
            return;
          }
          await new Promise<void>(resolve => {
            const print = (event: IJobEvent): void => {
              if (format && printers) {
                stdout.write(printers.printRecords([event.job], format, false));
                return;
              }
              // Rows in a watch stay aligned with the header the table printed.
              const cells = row(event.job, wide, all, Date.now());
              if (event.type === 'DELETED') {
                cells[all ? 3 : 2] = 'Deleted';
              }
              stdout.write(
                formatTable(headers(wide, all), [cells]).split('\n')[1] + '\n'
              );
            };
            const watch = backend.watch(namespace, print);
            const stop = (): void => {
              watch.dispose();
              resolve();
            };
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
        });
      }
    );
}

/** A format the printers print (`wide` is the table's). */
function printable(format: OutputFormat | null): PrintFormat | null {
  return format === null || format.kind === 'wide' ? null : format;
}
