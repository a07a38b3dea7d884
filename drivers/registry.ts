import type { AnyDriver } from './types.ts';

/** What the runbook parser needs to know about drivers: the fence words and their body kinds. */
export interface DriverLookup {
  resolve(word: string): { name: string; body: 'script' | 'yaml' } | undefined;
  names(): string[];
}

/** The drivers a server or CLI offers, looked up by fence word (name or alias). */
export class DriverRegistry implements DriverLookup {
  readonly #byWord = new Map<string, AnyDriver>();
  readonly #drivers: AnyDriver[] = [];

  constructor(drivers: AnyDriver[]) {
    for (const driver of drivers) {
      for (const word of [driver.name, ...(driver.aliases ?? [])]) {
        if (this.#byWord.has(word)) throw new Error(`driver word '${word}' is registered twice`);
        this.#byWord.set(word, driver);
      }
      this.#drivers.push(driver);
    }
  }

  get(word: string): AnyDriver | undefined {
    return this.#byWord.get(word);
  }

  resolve(word: string): { name: string; body: 'script' | 'yaml' } | undefined {
    const driver = this.#byWord.get(word);
    return driver && { name: driver.name, body: driver.body };
  }

  names(): string[] {
    return this.#drivers.map((driver) => driver.name);
  }

  list(): readonly AnyDriver[] {
    return this.#drivers;
  }
}
