/**
 * Open MPI 4 tags a chunk `[1,R]<stdout>:text`, Open MPI 5 (PRRTE)
 * `[1,R]<stdout>: text`: the space is the tag's, not the program's, once a
 * rank's first line (its host marker) shows which one runs; whatever the
 * pipe cuts, the lines come out the same.
 */
import * as fc from 'fast-check';

import { HOST_MARKER } from '../jobReport';
import type { IOutputLine } from '../mpiOutput';
import { MpiOutputParser } from '../mpiOutput';

function parse(
  stream: string,
  cuts: number[]
): {
  lines: IOutputLine[];
  hosts: string[];
} {
  const lines: IOutputLine[] = [];
  const hosts: string[] = [];
  const parser = new MpiOutputParser('openmpi', 2, {
    line: line => lines.push(line),
    rankExit: () => undefined,
    host: (rank, host) => hosts.push(`${rank}:${host}`)
  });
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    parser.push('stdout', stream.slice(at, cut));
    at = cut;
  }
  parser.push('stdout', stream.slice(at));
  parser.finish();
  return { lines, hosts };
}

/** Rank `rank`'s chunks as Open MPI 4 (no space) or 5 (a space) tags them. */
function tagged(rank: number, chunks: string[], space: boolean): string {
  return chunks
    .map(chunk => `[1,${rank}]<stdout>:${space ? ' ' : ''}${chunk}`)
    .join('');
}

const program = (rank: number): string[] => [
  `${HOST_MARKER}worker-${rank}\n`,
  'Traceback (most recent call last):\n',
  '  File "x.py", line 2\n',
  `RuntimeError: boom on rank ${rank}\n`,
  '1',
  ' ',
  '2\n'
];

const expected = (rank: number): IOutputLine[] =>
  [
    'Traceback (most recent call last):',
    '  File "x.py", line 2',
    `RuntimeError: boom on rank ${rank}`,
    '1 2'
  ].map(text => ({ rank, stream: 'stdout', text }));

describe('Open MPI output tags', () => {
  it.each([
    ['4', false],
    ['5', true]
  ])(
    "should give each rank's lines as printed under Open MPI %s, whatever the cuts",
    (_version, space) => {
      const stream =
        tagged(0, program(0), space) + tagged(1, program(1), space);
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: stream.length }), {
            maxLength: 12
          }),
          cuts => {
            const { lines, hosts } = parse(stream, cuts);
            expect(hosts).toEqual(['0:worker-0', '1:worker-1']);
            expect(lines).toEqual([...expected(0), ...expected(1)]);
          }
        )
      );
    }
  );

  it("should keep a leading space that is the program's until a host marker says Open MPI 5", () => {
    const { lines } = parse('[1,0]<stdout>:  indented\n', []);
    expect(lines).toEqual([{ rank: 0, stream: 'stdout', text: '  indented' }]);
  });
});
