/**
 * `mpijob bench`: run benchmark scenarios (scaled MPI jobs), report their
 * results as tables, HTML and PNG charts, and micro-benchmark this tool.
 */
import type { Command } from 'commander';
import { setMaxListeners } from 'node:events';
import { existsSync, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import type { IBenchResults } from '../../../core/benchResults';
import {
  errorMessage,
  formatProblem,
  ValidationError
} from '../../../core/errors';
import { NOTEBOOK_BENCH } from '../../../core/notebookBench';
import { toYamlStream } from '../../../core/yamlStream';
import { BackendError } from '../../backends/errors';
import { runMicroBenchmarks } from '../../bench/micro';
import { renderPng, renderScalePng } from '../../bench/png';
import { Progress } from '../../bench/progress';
import { formatReport, renderHtml } from '../../bench/report';
import {
  defaultResultsPath,
  readResults,
  writeResults
} from '../../bench/resultsFile';
import { describeScenario, runScenario } from '../../bench/runner';
import { runScale } from '../../bench/scale/run';
import { TestenvControl } from '../../bench/scale/testenvControl';
import type { ILoadedScenario } from '../../bench/scenario';
import { loadScenario, parseScenario } from '../../bench/scenario';
import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import { CliError, ExitCode, usageError } from '../errors';
import { parseFormat } from '../outputFormat';
import { addSpecFlags, SPEC_FLAG_NAMES } from '../specFlags';
import { UNSCHEDULABLE_MS } from '../../bench/harness';
import { wholeNumberFlag } from '../wholeNumber';
import { benchNotebook } from './benchNotebook';

const EXAMPLES = `
Examples:
  # Run a scenario; results go to benchmarks/results/<name>-<time>.json
  mpijob bench run benchmarks/scenarios/compute-local.yaml

  # The same, results to a file of your choice, the record itself on stdout
  mpijob bench run benchmarks/scenarios/compute-local.yaml --out run.json -o json

  # A notebook at 1, 2 and 4 workers, as the launch panel's benchmark does;
  # results go to benchmarks/<name>-<time>.json beside the notebook
  mpijob bench run --from-notebook train.ipynb --workers 1,2,4 --repeats 3

  # Print the speedup table and write the charts
  mpijob bench report benchmarks/results/compute-local-*.json --png speedup.png --html report.html

  # Micro-benchmarks of this tool's own code
  mpijob bench micro
`;

/**
 * Adds `bench` and its subcommands `run`, `report`, `validate` and `micro`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerBench(program: Command, context: ICliContext): void {
  const bench = program
    .command('bench')
    .description(
      'Benchmark MPI jobs over worker counts (speedup, efficiency, harness overhead) and report the results.'
    )
    .addHelpText('after', EXAMPLES);

  const run = bench
    .command('run')
    .description(
      'Run a scenario file, or a notebook as the launch panel does (--from-notebook): each worker count, warm-ups then repeats, as jobs through the backend, beside a bare mpirun.'
    )
    .usage('(SCENARIO | --from-notebook NOTEBOOK) [flags]')
    .argument(
      '[scenario]',
      'Scenario file (YAML), e.g. benchmarks/scenarios/compute-local.yaml.'
    )
    .option(
      '--out <file>',
      'Results file; benchmarks/results/<name>-<time>.json for a scenario, benchmarks/<name>-<time>.json beside a notebook.'
    )
    .option('-o, --output <format>', OUTPUT_HELP)
    .option(
      '-n, --namespace <namespace>',
      'Namespace of the jobs; "default" when not given.'
    )
    .option(
      '--workers <list>',
      "Worker counts, e.g. 1,2,4: a scenario's own by default, 1,2 for a notebook."
    )
    .option(
      '--repeats <n>',
      `Measured runs per worker count (a notebook: ${NOTEBOOK_BENCH.repeats}).`
    )
    .option(
      '--warmups <n>',
      `Warm-up runs per worker count (a notebook: ${NOTEBOOK_BENCH.warmups}).`
    )
    .option('--no-bare', 'Skip the bare mpirun runs (no overhead ratio).')
    .option(
      '--unschedulable-timeout <seconds>',
      `Fail a run whose job no node can take for this long (default ${UNSCHEDULABLE_MS / 1000}).`
    )
    .option(
      '--jobs <n>',
      "A scale scenario's number of jobs instead of its own."
    )
    .option(
      '--testenv <dir>',
      "A scale scenario on testenv's control plane (its run directory): its kubeconfig, the service as user bench, requests from its audit log, and the operator and API server restarted where the scenario asks."
    )
    .option(
      '--service-context <context>',
      'A scale scenario: the kubeconfig context the job service runs as (default: --context).'
    )
    .option(
      '--audit-log <file>',
      "A scale scenario: kube-apiserver's audit log, which records the service's user (--audit-user), to count its requests."
    )
    .option(
      '--audit-user <name>',
      'The user the service runs as in the audit log (default: bench).'
    );
  // The job flags set up a notebook's jobs; --workers lists the counts.
  addSpecFlags(run, ['workers']);
  run.action(
    async (
      file: string | undefined,
      options: Record<string, unknown>,
      self: Command
    ) => {
      if (typeof options.fromNotebook === 'string') {
        if (file !== undefined) {
          throw usageError(
            `give a scenario file or --from-notebook, not both`,
            'mpijob bench run'
          );
        }
        await runNotebook(context, self, options);
        return;
      }
      if (file === undefined) {
        throw usageError(
          'give a scenario file, or a notebook with --from-notebook',
          'mpijob bench run'
        );
      }
      const jobFlags = SPEC_FLAG_NAMES.filter(
        name => name !== 'workers' && options[name] !== undefined
      );
      if (jobFlags.length > 0) {
        throw usageError(
          `${jobFlags.map(flagOf).join(', ')} set up a notebook's jobs (--from-notebook); a scenario file sets its own`,
          'mpijob bench run'
        );
      }
      let loaded: ILoadedScenario;
      try {
        loaded = await loadWithOverrides(file, options);
      } catch (error) {
        throw asCliError(error, file);
      }
      if (loaded.scenario.scale) {
        await runScaleCommand(context, self, loaded, options);
        return;
      }
      await runCommand(context, self, loaded, options);
    }
  );

  bench
    .command('report')
    .description(
      'Print the speedup table of results files; write an HTML report and a PNG chart (several files are overlaid).'
    )
    .argument('<results...>', 'Results files (JSON).')
    .option('--html <file>', 'Write a self-contained HTML report.')
    .option('--png <file>', 'Write speedup and efficiency charts as PNG.')
    .action(async (files: string[], options: Record<string, unknown>) => {
      const results: IBenchResults[] = [];
      const problems = [];
      for (const file of files) {
        try {
          results.push(await readResults(file));
        } catch (error) {
          if (!(error instanceof ValidationError)) {
            throw error;
          }
          problems.push(...error.problems);
        }
      }
      if (problems.length > 0) {
        throw asCliError(new ValidationError(problems, 'invalid results'));
      }
      context.io.stdout.write(formatReport(results));
      if (typeof options.html === 'string') {
        await writeFile(options.html, renderHtml(results));
        context.io.stderr.write(`wrote ${options.html}\n`);
      }
      if (typeof options.png === 'string') {
        let png: Buffer;
        try {
          const scale = results.find(r => r.kind === 'scale');
          png =
            scale && !results.some(r => r.kind === 'scenario')
              ? await renderScalePng(scale)
              : await renderPng(results);
        } catch (error) {
          throw new CliError([errorMessage(error)]);
        }
        await writeFile(options.png, png);
        context.io.stderr.write(`wrote ${options.png}\n`);
      }
    });

  bench
    .command('validate')
    .description('Check scenario files without running them.')
    .argument('<scenarios...>', 'Scenario files (YAML).')
    .action(async (files: string[]) => {
      const problems = [];
      for (const file of files) {
        try {
          const loaded = await loadScenario(file);
          context.io.stdout.write(
            `${file}: ok (${describeScenario(loaded.scenario)})\n`
          );
        } catch (error) {
          if (!(error instanceof ValidationError)) {
            throw error;
          }
          problems.push(
            ...error.problems.map(p => ({
              path: p.path.startsWith(file) ? p.path : `${file}: ${p.path}`,
              message: p.message
            }))
          );
        }
      }
      if (problems.length > 0) {
        throw asCliError(new ValidationError(problems, 'invalid scenarios'));
      }
    });

  bench
    .command('micro')
    .description(
      "Micro-benchmarks of this tool's code (packaging, rendering, status, SSE fan-out), in the results format."
    )
    .option(
      '--out <file>',
      'Results file; benchmarks/results/micro-<time>.json by default.'
    )
    .option('-o, --output <format>', OUTPUT_HELP)
    .option('--quick', 'Fewer iterations.')
    .option('--clients <n>', 'SSE clients of the fan-out benchmark.', '20')
    .action(async (options: Record<string, unknown>) => {
      const format = resultsFormat(options, 'mpijob bench micro');
      const clients = wholeNumberFlag(
        options.clients,
        '--clients',
        'mpijob bench micro',
        1
      );
      const { signal, release } = interruptible(context);
      let results: IBenchResults;
      try {
        results = await runMicroBenchmarks({
          quick: options.quick === true,
          clients,
          signal,
          progress: new Progress(context.io.stderr),
          cwd: checkoutDir()
        });
      } finally {
        release();
      }
      const dir = existsSync(join('benchmarks', 'results'))
        ? join('benchmarks', 'results')
        : '.';
      const output =
        typeof options.out === 'string'
          ? options.out
          : defaultResultsPath(dir, 'micro', results.startedAt);
      await writeResults(output, results);
      printResults(context, results, format);
      context.io.stderr.write(`results: ${output}\n`);
      finish(results, output);
    });
}

async function runNotebook(
  context: ICliContext,
  self: Command,
  options: Record<string, unknown>
): Promise<void> {
  const format = resultsFormat(options, 'mpijob bench run');
  const { signal, release } = interruptible(context);
  let ran: { results: IBenchResults; file: string };
  try {
    ran = await benchNotebook(context, self, {
      notebook: options.fromNotebook as string,
      workers:
        typeof options.workers === 'string'
          ? workerList(options.workers)
          : undefined,
      repeats:
        options.repeats === undefined
          ? undefined
          : wholeNumberFlag(
              options.repeats,
              '--repeats',
              'mpijob bench run',
              1
            ),
      warmups:
        options.warmups === undefined
          ? undefined
          : wholeNumberFlag(options.warmups, '--warmups', 'mpijob bench run'),
      bare: options.bare !== false,
      output: typeof options.out === 'string' ? options.out : undefined,
      signal,
      unschedulableMs: unschedulableMsOf(options)
    });
  } finally {
    release();
  }
  printResults(context, ran.results, format);
  context.io.stderr.write(`results: ${ran.file}\n`);
  finish(ran.results, ran.file);
}

async function runCommand(
  context: ICliContext,
  self: Command,
  loaded: ILoadedScenario,
  options: Record<string, unknown>
): Promise<void> {
  const format = resultsFormat(options, 'mpijob bench run');
  const { scenario } = loaded;
  const root = rootOf(self);
  const chosen = root.opts<{ backend?: string }>().backend;
  if (chosen !== undefined && chosen !== scenario.backend) {
    throw usageError(
      `scenario ${scenario.name} runs on the ${scenario.backend} backend, not ${chosen}: remove --backend or change the scenario`,
      'mpijob bench run'
    );
  }
  // The scenario names its backend; the connection flags still apply.
  root.setOptionValue('backend', scenario.backend);
  const progress = new Progress(context.io.stderr);
  const { signal, release } = interruptible(context);
  const common = {
    loaded,
    namespace: namespaceOf(options),
    python: scenario.python ?? process.env.MPIJOB_PYTHON ?? 'python3',
    cores: availableParallelism(),
    signal,
    progress,
    cwd: checkoutDir(),
    unschedulableMs: unschedulableMsOf(options)
  };
  context.io.stderr.write(`${describeScenario(scenario)}\n`);
  let results: IBenchResults | null = null;
  try {
    let connected = false;
    try {
      await context.withBackend(self, async backend => {
        connected = true;
        results = await runScenario({ ...common, backend });
      });
    } catch (error) {
      if (
        connected ||
        !(error instanceof CliError || error instanceof BackendError) ||
        scenario.backend !== 'kubernetes'
      ) {
        throw error;
      }
      // The backend cannot be reached: every run is recorded as skipped.
      const why =
        error instanceof CliError ? error.lines.join(' ') : error.message;
      const unavailable = `the ${scenario.backend} backend is not available: ${why}`;
      context.io.stderr.write(
        `skipped: scenario ${scenario.name} runs on the ${scenario.backend} backend, which is not available here: ${why}\n`
      );
      results = await runScenario({ ...common, backend: null, unavailable });
    }
  } finally {
    release();
  }
  const done = results as IBenchResults | null;
  if (done === null) {
    throw new CliError(['the benchmark produced no results']);
  }
  const output =
    typeof options.out === 'string'
      ? options.out
      : defaultResultsPath(loaded.resultsDir, scenario.name, done.startedAt);
  await writeResults(output, done);
  printResults(context, done, format);
  context.io.stderr.write(`results: ${output}\n`);
  finish(done, output);
}

async function runScaleCommand(
  context: ICliContext,
  self: Command,
  loaded: ILoadedScenario,
  options: Record<string, unknown>
): Promise<void> {
  const format = resultsFormat(options, 'mpijob bench run');
  const globals = self.optsWithGlobals<{
    kubeconfig?: string;
    context?: string;
  }>();
  const testenvDir =
    typeof options.testenv === 'string' ? resolve(options.testenv) : null;
  // The CLI is lib/node/cli.js of the checkout whose testenv/ it drives.
  const testenv = testenvDir
    ? TestenvControl.find(resolve(checkoutDir(), '..', '..'), testenvDir)
    : null;
  if (testenvDir && !testenv) {
    throw new CliError([
      `no running testenv at ${testenvDir} (or no testenv/ scripts beside this CLI): start it with testenv/start.sh`
    ]);
  }
  const auditLog =
    typeof options.auditLog === 'string' ? options.auditLog : testenv?.auditLog;
  const progress = new Progress(context.io.stderr);
  const { signal, release } = interruptible(context);
  context.io.stderr.write(`${describeScenario(loaded.scenario)}\n`);
  let results: IBenchResults;
  try {
    results = await runScale({
      loaded,
      kubeconfig: globals.kubeconfig ?? testenv?.kubeconfig,
      context: globals.context,
      serviceContext:
        typeof options.serviceContext === 'string'
          ? options.serviceContext
          : testenv
            ? 'testenv-bench'
            : undefined,
      audit: auditLog
        ? {
            file: auditLog,
            user:
              typeof options.auditUser === 'string'
                ? options.auditUser
                : 'bench'
          }
        : undefined,
      testenv,
      cli: process.argv[1],
      signal,
      progress,
      cwd: checkoutDir()
    });
  } finally {
    release();
  }
  const output =
    typeof options.out === 'string'
      ? options.out
      : defaultResultsPath(
          loaded.resultsDir,
          loaded.scenario.name,
          results.startedAt
        );
  await writeResults(output, results);
  const png = output.replace(/\.json$/, '') + '.png';
  await writeFile(png, await renderScalePng(results));
  printResults(context, results, format);
  context.io.stderr.write(`results: ${output}\ncharts: ${png}\n`);
  finish(results, output);
}

/** `-o` of `bench run` and `bench micro`: the results record instead of the table. */
const RESULTS_FORMATS = ['json', 'yaml'] as const;

const OUTPUT_HELP =
  'Output format: json or yaml print the results record (what --out holds) instead of the speedup table.';

/**
 * Reads `-o`. Before it named the results file: a value that looks like a
 * path says so.
 *
 * @throws {CliError} (exit 2) for anything but json or yaml
 */
function resultsFormat(
  options: Record<string, unknown>,
  command: string
): (typeof RESULTS_FORMATS)[number] | null {
  if (options.output === undefined) {
    return null;
  }
  const value = String(options.output);
  if (/[./\\]/.test(value)) {
    throw usageError(
      `-o is the output format (json or yaml), not the results file: write the results to ${value} with --out ${value}`,
      command
    );
  }
  return parseFormat(value, RESULTS_FORMATS, command);
}

/** Writes the speedup table, or the results record in the format asked for. */
function printResults(
  context: ICliContext,
  results: IBenchResults,
  format: (typeof RESULTS_FORMATS)[number] | null
): void {
  context.io.stdout.write(
    format === 'json'
      ? `${JSON.stringify(results, null, 4)}\n`
      : format === 'yaml'
        ? toYamlStream([results])
        : formatReport([results])
  );
}

/** Ends the command: errored and interrupted benchmarks exit 1. */
function finish(results: IBenchResults, output: string): void {
  if (results.state === 'interrupted') {
    throw new CliError([
      `interrupted: what was measured so far is in ${output}`
    ]);
  }
  if (results.state === 'errored') {
    const failed = results.runs
      .filter(r => r.state === 'errored')
      .map(r => r.name);
    throw new CliError(
      [`runs failed: ${failed.join(', ')} (see above; results in ${output})`],
      ExitCode.failed
    );
  }
}

/** Reads a scenario with the command line's overrides applied before validation. */
async function loadWithOverrides(
  file: string,
  options: Record<string, unknown>
): Promise<ILoadedScenario> {
  const loaded = await loadScenario(file);
  const overrides: Record<string, unknown> = {};
  if (typeof options.workers === 'string') {
    overrides.workers = workerList(options.workers);
  }
  if (options.repeats !== undefined) {
    overrides.repeats = wholeNumberFlag(
      options.repeats,
      '--repeats',
      'mpijob bench run',
      1
    );
  }
  if (options.warmups !== undefined) {
    overrides.warmups = wholeNumberFlag(
      options.warmups,
      '--warmups',
      'mpijob bench run'
    );
  }
  if (options.bare === false) {
    overrides.bare = false;
  }
  if (options.jobs !== undefined) {
    if (!loaded.scenario.scale) {
      throw usageError(
        `--jobs is for scale scenarios; ${loaded.scenario.name} runs one job at a time`,
        'mpijob bench run'
      );
    }
    overrides.scale = {
      ...loaded.scenario.scale,
      jobs: wholeNumberFlag(options.jobs, '--jobs', 'mpijob bench run', 1)
    };
  }
  if (Object.keys(overrides).length === 0) {
    return loaded;
  }
  const scenario = parseScenario({ ...loaded.scenario, ...overrides }, file);
  return { ...loaded, scenario };
}

/** `--workers 1,2,4` as numbers. */
function workerList(value: string): number[] {
  const list = value.split(',').map(s => s.trim());
  if (!list.every(s => /^\d+$/.test(s))) {
    throw usageError(
      `invalid --workers "${value}": use worker counts separated by commas, e.g. 1,2`,
      'mpijob bench run'
    );
  }
  return list.map(Number);
}

/** `--gpus-per-worker` for the attribute `gpusPerWorker`. */
function flagOf(attribute: string): string {
  return `--${attribute.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)}`;
}

/**
 * Validation problems as CLI errors, one line each, prefixed with the file
 * where they are not already (the CLI's flag hints are for launch specs).
 */
function asCliError(error: unknown, file?: string): unknown {
  if (!(error instanceof ValidationError)) {
    return error;
  }
  return new CliError(
    error.problems.map(p => {
      const line = formatProblem(p);
      return file === undefined || line.startsWith(file)
        ? line
        : `${file}: ${line}`;
    })
  );
}

function unschedulableMsOf(
  options: Record<string, unknown>
): number | undefined {
  return options.unschedulableTimeout === undefined
    ? undefined
    : wholeNumberFlag(
        options.unschedulableTimeout,
        '--unschedulable-timeout',
        'mpijob bench run',
        1
      ) * 1000;
}

/** Where this CLI lives: the checkout whose commit the results name. */
function checkoutDir(): string {
  const script = process.argv[1];
  return script ? dirname(resolve(script)) : process.cwd();
}

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) {
    root = root.parent;
  }
  return root;
}

/**
 * Turns the first Ctrl-C into an abort (the running job is deleted and the
 * results so far are written); a second one exits at once.
 */
function interruptible(context: ICliContext): {
  signal: AbortSignal;
  release: () => void;
} {
  const controller = new AbortController();
  // Every worker count's tinybench task, job and turn listens to it at once.
  setMaxListeners(0, controller.signal);
  const onSignal = (): void => {
    if (controller.signal.aborted) {
      process.exit(130);
    }
    context.io.stderr.write(
      '\ninterrupting: stopping the running job and writing the results so far (Ctrl-C again to quit now)\n'
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  };
}

async function writeFile(path: string, data: string | Buffer): Promise<void> {
  await fs.mkdir(dirname(resolve(path)), { recursive: true });
  await fs.writeFile(path, data);
}
