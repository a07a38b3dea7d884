/** The output streams a cell writes to; `log` is stackbook's own commentary. */
export type OutputStream = 'stdout' | 'stderr' | 'log';

/** One line of a cell's output as a playback view shows it (ANSI escapes removed). */
export interface OutputLine {
  readonly stream: OutputStream;
  text: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;

/** A terminal shows what follows the last carriage return of a line (progress bars redraw that way). */
function clean(text: string): string {
  const plain = text.replace(ANSI, '');
  const cr = plain.replace(/\r$/, '').lastIndexOf('\r');
  return cr < 0 ? plain.replace(/\r$/, '') : plain.slice(cr + 1).replace(/\r$/, '');
}

/** The last item whose `ts` is at or before `at` (items sorted by `ts`). */
export function lastAtOrBefore<T extends { ts: number }>(items: readonly T[], at: number): T | undefined {
  let [low, high] = [0, items.length];
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (items[mid]!.ts <= at) low = mid + 1;
    else high = mid;
  }
  return items[low - 1];
}

/**
 * One cell's output for playback: lines are numbered from the cell's first, only the last `keep` are held,
 * and a mark per event records how many lines existed at its time, so "the output as of t" is a binary
 * search and a slice. Events arrive as chunks that may end mid-line; each stream keeps its own open line.
 */
export class OutputTrack {
  #lines: OutputLine[] = [];
  /** The number of the first held line. */
  #first = 0;
  #total = 0;
  readonly #marks: { ts: number; total: number }[] = [];
  /** Each stream's unterminated line, with its raw text (a later chunk may finish a `\r` redraw). */
  readonly #open = new Map<OutputStream, { line: OutputLine; raw: string }>();

  constructor(private readonly keep: number) {}

  /** Lines ever written (held or not). */
  get total(): number {
    return this.#total;
  }

  /** Adds a chunk written at `ts` (not before any earlier chunk's). */
  add(ts: number, stream: OutputStream, data: string): void {
    const pieces = data.split('\n');
    const open = this.#open.get(stream);
    if (open) {
      open.raw += pieces.shift()!;
      open.line.text = clean(open.raw);
      if (pieces.length) this.#open.delete(stream);
    }
    // The piece after the last newline is the next open line; empty means the chunk ended a line.
    pieces.forEach((piece, index) => {
      const last = index === pieces.length - 1;
      if (last && piece === '') return;
      const line: OutputLine = { stream, text: clean(piece) };
      this.#lines.push(line);
      this.#total++;
      if (last) this.#open.set(stream, { line, raw: piece });
    });
    const mark = this.#marks.at(-1);
    if (mark && mark.ts === ts) mark.total = this.#total;
    else this.#marks.push({ ts, total: this.#total });
    // Amortised: trim() after a batch brings it down to `keep` exactly.
    if (this.#lines.length > 2 * this.keep) this.trim();
  }

  /** A new execution starts: open lines end. Answers the number its first line will have. */
  restart(): number {
    this.#open.clear();
    return this.#total;
  }

  /** Lets go of all but the last `keep` lines. */
  trim(): void {
    const extra = this.#lines.length - this.keep;
    if (extra <= 0) return;
    this.#lines = this.#lines.slice(extra);
    this.#first += extra;
  }

  /**
   * The lines written at or before `at`, from line number `from` (an execution's first), at most `max`
   * of the last; `hidden` counts the earlier ones from `from` that are not returned.
   */
  at(at: number, from: number, max: number): { lines: OutputLine[]; hidden: number } {
    const end = lastAtOrBefore(this.#marks, at)?.total ?? 0;
    const begin = Math.max(from, end - max, this.#first);
    const lines = end > begin ? this.#lines.slice(begin - this.#first, end - this.#first) : [];
    return { lines, hidden: Math.max(0, end - from - lines.length) };
  }
}
