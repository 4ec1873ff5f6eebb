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

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * `train` -> `train-x7k2q`: a name with a random 5-character suffix, as the
 * API server's generateName makes them, cut so the result stays a valid
 * 63-character label.
 *
 * @param prefix - the base name
 * @param random - a source of [0, 1)
 * @returns the new name
 */
export function generatedName(
  prefix: string,
  random: () => number = Math.random
): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) {
    suffix += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)];
  }
  return `${prefix.slice(0, 57).replace(/-+$/, '')}-${suffix}`;
}
