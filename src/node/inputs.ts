/**
 * Reading what users give us from disk or stdin. Core turns the bytes into
 * specs and programs; this module only fetches them, with errors that name
 * the file.
 */
import { readFile } from 'node:fs/promises';

import { CliError } from './cli/errors';

/**
 * Reads a file, or stdin for `-`.
 *
 * @param path - file path or `-`
 * @returns the bytes
 * @throws {CliError} naming the file when it cannot be read
 */
export async function readInput(path: string): Promise<Uint8Array> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) {
      chunks.push(chunk as Buffer);
    }
    return new Uint8Array(Buffer.concat(chunks));
  }
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new CliError([`cannot read "${path}": ${reason}`]);
  }
}

/**
 * Reads a text file (UTF-8), or stdin for `-`.
 *
 * @param path - file path or `-`
 * @returns the text
 * @throws {CliError} when it cannot be read or is not UTF-8
 */
export async function readTextInput(path: string): Promise<string> {
  const bytes = await readInput(path);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError([`"${path}" is not UTF-8 text`]);
  }
}
