import type { Scrubber } from './scrubber.ts';

/**
 * Turns a stream's decoded chunks into scrubbed pieces of whole lines. Whole lines leave at once, many per
 * piece (a chatty process yields a few large pieces, not millions of small ones); a partial line leaves
 * only on `flushPartial()` (called on a timer) or at the end, minus a tail that could hide the start of a
 * secret.
 */
export class LineSplitter {
  #pending = '';

  constructor(private readonly scrubber: Scrubber) {}

  /** Returns the complete lines now available (with their newlines), scrubbed; '' if none. */
  push(chunk: string): string {
    const text = this.#pending + chunk;
    const end = text.lastIndexOf('\n') + 1;
    this.#pending = text.slice(end);
    return end ? this.scrubber.scrub(text.slice(0, end)) : '';
  }

  /** Releases the partial line, keeping back as much as a secret could still need. */
  flushPartial(): string {
    const keep = this.scrubber.holdBack;
    if (this.#pending.length <= keep) return '';
    const cut = this.scrubber.safeCut(this.#pending, this.#pending.length - keep);
    const out = this.#pending.slice(0, cut);
    this.#pending = this.#pending.slice(cut);
    return this.scrubber.scrub(out);
  }

  /** Everything left, scrubbed. */
  end(): string {
    const rest = this.#pending;
    this.#pending = '';
    return rest ? this.scrubber.scrub(rest) : '';
  }
}
