import type { EventRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';

/** Maps a run's step numbers to cell names, reading the steps again only for a step it has not seen. */
export class CellNames {
  readonly #names = new Map<number, string>();

  constructor(
    private readonly store: Store,
    private readonly run: string,
  ) {}

  /**
   * The names of the steps of `events`. A step's first event is its status (running, skipped, interrupted),
   * which names its cell, so live events rarely need the store.
   */
  async load(events: readonly EventRecord[]): Promise<(step: number) => string | undefined> {
    for (const event of events) {
      if (event.kind !== 'status' || event.step === null || this.#names.has(event.step)) continue;
      const { cell } = JSON.parse(event.data) as { cell?: unknown };
      if (typeof cell === 'string') this.#names.set(event.step, cell);
    }
    const missing = events.some((event) => event.step !== null && !this.#names.has(event.step));
    if (missing)
      for (const step of await this.store.listSteps(this.run)) this.#names.set(step.seq, step.cell);
    return (step) => this.#names.get(step);
  }
}
