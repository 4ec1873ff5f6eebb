/**
 * Terminal niceties, only when stdout is a terminal: colours and a spinner.
 */
import type { JobPhase } from '../../core/status';

const COLORS: Partial<Record<JobPhase, number>> = {
  Running: 34,
  Succeeded: 32,
  Failed: 31,
  Pending: 33,
  Deleting: 90,
  Suspended: 90
};

/**
 * Colours text by job phase with ANSI escapes.
 *
 * @param phase - the phase
 * @param text - what to colour
 * @returns the coloured text
 */
export function phaseColor(phase: JobPhase, text: string): string {
  const code = COLORS[phase];
  return code ? `\u001b[${code}m${text}\u001b[0m` : text;
}

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
