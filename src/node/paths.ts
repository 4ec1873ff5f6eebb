/**
 * Where the service and the CLI keep their files.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** Directory name under the XDG data directory. */
export const DATA_DIR_NAME = 'jupyterlab-mpijob';

/**
 * The data directory of the local backend's job store: `$MPIJOB_DATA_DIR`,
 * else `$XDG_DATA_HOME/jupyterlab-mpijob`, else
 * `~/.local/share/jupyterlab-mpijob`.
 *
 * @param env - the environment to read (the process's by default)
 * @returns an absolute path (not created)
 */
export function defaultDataDir(
  env: Readonly<Record<string, string | undefined>> = process.env
): string {
  const explicit = env.MPIJOB_DATA_DIR;
  if (explicit) {
    return explicit;
  }
  // The XDG spec says relative values are invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) {
    return join(xdg, DATA_DIR_NAME);
  }
  return join(env.HOME || homedir(), '.local', 'share', DATA_DIR_NAME);
}
