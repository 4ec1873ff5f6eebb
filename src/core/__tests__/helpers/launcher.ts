/**
 * The mpirun command line inside a rendered launcher command: Open MPI's
 * starts with the script that picks its output tags (OPENMPI_TAGS_SCRIPT).
 *
 * @param command - a launcher container's command or args
 * @returns the command from `mpirun` on
 */
export function mpirunOf(command: readonly string[]): string[] {
  return command.slice(command.indexOf('mpirun'));
}
