/**
 * The events of the service's streams (`/api/events`, a job's `/stream`):
 * their names, which the service writes and every client reads.
 */

/** SSE event names of the service. */
export const SSE_EVENTS = {
  /** A job changed; data is an `IJobEvent`. */
  status: 'status',
  /** A line of output; data is an `ILogLine`. */
  log: 'log',
  /** The job ended and every line was sent; data is the final `IJobRecord`. */
  end: 'end',
  /** The replay buffer no longer reaches back to `Last-Event-ID`: every job follows as ADDED. */
  resync: 'resync',
  /** The initial (or resync) list is complete; its id is where a resume starts. */
  synced: 'synced',
  /** A job stream failed after it started; data is a problem document (`IProblemDocument`). */
  error: 'error'
} as const;
