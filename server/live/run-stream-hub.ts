import type { EventRecord } from '../store/records.ts';

/** How much one viewer may have queued before it is dropped to the store. */
export interface QueueLimits {
  /** Queued events (default 2000). */
  events: number;
  /** Queued characters of event data (default 8 MiB). */
  chars: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { events: 2000, chars: 8 * 1024 * 1024 };

/** One viewer's bounded queue of a run's live events. */
export class Subscription {
  #queue: EventRecord[] = [];
  #chars = 0;
  #overflowed = false;
  #wake: (() => void) | undefined;

  constructor(
    private readonly limits: QueueLimits,
    private readonly onOverflow: () => void,
    private readonly onClose: (subscription: Subscription) => void,
  ) {}

  /** Events waiting to be taken: never more than the limits allow. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Called by the hub; never blocks: a viewer that falls behind is marked overflowed instead. */
  push(events: readonly EventRecord[]): void {
    if (!this.#overflowed) {
      for (const event of events) {
        this.#queue.push(event);
        this.#chars += event.data.length;
      }
      if (this.#queue.length > this.limits.events || this.#chars > this.limits.chars) {
        // Too slow: drop the queue; the viewer catches up from the stored events instead.
        this.#overflowed = true;
        this.#queue = [];
        this.#chars = 0;
        this.onOverflow();
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
 * so what a viewer receives here is always also in the table it falls back to. Publishing never waits for
 * a viewer: each has a bounded queue, and one that overflows it is told to read the store instead.
 */
export class RunStreamHub {
  readonly #byRun = new Map<string, Set<Subscription>>();
  readonly #limits: QueueLimits;
  #fallbacks = 0;

  constructor(limits: Partial<QueueLimits> = {}) {
    this.#limits = { ...DEFAULT_QUEUE_LIMITS, ...limits };
  }

  /** How many times a viewer's queue overflowed and it fell back to the store. */
  get fallbacks(): number {
    return this.#fallbacks;
  }

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
    const subscription = new Subscription(
      this.#limits,
      () => this.#fallbacks++,
      (closing) => {
        const set = this.#byRun.get(run);
        set?.delete(closing);
        if (set && !set.size) this.#byRun.delete(run);
      },
    );
    const set = this.#byRun.get(run) ?? new Set();
    set.add(subscription);
    this.#byRun.set(run, set);
    return subscription;
  }

  viewers(run: string): number {
    return this.#byRun.get(run)?.size ?? 0;
  }
}
