/**
 * `mpijob serve`: the MPI job service. One service owns a data directory and
 * its MPI processes; it always listens on the directory's own socket (where
 * the CLI finds it) and also wherever it is asked to (jupyter-server-proxy's
 * socket, or loopback with a token). A second `serve` for the same directory
 * forwards its socket to the owner instead of running jobs of its own, and
 * serves in its place when the owner stops.
 *
 * A service started for Jupyter (`--parent-pid`) lives as long as Jupyter.
 * One the CLI started (`--idle-timeout`) stops once idle, so short CLI
 * sessions leave nothing behind. Any service not started for Jupyter also
 * stops as soon as its data directory is deleted.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  watch as fsWatch,
  writeSync
} from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';

import type { Command } from 'commander';

import { parseDuration } from '../../../core/format';
import type { IMpiJobBackend } from '../../backends/backend';
import { ALL_NAMESPACES } from '../../backends/backend';
import { LocalBackend } from '../../backends/local';
import type { IProcStat } from '../../backends/local/procs';
import { parseProcStat } from '../../backends/local/procs';
import { defaultDataDir } from '../../paths';
import { createService } from '../../service/service';
import type { IJobService } from '../../service/service';
import type { IConnectionOptions } from '../connect';
import { onBrokenPipe } from '../brokenPipe';
import {
  backendKind,
  DEFAULT_SERVICE_IDLE_TIMEOUT,
  serviceSocketPath
} from '../connect';
import type { ICliContext } from '../context';
import { namespaceOf } from '../context';
import { usageError } from '../errors';
import { errorMessage } from '../../../core/errors';

/** How often the service looks at its parent, its data directory and whether it is idle. */
const WATCH_MS = 1000;

/** Most often it looks, for very short idle timeouts. */
const MIN_WATCH_MS = 50;

function alive(pid: number): boolean {
  const stat = procStat(pid);
  if (stat !== undefined) {
    // A zombie (a killed service nobody reaped) answers signal 0 but is gone.
    return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// A process's stat; null when it does not exist, undefined without /proc.
function procStat(pid: number): IProcStat | null | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return existsSync('/proc/self/stat') ? null : undefined;
  }
}

/**
 * Whether the pid a pid file names is the service that wrote it: alive, a
 * `serve` process, and started before the file was written (else the pid
 * was reused).
 */
function ownerAlive(pid: number, pidFile: string): boolean {
  if (!alive(pid)) {
    return false;
  }
  const stat = procStat(pid);
  if (stat === undefined || stat === null) {
    return stat === undefined;
  }
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const bootSeconds = Number(
      /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]
    );
    // Linux reports start times in USER_HZ, 100 a second.
    const startedMs = (bootSeconds + stat.startTicks / 100) * 1000;
    const writtenMs = statSync(pidFile).mtimeMs;
    return argv.includes('serve') && !(startedMs > writtenMs + 1000);
  } catch {
    // Gone meanwhile, or the file was removed: not an owner.
    return false;
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
      if (owner && owner !== process.pid && ownerAlive(owner, pidFile)) {
        return owner;
      }
      // A service that died (or a pid now another process's) left its pid
      // file: take over.
      try {
        unlinkSync(pidFile);
      } catch {
        // Another starter removed it first.
      }
    }
  }
  throw new Error(`cannot take ${pidFile}`);
}

/** Pipes every connection on `socketPath` to the owner's socket. */
function forward(socketPath: string, ownerSocket: string): Promise<IRunning> {
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
    server.listen(socketPath, () =>
      resolve({
        // The owner counts these connections itself.
        busy: () => false,
        close: () => new Promise(done => server.close(() => done()))
      })
    );
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
      'Stop when this process ends (the Jupyter server that started us); a deleted data directory does not stop it then.'
    )
    .option(
      '-n, --namespace <namespace>',
      "Kubernetes backend: the namespace to serve; else the kubeconfig context's (or the pod's)."
    )
    .option(
      '-A, --all-namespaces',
      'Kubernetes backend: always watch every namespace (needs cluster-wide list and watch); otherwise the namespace served is watched, and others while a client shows them.'
    )
    .option(
      '--namespace-linger <duration>',
      'Kubernetes backend: how long a namespace no client shows any more stays watched, e.g. 30s (default 1m).'
    )
    .option(
      '--idle-timeout <duration>',
      `Stop after this long with no job running and no client connected, e.g. 5m; 0 (the default) never. The CLI starts its service with $MPIJOB_IDLE_TIMEOUT, else ${DEFAULT_SERVICE_IDLE_TIMEOUT}.`
    )
    .action(async (options: Record<string, unknown>, self: Command) => {
      // The service waits on I/O. V8 lets garbage grow its heap to several
      // times what is live before collecting it: following 5,050 pods, 490 MB
      // resident held 95 MB live. Memory matters more here than GC time.
      setFlagsFromString('--optimize-for-size');
      const { stderr } = context.io;
      const globals = self.optsWithGlobals() as IConnectionOptions;
      const kind = backendKind(globals);
      const dataDir = globals.dataDir ?? defaultDataDir();
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
      const idleMs =
        options.idleTimeout === undefined
          ? 0
          : parseDuration(String(options.idleTimeout));
      if (idleMs === null) {
        throw usageError(
          `invalid --idle-timeout "${options.idleTimeout}": use a duration such as 90s or 5m, or 0 for never`,
          'mpijob serve'
        );
      }
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      // A service started for Jupyter lives as long as Jupyter; any other
      // stops with its data directory (its socket and jobs went with it).
      const directory = parentPid === null ? identify(dataDir) : null;
      const log = (message: string): void => {
        stderr.write(`${new Date().toISOString()} ${message}\n`);
      };

      const pidFile = join(
        dataDir,
        kind === 'local' ? 'service.pid' : 'kubernetes-service.pid'
      );
      for (;;) {
        const owner = claim(pidFile);
        let running: IRunning;
        if (owner !== null) {
          if (!extraSocket) {
            stderr.write(
              `the MPI job service of ${dataDir} is already running (pid ${owner})\n`
            );
            return;
          }
          running = await forward(extraSocket, ownSocket);
          stderr.write(
            `forwarding ${extraSocket} to the running service (pid ${owner})\n`
          );
        } else {
          running = await serveJobs({
            kind,
            dataDir,
            pidFile,
            sockets: extraSocket ? [ownSocket, extraSocket] : [ownSocket],
            port,
            options,
            globals,
            log,
            io: context.io
          });
        }
        const reason = await untilStop({
          parentPid,
          owner,
          directory,
          idleMs: owner === null ? idleMs : 0,
          busy: () => running.busy()
        });
        if (reason === 'idle') {
          log(
            `no job running and no client connected for ${options.idleTimeout}: stopping`
          );
        } else if (reason === 'data-dir') {
          log(`the data directory ${dataDir} was deleted: stopping`);
        }
        // Jobs outlive a restart (a signal, or Jupyter gone): the next
        // service adopts them. A deleted data directory takes them along.
        await running
          .close({ keepJobs: reason === 'signal' || reason === 'parent' })
          .catch(() => undefined);
        if (reason !== 'owner') {
          return;
        }
        // The service we forwarded to stopped (idle): serve in its place.
        log(`the service of ${dataDir} (pid ${owner}) stopped: taking over`);
      }
    });
}

/** A service or a forwarder, while it runs. */
interface IRunning {
  /** Whether stopping now would cut a client or a job off. */
  busy(): boolean;
  /** Stops it; `keepJobs`: running jobs run on (see the backends' close). */
  close(options?: { readonly keepJobs?: boolean }): Promise<void>;
}

/** Why {@link untilStop} returned. */
type StopReason = 'signal' | 'parent' | 'owner' | 'idle' | 'data-dir';

/** Device and inode of a directory, to notice it deleted (or replaced). */
interface IDirectoryIdentity {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
}

function identify(path: string): IDirectoryIdentity {
  const { dev, ino } = statSync(path);
  return { path, dev, ino };
}

function isGone(directory: IDirectoryIdentity): boolean {
  try {
    const { dev, ino } = statSync(directory.path);
    return dev !== directory.dev || ino !== directory.ino;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}

/** Calls `changed` on changes in a directory (its deletion among them), if it can be watched. */
function watchDirectory(
  directory: IDirectoryIdentity,
  changed: () => void
): FSWatcher | null {
  try {
    const watcher = fsWatch(directory.path, () => changed());
    // The timer still checks.
    watcher.on('error', () => watcher.close());
    return watcher;
  } catch {
    return null;
  }
}

/**
 * Waits until the service should stop: a signal, a broken output pipe, the
 * parent or the owner (of a forwarder) gone, the data directory deleted, or
 * `idleMs` without being busy.
 */
function untilStop(watch: {
  parentPid: number | null;
  owner: number | null;
  directory: IDirectoryIdentity | null;
  idleMs: number;
  busy: () => boolean;
}): Promise<StopReason> {
  return new Promise(resolve => {
    let idleSince: number | null = null;
    const check = (): void => {
      if (watch.parentPid !== null && !alive(watch.parentPid)) {
        finish('parent');
      } else if (watch.owner !== null && !alive(watch.owner)) {
        finish('owner');
      } else if (watch.directory !== null && isGone(watch.directory)) {
        finish('data-dir');
      } else if (watch.idleMs > 0) {
        if (watch.busy()) {
          idleSince = null;
        } else {
          idleSince ??= Date.now();
          if (Date.now() - idleSince >= watch.idleMs) {
            finish('idle');
          }
        }
      }
    };
    // Short idle timeouts (tests) are checked more often than the rest.
    const timer = setInterval(
      check,
      watch.idleMs > 0
        ? Math.min(WATCH_MS, Math.max(MIN_WATCH_MS, watch.idleMs / 4))
        : WATCH_MS
    );
    // Where the platform reports it (inotify), a deletion is seen at once.
    const watcher = watch.directory && watchDirectory(watch.directory, check);
    const onSignal = (): void => finish('signal');
    const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
    for (const signal of signals) {
      process.once(signal, onSignal);
    }
    const restorePipe = onBrokenPipe(onSignal);
    function finish(reason: StopReason): void {
      clearInterval(timer);
      watcher?.close();
      for (const signal of signals) {
        process.removeListener(signal, onSignal);
      }
      restorePipe();
      resolve(reason);
    }
  });
}

/** Starts the backend and its services on every socket (and the port). */
async function serveJobs(setup: {
  kind: 'local' | 'kubernetes';
  dataDir: string;
  pidFile: string;
  sockets: readonly string[];
  port: number | null;
  options: Record<string, unknown>;
  globals: IConnectionOptions;
  log: (message: string) => void;
  io: ICliContext['io'];
}): Promise<IRunning> {
  const { options, globals, log } = setup;
  const backend: IMpiJobBackend =
    setup.kind === 'local'
      ? await LocalBackend.open({
          dataDir: setup.dataDir,
          python:
            typeof options.python === 'string' ? options.python : undefined
        })
      : (await import('../../backends/kubernetes')).KubernetesBackend.open({
          kubeconfig: globals.kubeconfig,
          context: globals.context,
          namespace: namespaceOf(options),
          scope: options.allNamespaces ? undefined : namespaceOf(options),
          // Watches retry by themselves; the log says why they had to.
          onWatchError: error => log(`watch: ${errorMessage(error)}`),
          extraNamespaces: (process.env.MPIJOB_NAMESPACES ?? '')
            .split(',')
            .map(ns => ns.trim())
            .filter(Boolean)
        });
  // What the service always watches; streams add the namespaces they show.
  const home = options.allNamespaces ? ALL_NAMESPACES : undefined;
  const lingerMs =
    options.namespaceLinger === undefined
      ? undefined
      : parseDuration(String(options.namespaceLinger));
  if (lingerMs === null) {
    throw usageError(
      `invalid --namespace-linger "${options.namespaceLinger}": use a duration such as 30s or 1m`,
      'mpijob serve'
    );
  }
  const services: IJobService[] = setup.sockets.map(socketPath =>
    createService({ backend, socketPath, log, home, lingerMs })
  );
  let token: string | null = null;
  if (setup.port !== null) {
    token = process.env.MPIJOB_TOKEN ?? randomBytes(24).toString('hex');
    if (token.length < 16) {
      throw usageError(
        '$MPIJOB_TOKEN must be at least 16 characters: a short token can be guessed',
        'mpijob serve'
      );
    }
    services.push(
      createService({
        backend,
        port: setup.port,
        token,
        log,
        home,
        lingerMs
      })
    );
  }
  for (const service of services) {
    const address = await service.listen();
    log(`listening on ${address.socketPath ?? address.url}`);
  }
  if (token && !process.env.MPIJOB_TOKEN) {
    // Printed once on stdout for the caller; never written to the log.
    setup.io.stdout.write(`MPIJOB_TOKEN=${token}\n`);
  }
  return {
    busy: () => services.some(service => service.busy()),
    async close(options) {
      await Promise.all(services.map(s => s.close()));
      await backend.close(options);
      try {
        unlinkSync(setup.pidFile);
      } catch {
        // Already gone.
      }
    }
  };
}
