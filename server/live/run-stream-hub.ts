import type { EventRecord } from '../store/records.ts';

const MAX_QUEUED_EVENTS = 2000;
const MAX_QUEUED_CHARS = 8 * 1024 * 1024;

/** One viewer's bounded queue of a run's live events. */
export class Subscription {
  #queue: EventRecord[] = [];
  #chars = 0;
  #overflowed = false;
  #wake: (() => void) | undefined;

  constructor(private readonly onClose: (subscription: Subscription) => void) {}

  /** Called by the hub; never blocks: a viewer that falls behind is marked overflowed instead. */
  push(events: readonly EventRecord[]): void {
    if (!this.#overflowed) {
      for (const event of events) {
        this.#queue.push(event);
        this.#chars += event.data.length;
      }
      if (this.#queue.length > MAX_QUEUED_EVENTS || this.#chars > MAX_QUEUED_CHARS) {
        // Too slow: drop the queue; the viewer catches up from the stored events instead.
        this.#overflowed = true;
        this.#queue = [];
        this.#chars = 0;
      }
    }
    this.#wake?.();
  }

  /**
   * Waits until events are queued (or `timeoutMs` passes, or `signal` aborts), then takes them all.
   * `overflowed` says the queue was dropped and the viewer must read the store.
   */
  async next(
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<{ events: EventRecord[]; overflowed: boolean }> {
    if (!this.#queue.length && !this.#overflowed && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        signal.addEventListener('abort', done, { once: true });
        this.#wake = done;
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
      });
      this.#wake = undefined;
    }
    const taken = { events: this.#queue, overflowed: this.#overflowed };
    this.#queue = [];
    this.#chars = 0;
    this.#overflowed = false;
    return taken;
  }

  close(): void {
    this.onClose(this);
  }
}

/**
 * Fans a run's stored events out to its live viewers. The engine publishes each batch once it is stored,
 * so what a viewer receives here is always also in the table it falls back to.
 */
export class RunStreamHub {
  readonly #byRun = new Map<string, Set<Subscription>>();

  publish = (events: readonly EventRecord[]): void => {
    const byRun = new Map<string, EventRecord[]>();
    for (const event of events) {
      const list = byRun.get(event.run) ?? [];
      list.push(event);
      byRun.set(event.run, list);
    }
    for (const [run, list] of byRun)
      for (const subscription of this.#byRun.get(run) ?? []) subscription.push(list);
  };

  subscribe(run: string): Subscription {
    const subscription = new Subscription((closing) => {
      const set = this.#byRun.get(run);
      set?.delete(closing);
      if (set && !set.size) this.#byRun.delete(run);
    });
    const set = this.#byRun.get(run) ?? new Set();
    set.add(subscription);
    this.#byRun.set(run, set);
    return subscription;
  }

  viewers(run: string): number {
    return this.#byRun.get(run)?.size ?? 0;
  }
}
