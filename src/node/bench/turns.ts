/**
 * Round-robin turns between the worker counts of a scenario: one job at a
 * time, 1, 2, 1, 2, … so that a slow spell of the machine falls on every
 * worker count alike instead of on whichever happened to run then.
 */

/** Takes turns among participants in a fixed rotation. */
export class Turns {
  readonly #order: number[];
  readonly #waiting = new Map<number, () => void>();
  #index = 0;
  #holder: number | null = null;

  /**
   * @param participants - ids in rotation order (worker counts)
   */
  constructor(participants: readonly number[]) {
    this.#order = [...participants];
  }

  /**
   * Waits for `id`'s turn and holds it until {@link release}.
   *
   * @param id - a participant
   * @param signal - stops waiting
   * @throws {Error} when the signal aborts first
   */
  acquire(id: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) {
      return Promise.reject(new Error('interrupted'));
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiting.delete(id);
        reject(new Error('interrupted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.set(id, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      this.#wake();
    });
  }

  /** Ends `id`'s turn (if it holds one) and passes it on. */
  release(id: number): void {
    if (this.#holder !== id) {
      return;
    }
    this.#holder = null;
    this.#index = (this.#index + 1) % Math.max(1, this.#order.length);
    this.#wake();
  }

  /** Takes `id` out of the rotation (it finished or failed). */
  retire(id: number): void {
    const at = this.#order.indexOf(id);
    if (at < 0) {
      return;
    }
    this.#order.splice(at, 1);
    if (at < this.#index) {
      this.#index -= 1;
    }
    if (this.#index >= this.#order.length) {
      this.#index = 0;
    }
    if (this.#holder === id) {
      this.#holder = null;
    }
    this.#waiting.delete(id);
    this.#wake();
  }

  #wake(): void {
    if (this.#holder !== null || this.#order.length === 0) {
      return;
    }
    const next = this.#order[this.#index];
    const grant = this.#waiting.get(next);
    if (grant !== undefined) {
      this.#waiting.delete(next);
      this.#holder = next;
      grant();
    }
  }
}
