/**
 * The images jobs get when their spec names none, as an admin set them for
 * the platform: `MPIJOB_DEFAULT_IMAGE` (any MPI) and
 * `MPIJOB_DEFAULT_IMAGE_OPENMPI`, `_INTEL`, `_MPICH`, read by the CLI and
 * the job service (on OpenShift AI or Kubeflow, set them in the notebook
 * image's environment). Without them the built-in MPI base images are used,
 * which hold no Python: preflight then says so for notebook jobs.
 */
import type { IRenderOptions } from '../core/manifest';
import type { MpiImplementation } from '../core/spec';

/** The environment variables, by MPI implementation. */
export const DEFAULT_IMAGE_VARIABLES: Readonly<
  Record<MpiImplementation, string>
> = {
  OpenMPI: 'MPIJOB_DEFAULT_IMAGE_OPENMPI',
  Intel: 'MPIJOB_DEFAULT_IMAGE_INTEL',
  MPICH: 'MPIJOB_DEFAULT_IMAGE_MPICH'
};

/** Set for every MPI implementation without a variable of its own. */
export const DEFAULT_IMAGE_VARIABLE = 'MPIJOB_DEFAULT_IMAGE';

/**
 * The default images the environment sets.
 *
 * @param env - the environment
 * @returns render options with the defaults set (none when nothing is set)
 */
export function defaultImagesFromEnv(
  env: NodeJS.ProcessEnv = process.env
): Partial<Record<MpiImplementation, string>> {
  const any = env[DEFAULT_IMAGE_VARIABLE] || undefined;
  const images: Partial<Record<MpiImplementation, string>> = {};
  for (const [mpi, variable] of Object.entries(DEFAULT_IMAGE_VARIABLES)) {
    const image = env[variable] || any;
    if (image) {
      images[mpi as MpiImplementation] = image;
    }
  }
  return images;
}

/** The render options every node-side render uses. */
export function renderDefaults(): IRenderOptions {
  return { defaultImages: defaultImagesFromEnv() };
}
