/**
 * The script that starts Open MPI's mpirun with rank-tagged output picks the
 * option its version takes: Open MPI 4 refuses `--output`, and Open MPI 5's
 * `--tag-output` line buffer gives one rank's unfinished line to another's.
 * The mpirun here is a stand-in that says a version and prints its
 * arguments: what is tested is the script, not mpirun (the real ones run in
 * the local backend's and the real-pod tests).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openMpiTagged } from '../../core/mpiOutput';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpijob-tags-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function mpirunSaying(version: string): string {
  const path = join(dir, `mpirun-${version.replace(/\W/g, '_')}`);
  writeFileSync(
    path,
    `#!/bin/sh\nif [ "$1" = --version ]; then printf '%s\\n' ${JSON.stringify(version)}; exit 0; fi\nprintf '%s\\n' "$@"\n`
  );
  chmodSync(path, 0o755);
  return path;
}

describe('Open MPI output tags by version', () => {
  it.each([
    ['mpirun (Open MPI) 4.1.4', ['--tag-output']],
    ['mpirun (Open MPI) 3.1.6', ['--tag-output']],
    ['mpirun (Open MPI) 5.0.7', ['--output', 'tag:raw']],
    ['mpirun (Open MPI) 6.0.0rc1', ['--output', 'tag:raw']],
    ['something else', ['--tag-output']]
  ])('should start "%s" with %j', (version, tags) => {
    const [file, ...args] = openMpiTagged(mpirunSaying(version), [
      '-n',
      '2',
      'python3',
      '$(touch pwned) "quoted" arg'
    ]);
    const printed = execFileSync(file, args, { encoding: 'utf8' });
    // The job's arguments arrive as they were, never read as shell text.
    expect(printed.split('\n').slice(0, -1)).toEqual([
      ...tags,
      '-n',
      '2',
      'python3',
      '$(touch pwned) "quoted" arg'
    ]);
  });
});
