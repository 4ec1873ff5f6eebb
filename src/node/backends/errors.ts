/**
 * Backend failures, with Kubernetes' reasons and HTTP codes, so the service
 * can answer problem+json and the CLI can print kubectl's wording.
 */
import type { IProblem } from '../../core/errors';
import type { FailureReason } from '../../core/problem';
import { REASON_STATUS } from '../../core/problem';

export type { FailureReason } from '../../core/problem';

/** A failure a backend reports; its message reads like the API server's. */
export class BackendError extends Error {
  /** Why, as a Kubernetes status reason. */
  readonly reason: FailureReason;
  /** The HTTP status for the reason. */
  readonly status: number;
  /** Field or cell problems, for Invalid. */
  readonly problems: readonly IProblem[];

  /**
   * @param reason - the status reason
   * @param message - e.g. `mpijobs.kubeflow.org "pi" not found`
   * @param problems - field problems (Invalid)
   */
  constructor(
    reason: FailureReason,
    message: string,
    problems: readonly IProblem[] = []
  ) {
    super(message);
    this.name = 'BackendError';
    this.reason = reason;
    this.status = REASON_STATUS[reason];
    this.problems = problems;
  }
}

/**
 * The error for a job that does not exist, worded like kubectl.
 *
 * @param name - the job name
 * @returns the error
 */
export function jobNotFound(name: string): BackendError {
  return new BackendError(
    'NotFound',
    `mpijobs.kubeflow.org "${name}" not found`
  );
}

/**
 * The error for a name that is taken, worded like kubectl.
 *
 * @param name - the job name
 * @returns the error
 */
export function jobAlreadyExists(name: string): BackendError {
  return new BackendError(
    'AlreadyExists',
    `mpijobs.kubeflow.org "${name}" already exists`
  );
}

/**
 * Refuses a rank the job does not have.
 *
 * @param rank - the rank asked for, if any
 * @param ranks - how many ranks the job has
 * @throws {BackendError} BadRequest naming the ranks there are
 */
export function assertRankOf(rank: number | undefined, ranks: number): void {
  if (rank !== undefined && rank >= ranks) {
    throw new BackendError(
      'BadRequest',
      `rank ${rank} does not exist: the job has ${ranks} rank${ranks === 1 ? '' : 's'} (0${ranks > 1 ? `-${ranks - 1}` : ''})`
    );
  }
}
