/**
 * Files that travel in a job's output: chunk lines printed by a rank come
 * out of the launcher's tagged stream whole and in order, whatever the
 * pipe cuts; they never show up as log lines.
 */
import * as fc from 'fast-check';

import type { IJobFile } from '../jobFiles';
import {
  FILE_CHUNK_CHARS,
  FILE_MARKER,
  FileAssembler,
  parseFileChunk
} from '../jobFiles';
import type { IOutputLine } from '../mpiOutput';
import { MpiOutputParser } from '../mpiOutput';

/** What the prelude's _mpijob_emit_file prints, as rank `rank` under Open MPI. */
function printed(rank: number, name: string, bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('base64');
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += FILE_CHUNK_CHARS) {
    parts.push(text.slice(i, i + FILE_CHUNK_CHARS));
  }
  if (parts.length === 0) {
    parts.push('');
  }
  return parts
    .map(
      (part, i) =>
        `[1,${rank}]<stdout>:${FILE_MARKER}${i + 1}/${parts.length} ${name} ${part}\n`
    )
    .join('');
}

function parse(stream: string, cuts: number[]) {
  const lines: IOutputLine[] = [];
  const files: IJobFile[] = [];
  const assembler = new FileAssembler();
  const parser = new MpiOutputParser('openmpi', 4, {
    line: line => lines.push(line),
    rankExit: () => undefined,
    file: (rank, chunk) => {
      const file = assembler.add(rank, chunk);
      if (file !== null) {
        files.push(file);
      }
    }
  });
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    parser.push('stdout', stream.slice(at, cut));
    at = cut;
  }
  parser.push('stdout', stream.slice(at));
  parser.finish();
  return { lines, files };
}

describe('job files in the output', () => {
  it('should come out whole, per rank, however the stream is cut, and never as log lines', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3 * FILE_CHUNK_CHARS }),
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (first, second, cuts) => {
          const stream =
            '[1,0]<stdout>:before\n' +
            printed(0, 'cell1-figure1.png', first) +
            printed(2, 'cell1-figure1-rank2.png', second) +
            '[1,0]<stdout>:after\n';
          const { lines, files } = parse(
            stream,
            cuts.map(c => c % (stream.length + 1))
          );
          expect(lines.map(l => [l.rank, l.text])).toEqual([
            [0, 'before'],
            [0, 'after']
          ]);
          expect(files.map(f => [f.rank, f.name])).toEqual([
            [0, 'cell1-figure1.png'],
            [2, 'cell1-figure1-rank2.png']
          ]);
          expect(Buffer.from(files[0].bytes)).toEqual(Buffer.from(first));
          expect(Buffer.from(files[1].bytes)).toEqual(Buffer.from(second));
        }
      ),
      { numRuns: 60 }
    );
  });

  it('should drop a file whose chunks come out of order, and keep the next one', () => {
    const assembler = new FileAssembler();
    const chunk = (seq: number, total: number, data: string) =>
      parseFileChunk(`${seq}/${total} a.png ${data}`)!;
    // A second chunk with no first: dropped.
    expect(assembler.add(0, chunk(2, 2, 'QQ=='))).toBeNull();
    // A first chunk, then the file starts over (a rank that wrote it again).
    expect(assembler.add(0, chunk(1, 2, 'QUFB'))).toBeNull();
    expect(assembler.add(0, chunk(1, 1, 'QUI='))?.bytes).toEqual(
      new Uint8Array([65, 66])
    );
    // Its second chunk, now without a first: dropped.
    expect(assembler.add(0, chunk(2, 2, 'QQ=='))).toBeNull();
    // Ranks are apart: rank 1's chunks do not continue rank 0's.
    expect(assembler.add(0, chunk(1, 2, 'QUFB'))).toBeNull();
    expect(assembler.add(1, chunk(2, 2, 'QQ=='))).toBeNull();
    expect(assembler.add(0, chunk(2, 2, 'QQ=='))?.bytes).toEqual(
      new Uint8Array([65, 65, 65, 65])
    );
    // Damaged base64: no file.
    expect(assembler.add(0, chunk(1, 1, 'Q'))).toBeNull();
  });

  it('should read only well-formed chunk lines with plain file names', () => {
    expect(parseFileChunk('1/1 cell3-figure1.png QUI=')).toEqual({
      seq: 1,
      total: 1,
      name: 'cell3-figure1.png',
      data: 'QUI='
    });
    for (const bad of [
      '0/1 a.png QQ==',
      '2/1 a.png QQ==',
      '1/1 ../a.png QQ==',
      '1/1 .hidden QQ==',
      '1/1 a.png not base64!',
      '1/1 a.png'
    ]) {
      expect(parseFileChunk(bad)).toBeNull();
    }
  });
});
