import type { Store } from '../store/store.ts';

/** Maps a run's step numbers to cell names, reading the steps again only for a step it has not seen. */
export class CellNames {
  readonly #names = new Map<number, string>();

  constructor(
    private readonly store: Store,
    private readonly run: string,
  ) {}

  async load(steps: Iterable<number | null>): Promise<(step: number) => string | undefined> {
    const missing = [...steps].some((step) => step !== null && !this.#names.has(step));
    if (missing)
      for (const step of await this.store.listSteps(this.run)) this.#names.set(step.seq, step.cell);
    return (step) => this.#names.get(step);
  }
}
