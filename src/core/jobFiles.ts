/**
 * Files of a job (a notebook's figures) travel in its output, so that no
 * backend needs storage or a cluster component of its own: a rank prints a
 * file as base64 chunks on marker lines, the output parser takes those
 * lines out of the log, and {@link FileAssembler} puts the file together.
 * Pure: runs in the browser and in Node.
 */

/** Starts a chunk line: `<marker><seq>/<total> <name> <base64>`. */
export const FILE_MARKER = '\u001empijob-file ';

/** Base64 characters per chunk line, well under the parser's longest line. */
export const FILE_CHUNK_CHARS = 32 * 1024;

/** Largest file a job may leave this way. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Which ranks keep the figures their cells leave open or show. */
export type FigureRanks = 'rank0' | 'all' | 'none';

/** A file name a job may leave: no folders, nothing hidden. */
export const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** One chunk line, parsed. */
export interface IFileChunk {
  /** 1-based chunk number. */
  readonly seq: number;
  /** Number of chunks. */
  readonly total: number;
  /** The file's name. */
  readonly name: string;
  /** Base64 text of this chunk. */
  readonly data: string;
}

/** A complete file of a job. */
export interface IJobFile {
  /** The file's name, e.g. `cell3-figure1.png`. */
  readonly name: string;
  /** The rank that wrote it. */
  readonly rank: number;
  /** Its bytes. */
  readonly bytes: Uint8Array;
}

/** What a job's file list says of each file. */
export interface IJobFileInfo {
  /** The file's name. */
  readonly name: string;
  /** The rank that wrote it. */
  readonly rank: number;
  /** Its size in bytes. */
  readonly size: number;
}

const CHUNK = /^(\d{1,6})\/(\d{1,6}) (\S+) ([A-Za-z0-9+/=]*)$/;

/**
 * Reads a chunk line (the text after {@link FILE_MARKER}).
 *
 * @param text - the rest of the line
 * @returns the chunk, or null when the line is not one
 */
export function parseFileChunk(text: string): IFileChunk | null {
  const match = CHUNK.exec(text);
  if (match === null || !FILE_NAME.test(match[3])) {
    return null;
  }
  const seq = Number(match[1]);
  const total = Number(match[2]);
  if (seq < 1 || seq > total) {
    return null;
  }
  return { seq, total, name: match[3], data: match[4] };
}

/** Puts each rank's files together from their chunks, in order. */
export class FileAssembler {
  private readonly pending = new Map<string, IFileChunk[]>();

  /**
   * Adds a chunk.
   *
   * @param rank - the rank that printed it
   * @param chunk - the chunk
   * @returns the file once its last chunk arrived; null before, and for
   *   chunks out of order, damaged or over {@link MAX_FILE_BYTES} (the
   *   file is dropped)
   */
  add(rank: number, chunk: IFileChunk): IJobFile | null {
    const key = `${rank}:${chunk.name}`;
    const parts = chunk.seq === 1 ? [] : this.pending.get(key);
    if (parts === undefined || parts.length !== chunk.seq - 1) {
      this.pending.delete(key);
      return null;
    }
    parts.push(chunk);
    if ((parts.length * FILE_CHUNK_CHARS * 3) / 4 > MAX_FILE_BYTES) {
      this.pending.delete(key);
      return null;
    }
    if (chunk.seq < chunk.total) {
      this.pending.set(key, parts);
      return null;
    }
    this.pending.delete(key);
    let bytes: Uint8Array;
    try {
      bytes = decodeBase64(parts.map(p => p.data).join(''));
    } catch {
      // Damaged in transit (a line cut short): no file rather than a wrong one.
      return null;
    }
    return { name: chunk.name, rank, bytes };
  }
}

/**
 * Base64 to bytes, in the browser and in Node.
 *
 * @param text - base64
 * @returns the bytes
 */
export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}
