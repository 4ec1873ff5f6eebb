/**
 * A notebook path as a job records it, as a path of JupyterLab's contents.
 * Jobs launched from JupyterLab record the notebook relative to the server
 * root; the CLI records it absolute, since it runs in any folder.
 */
import { PageConfig } from '@jupyterlab/coreutils';

/**
 * @param path - the recorded path
 * @param serverRoot - the server's root folder (absolute, or `~/…` as
 *   jupyter_server writes a folder under the home directory)
 * @returns the path relative to the server root; null for an absolute path
 *   outside it (or when the root is unknown)
 */
export function contentsPath(
  path: string,
  serverRoot: string = PageConfig.getOption('serverRoot')
): string | null {
  if (!path.startsWith('/')) {
    return path;
  }
  const root = serverRoot.replace(/\/+$/, '');
  if (root === '' && serverRoot.startsWith('/')) {
    return path.slice(1);
  }
  if (root.startsWith('/')) {
    return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : null;
  }
  if (root.startsWith('~/')) {
    // The home folder is not known here: the first match of the rest.
    const tail = `${root.slice(1)}/`;
    const at = path.indexOf(tail);
    return at > 0 ? path.slice(at + tail.length) : null;
  }
  return null;
}
