#!/usr/bin/env node
/**
 * Entry point of the `mpijob` command (bundled to lib/node/cli.js).
 */
import { endOnBrokenPipe } from './cli/brokenPipe';
import { runCli } from './cli/program';
import { errorMessage } from '../core/errors';
import { SUPERVISE_ARG } from './backends/local/supervision';

if (process.argv[2] === SUPERVISE_ARG) {
  // A local job's supervisor (see backends/local/supervisor.ts), not a command.
  void import('./backends/local/supervisor').then(m => m.superviseMain());
} else {
  main();
}

function main(): void {
  endOnBrokenPipe([process.stdout, process.stderr]);
  runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr
  }).then(
    code => {
      process.exitCode = code;
      // Keep-alive sockets of an API client may hold the event loop open
      // after the command is done; they must not keep the command running.
      setTimeout(() => process.exit(code), 200).unref();
    },
    (error: unknown) => {
      process.stderr.write(`error: ${errorMessage(error)}\n`);
      process.exitCode = 1;
    }
  );
}
