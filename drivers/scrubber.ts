/** The text that replaces a secret value in anything stored or shown. */
export const MASK = '********';

/**
 * Replaces known secret values in text. Output is scrubbed line by line, so a secret is never split across
 * two scrubbed pieces unless a line is flushed before its end; `holdBack` says how many trailing characters
 * of a partial line must wait for more output so that such a split cannot leak a secret.
 */
export class Scrubber {
  readonly #values: string[] = [];

  constructor(values: Iterable<string> = []) {
    for (const value of values) this.add(value);
  }

  /** Registers a secret value; values shorter than 3 characters are too common to mask meaningfully. */
  add(value: string): void {
    if (value.length < 3 || this.#values.includes(value)) return;
    this.#values.push(value);
    // Longest first, so a secret that contains another is masked whole.
    this.#values.sort((a, b) => b.length - a.length);
  }

  get holdBack(): number {
    return this.#values.length ? this.#values[0]!.length - 1 : 0;
  }

  /**
   * Moves a cut position in `text` forward past any secret occurrence that straddles it, so the text before
   * the cut can be scrubbed and released on its own.
   */
  safeCut(text: string, cut: number): number {
    let position = cut;
    for (let moved = true; moved;) {
      moved = false;
      for (const value of this.#values) {
        for (let at = text.indexOf(value); at !== -1 && at < position; at = text.indexOf(value, at + 1)) {
          if (at + value.length > position) {
            position = at + value.length;
            moved = true;
          }
        }
      }
    }
    return position;
  }

  scrub(text: string): string {
    let result = text;
    for (const value of this.#values) {
      if (result.includes(value)) result = result.split(value).join(MASK);
    }
    return result;
  }

  /** Scrubs every string inside a JSON-like value. */
  scrubValue<T>(value: T): T {
    if (!this.#values.length) return value;
    return JSON.parse(this.scrub(JSON.stringify(value) ?? 'null')) as T;
  }
}
