/**
 * Benchmark progress on stderr: a bar redrawn in place on a terminal, plain
 * lines elsewhere (CI logs, pipes). Result lines are printed either way.
 */

/** Where progress goes. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

const BAR_WIDTH = 24;

/** Progress of a benchmark: steps done of a total, with a line per result. */
export class Progress {
  /** Whether a bar is drawn (the stream is a terminal). */
  readonly tty: boolean;
  readonly #stream: ProgressStream;
  #total = 0;
  #done = 0;
  #label = '';
  #drawn = false;

  /**
   * @param stream - where to write (stderr)
   * @param tty - draw a bar; defaults to whether the stream is a terminal
   */
  constructor(stream: ProgressStream, tty: boolean = stream.isTTY === true) {
    this.#stream = stream;
    this.tty = tty;
  }

  /** Sets the number of steps, and starts the bar. */
  start(total: number, label: string): void {
    this.#total = Math.max(0, total);
    this.#done = 0;
    this.#label = label;
    this.#draw();
  }

  /** Says what runs now. */
  working(label: string): void {
    this.#label = label;
    this.#draw();
  }

  /** Counts a finished step. */
  advance(steps = 1): void {
    this.#done = Math.min(this.#total, this.#done + steps);
    this.#draw();
  }

  /** Prints a line (above the bar on a terminal). */
  line(text: string): void {
    this.#clear();
    this.#stream.write(`${text}\n`);
    this.#draw();
  }

  /** Removes the bar. */
  stop(): void {
    this.#clear();
    this.#total = 0;
  }

  #draw(): void {
    if (!this.tty || this.#total === 0) {
      return;
    }
    const filled = Math.round((this.#done / this.#total) * BAR_WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
    this.#stream.write(
      `\r\u001b[2K${bar} ${this.#done}/${this.#total} ${this.#label}`
    );
    this.#drawn = true;
  }

  #clear(): void {
    if (this.#drawn) {
      this.#stream.write('\r\u001b[2K');
      this.#drawn = false;
    }
  }
}
