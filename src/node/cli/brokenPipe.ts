/**
 * When the reader of our output goes away (`mpijob logs x | head`), kubectl,
 * like any Go program, is ended by SIGPIPE without a word. Node ignores
 * SIGPIPE, so the next write fails with EPIPE instead, which would otherwise
 * crash with a stack trace.
 */

/** Exit status a shell shows for a process ended by SIGPIPE (128 + 13). */
export const BROKEN_PIPE_EXIT = 141;

let stopHandler: (() => void) | null = null;
let broken = false;

/**
 * Ends the process quietly, with {@link BROKEN_PIPE_EXIT}, once a write to
 * one of these streams finds its reader gone. Other errors still throw.
 *
 * @param streams - standard output and standard error
 */
export function endOnBrokenPipe(streams: readonly NodeJS.EventEmitter[]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') {
        throw error;
      }
      // Every later write fails too: act once.
      if (broken) {
        return;
      }
      broken = true;
      if (stopHandler) {
        stopHandler();
      } else {
        process.exit(BROKEN_PIPE_EXIT);
      }
    });
  }
}

/**
 * Lets a command stop its own way on a broken pipe instead of exiting at
 * once: the service stops its jobs' ranks first, so none is left behind.
 *
 * @param handler - how to stop
 * @returns a function that restores the default
 */
export function onBrokenPipe(handler: () => void): () => void {
  stopHandler = handler;
  return () => {
    if (stopHandler === handler) {
      stopHandler = null;
    }
  };
}
