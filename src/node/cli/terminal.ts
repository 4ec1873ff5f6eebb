/**
 * Terminal niceties, only on a terminal: a spinner. (Tables carry no
 * colours: ANSI codes would count as width and break their alignment.)
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A one-line spinner on a terminal; does nothing elsewhere. */
export class Spinner {
  #timer: ReturnType<typeof setInterval> | null = null;
  #text = '';
  #frame = 0;
  readonly #stream: NodeJS.WritableStream & { isTTY?: boolean };

  /**
   * @param stream - where to draw (usually stderr)
   */
  constructor(stream: NodeJS.WritableStream & { isTTY?: boolean }) {
    this.#stream = stream;
  }

  /** Shows or updates the spinner's text. */
  update(text: string): void {
    this.#text = text;
    if (!this.#stream.isTTY || this.#timer) {
      return;
    }
    this.#timer = setInterval(() => {
      this.#frame = (this.#frame + 1) % FRAMES.length;
      this.#stream.write(`\r\u001b[2K${FRAMES[this.#frame]} ${this.#text}`);
    }, 100);
  }

  /** Removes the spinner. */
  stop(): void {
    if (this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
      this.#stream.write('\r\u001b[2K');
    }
  }
}
