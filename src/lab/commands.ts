/**
 * Command ids of the extension, registered by id like JupyterLab's own, and
 * the arguments they take.
 */
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import type { IJobKey } from '../core/jobKey';

export namespace CommandIDs {
  /** Open the launch panel for the current notebook (or `path`, or a job to rerun). */
  export const launch = 'mpijob:launch';
  /** Open the launch panel with only the selected cells as the program. */
  export const launchSelectedCells = 'mpijob:launch-selected-cells';
  /** Show the jobs sidebar. */
  export const showJobs = 'mpijob:show-jobs';
  /** Open the view of one job. */
  export const openJob = 'mpijob:open-job';
  /** Stop and remove a job, after confirmation. */
  export const deleteJob = 'mpijob:delete-job';
  /** List the jobs again. */
  export const refreshJobs = 'mpijob:refresh-jobs';
  /**
   * Show benchmark results files as charts: `path`, several `paths`
   * overlaid, or the JSON files selected in the file browser.
   */
  export const openChart = 'mpijob:open-chart';
}

/** Names one job; the arguments of the job commands. */
export type { IJobKey } from '../core/jobKey';

/** Reads a job key from command arguments, or null when they name none. */
export function jobKeyFromArgs(
  args: ReadonlyPartialJSONObject
): IJobKey | null {
  const { namespace, name } = args;
  return typeof namespace === 'string' && typeof name === 'string'
    ? { namespace, name }
    : null;
}
