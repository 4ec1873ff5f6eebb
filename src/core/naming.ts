/**
 * Job names derived from notebook paths.
 */

/**
 * `analysis/Train MNIST.ipynb` -> `train-mnist`: a DNS-1035 label of at most
 * 40 characters, `notebook` when nothing usable is left.
 *
 * @param path - a notebook path
 * @returns a valid MPIJob name
 */
export function jobNameFromNotebook(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? '';
  const slug = base
    .replace(/\.ipynb$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'notebook';
}
