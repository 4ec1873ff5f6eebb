/**
 * What the local backend requires of a job, as one table of rules that
 * serves both preflight (each rule's lines in the report, as the user
 * edits a launch) and submit (the first rule that refuses the job stops
 * it, with the fields at fault). A rule states its condition once and says
 * it both ways.
 *
 * Preflight lists the rules in table order. Submit runs the rules that
 * read only the spec first, then those that probe the machine, so that a
 * bad spec is refused before anything is started.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';

import { errorMessage } from '../../../core/errors';
import type { IProblem } from '../../../core/errors';
import type { IBuiltJob } from '../../../core/job';
import type { IPreflightCheck } from '../../../core/jobRecord';
import type { MpiFlavor } from '../../../core/mpiOutput';
import type { IPackagedProgram } from '../../../core/notebook';
import type { ILaunchSpec } from '../../../core/spec';
import { totalRanks } from '../../../core/spec';
import { BackendError } from '../errors';
import type { ILaunchPlan } from './entry';
import type { ILauncher } from './launch';
import {
  checkLauncher,
  checkPython,
  checkRanks,
  ensureMpichAbiDir,
  expandHome,
  findLauncher,
  launchEnv,
  missingLauncherMessage,
  mpiEnv,
  resolveExecutable
} from './launch';
import type { IProgramVerdict } from '../programCheck';
import { checkProgram } from '../programCheck';

// Program verdicts kept (see ProgramVerdicts).
const MAX_VERDICTS = 32;

/** This machine as the rules see it. */
export interface ILocalMachine {
  /** Cores jobs may use without oversubscribing. */
  readonly cores: number;
  /** Where jobs are kept. */
  readonly dataDir: string;
  /** Interpreter of the ranks as configured (a name on PATH or a path). */
  readonly python: string;
  /** Launchers as configured; found on PATH when absent. */
  readonly launchers: { readonly openmpi?: string; readonly mpich?: string };
  /** The ranks' Python's verdict on a program. */
  readonly verdicts: ProgramVerdicts;
}

// What a rule judges. In preflight the spec (and program) may be absent;
// in submit both are the job's.
interface IRuleInput {
  readonly machine: ILocalMachine;
  readonly spec: ILaunchSpec | undefined;
  readonly program: IPackagedProgram | null;
}

// What submit's rules learn on the way, for the plan.
interface IPlanDraft {
  launcher?: ILauncher & { readonly path: string };
  python: string | null;
}

interface IRule {
  // Whether the rule asks the machine (runs or looks up programs), not
  // only the spec: submit runs such rules last.
  readonly probe: boolean;
  // The rule's lines in the preflight report.
  check?(input: IRuleInput): Promise<IPreflightCheck[]>;
  // Why submit refuses the job; null when the rule lets it through.
  refuse?(
    input: IRuleInput & { readonly spec: ILaunchSpec },
    plan: IPlanDraft
  ): Promise<BackendError | null>;
}

const intelMpi: IRule = {
  probe: false,
  async check({ spec }) {
    return spec?.mpiImplementation === 'Intel'
      ? [
          {
            name: 'intel-mpi',
            ok: false,
            severity: 'error',
            message:
              'Intel MPI is not installed on this machine; the local backend runs Open MPI or MPICH.',
            fix: 'Set mpiImplementation to OpenMPI or MPICH, or submit to the kubernetes backend with an Intel MPI image.'
          }
        ]
      : [];
  },
  async refuse({ spec }) {
    return spec.mpiImplementation === 'Intel'
      ? new BackendError(
          'Invalid',
          'Intel MPI is not installed on this machine: the local backend runs Open MPI or MPICH. Set mpiImplementation to OpenMPI or MPICH, or submit to the kubernetes backend with an Intel MPI image.',
          [
            {
              path: 'mpiImplementation',
              message:
                'Intel MPI is not installed on this machine; choose OpenMPI or MPICH, or use the kubernetes backend'
            }
          ]
        )
      : null;
  }
};

const launcher: IRule = {
  probe: true,
  async check({ machine, spec }) {
    const checks: IPreflightCheck[] = [];
    for (const flavor of flavorsOf(spec)) {
      const found = await findLauncher(flavor, machine.launchers[flavor]);
      // Without a spec, any one MPI will do; Open MPI is the default one.
      const severity = spec || flavor === 'openmpi' ? 'error' : 'warning';
      checks.push(await checkLauncher(found, severity));
    }
    return checks;
  },
  async refuse({ machine, spec }, plan) {
    const flavor = flavorOf(spec.mpiImplementation as 'OpenMPI' | 'MPICH');
    const found = await findLauncher(flavor, machine.launchers[flavor]);
    if (found.path === null) {
      return new BackendError(
        'ServiceUnavailable',
        `cannot run the job: ${missingLauncherMessage(found)}`
      );
    }
    plan.launcher = { ...found, path: found.path };
    return null;
  }
};

// Notebook jobs need the ranks' Python (with mpi4py); command jobs bring
// their own program.
const python: IRule = {
  probe: true,
  async check({ machine, spec }) {
    if (spec?.command) {
      return [];
    }
    const flavor = flavorsOf(spec)[0] ?? 'openmpi';
    const found = await findLauncher(flavor, machine.launchers[flavor]);
    const abiDir =
      flavor === 'mpich'
        ? await ensureMpichAbiDir(machine.dataDir, found.path).catch(() => null)
        : null;
    const env = { ...process.env, ...mpiEnv(flavor, process.env, abiDir) };
    return checkPython(machine.python, flavor, env, 'error');
  },
  async refuse({ machine, spec }, plan) {
    if (spec.command) {
      return null;
    }
    plan.python = await resolveExecutable(machine.python);
    return plan.python === null
      ? new BackendError(
          'ServiceUnavailable',
          `cannot run the job: the Python interpreter ${machine.python} was not found. Install Python 3 with mpi4py, or set MPIJOB_PYTHON (or the local backend's python option) to the interpreter to use.`
        )
      : null;
  }
};

// A notebook's sure failures, found with the ranks' Python before it runs.
const program: IRule = {
  probe: true,
  async check({ machine, spec, program }) {
    if (spec?.command || !program) {
      return [];
    }
    const python = await resolveExecutable(machine.python);
    if (python === null) {
      return [];
    }
    const verdict = spec
      ? await machine.verdicts.get(python, spec, program)
      : await checkProgram(python, program);
    if (verdict.unavailable !== null) {
      return [
        {
          name: 'program',
          ok: false,
          severity: 'warning',
          message: verdict.unavailable
        }
      ];
    }
    const line = (p: IProblem): string => `${p.path}: ${p.message}`;
    if (verdict.syntax) {
      // Code that does not compile has no imports to check yet.
      return [
        {
          name: 'program',
          ok: false,
          severity: 'error',
          message: `the notebook's code does not compile: ${line(verdict.syntax)}`,
          fix: 'Fix that line (Python 3 syntax), or leave the cell out (skip-mpijob tag, or the cell selection)'
        }
      ];
    }
    return [
      {
        name: 'program',
        ok: true,
        severity: 'error',
        message: `the notebook's code compiles with ${python}`
      },
      verdict.missing.length > 0
        ? {
            name: 'imports',
            ok: false,
            severity: 'error',
            message: verdict.missing.map(line).join('; '),
            fix: `Install what is missing into ${python}, or set MPIJOB_PYTHON to a Python that has it`
          }
        : {
            name: 'imports',
            ok: true,
            severity: 'error',
            message: `every top-level import of the notebook is found by ${python}`
          }
    ];
  },
  async refuse({ machine, spec, program }, plan) {
    if (plan.python === null || !program) {
      return null;
    }
    const verdict = await machine.verdicts.get(plan.python, spec, program);
    const problems = [
      ...(verdict.syntax ? [verdict.syntax] : []),
      ...verdict.missing
    ];
    return problems.length > 0
      ? new BackendError(
          'Invalid',
          `the notebook would fail on every rank: ${problems.map(p => `${p.path}: ${p.message}`).join('; ')}${verdict.missing.length > 0 ? `. Install what is missing into ${plan.python}, or set MPIJOB_PYTHON to a Python that has it` : ''}`,
          problems
        )
      : null;
  }
};

const cores: IRule = {
  probe: false,
  async check({ machine, spec }) {
    if (spec === undefined) {
      const count = `${machine.cores} core${machine.cores === 1 ? '' : 's'}`;
      return [
        {
          name: 'cores',
          ok: true,
          severity: 'warning',
          message: `This machine has ${count} for MPI ranks.`
        }
      ];
    }
    return [checkRanks(spec, machine.cores).check];
  },
  async refuse({ machine, spec }) {
    const verdict = checkRanks(spec, machine.cores);
    return verdict.problem
      ? new BackendError(
          'Invalid',
          `${verdict.check.message} ${verdict.check.fix}`,
          [verdict.problem]
        )
      : null;
  }
};

// A launch built from a notebook carries its packaged code.
const source: IRule = {
  probe: false,
  async refuse({ spec, program }) {
    return !spec.command && program === null
      ? new BackendError(
          'Invalid',
          'the job has neither packaged notebook code nor a command',
          [
            {
              path: 'source.notebook',
              message: 'is required unless command is set'
            }
          ]
        )
      : null;
  }
};

const workingDir: IRule = {
  probe: false,
  async refuse({ spec }) {
    return spec.workingDir !== undefined &&
      !(await isDirectory(expandHome(spec.workingDir)))
      ? new BackendError(
          'Invalid',
          `the working directory ${spec.workingDir} does not exist on this machine`,
          [
            {
              path: 'workingDir',
              message: 'must be a directory of this machine'
            }
          ]
        )
      : null;
  }
};

const dataDir: IRule = {
  probe: true,
  async check({ machine }) {
    try {
      await fs.mkdir(machine.dataDir, { recursive: true });
      await fs.access(machine.dataDir, fs.constants.W_OK);
      return [
        {
          name: 'data-dir',
          ok: true,
          severity: 'error',
          message: `Jobs are kept in ${machine.dataDir}.`
        }
      ];
    } catch (error) {
      return [
        {
          name: 'data-dir',
          ok: false,
          severity: 'error',
          message: `Jobs cannot be kept in ${machine.dataDir}: ${errorMessage(error)}`,
          fix: 'Make that directory writable, or set MPIJOB_DATA_DIR to one that is.'
        }
      ];
    }
  }
};

// In the order preflight lists them.
const RULES: readonly IRule[] = [
  intelMpi,
  launcher,
  python,
  program,
  cores,
  source,
  workingDir,
  dataDir
];

/**
 * The preflight report's checks.
 *
 * @param machine - this machine
 * @param spec - the job about to be submitted, when there is one
 * @param program - its packaged notebook, when there is one
 * @returns every rule's lines, in table order
 */
export async function preflightChecks(
  machine: ILocalMachine,
  spec: ILaunchSpec | undefined,
  program: IPackagedProgram | null
): Promise<IPreflightCheck[]> {
  const checks: IPreflightCheck[] = [];
  for (const rule of RULES) {
    checks.push(...((await rule.check?.({ machine, spec, program })) ?? []));
  }
  return checks;
}

/**
 * Checks a job against every rule and finds what it runs with.
 *
 * @param machine - this machine
 * @param job - the job to submit
 * @returns its launcher, ranks and Python
 * @throws {BackendError} the first rule's refusal: Invalid (Intel MPI, too
 *   many ranks, no code, no working directory, a notebook that cannot run),
 *   ServiceUnavailable (MPI or Python missing)
 */
export async function planLaunch(
  machine: ILocalMachine,
  job: IBuiltJob
): Promise<ILaunchPlan> {
  const input = { machine, spec: job.spec, program: job.program };
  const draft: IPlanDraft = { python: null };
  const ordered = [
    ...RULES.filter(rule => !rule.probe),
    ...RULES.filter(rule => rule.probe)
  ];
  for (const rule of ordered) {
    const refusal = await rule.refuse?.(input, draft);
    if (refusal) {
      throw refusal;
    }
  }
  if (draft.launcher === undefined) {
    // The launcher rule always runs; this only narrows the type.
    throw new BackendError('ServiceUnavailable', 'no MPI launcher was found');
  }
  return {
    flavor: draft.launcher.flavor,
    launcher: draft.launcher,
    ranks: totalRanks(job.spec),
    python: draft.python
  };
}

/**
 * The ranks' Python's verdicts on programs. The same program is often
 * submitted again (benchmarks, reruns): its verdict is kept for a while.
 */
export class ProgramVerdicts {
  private readonly verdicts = new Map<string, Promise<IProgramVerdict>>();

  /**
   * The verdict on a program, run where and as the job's ranks would.
   *
   * @param python - the ranks' interpreter (absolute path)
   * @param spec - the job's spec (working directory, environment)
   * @param program - the packaged notebook
   * @returns the verdict, from the cache when the same question was asked
   */
  get(
    python: string,
    spec: ILaunchSpec,
    program: IPackagedProgram
  ): Promise<IProgramVerdict> {
    const cwd =
      spec.workingDir === undefined ? undefined : expandHome(spec.workingDir);
    const env = spec.env ?? [];
    const key = createHash('sha256')
      .update(JSON.stringify([python, cwd ?? null, env, program.code]))
      .digest('hex');
    let verdict = this.verdicts.get(key);
    if (verdict === undefined) {
      verdict = checkProgram(python, program, {
        cwd,
        env: launchEnv('openmpi', process.env, env, null, null)
      });
      this.verdicts.set(key, verdict);
      if (this.verdicts.size > MAX_VERDICTS) {
        this.verdicts.delete(this.verdicts.keys().next().value as string);
      }
    }
    return verdict;
  }
}

// The MPIs a preflight looks for: the spec's, or both when there is none
// (Intel MPI is never here).
function flavorsOf(spec: ILaunchSpec | undefined): MpiFlavor[] {
  const impl = spec?.mpiImplementation;
  return impl === undefined
    ? ['openmpi', 'mpich']
    : impl === 'Intel'
      ? []
      : [flavorOf(impl)];
}

function flavorOf(impl: 'OpenMPI' | 'MPICH'): MpiFlavor {
  return impl === 'MPICH' ? 'mpich' : 'openmpi';
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false;
  }
}
