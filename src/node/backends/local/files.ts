/**
 * The files a local job's ranks leave (its notebook's figures), kept in the
 * job's folder: `files/<name>` and an index of who wrote what. Written in
 * the order they arrive, after the log lines printed before them.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

import type { IJobFile, IJobFileInfo } from '../../../core/jobFiles';
import { FILE_NAME } from '../../../core/jobFiles';
import { BackendError } from '../errors';

const FILES_DIR = 'files';
const INDEX = 'index.jsonl';

/** Writes a running job's files, one after another. */
export class JobFileWriter {
  private chain: Promise<void> = Promise.resolve();
  private failed = false;

  /**
   * @param jobDir - the job's folder
   * @param onWritten - told after each file is in place
   */
  constructor(
    private readonly jobDir: string,
    private readonly onWritten: () => void = () => undefined
  ) {}

  /** Queues a file. */
  write(file: IJobFile): void {
    this.chain = this.chain.then(async () => {
      if (this.failed) {
        return;
      }
      const dir = join(this.jobDir, FILES_DIR);
      try {
        await fs.mkdir(dir, { recursive: true, mode: 0o700 });
        await fs.writeFile(join(dir, file.name), file.bytes, { mode: 0o600 });
        const info: IJobFileInfo = {
          name: file.name,
          rank: file.rank,
          size: file.bytes.length
        };
        await fs.appendFile(join(dir, INDEX), `${JSON.stringify(info)}\n`, {
          mode: 0o600
        });
      } catch {
        // The job was deleted, or the disk is full: the job runs on, without its files.
        this.failed = true;
        return;
      }
      this.onWritten();
    });
  }

  /** Resolves once every queued file is written. */
  close(): Promise<void> {
    return this.chain;
  }
}

/**
 * The files a job left, in the order they were written (a name written
 * again counts once, where it was last written).
 *
 * @param jobDir - the job's folder
 * @returns the files
 */
export async function listJobFiles(jobDir: string): Promise<IJobFileInfo[]> {
  let text: string;
  try {
    text = await fs.readFile(join(jobDir, FILES_DIR, INDEX), 'utf8');
  } catch {
    return [];
  }
  const byName = new Map<string, IJobFileInfo>();
  for (const line of text.split('\n')) {
    if (line === '') {
      continue;
    }
    try {
      const info = JSON.parse(line) as IJobFileInfo;
      byName.delete(info.name);
      byName.set(info.name, info);
    } catch {
      // A line cut short by a crash.
    }
  }
  return [...byName.values()];
}

/**
 * Reads one file a job left.
 *
 * @param jobDir - the job's folder
 * @param jobName - for messages
 * @param name - the file's name
 * @returns the file
 * @throws {BackendError} NotFound
 */
export async function readJobFile(
  jobDir: string,
  jobName: string,
  name: string
): Promise<IJobFile> {
  const info = FILE_NAME.test(name)
    ? (await listJobFiles(jobDir)).find(f => f.name === name)
    : undefined;
  if (info === undefined) {
    throw new BackendError(
      'NotFound',
      `job "${jobName}" has no file "${name}"`
    );
  }
  const bytes = await fs.readFile(join(jobDir, FILES_DIR, name));
  return { name, rank: info.rank, bytes: new Uint8Array(bytes) };
}
