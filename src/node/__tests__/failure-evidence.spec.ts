/**
 * Which rank a failed local job blames: the one the MPI names, else the
 * first complete traceback, never a traceback cut short when its rank was
 * stopped by another's failure. The lines are Open MPI's and Python's own.
 */
import * as fc from 'fast-check';

import type { IOutputLine } from '../../core/mpiOutput';
import { describeRankFailure, FailureTracker } from '../backends/failure';

const rank = (r: number, text: string): IOutputLine => ({
  rank: r,
  stream: 'stderr',
  text
});
const launcher = (text: string): IOutputLine => ({
  rank: null,
  stream: 'stderr',
  text
});

const MISSING = [
  'Traceback (most recent call last):',
  '  File "/data/jobs/default/imp/mpijob_main.py", line 80, in <module>',
  '    import lib_particles',
  "ModuleNotFoundError: No module named 'lib_particles'"
];

function track(lines: IOutputLine[]): FailureTracker {
  const tracker = new FailureTracker();
  lines.forEach(line => tracker.observe(line));
  return tracker;
}

describe('the rank a failed job blames', () => {
  it('should blame the rank with the complete traceback, not one stopped mid-traceback', () => {
    // Both ranks fail at the same import; rank 0 is stopped after its first
    // line because rank 1 got there first.
    const tracker = track([
      rank(0, MISSING[0]),
      ...MISSING.map(line => rank(1, line))
    ]);
    tracker.rankExited(0, 1);
    tracker.rankExited(1, 1);
    const culprit = tracker.culprit();
    expect(culprit).toEqual({ rank: 1, exitCode: 1 });
    expect(
      describeRankFailure(culprit!, tracker.rankTail(1), null).summary
    ).toBe(
      "rank 1 failed (exit code 1): ModuleNotFoundError: No module named 'lib_particles'"
    );
  });

  it('should blame the rank mpirun names first, over an earlier traceback', () => {
    const tracker = track([
      ...MISSING.map(line => rank(0, line)),
      ...MISSING.map(line => rank(1, line)),
      launcher(
        '--------------------------------------------------------------------------'
      ),
      launcher(
        'MPI_ABORT was invoked on rank 1 in communicator MPI_COMM_WORLD'
      ),
      launcher('with errorcode 1.')
    ]);
    expect(tracker.culprit()).toEqual({ rank: 1, exitCode: 1 });
  });

  it('should read Open MPI’s report of the first process to exit non-zero', () => {
    const tracker = track([
      launcher(
        'mpirun.openmpi detected that one or more processes exited with non-zero status, thus causing'
      ),
      launcher('the job to be terminated. The first process to do so was:'),
      launcher(''),
      launcher('  Process name: [[1065,1],2]'),
      launcher('  Exit code:    3')
    ]);
    expect(tracker.culprit()).toEqual({ rank: 2, exitCode: 3 });
  });
});

describe('a failure without a traceback header', () => {
  it('should name the cell and line of a syntax error', () => {
    const text = describeRankFailure(
      { rank: 0, exitCode: 1 },
      [
        '  File "py2.ipynb", cell 2, line 1',
        "    print 'py2 style', rank",
        '    ^^^^^^^^^^^^^^^^^^^^^^^',
        "SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?"
      ],
      null
    );
    expect(text.summary).toBe(
      "rank 0 failed (exit code 1) in cell 2, line 1: SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?"
    );
  });
});

describe('a traceback on a stream of its own', () => {
  it("should read the traceback from stderr, whatever the rank's stdout lines that come between", () => {
    // Kubernetes: mpirun relays a rank's stdout and stderr on channels of
    // their own, which keep their order within each, not between them.
    const stdout = ['rank 1 on boom-worker-1', 'done: 3', 'Traceback-like'];
    const stderr = [
      'Traceback (most recent call last):',
      '  File "/tmp/boom.ipynb", cell 2, line 2, in <module>',
      '    raise RuntimeError("boom on rank 1")',
      'RuntimeError: boom on rank 1'
    ];
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), {
          minLength: stdout.length + stderr.length,
          maxLength: stdout.length + stderr.length
        }),
        picks => {
          const out = [...stdout];
          const err = [...stderr];
          const lines: IOutputLine[] = [];
          for (const fromOut of picks) {
            const line =
              (fromOut && out.length > 0) || err.length === 0
                ? { stream: 'stdout' as const, text: out.shift() }
                : { stream: 'stderr' as const, text: err.shift() };
            if (line.text !== undefined) {
              lines.push({ rank: 1, stream: line.stream, text: line.text });
            }
          }
          const tracker = track(lines);
          const culprit = tracker.culprit();
          expect(culprit).toEqual({ rank: 1, exitCode: null });
          expect(
            describeRankFailure(culprit!, tracker.rankTail(1), null).summary
          ).toBe(
            'rank 1 failed in cell 2, line 2: RuntimeError: boom on rank 1'
          );
        }
      )
    );
  });
});
