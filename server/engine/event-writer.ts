import type { Store } from '../store/store.ts';
import type { EventKind, EventRecord } from '../store/records.ts';

const FLUSH_MS = 100;
const MAX_EVENT_CHARS = 64 * 1024;
/** A batch this large is written at once instead of waiting for the timer. */
const EAGER_CHARS = 256 * 1024;
/** Past this, `append` waits for the write in progress: the most a chatty cell holds in memory. */
const HIGH_WATER_CHARS = 1024 * 1024;

/** The number of `\n` in `text`: an output event's `lines`, the store's line index. */
export function countLines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/**
 * Buffers a run's events and writes them in batches, one transaction per batch, at least every 100 ms.
 * Consecutive output of one step merges into events of up to 64 KiB, so a chatty cell costs a few rows per
 * second, not one per line. A batch of 256 KiB is written at once; past 1 MiB `append` waits for the write:
 * a producer faster than the disk is slowed down rather than buffered, and output is held briefly enough
 * that it dies young instead of swelling the heap (memory stays flat however much a cell prints).
 */
export class EventWriter {
  #queue: EventRecord[] = [];
  #chars = 0;
  #seq: number;
  #timer: NodeJS.Timeout | undefined;
  /** Writes of other rows that the next batch's events report: it is published once they are done. */
  #held: Promise<unknown>[] = [];
  #flushing: Promise<void> | undefined;
  #failure: unknown;

  constructor(
    private readonly store: Store,
    private readonly run: string,
    lastSeq: number,
    private readonly now: () => Date,
    private readonly onStored?: (events: readonly EventRecord[]) => void,
  ) {
    this.#seq = lastSeq;
  }

  get lastSeq(): number {
    return this.#seq;
  }

  async append(kind: EventKind, step: number | null, data: string): Promise<void> {
    if (this.#failure) throw this.#failure;
    const last = this.#queue.at(-1);
    const mergeable = kind === 'stdout' || kind === 'stderr' || kind === 'log';
    const lines = mergeable ? countLines(data) : 0;
    if (
      mergeable &&
      last &&
      last.kind === kind &&
      last.step === step &&
      last.data.length + data.length <= MAX_EVENT_CHARS
    ) {
      last.data += data;
      last.lines += lines;
    } else {
      const ts = this.now().toISOString();
      this.#queue.push({ run: this.run, seq: ++this.#seq, step, ts, kind, data, lines });
    }
    this.#chars += data.length;
    if (this.#chars > HIGH_WATER_CHARS) await this.flush();
    else if (this.#chars >= EAGER_CHARS && !this.#flushing) void this.flush().catch(() => undefined);
    else this.#timer ??= setTimeout(() => void this.flush().catch(() => undefined), FLUSH_MS);
  }

  /**
   * Holds the publishing of the next batch until `write` (of a row its events report, such as a step's final
   * status) is done too, so that a viewer who reads the row on seeing the event reads it as the event says.
   * Issued together, the two statements cost one wait instead of two; statements on the one connection may
   * run in any order, so the batch does not simply follow it. A failed write fails that flush.
   */
  hold(write: Promise<unknown>): void {
    write.catch(() => undefined);
    this.#held.push(write);
  }

  /** Writes everything queued so far, and waits for the writes held for it. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#queue.length && !this.#held.length) return;
    const batch = this.#queue;
    const held = this.#held;
    this.#queue = [];
    this.#held = [];
    this.#chars = 0;
    this.#flushing = Promise.all([this.store.appendEvents(batch), ...held])
      .then(() => {
        if (batch.length) this.onStored?.(batch);
      })
      .catch((error: unknown) => {
        this.#failure = error;
        throw error;
      })
      .finally(() => {
        this.#flushing = undefined;
      });
    await this.#flushing;
  }
}
