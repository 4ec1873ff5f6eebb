/**
 * Notebook benchmarks in the service: `POST /api/benchmarks` runs a
 * notebook's launch spec over several worker counts in the background
 * through the benchmark harness (src/node/bench), and
 * `/api/benchmarks/{id}` reports its progress and, at the end, the results
 * file it wrote. One benchmark runs at a time: two would measure each other.
 * The records live as long as the service; the results files stay.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';

import { summarizeResults } from '../../core/benchResults';
import { benchRequestSchema } from '../../core/generated/benchRequestSchema';
import type { IProblem } from '../../core/errors';
import { errorMessage, ValidationError } from '../../core/errors';
import { buildJob } from '../../core/job';
import type { INotebookBenchRecord } from '../../core/notebookBench';
import { NOTEBOOK_BENCH } from '../../core/notebookBench';
import { lazyValidator } from '../../core/schemaValidator';
import { describeAjvErrors } from '../../core/spec';
import type { IMpiJobBackend } from '../backends/backend';
import { LocalBackend } from '../backends/local';
import type { INotebookBenchPlan } from '../bench/notebook';
import { notebookScenario, runNotebookBenchmark } from '../bench/notebook';
import { Progress } from '../bench/progress';
import type { IServiceDeps } from './context';
import { HttpProblem, readJson, sendJson } from './http';
import { checkSpec } from './jobs';
import { isRecord } from './protocol';
import type { IResource } from './router';

/** Harness lines kept in a record. */
const MAX_LINES = 50;

/** Options of {@link NotebookBenchmarks}. */
export interface INotebookBenchmarksOptions {
  /** Where the jobs run. */
  readonly backend: IMpiJobBackend;
  /**
   * Interpreter of the bare mpirun runs; by default the local backend's own,
   * so that the baseline runs what the jobs run.
   */
  readonly python?: string;
  /** Results folder when a request names none. */
  readonly resultsDir?: string;
}

interface IEntry {
  record: INotebookBenchRecord;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

/** Progress of the harness, kept in a record instead of drawn on a terminal. */
class RecordProgress extends Progress {
  readonly #update: (change: Partial<INotebookBenchRecord>) => void;
  readonly #lines: string[] = [];
  #done = 0;
  #total = 0;
  #label = '';

  constructor(update: (change: Partial<INotebookBenchRecord>) => void) {
    super({ write: () => true } as unknown as NodeJS.WritableStream, false);
    this.#update = update;
  }

  start(total: number, label: string): void {
    this.#total = Math.max(0, total);
    this.#done = 0;
    this.#label = label;
    this.#emit();
  }

  working(label: string): void {
    this.#label = label;
    this.#emit();
  }

  advance(steps = 1): void {
    this.#done = Math.min(this.#total, this.#done + steps);
    this.#emit();
  }

  line(text: string): void {
    this.#lines.push(text);
    this.#lines.splice(0, Math.max(0, this.#lines.length - MAX_LINES));
    this.#update({ lines: [...this.#lines] });
  }

  stop(): void {
    this.#emit();
  }

  #emit(): void {
    this.#update({
      progress: { done: this.#done, total: this.#total, label: this.#label }
    });
  }
}

/** The notebook benchmarks of one service. */
export class NotebookBenchmarks {
  readonly #options: INotebookBenchmarksOptions;
  readonly #entries = new Map<string, IEntry>();

  /**
   * @param options - backend, bare-run interpreter, default results folder
   */
  constructor(options: INotebookBenchmarksOptions) {
    this.#options = options;
  }

  /** Every benchmark since the service started, newest first. */
  list(): INotebookBenchRecord[] {
    return [...this.#entries.values()].map(e => e.record).reverse();
  }

  /**
   * One benchmark.
   *
   * @param id - its id
   * @returns the record
   * @throws {HttpProblem} 404 when there is none
   */
  get(id: string): INotebookBenchRecord {
    return this.#entry(id).record;
  }

  /**
   * Checks a request and starts the benchmark in the background.
   *
   * @param body - the request body ({@link INotebookBenchRequest})
   * @returns the record, running
   * @throws {ValidationError} naming every field at fault
   * @throws {HttpProblem} 409 while another benchmark runs
   */
  async start(body: unknown): Promise<INotebookBenchRecord> {
    const running = [...this.#entries.values()].find(
      e => e.record.state === 'running'
    );
    if (running) {
      throw new HttpProblem(
        409,
        'Conflict',
        `benchmark ${running.record.id} (${running.record.name}) is still running: wait for it or stop it (DELETE /api/benchmarks/${running.record.id}); two benchmarks at once would measure each other`
      );
    }
    const request = decodeRequest(body, this.#options.resultsDir);
    const { spec, workers, repeats, warmups } = request;
    const name = notebookScenario(request, 'local').name;
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const id = randomUUID();
    const startedAt = new Date().toISOString();
    let resolveDone: () => void = () => undefined;
    const entry: IEntry = {
      controller,
      done: new Promise<void>(r => {
        resolveDone = r;
      }),
      record: {
        id,
        name,
        notebook: spec.source?.notebook ?? null,
        workers,
        repeats,
        warmups,
        state: 'running',
        message: null,
        progress: {
          done: 0,
          total: (repeats + warmups) * workers.length,
          label: name
        },
        lines: [],
        startedAt,
        finishedAt: null,
        resultsFile: null,
        resultsName: null,
        summary: null
      }
    };
    this.#entries.set(id, entry);
    const update = (change: Partial<INotebookBenchRecord>): void => {
      entry.record = { ...entry.record, ...change };
    };
    void this.#run(request, controller.signal, update)
      .catch((error: unknown) =>
        update({
          state: 'failed',
          message: errorMessage(error),
          finishedAt: new Date().toISOString()
        })
      )
      .finally(resolveDone);
    return entry.record;
  }

  /**
   * Stops a running benchmark: the running job is deleted and what was
   * measured so far is written, with state `interrupted`.
   *
   * @param id - its id
   * @returns the record as it is now
   * @throws {HttpProblem} 404 when there is none
   */
  interrupt(id: string): INotebookBenchRecord {
    const entry = this.#entry(id);
    entry.controller.abort();
    return entry.record;
  }

  /** Stops every running benchmark and waits until its results are written. */
  async close(): Promise<void> {
    const entries = [...this.#entries.values()];
    for (const entry of entries) {
      entry.controller.abort();
    }
    await Promise.all(entries.map(e => e.done));
  }

  #python(): string {
    const { backend, python } = this.#options;
    if (python !== undefined) {
      return python;
    }
    return backend instanceof LocalBackend
      ? backend.python
      : (process.env.MPIJOB_PYTHON ?? 'python3');
  }

  #entry(id: string): IEntry {
    const entry = this.#entries.get(id);
    if (!entry) {
      throw new HttpProblem(404, 'NotFound', `benchmarks "${id}" not found`);
    }
    return entry;
  }

  async #run(
    request: IDecodedRequest,
    signal: AbortSignal,
    update: (change: Partial<INotebookBenchRecord>) => void
  ): Promise<void> {
    const { results, file } = await runNotebookBenchmark(request, {
      backend: this.#options.backend,
      python: this.#python(),
      signal,
      progress: new RecordProgress(update)
    });
    const failed = results.runs.filter(r => r.state !== 'completed');
    update({
      state: results.state,
      message:
        results.state === 'completed'
          ? null
          : failed.map(r => `${r.name}: ${r.state}: ${r.reason}`).join('; '),
      finishedAt: results.finishedAt,
      resultsFile: file,
      resultsName: basename(file),
      summary: summarizeResults(results)
    });
  }
}

// The request's shape, from schema/openapi.yaml (BenchmarkRequest); the
// spec and the notebook are checked after it, by checkSpec and packaging.
const requestValidator = lazyValidator(benchRequestSchema, {
  useDefaults: true
});

// One sentence per field, whatever the schema found wrong with it: a list
// of worker counts is judged as a whole.
const FIELD_SENTENCES: Readonly<Record<string, string>> = {
  workers: `must list 1 to ${NOTEBOOK_BENCH.maxCounts} different worker counts from 1 to ${NOTEBOOK_BENCH.maxWorkers}, e.g. [1, 2, 4]`,
  repeats: `must be a whole number from 1 to ${NOTEBOOK_BENCH.maxRepeats}`,
  warmups: `must be a whole number from 0 to ${NOTEBOOK_BENCH.maxWarmups}`,
  bare: 'must be true or false',
  resultsDir:
    'must be an absolute folder on the service’s machine (or start with ~/)'
};

// The schema's problems as the request's fields' sentences, one per field:
// unknown fields first, then in the schema's order.
function requestProblems(found: readonly IProblem[]): IProblem[] {
  const order = Object.keys(benchRequestSchema.properties);
  const byPath = new Map<string, IProblem>();
  for (const problem of found) {
    const field = /^[^.[]*/.exec(problem.path)?.[0] ?? problem.path;
    const sentence = FIELD_SENTENCES[field];
    const mapped = sentence ? { path: field, message: sentence } : problem;
    if (!byPath.has(mapped.path)) {
      byPath.set(mapped.path, mapped);
    }
  }
  return [...byPath.values()].sort(
    (a, b) => order.indexOf(a.path) - order.indexOf(b.path)
  );
}

/** A checked benchmark request, its notebook packaged. */
export type IDecodedRequest = INotebookBenchPlan;

/**
 * Checks a benchmark request and packages its notebook.
 *
 * @param body - the parsed body
 * @param defaultDir - the results folder when the request names none
 * @returns the request's values
 * @throws {ValidationError} naming every field at fault
 */
export function decodeRequest(
  body: unknown,
  defaultDir = join(process.cwd(), 'benchmarks', 'results')
): IDecodedRequest {
  if (!isRecord(body)) {
    throw new ValidationError(
      [
        {
          path: '',
          message:
            'the request body must be a JSON object: {spec, notebook, workers}'
        }
      ],
      'invalid benchmark request'
    );
  }
  // Defaults are filled into a copy; only top-level fields have them.
  const request: Record<string, unknown> = { ...body };
  const validate = requestValidator();
  const problems = validate(request)
    ? []
    : requestProblems(describeAjvErrors(validate.errors ?? []));
  let resultsDir = defaultDir;
  if (typeof request.resultsDir === 'string') {
    const dir = request.resultsDir;
    const expanded =
      dir === '~' || dir.startsWith('~/') ? join(homedir(), dir.slice(1)) : dir;
    if (isAbsolute(expanded)) {
      resultsDir = resolve(expanded);
    } else {
      problems.push({
        path: 'resultsDir',
        message: FIELD_SENTENCES.resultsDir
      });
    }
  }
  if (problems.length) {
    throw new ValidationError(problems, 'invalid benchmark request');
  }
  // Spec and notebook problems keep the paths the launch panel shows.
  const spec = checkSpec(body.spec);
  if (spec.command) {
    throw new ValidationError(
      [
        {
          path: 'command',
          message:
            'a benchmark here runs a notebook: remove the command, or benchmark the command with a scenario file (mpijob bench run)'
        }
      ],
      'nothing to benchmark'
    );
  }
  if (body.notebook === undefined || body.notebook === null) {
    throw new ValidationError(
      [
        {
          path: 'notebook',
          message: 'is required: send the notebook (nbformat JSON)'
        }
      ],
      'nothing to benchmark'
    );
  }
  const program = buildJob(spec, body.notebook).program;
  if (program === null) {
    throw new Error('a notebook job without a program');
  }
  return {
    spec,
    program,
    workers: [...(request.workers as number[])].sort((a, b) => a - b),
    repeats: request.repeats as number,
    warmups: request.warmups as number,
    bare: request.bare !== false,
    resultsDir
  };
}

/**
 * `/api/benchmarks`: list notebook benchmarks, start one (202).
 *
 * @param deps - the benchmarks and limits
 * @returns the resource
 */
export function benchmarksResource(deps: IServiceDeps): IResource {
  return {
    async GET({ res }) {
      sendJson(res, 200, { items: deps.benchmarks.list() });
    },
    async POST({ req, res }) {
      const record = await deps.benchmarks.start(
        await readJson(req, deps.maxBodyBytes)
      );
      sendJson(res, 202, record, {
        Location: `${deps.basePath}/api/benchmarks/${record.id}`
      });
    }
  };
}

/**
 * `/api/benchmarks/{id}`: one benchmark's progress and results, or stop it.
 *
 * @param deps - the benchmarks
 * @returns the resource
 */
export function benchmarkResource(deps: IServiceDeps): IResource {
  return {
    async GET({ res, params }) {
      sendJson(res, 200, deps.benchmarks.get(params.id));
    },
    async DELETE({ res, params }) {
      sendJson(res, 200, deps.benchmarks.interrupt(params.id));
    }
  };
}
