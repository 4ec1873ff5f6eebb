/**
 * One line of a job's output as `logs` and `run` print it.
 */
import type { ILogLine } from '../../core/jobRecord';

/**
 * Formats one log line.
 *
 * @param line - the line
 * @param prefix - tag it with its rank
 * @param timestamps - start it with its capture time
 * @returns the text with a newline
 */
export function formatLogLine(
  line: ILogLine,
  prefix: boolean,
  timestamps: boolean
): string {
  const tag = prefix
    ? line.rank === null
      ? '[launcher] '
      : `[rank ${line.rank}] `
    : '';
  return `${timestamps ? `${line.time} ` : ''}${tag}${line.text}\n`;
}
