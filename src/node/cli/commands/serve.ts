/**
 * `mpijob serve`: the MPI job service. One service owns a data directory and
 * its MPI processes; it always listens on the directory's own socket (where
 * the CLI finds it) and also wherever it is asked to (jupyter-server-proxy's
 * socket, or loopback with a token). A second `serve` for the same directory
 * forwards its socket to the owner instead of running jobs of its own.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync
} from 'node:fs';
import { createServer, connect } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';

import type { Command } from 'commander';

import type { IMpiJobBackend } from '../../backends/backend';
import { LocalBackend } from '../../backends/local';
import { defaultDataDir } from '../../paths';
import { createService } from '../../service/service';
import type { IJobService } from '../../service/service';
import type { IConnectionOptions } from '../connect';
import { backendKind, serviceSocketPath } from '../connect';
import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import { usageError } from '../errors';

/** How often the service checks that its parent (Jupyter) is alive. */
const PARENT_CHECK_MS = 2000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory's pid file.
 *
 * @returns null when we own it now, else the owner's pid
 */
function claim(pidFile: string): number | null {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(pidFile, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      const owner = Number(readFileSync(pidFile, 'utf8').trim());
      if (owner && owner !== process.pid && alive(owner)) {
        return owner;
      }
      // A service that died left its pid file: take over.
      unlinkSync(pidFile);
    }
  }
  throw new Error(`cannot take ${pidFile}`);
}

/** Pipes every connection on `socketPath` to the owner's socket. */
function forward(socketPath: string, ownerSocket: string): Promise<Server> {
  const server = createServer(client => {
    const upstream = connect(ownerSocket);
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve(server));
  });
}

/**
 * Adds `serve`.
 *
 * @param program - the root command
 * @param context - the run's context
 */
export function registerServe(program: Command, context: ICliContext): void {
  program
    .command('serve')
    .description(
      'Run the MPI job service in the foreground (the local backend, or --backend kubernetes).'
    )
    .option(
      '--socket <path>',
      'Also listen on this unix socket (jupyter-server-proxy passes one).'
    )
    .option(
      '--port <port>',
      'Also listen on 127.0.0.1:PORT, requiring the bearer token in $MPIJOB_TOKEN (one is generated and printed when unset).'
    )
    .option(
      '--python <command>',
      'Python with mpi4py that runs the ranks; $MPIJOB_PYTHON, else python3.'
    )
    .option(
      '--parent-pid <pid>',
      'Stop when this process ends (the Jupyter server that started us).'
    )
    .option(
      '-n, --namespace <namespace>',
      "Kubernetes backend: the namespace to serve; else the kubeconfig context's (or the pod's)."
    )
    .option(
      '-A, --all-namespaces',
      'Kubernetes backend: serve every namespace (needs cluster-wide list and watch).'
    )
    .action(async (options: Record<string, unknown>, self: Command) => {
      const { stderr } = context.io;
      const globals = self.optsWithGlobals() as IConnectionOptions;
      const kind = backendKind(globals);
      const dataDir = globals.dataDir ?? defaultDataDir();
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      // A kubernetes service keeps its own socket and pid file, so it can run
      // beside the local one of the same data directory.
      const ownSocket =
        kind === 'local'
          ? serviceSocketPath(dataDir)
          : join(dataDir, 'kubernetes-service.sock');
      const extraSocket =
        typeof options.socket === 'string' && options.socket !== ownSocket
          ? options.socket
          : null;
      const port = options.port === undefined ? null : Number(options.port);
      if (
        port !== null &&
        !(Number.isInteger(port) && port >= 0 && port < 65536)
      ) {
        throw usageError(`invalid --port "${options.port}"`, 'mpijob serve');
      }
      const parentPid =
        options.parentPid === undefined ? null : Number(options.parentPid);

      const pidFile = join(
        dataDir,
        kind === 'local' ? 'service.pid' : 'kubernetes-service.pid'
      );
      const owner = claim(pidFile);
      const closers: (() => Promise<void>)[] = [];
      if (owner !== null) {
        if (!extraSocket) {
          stderr.write(
            `the MPI job service of ${dataDir} is already running (pid ${owner})\n`
          );
          return;
        }
        const server = await forward(extraSocket, ownSocket);
        closers.push(
          () => new Promise(resolve => server.close(() => resolve()))
        );
        stderr.write(
          `forwarding ${extraSocket} to the running service (pid ${owner})\n`
        );
      } else {
        const backend: IMpiJobBackend =
          kind === 'local'
            ? await LocalBackend.open({
                dataDir,
                python:
                  typeof options.python === 'string'
                    ? options.python
                    : undefined
              })
            : (
                await import('../../backends/kubernetes')
              ).KubernetesBackend.open({
                kubeconfig: globals.kubeconfig,
                context: globals.context,
                scope: options.allNamespaces ? undefined : namespaceOf(options)
              });
        const log = (message: string): void => {
          stderr.write(`${new Date().toISOString()} ${message}\n`);
        };
        const services: IJobService[] = [
          createService({ backend, socketPath: ownSocket, log })
        ];
        if (extraSocket) {
          services.push(
            createService({ backend, socketPath: extraSocket, log })
          );
        }
        let token: string | null = null;
        if (port !== null) {
          token = process.env.MPIJOB_TOKEN ?? randomBytes(24).toString('hex');
          if (token.length < 16) {
            throw usageError(
              '$MPIJOB_TOKEN must be at least 16 characters: a short token can be guessed',
              'mpijob serve'
            );
          }
          services.push(createService({ backend, port, token, log }));
        }
        for (const service of services) {
          const address = await service.listen();
          log(`listening on ${address.socketPath ?? address.url}`);
        }
        if (token && !process.env.MPIJOB_TOKEN) {
          // Printed once on stdout for the caller; never written to the log.
          context.io.stdout.write(`MPIJOB_TOKEN=${token}\n`);
        }
        closers.push(async () => {
          await Promise.all(services.map(s => s.close()));
          await backend.close();
          try {
            unlinkSync(pidFile);
          } catch {
            // Already gone.
          }
        });
      }

      await new Promise<void>(resolve => {
        let stopping = false;
        const stop = (): void => {
          if (stopping) {
            return;
          }
          stopping = true;
          clearInterval(watchdog);
          Promise.all(closers.map(close => close())).then(
            () => resolve(),
            () => resolve()
          );
        };
        const watchdog = setInterval(() => {
          if (parentPid !== null && !alive(parentPid)) {
            stop();
          }
        }, PARENT_CHECK_MS);
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        process.once('SIGHUP', stop);
      });
    });
}
