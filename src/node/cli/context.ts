/**
 * What every CLI command gets: output streams and a way to reach a backend.
 */
import type { Command } from 'commander';

import type { IMpiJobBackend } from '../backends/backend';
import type { IConnectionOptions } from './connect';
import { connectBackend } from './connect';

/** Where a CLI run writes. */
export interface ICliIO {
  /** Standard output. */
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Standard error. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Shared by the commands of one run. */
export interface ICliContext {
  /** Output streams. */
  readonly io: ICliIO;
  /** The arguments after the program name, for what commander does not keep (where `--` was). */
  readonly argv: readonly string[];
  /**
   * Connects to the backend named by the global flags, runs `use`, and
   * always closes the connection.
   */
  withBackend<T>(
    command: Command,
    use: (backend: IMpiJobBackend) => Promise<T>
  ): Promise<T>;
}

/**
 * Creates the context of one CLI run.
 *
 * @param io - output streams
 * @param connect - how to reach a backend (tests may pass their own)
 * @param argv - the arguments after the program name
 * @returns the context
 */
export function createContext(
  io: ICliIO,
  connect: (
    options: IConnectionOptions
  ) => Promise<IMpiJobBackend> = connectBackend,
  argv: readonly string[] = []
): ICliContext {
  return {
    io,
    argv,
    async withBackend(command, use) {
      const backend = await connect(
        command.optsWithGlobals() as IConnectionOptions
      );
      try {
        return await use(backend);
      } finally {
        await backend.close();
      }
    }
  };
}

/**
 * The namespace a command works in: `-n`, else the kubeconfig context's
 * (kubernetes backend, set before the action runs), else `default`.
 *
 * @param options - the command's options
 * @returns the namespace
 */
export function namespaceOf(options: {
  namespace?: unknown;
  contextNamespace?: unknown;
}): string {
  if (typeof options.namespace === 'string') {
    return options.namespace;
  }
  return typeof options.contextNamespace === 'string'
    ? options.contextNamespace
    : 'default';
}
