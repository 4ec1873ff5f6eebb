/**
 * Which backend a CLI command talks to. The local backend lives in the job
 * service (it owns the MPI processes, so jobs outlive the command); the CLI
 * reaches it over its unix socket and starts it in the background when it is
 * not running, the way docker or ollama clients do.
 */
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

import type { Command } from 'commander';

import { parseDuration } from '../../core/format';
import type { IMpiJobBackend } from '../backends/backend';
import { BackendError } from '../backends/errors';
import type { ServiceClient } from '../client';
import { defaultDataDir } from '../paths';
import { CliError, ExitCode } from './errors';

/** Backends the CLI knows. */
export const BACKENDS = ['local', 'kubernetes'] as const;

/** Connection flags shared by every verb. */
export interface IConnectionOptions {
  /** `--backend`. */
  backend?: string;
  /** `--server`: a unix socket path or `http://127.0.0.1:PORT`. */
  server?: string;
  /** `--data-dir` of the local backend. */
  dataDir?: string;
  /** `--kubeconfig` of the kubernetes backend. */
  kubeconfig?: string;
  /** `--context` of the kubernetes backend. */
  context?: string;
}

/** Seconds to wait for a service started in the background. */
const START_TIMEOUT_MS = 20_000;

/** How long a service the CLI started stays up with no job and no client ($MPIJOB_IDLE_TIMEOUT). */
export const DEFAULT_SERVICE_IDLE_TIMEOUT = '5m';

/**
 * The socket the local service of a data directory listens on.
 *
 * @param dataDir - the data directory
 * @returns the socket path
 */
export function serviceSocketPath(dataDir: string): string {
  return join(dataDir, 'service.sock');
}

/**
 * Connects to the backend the flags and environment name.
 *
 * @param options - `--backend`, `--server`, `--data-dir`
 * @returns a backend; the caller closes it
 * @throws {CliError} when the backend is unknown or cannot be reached
 */
export async function connectBackend(
  options: IConnectionOptions
): Promise<IMpiJobBackend> {
  const backend = backendKind(options);
  const server = options.server ?? process.env.MPIJOB_SERVER;
  // Loaded on demand, like the Kubernetes client below: `mpijob --version`
  // and help need neither.
  const { ServiceClient } = await import('../client');
  if (server) {
    return clientFor(ServiceClient, server);
  }
  if (backend === 'kubernetes') {
    // Like kubectl: straight to the API server with the kubeconfig's user.
    // Loaded on demand: the client library is large, local commands skip it.
    const { KubernetesBackend } = await import('../backends/kubernetes');
    return KubernetesBackend.open({
      kubeconfig: options.kubeconfig,
      context: options.context
    });
  }
  const dataDir = options.dataDir ?? defaultDataDir();
  const socketPath = serviceSocketPath(dataDir);
  const client = new ServiceClient({ socketPath });
  if (await reachable(client)) {
    return client;
  }
  await startService(dataDir);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await reachable(client)) {
      return client;
    }
    await new Promise(resolve => setTimeout(resolve, 150));
  }
  throw new CliError([
    `the MPI job service did not start within ${START_TIMEOUT_MS / 1000}s; see ${join(dataDir, 'service.log')}`
  ]);
}

/**
 * The backend the flags and environment name.
 *
 * @param options - `--backend`
 * @returns `local` or `kubernetes`
 * @throws {CliError} for an unknown backend
 */
export function backendKind(
  options: IConnectionOptions
): (typeof BACKENDS)[number] {
  const backend = options.backend ?? process.env.MPIJOB_BACKEND ?? 'local';
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new CliError(
      [`unknown backend "${backend}": use ${BACKENDS.join(' or ')}`],
      2
    );
  }
  return backend as (typeof BACKENDS)[number];
}

/**
 * kubectl's namespace rule for the kubernetes backend: without `-n`, the
 * kubeconfig context's namespace. Runs before a command's action, so every
 * verb (and the specs it builds) sees the namespace it will use.
 *
 * @param command - the command about to run
 */
export async function applyContextNamespace(command: Command): Promise<void> {
  const hasNamespace = command.options.some(o => o.long === '--namespace');
  if (!hasNamespace || command.getOptionValue('namespace') !== undefined) {
    return;
  }
  const options = command.optsWithGlobals() as IConnectionOptions;
  if (
    backendKind(options) !== 'kubernetes' ||
    options.server ||
    process.env.MPIJOB_SERVER
  ) {
    return;
  }
  try {
    const { loadKubeConnection } =
      await import('../backends/kubernetes/config');
    const { namespace } = loadKubeConnection({
      kubeconfig: options.kubeconfig,
      context: options.context
    });
    command.setOptionValue('contextNamespace', namespace);
  } catch {
    // No kubeconfig: connecting reports it with advice.
  }
}

function clientFor(
  Client: typeof ServiceClient,
  server: string
): ServiceClient {
  if (/^https?:\/\//.test(server)) {
    return new Client({ url: server, token: process.env.MPIJOB_TOKEN });
  }
  return new Client({ socketPath: server });
}

async function reachable(client: ServiceClient): Promise<boolean> {
  try {
    await client.health();
    return true;
  } catch (error) {
    if (
      error instanceof BackendError &&
      error.reason === 'ServiceUnavailable'
    ) {
      return false;
    }
    throw error;
  }
}

/**
 * Starts `mpijob serve` detached, logging to the data directory. Nobody
 * stops it, so it stops itself once idle (and when the directory goes).
 */
async function startService(dataDir: string): Promise<void> {
  const idleTimeout =
    process.env.MPIJOB_IDLE_TIMEOUT ?? DEFAULT_SERVICE_IDLE_TIMEOUT;
  if (parseDuration(idleTimeout) === null) {
    throw new CliError(
      [
        `invalid $MPIJOB_IDLE_TIMEOUT "${idleTimeout}": use a duration such as 90s or 5m, or 0 for never`
      ],
      ExitCode.usage
    );
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Loaded here: only the first command of a session starts the service.
  const { spawn } = await import('node:child_process');
  const log = openSync(join(dataDir, 'service.log'), 'a', 0o600);
  const cli = process.argv[1];
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--data-dir', dataDir, '--idle-timeout', idleTimeout],
    {
      detached: true,
      stdio: ['ignore', log, log],
      env: process.env
    }
  );
  child.unref();
}
