/**
 * Every output line of one job, indexed by rank, for a viewer that shows
 * 100,000 lines without slowing down: appends are O(1) and listeners hear
 * about them at most once per frame.
 */
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { ILogLine } from '../../../core/jobRecord';

/** Which lines a view shows: all merged, the launcher's, or one rank's. */
export type RankFilter = 'all' | 'launcher' | number;

/** A read-only window onto the lines of one rank filter. */
export interface ILogView {
  /** Number of lines. */
  readonly length: number;
  /**
   * The line at a view position.
   *
   * @param index - 0-based position in the view
   */
  at(index: number): ILogLine;
}

/** Rewrites a line's text as it arrives (tracebacks into notebook cells). */
export type LineRewriter = (text: string) => string;

/** The lines of one job. */
export class LogStore {
  #lines: ILogLine[] = [];
  #byRank = new Map<number | null, number[]>();
  #rewrite: LineRewriter | null = null;
  #version = 0;
  #scheduled = false;
  readonly #changed = new Signal<this, void>(this);

  /** Emits, at most once per frame, after lines were added or replaced. */
  get changed(): ISignal<this, void> {
    return this.#changed;
  }

  /** Number of lines. */
  get count(): number {
    return this.#lines.length;
  }

  /** Increases with every change, for memoization. */
  get version(): number {
    return this.#version;
  }

  /** Ranks that printed something (null: the launcher), launcher first. */
  get ranks(): (number | null)[] {
    return [...this.#byRank.keys()].sort((a, b) =>
      a === null ? -1 : b === null ? 1 : a - b
    );
  }

  /**
   * Sets how arriving lines are rewritten (from then on).
   *
   * @param rewrite - the rewriter, or null
   */
  setRewriter(rewrite: LineRewriter | null): void {
    this.#rewrite = rewrite;
  }

  /**
   * Adds one line at the end.
   *
   * @param line - the next line of output
   */
  append(line: ILogLine): void {
    this.#add(line);
    this.#touch();
  }

  /**
   * Adds lines at the end.
   *
   * @param lines - lines in output order
   */
  appendAll(lines: readonly ILogLine[]): void {
    for (const line of lines) {
      this.#add(line);
    }
    if (lines.length) {
      this.#touch();
    }
  }

  /** Drops every line. */
  clear(): void {
    this.#lines = [];
    this.#byRank.clear();
    this.#touch();
  }

  /**
   * The lines of a rank filter.
   *
   * @param filter - which lines
   * @returns a view; empty for a rank that printed nothing
   */
  view(filter: RankFilter): ILogView {
    const lines = this.#lines;
    if (filter === 'all') {
      return { length: lines.length, at: i => lines[i] };
    }
    const index = this.#byRank.get(filter === 'launcher' ? null : filter) ?? [];
    return { length: index.length, at: i => lines[index[i]] };
  }

  /**
   * View positions of lines containing `query` (case-insensitive).
   *
   * @param filter - which lines
   * @param query - text to find
   * @returns ascending positions
   */
  search(filter: RankFilter, query: string): number[] {
    const needle = query.toLowerCase();
    const view = this.view(filter);
    const found: number[] = [];
    if (!needle) {
      return found;
    }
    for (let i = 0; i < view.length; i++) {
      if (view.at(i).text.toLowerCase().includes(needle)) {
        found.push(i);
      }
    }
    return found;
  }

  /**
   * The lines of a filter as text, for download. The merged view prefixes
   * each line with its rank as `[r]` (`[launcher]` for mpirun).
   *
   * @param filter - which lines
   * @returns text ending with a newline (empty when there is none)
   */
  text(filter: RankFilter): string {
    const view = this.view(filter);
    const out: string[] = new Array<string>(view.length);
    for (let i = 0; i < view.length; i++) {
      const line = view.at(i);
      out[i] =
        filter === 'all'
          ? `[${line.rank === null ? 'launcher' : line.rank}] ${line.text}`
          : line.text;
    }
    return out.length ? `${out.join('\n')}\n` : '';
  }

  #add(raw: ILogLine): void {
    const line =
      this.#rewrite && raw.text.includes('mpijob_main.py')
        ? { ...raw, text: this.#rewrite(raw.text) }
        : raw;
    const index = this.#lines.push(line) - 1;
    let list = this.#byRank.get(line.rank);
    if (!list) {
      list = [];
      this.#byRank.set(line.rank, list);
    }
    list.push(index);
  }

  #touch(): void {
    this.#version++;
    if (this.#scheduled) {
      return;
    }
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      this.#changed.emit();
    });
  }
}
