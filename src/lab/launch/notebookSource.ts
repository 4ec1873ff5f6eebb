/**
 * The notebook a launch runs: the open document when there is one (so
 * unsaved edits count, as they do when you run cells), else the saved file.
 */
import type { Contents } from '@jupyterlab/services';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';

/** Reads one notebook and tells when it changes. */
export class NotebookSource implements IDisposable {
  readonly #path: string;
  readonly #tracker: INotebookTracker;
  readonly #contents: Contents.IManager;
  #panel: NotebookPanel | null = null;
  #listener: (() => void) | null = null;
  #disposed = false;

  /**
   * @param path - the notebook path
   * @param tracker - open notebooks
   * @param contents - the contents manager, for notebooks not open
   */
  constructor(
    path: string,
    tracker: INotebookTracker,
    contents: Contents.IManager
  ) {
    this.#path = path;
    this.#tracker = tracker;
    this.#contents = contents;
  }

  /** The notebook path. */
  get path(): string {
    return this.#path;
  }

  /** Whether the source is disposed. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /**
   * Calls `listener` whenever the open notebook's content changes.
   *
   * @param listener - called without arguments
   */
  onChange(listener: () => void): void {
    this.#listener = listener;
    this.#attach();
  }

  /**
   * The notebook's nbformat JSON.
   *
   * @returns the JSON of the open document, else of the saved file
   */
  async read(): Promise<unknown> {
    this.#attach();
    const panel = this.#panel;
    if (panel && !panel.isDisposed && panel.context.isReady) {
      return panel.context.model.toJSON();
    }
    const model = await this.#contents.get(this.#path, {
      type: 'notebook',
      content: true
    });
    return model.content;
  }

  /** Stops listening. */
  dispose(): void {
    if (this.#disposed) {
      return;
    }
    this.#disposed = true;
    this.#detach();
  }

  #attach(): void {
    if (this.#panel && !this.#panel.isDisposed) {
      return;
    }
    this.#detach();
    const panel = this.#tracker.find(p => p.context.path === this.#path);
    if (!panel) {
      return;
    }
    this.#panel = panel;
    panel.context.model.contentChanged.connect(this.#changed, this);
    panel.disposed.connect(this.#detach, this);
  }

  #detach(): void {
    if (this.#panel) {
      this.#panel.context.model.contentChanged.disconnect(this.#changed, this);
      this.#panel.disposed.disconnect(this.#detach, this);
      this.#panel = null;
    }
  }

  #changed(): void {
    this.#listener?.();
  }
}
