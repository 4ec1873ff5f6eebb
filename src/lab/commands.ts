/**
 * Command ids of the extension, registered by id like JupyterLab's own.
 */
export namespace CommandIDs {
  /** Launch the current notebook as an MPIJob. */
  export const launch = 'mpijob:launch';
}
