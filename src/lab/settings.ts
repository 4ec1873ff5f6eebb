/**
 * The user's settings of the launch plugin, typed, with their defaults, and
 * the launch values remembered per notebook.
 */
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type {
  PartialJSONValue,
  ReadonlyPartialJSONObject
} from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { MpiImplementation } from '../core/spec';

/** Which backend the user expects. */
export type BackendHint = 'auto' | 'local' | 'kubernetes';

/** The settings of `jupyterlab-mpijob:plugin`. */
export interface ILaunchSettings {
  /** Where the user expects jobs to run. */
  readonly backend: BackendHint;
  /** Namespace of new jobs; empty for the service's current one. */
  readonly namespace: string;
  /** Workers of new jobs. */
  readonly defaultWorkers: number;
  /** MPI implementation of new jobs. */
  readonly defaultMpiImplementation: MpiImplementation;
  /** Images per MPI implementation; empty for the built-in one. */
  readonly defaultImages: Readonly<Record<MpiImplementation, string>>;
  /** Image for implementations without an entry; empty for the built-in one. */
  readonly defaultImage: string;
  /** Resources of each worker. */
  readonly defaultResources: {
    readonly cpu: string;
    readonly memory: string;
    readonly gpusPerWorker: number;
  };
  /** Show the notebook toolbar button. */
  readonly showToolbarButton: boolean;
  /** Last launch values by notebook path. */
  readonly rememberedLaunches: Readonly<
    Record<string, ReadonlyPartialJSONObject>
  >;
}

/** Values used until (or without) the settings registry. */
export const DEFAULT_SETTINGS: ILaunchSettings = {
  backend: 'auto',
  namespace: '',
  defaultWorkers: 2,
  defaultMpiImplementation: 'OpenMPI',
  defaultImages: { OpenMPI: '', Intel: '', MPICH: '' },
  defaultImage: '',
  defaultResources: { cpu: '1', memory: '2Gi', gpusPerWorker: 0 },
  showToolbarButton: true,
  rememberedLaunches: {}
};

/** Notebooks whose launch values are remembered. */
const MAX_REMEMBERED = 20;

/**
 * The image a launch gets when its image field is empty.
 *
 * @returns the configured image, or '' for the built-in default
 */
export function defaultImageFor(
  settings: ILaunchSettings,
  mpi: MpiImplementation
): string {
  return settings.defaultImages[mpi] || settings.defaultImage;
}

/** The launch plugin's settings, live. */
export class LaunchSettings {
  #values: ILaunchSettings = DEFAULT_SETTINGS;
  #settings: ISettingRegistry.ISettings | null = null;
  readonly #changed = new Signal<this, ILaunchSettings>(this);

  /** The current values. */
  get values(): ILaunchSettings {
    return this.#values;
  }

  /** Emits the values whenever the user changes them. */
  get changed(): ISignal<this, ILaunchSettings> {
    return this.#changed;
  }

  /**
   * Follows a loaded settings object.
   *
   * @param settings - the plugin's settings
   */
  connect(settings: ISettingRegistry.ISettings): void {
    this.#settings = settings;
    const apply = (): void => {
      this.#values = {
        ...DEFAULT_SETTINGS,
        ...(settings.composite as unknown as Partial<ILaunchSettings>)
      };
      this.#changed.emit(this.#values);
    };
    apply();
    settings.changed.connect(apply);
  }

  /**
   * The values last launched from a notebook.
   *
   * @param path - the notebook path
   * @returns the remembered form values, or null
   */
  recall(path: string): ReadonlyPartialJSONObject | null {
    return this.#values.rememberedLaunches[path] ?? null;
  }

  /**
   * Remembers the values launched from a notebook (most recent last).
   *
   * @param path - the notebook path
   * @param values - the launch values, without the job name
   */
  async remember(
    path: string,
    values: ReadonlyPartialJSONObject
  ): Promise<void> {
    if (!this.#settings) {
      return;
    }
    const entries = Object.entries(this.#values.rememberedLaunches).filter(
      ([key]) => key !== path
    );
    entries.push([path, values]);
    const kept = Object.fromEntries(entries.slice(-MAX_REMEMBERED));
    await this.#settings.set(
      'rememberedLaunches',
      kept as unknown as PartialJSONValue
    );
  }
}
