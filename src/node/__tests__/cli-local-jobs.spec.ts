/**
 * The full CLI against the real job service and real mpirun: create, wait,
 * logs, list, describe, delete, with kubectl's wording and exit codes.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { notebookText } from '../../core/__tests__/helpers/notebooks';
import {
  mpijob as run,
  mpijobUntilFirstOutput,
  PYTHON,
  ROOT,
  stopService
} from './helpers';

const dataDir = mkdtempSync(join(tmpdir(), 'mpijob-cli-jobs-'));
const work = mkdtempSync(join(tmpdir(), 'mpijob-cli-nb-'));

// As with the venv activated: the service the first command starts runs
// programs with this PATH.
const VENV = join(ROOT, '.venv');
const ENV = {
  MPIJOB_PYTHON: PYTHON,
  PATH: `${join(VENV, 'bin')}${delimiter}${process.env.PATH}`
};

function mpijob(args: readonly string[]) {
  return run(['--data-dir', dataDir, ...args], { env: ENV });
}

function notebook(name: string, cells: string[]): string {
  const path = join(work, name);
  writeFileSync(path, notebookText(cells));
  return path;
}

/** The rows of a describe section, e.g. `Conditions`, without their indent. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const rows: string[] = [];
  for (const line of lines.slice(lines.indexOf(`${title}:`) + 1)) {
    if (!line.startsWith('  ')) {
      break;
    }
    rows.push(line.slice(2));
  }
  return rows;
}

afterAll(() => stopService(dataDir));

describe('mpijob with the local backend', () => {
  it('should run a notebook on 2 ranks: create, wait, logs, list, describe, delete', async () => {
    const created = await mpijob([
      'create',
      '--from-notebook',
      'examples/mpi-pi.ipynb',
      '--workers',
      '2'
    ]);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('mpijob.kubeflow.org/mpi-pi created\n');
    expect(created.code).toBe(0);

    const waited = await mpijob([
      'wait',
      'mpi-pi',
      '--for=condition=Succeeded',
      '--timeout=90s'
    ]);
    expect(waited.stderr).toBe('');
    expect(waited.stdout).toBe('mpijob.kubeflow.org/mpi-pi condition met\n');

    const logs = await mpijob(['logs', 'mpi-pi']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^\[rank 0\] rank 0 of 2 on /m);
    expect(logs.stdout).toMatch(/^\[rank 1\] rank 1 of 2 on /m);
    expect(logs.stdout).toMatch(/^\[rank 0\] pi = 3\.14159265\d+ \(error /m);
    const rank1 = await mpijob(['logs', 'mpi-pi', '--rank', '1']);
    expect(rank1.stdout).toMatch(/^rank 1 of 2 on /m);
    expect(rank1.stdout).not.toMatch(/rank 0 of 2/);

    const list = await mpijob(['list']);
    const [header, row] = list.stdout.trimEnd().split('\n');
    expect(header.split(/\s{3,}/)).toEqual([
      'NAME',
      'WORKERS',
      'STATUS',
      'AGE'
    ]);
    expect(row.split(/\s{3,}/).slice(0, 3)).toEqual([
      'mpi-pi',
      '2/2',
      'Succeeded'
    ]);
    expect((await mpijob(['get', '-o', 'name'])).stdout).toBe(
      'mpijob.kubeflow.org/mpi-pi\n'
    );
    // kubectl's printers: a v1 List of MPIJobs, JSONPath, custom columns.
    const json = JSON.parse((await mpijob(['get', '-o', 'json'])).stdout);
    expect(json).toMatchObject({
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion: '' },
      items: [
        {
          apiVersion: 'kubeflow.org/v2beta1',
          kind: 'MPIJob',
          metadata: { name: 'mpi-pi', namespace: 'default' },
          spec: { mpiReplicaSpecs: { Worker: { replicas: 2 } } },
          status: { phase: 'Succeeded', exitCode: 0 }
        }
      ]
    });
    expect((await mpijob(['get', '-o', 'yaml'])).stdout).toMatch(
      /^apiVersion: v1\nkind: List\nitems:\n {2}- apiVersion: kubeflow\.org\/v2beta1\n {4}kind: MPIJob\n/
    );
    expect(
      (await mpijob(['get', '-o', 'jsonpath={.items[*].metadata.name}'])).stdout
    ).toBe('mpi-pi');
    expect(
      (
        await mpijob([
          'get',
          '-o',
          'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.status.conditions[?(@.type=="Succeeded")].status}{"\\n"}{end}'
        ])
      ).stdout
    ).toBe('mpi-pi\tTrue\n');
    expect(
      (await mpijob(['get', 'mpi-pi', '-o', 'jsonpath={.status.phase}'])).stdout
    ).toBe('Succeeded');
    expect(
      (
        await mpijob([
          'get',
          '-o',
          'custom-columns=NAME:.metadata.name,WORKERS:.spec.mpiReplicaSpecs.Worker.replicas'
        ])
      ).stdout
    ).toBe('NAME     WORKERS\nmpi-pi   2\n');

    const describe = await mpijob(['describe', 'mpi-pi']);
    expect(describe.stdout).toMatch(/^Status:\s+Succeeded$/m);
    expect(describe.stdout).toMatch(
      new RegExp(
        `^Notebook:\\s+${join(ROOT, 'examples', 'mpi-pi.ipynb')} \\(cells 2, 3, 4\\)$`,
        'm'
      )
    );
    expect(describe.stdout).toMatch(/^\s+worker\s+1\s+/m);
    // Each rank reported its host (this machine): rank r is in worker r.
    const host = hostname();
    expect(section(describe.stdout, 'Placement').slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^0 +${host} +worker 0 +${host}$`)),
      expect.stringMatching(new RegExp(`^1 +${host} +worker 1 +${host}$`))
    ]);
    expect(
      section(describe.stdout, 'Timeline')
        .slice(1)
        .map(row => row.split(/\s{2,}/)[0])
    ).toEqual(['Created', 'mpirun started', 'First rank output', 'Finished']);

    const deleted = await mpijob(['delete', 'mpi-pi']);
    expect(deleted.stdout).toBe('mpijob.kubeflow.org "mpi-pi" deleted\n');
    const empty = await mpijob(['list']);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toBe('No resources found in default namespace.\n');
  }, 120_000);

  it('should fail fast and name the cell and rank that raised', async () => {
    const path = notebook('boom.ipynb', [
      'from mpi4py import MPI\nrank = MPI.COMM_WORLD.Get_rank()',
      'import time',
      'if rank == 1:\n    1 / 0\nMPI.COMM_WORLD.Barrier()\ntime.sleep(600)'
    ]);
    expect(
      (await mpijob(['create', '--from-notebook', path, '--workers', '2'])).code
    ).toBe(0);
    const started = Date.now();
    const waited = await mpijob([
      'wait',
      'boom',
      '--for=condition=Succeeded',
      '--timeout=90s'
    ]);
    expect(waited.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(waited.stderr).toMatch(
      /^error: mpijobs\/boom ended Failed, not Succeeded: .*rank 1.*cell 3/m
    );
    const missing = await mpijob(['logs', 'boom', '--rank', '5']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'Error from server (BadRequest): rank 5 does not exist: the job has 2 ranks (0-1)\n'
    );
    // Its traceback names the notebook's cell, for any reader of the logs.
    const rank1 = await mpijob(['logs', 'boom', '--rank', '1']);
    expect(rank1.stdout).toMatch(
      /File "[^"]*boom\.ipynb", cell 3, line 2, in <module>\n/
    );
    expect(rank1.stdout).not.toContain('mpijob_main.py');
    const describe = await mpijob(['describe', 'boom']);
    expect(describe.stdout).toMatch(/^Status:\s+Failed/m);
    expect(describe.stdout).toContain('ZeroDivisionError');
    // The rank that raised is Failed; mpirun and the rank it took along are Stopped.
    expect(describe.stdout).toMatch(/^\s+worker\s+1\s+<none>\s+Failed\s/m);
    expect(describe.stdout).toMatch(/^\s+worker\s+0\s+<none>\s+Stopped\s/m);
    expect(describe.stdout).toMatch(/^\s+launcher\s+0\s+<none>\s+Stopped\s/m);
    // The failure message runs over several lines (its traceback): still
    // one table row per condition, and the Status field's lines line up.
    const conditions = section(describe.stdout, 'Conditions');
    expect(conditions.map(row => row.split(/\s{3,}/)[0])).toEqual([
      'TYPE',
      'Created',
      'Running',
      'Failed'
    ]);
    expect(conditions[3]).toMatch(/rank 1 .*cell 3.* ZeroDivisionError/);
    const status = describe.stdout.slice(describe.stdout.indexOf('Status:'));
    const [statusLine, ...more] = status
      .slice(0, status.indexOf('\nCreated:'))
      .split('\n');
    expect(statusLine).toMatch(/^Status: {11}Failed \(/);
    expect(more.length).toBeGreaterThan(0);
    for (const line of more) {
      expect(line).toMatch(/^ {18}.*\S/);
    }
  }, 120_000);

  it('should run the program after -- in the current directory', async () => {
    writeFileSync(
      join(work, 'hello.py'),
      [
        'import os, sys',
        'from mpi4py import MPI',
        'comm = MPI.COMM_WORLD',
        'print(f"rank {comm.Get_rank()} of {comm.Get_size()} in {os.getcwd()} with {sys.argv[1:]}")',
        'print(f"python of {sys.prefix}")'
      ].join('\n')
    );
    const created = await run(
      [
        '--data-dir',
        dataDir,
        'create',
        '--name',
        'hello',
        '--workers',
        '2',
        '--',
        'python3',
        'hello.py',
        '--greeting',
        'hi there'
      ],
      { cwd: work, env: ENV }
    );
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('mpijob.kubeflow.org/hello created\n');
    const waited = await mpijob([
      'wait',
      'hello',
      '--for=condition=Succeeded',
      '--timeout=90s'
    ]);
    expect(waited.stderr).toBe('');
    const logs = await mpijob(['logs', 'hello']);
    for (const rank of [0, 1]) {
      expect(logs.stdout).toContain(
        `[rank ${rank}] rank ${rank} of 2 in ${work} with ['--greeting', 'hi there']\n`
      );
      // python3 as found on the PATH the job was given, not mpirun's own bin/.
      expect(logs.stdout).toContain(`[rank ${rank}] python of ${VENV}\n`);
    }
    const describe = await mpijob(['describe', 'hello']);
    expect(describe.stdout).toContain(
      'Command:          python3 hello.py --greeting hi there\n'
    );
    expect(describe.stdout).toContain(`Working Dir:      ${work}\n`);
    expect(describe.stdout).toMatch(/^Notebook:\s+<none>$/m);

    const help = await mpijob(['create', '--help']);
    expect(help.stdout).toContain('| -- COMMAND...) [flags]');
    expect(help.stdout).toContain(
      'mpijob create --name train --workers 4 -- python3 train.py'
    );
  }, 120_000);

  it('should run a notebook beside its own files, as a kernel would', async () => {
    const folder = join(work, 'project');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'lib_beside.py'), 'VALUE = 42\n');
    writeFileSync(join(folder, 'data.txt'), 'from a data file\n');
    writeFileSync(
      join(folder, 'beside.ipynb'),
      notebookText([
        'import lib_beside\nprint(lib_beside.VALUE, open("data.txt").read().strip())'
      ])
    );
    // From another folder, with a relative path: the job starts beside the notebook.
    const created = await run(
      [
        '--data-dir',
        dataDir,
        'create',
        '--from-notebook',
        'project/beside.ipynb',
        '--workers',
        '1'
      ],
      { cwd: work, env: ENV }
    );
    expect(created.stderr).toBe('');
    const waited = await mpijob([
      'wait',
      'beside',
      '--for=condition=Succeeded',
      '--timeout=90s'
    ]);
    expect(waited.stderr).toBe('');
    const logs = await mpijob(['logs', 'beside']);
    expect(logs.stdout).toBe('[rank 0] 42 from a data file\n');
    const described = await mpijob(['describe', 'beside']);
    expect(described.stdout).toContain(`Working Dir:      ${folder}\n`);
    // Recorded absolute, so JupyterLab opens its cells whatever folder the
    // command ran in.
    const got = await mpijob(['get', 'beside', '-o', 'json']);
    expect(JSON.parse(got.stdout).spec.notebook.path).toBe(
      join(folder, 'beside.ipynb')
    );
  }, 120_000);

  it('should keep the figures cells leave, list them in describe and copy them with cp', async () => {
    const folder = join(work, 'plots');
    mkdirSync(folder, { recursive: true });
    const cells = [
      'import matplotlib.pyplot as plt\nfrom mpi4py import MPI\nrank = MPI.COMM_WORLD.Get_rank()',
      "plt.plot([0, 1], [rank, 1])\nplt.title(f'rank {rank}')",
      "for k in range(2):\n    plt.figure()\n    plt.bar([1, 2], [k, 1])\n    plt.show()\nprint('shown')"
    ];
    writeFileSync(join(folder, 'plots.ipynb'), notebookText(cells));
    for (const [name, figures] of [
      ['plots-all', 'all'],
      ['plots-none', 'none']
    ]) {
      const created = await run(
        [
          '--data-dir',
          dataDir,
          'create',
          '--from-notebook',
          join(folder, 'plots.ipynb'),
          '--name',
          name,
          '--workers',
          '2',
          '--figures',
          figures
        ],
        { cwd: work, env: ENV }
      );
      expect(created.stderr).toBe('');
      const waited = await mpijob([
        'wait',
        name,
        '--for=condition=Succeeded',
        '--timeout=90s'
      ]);
      expect(waited.stderr).toBe('');
    }
    const logs = await mpijob(['logs', 'plots-all']);
    expect(logs.stdout).not.toContain('mpijob-file');
    expect(logs.stdout).toContain("[rank 1] Text(0.5, 1.0, 'rank 1')\n");
    const described = await mpijob(['describe', 'plots-all']);
    const files = section(described.stdout, 'Files').map(row =>
      row.split(/\s{3,}/).slice(0, 2)
    );
    expect(files.slice(1).sort()).toEqual(
      [0, 1]
        .flatMap(rank => [
          [`cell2-figure1-rank${rank}.png`, String(rank)],
          [`cell3-figure1-rank${rank}.png`, String(rank)],
          [`cell3-figure2-rank${rank}.png`, String(rank)]
        ])
        .sort()
    );
    const into = join(work, 'copied');
    const copied = await mpijob(['cp', 'plots-all:', into]);
    expect(copied.stderr).toBe('');
    for (const [name] of files.slice(1)) {
      expect(readFileSync(join(into, name)).subarray(0, 8)).toEqual(
        Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])
      );
    }
    const missing = await mpijob(['cp', 'plots-all:nothing.png', into]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'job "plots-all" has no file "nothing.png"'
    );
    const none = await mpijob(['describe', 'plots-none']);
    expect(none.stdout).toMatch(/^Files:\n {2}<none>$/m);
  }, 180_000);

  it('should end quietly when the reader of its output goes away (| head)', async () => {
    const created = await mpijob([
      'create',
      '--name',
      'chatty',
      '--workers',
      '1',
      '--',
      PYTHON,
      '-c',
      'for i in range(100000): print("line", i)'
    ]);
    expect(created.code).toBe(0);
    await mpijob(['wait', 'chatty', '--for=condition=Succeeded']);
    // Far more than a pipe holds: writes go on after the reader left.
    const cut = await mpijobUntilFirstOutput([
      '--data-dir',
      dataDir,
      'logs',
      'chatty'
    ]);
    expect(cut.first).toMatch(/^\[rank 0\] line 0\n/);
    expect(cut.stderr).toBe('');
    // The status a shell shows for kubectl, ended by SIGPIPE: 128 + 13.
    expect(cut.code).toBe(141);

    // A follow of a job that never ends stops too.
    expect(
      (
        await mpijob([
          'create',
          '--name',
          'endless',
          '--workers',
          '1',
          '--',
          PYTHON,
          '-u',
          '-c',
          'import itertools, time\nfor i in itertools.count():\n    print("tick", i); time.sleep(0.01)'
        ])
      ).code
    ).toBe(0);
    const followed = await mpijobUntilFirstOutput(
      ['--data-dir', dataDir, 'logs', '-f', 'endless'],
      { env: ENV }
    );
    expect(followed.first).toMatch(/^\[rank 0\] tick 0\n/);
    expect(followed.stderr).toBe('');
    expect(followed.code).toBe(141);
    expect((await mpijob(['delete', 'chatty', 'endless'])).code).toBe(0);
  }, 120_000);

  it("should answer kubectl's way for jobs that do not exist or already exist", async () => {
    const logs = await mpijob(['logs', 'nope']);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toBe(
      'Error from server (NotFound): mpijobs.kubeflow.org "nope" not found\n'
    );
    const deleted = await mpijob(['delete', 'nope']);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toBe(
      'Error from server (NotFound): mpijobs.kubeflow.org "nope" not found\n'
    );

    const path = notebook('sleepy.ipynb', [
      'import time\nprint("started", flush=True)\ntime.sleep(600)'
    ]);
    expect(
      (await mpijob(['create', '--from-notebook', path, '--workers', '1'])).code
    ).toBe(0);
    const again = await mpijob([
      'create',
      '--from-notebook',
      path,
      '--workers',
      '1'
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'Error from server (AlreadyExists): mpijobs.kubeflow.org "sleepy" already exists\n' +
        '  choose another name (--name), or pass --generate-name to add a random suffix\n'
    );

    const timedOut = await mpijob([
      'wait',
      'sleepy',
      '--for=condition=Succeeded',
      '--timeout=1s'
    ]);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toBe(
      'error: timed out waiting for the condition on mpijobs/sleepy\n'
    );

    const all = await mpijob(['delete', '--all']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('mpijob.kubeflow.org "sleepy" deleted\n');
  }, 120_000);

  it('should follow output as it is printed and stop when the job ends', async () => {
    const path = notebook('ticker.ipynb', [
      'import time\nfrom mpi4py import MPI\nrank = MPI.COMM_WORLD.Get_rank()',
      'for i in range(3):\n    print(f"tick {i} from {rank}", flush=True)\n    time.sleep(0.5)'
    ]);
    expect(
      (await mpijob(['create', '--from-notebook', path, '--workers', '2'])).code
    ).toBe(0);
    const followed = await mpijob(['logs', '-f', 'ticker', '--timestamps']);
    expect(followed.code).toBe(0);
    for (const rank of [0, 1]) {
      for (const i of [0, 1, 2]) {
        expect(followed.stdout).toMatch(
          new RegExp(
            `^\\d{4}-\\d\\d-\\d\\dT\\S+ \\[rank ${rank}\\] tick ${i} from ${rank}$`,
            'm'
          )
        );
      }
    }
  }, 120_000);

  it('should run a job in one process: its output, its exit code, and --rm', async () => {
    const ok = await mpijob([
      'run',
      '--rm',
      '--name',
      'once',
      '--workers',
      '2',
      '--',
      'python3',
      '-c',
      'print("hello")'
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout.split('\n').sort()).toEqual([
      '',
      '[rank 0] hello',
      '[rank 1] hello'
    ]);
    expect(ok.code).toBe(0);
    expect((await mpijob(['get', 'once'])).code).toBe(1);

    const failed = await mpijob([
      'run',
      '--name',
      'three',
      '--workers',
      '1',
      '--',
      'python3',
      '-c',
      'import sys; print("bye"); sys.exit(3)'
    ]);
    expect(failed.stdout).toContain('[rank 0] bye\n');
    expect(failed.stderr).toMatch(/^error: mpijobs\/three failed: /m);
    expect(failed.code).toBe(3);
    // Without --rm the job stays, as create would leave it.
    expect(
      (await mpijob(['get', 'three', '-o', 'jsonpath={.status.exitCode}']))
        .stdout
    ).toBe('3');
    await mpijob(['delete', 'three']);
  }, 120_000);

  it('should reject bad usage with exit code 2', async () => {
    const wait = await mpijob(['wait', 'x', '--for=condition=Done']);
    expect(wait.code).toBe(2);
    expect(wait.stderr).toContain("See 'mpijob wait -h' for help and examples");
    const del = await mpijob(['delete']);
    expect(del.code).toBe(2);
    const rank = await mpijob(['logs', 'x', '--rank', 'one']);
    expect(rank.code).toBe(2);
    const template = await mpijob(['get', '-o', 'jsonpath={range .items[*]}']);
    expect(template.stderr).toContain('{range} without {end}');
    expect(template.code).toBe(2);
    const columns = await mpijob(['get', '-o', 'custom-columns=NAME']);
    expect(columns.stderr).toContain('expected HEADER:JSONPATH');
    expect(columns.code).toBe(2);
  });
});
