/** The output streams a cell writes to; `log` is stackbook's own commentary. */
export type OutputStream = 'stdout' | 'stderr' | 'log';

/** One line of a cell's output, its text verbatim (ANSI escapes included). */
export interface WindowLine {
  readonly stream: OutputStream;
  readonly text: string;
}

/** A page of GET /api/runs/:id/cells/:name/lines. */
export interface LinesPage {
  cell: string;
  step: number | null;
  from: number;
  total: number;
  last_seq: number;
  /** The stream whose unterminated line is the last line, if it is. */
  open: OutputStream | null;
  lines: { n: number; stream: OutputStream; text: string }[];
}

/** An event as the stream delivers it; only stdout, stderr and log carry lines. */
export interface OutputEvent {
  seq: number | null;
  kind: string;
  data: string;
}

const isOutput = (kind: string): kind is OutputStream =>
  kind === 'stdout' || kind === 'stderr' || kind === 'log';

/**
 * A window over a cell's output lines, numbered as the server numbers them: a line counts from the event
 * holding its newline, and the last event's unterminated tail is one more (provisional) line. Only pages of
 * `pageSize` lines are held, at most `maxPages` of them, the least recently used let go first — except the
 * live tail page — so memory stays flat however many lines the cell prints.
 */
export class LineWindow {
  /** Lines so far, held or not. */
  total = 0;
  /** The seq of the last event counted: later events extend the window, earlier ones are already in it. */
  lastSeq = 0;
  /** Lines ended by a newline; `total` is one more while the last event left its line open. */
  #complete = 0;
  /** Each stream's unterminated text: a later chunk of the same stream continues it. */
  readonly #open = new Map<OutputStream, string>();
  /** Pages by number, in least- to most-recently used order. */
  readonly #pages = new Map<number, (WindowLine | undefined)[]>();

  constructor(
    readonly pageSize = 500,
    readonly maxPages = 20,
  ) {}

  /** A new execution: forget everything. */
  reset(): void {
    this.total = this.#complete = this.lastSeq = 0;
    this.#open.clear();
    this.#pages.clear();
  }

  /** Starts from the page the server answered for the tail (`from` omitted): its last line is the newest. */
  load(page: LinesPage): void {
    this.reset();
    this.total = page.total;
    this.lastSeq = page.last_seq;
    this.#complete = page.open ? page.total - 1 : page.total;
    const last = page.lines.at(-1);
    if (page.open) this.#open.set(page.open, last?.n === page.total - 1 ? last.text : '');
    this.fill(Math.floor(page.from / this.pageSize), page.lines);
  }

  /** Line `n`, if held; reading a page marks it recently used. */
  line(n: number): WindowLine | undefined {
    const number = Math.floor(n / this.pageSize);
    const page = this.#pages.get(number);
    if (!page) return undefined;
    this.#pages.delete(number);
    this.#pages.set(number, page);
    return page[n - number * this.pageSize];
  }

  /** Page numbers covering lines `first`..`last` that are not held. */
  missingPages(first: number, last: number): number[] {
    const missing: number[] = [];
    const end = Math.min(last, this.total - 1);
    for (let page = Math.floor(Math.max(first, 0) / this.pageSize); page * this.pageSize <= end; page++)
      if (!this.#pages.has(page)) missing.push(page);
    return missing;
  }

  /** Holds a page the server answered; lines already held (written live) stay as they are. */
  fill(page: number, lines: readonly { n: number; stream: OutputStream; text: string }[]): void {
    const held = this.#page(page);
    for (const { n, stream, text } of lines) {
      const index = n - page * this.pageSize;
      if (index >= 0 && index < this.pageSize && n < this.total && !held[index])
        held[index] = { stream, text };
    }
  }

  /** Applies live events in seq order, skipping those already counted; answers how many lines were added. */
  apply(events: readonly OutputEvent[]): number {
    const before = this.total;
    // Lines for pages not held wait here: only the page that ends up the tail is kept, so a burst of many
    // pages does not push out the pages being looked at.
    const fresh = new Map<number, WindowLine>();
    const set = (n: number, line: WindowLine) => {
      const held = this.#pages.get(Math.floor(n / this.pageSize));
      if (held) held[n % this.pageSize] = line;
      else fresh.set(n, line);
    };
    for (const event of events) {
      if (event.seq !== null && event.seq <= this.lastSeq) continue;
      if (event.seq !== null) this.lastSeq = event.seq;
      if (!isOutput(event.kind) || !event.data) continue;
      const stream = event.kind;
      const pieces = event.data.split('\n');
      let open = (this.#open.get(stream) ?? '') + pieces.shift()!;
      for (const piece of pieces) {
        set(this.#complete++, { stream, text: open });
        open = piece;
      }
      if (open) this.#open.set(stream, open);
      else this.#open.delete(stream);
      // An open line shows as the last line only while its stream wrote last, as the server counts it.
      if (open) set(this.#complete, { stream, text: open });
      this.total = this.#complete + (open ? 1 : 0);
    }
    const tail = Math.floor(Math.max(this.total - 1, 0) / this.pageSize);
    for (const [n, line] of fresh)
      if (n < this.total && Math.floor(n / this.pageSize) === tail)
        this.#page(tail)[n % this.pageSize] = line;
    return this.total - before;
  }

  #page(number: number): (WindowLine | undefined)[] {
    let page = this.#pages.get(number);
    if (!page) {
      page = [];
      this.#pages.set(number, page);
      this.#evict(number);
    }
    return page;
  }

  #evict(keep: number): void {
    const tail = Math.floor(Math.max(this.total - 1, 0) / this.pageSize);
    for (const number of this.#pages.keys()) {
      if (this.#pages.size <= this.maxPages) return;
      if (number !== tail && number !== keep) this.#pages.delete(number);
    }
  }

  /** How many pages are held (for tests and the benchmark's sake). */
  get heldPages(): number {
    return this.#pages.size;
  }
}
