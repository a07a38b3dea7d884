import { StackbookError } from '../stackbook-error.ts';
import type { Store } from '../store/store.ts';
import { currentOwner, isOwnerAlive } from './process-owner.ts';

export interface LeaseHolder {
  key: string;
  run: string;
  cell: string;
  owner: string;
  acquiredAt: string;
}

/**
 * Leases on resources (machines) so two runs never act on the same one at once — across processes too,
 * since the table lives in SQLite and each insert is atomic. A lease whose holding process is gone is
 * taken over.
 */
export class LeaseTable {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
  ) {}

  /** Holders of the given keys other than `run`, ignoring leases of dead processes. */
  async conflicts(keys: readonly string[], run: string): Promise<LeaseHolder[]> {
    if (!keys.length) return [];
    const holders = await this.#select(`WHERE key IN (${keys.map(() => '?').join(', ')})`, keys);
    return holders.filter((holder) => holder.run !== run && isOwnerAlive(holder.owner));
  }

  /** Takes every key for `run`/`cell`, or none: a key held by another live run is a CONFLICT naming it. */
  acquire(keys: readonly string[], run: string, cell: string): Promise<void> {
    // One acquisition at a time in this process; other processes are kept out by the primary key.
    const next = this.#queue.then(() => this.#acquire(keys, run, cell));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #acquire(keys: readonly string[], run: string, cell: string): Promise<void> {
    const { db } = this.store;
    const owner = currentOwner();
    const at = this.now().toISOString();
    const taken: string[] = [];
    for (const key of keys) {
      const holder = await db.get<{ run: string; cell: string; owner: string }>(
        'SELECT run, cell, owner FROM leases WHERE key = ?',
        [key],
      );
      if (holder && holder.run !== run && isOwnerAlive(holder.owner)) {
        await this.#drop(taken, run);
        throw leaseConflict(key, holder.run, holder.cell);
      }
      if (holder) await db.run('DELETE FROM leases WHERE key = ? AND owner = ?', [key, holder.owner]);
      const inserted = await db.run(
        'INSERT INTO leases (key, run, cell, owner, acquired_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
        [key, run, cell, owner, at],
      );
      if (!inserted.changes) {
        // Another process took it between our look and our insert.
        const winner = await db.get<{ run: string; cell: string }>(
          'SELECT run, cell FROM leases WHERE key = ?',
          [key],
        );
        await this.#drop(taken, run);
        throw leaseConflict(key, winner?.run ?? 'unknown', winner?.cell ?? 'unknown');
      }
      taken.push(key);
    }
  }

  async #drop(keys: readonly string[], run: string): Promise<void> {
    for (const key of keys)
      await this.store.db.run('DELETE FROM leases WHERE key = ? AND run = ?', [key, run]);
  }

  /** Gives back every lease a run's cell holds. */
  async release(run: string, cell: string): Promise<void> {
    await this.store.db.run('DELETE FROM leases WHERE run = ? AND cell = ?', [run, cell]);
  }

  list(): Promise<LeaseHolder[]> {
    return this.#select('ORDER BY key', []);
  }

  async #select(clause: string, values: readonly string[]): Promise<LeaseHolder[]> {
    const rows = await this.store.db.all<{
      key: string;
      run: string;
      cell: string;
      owner: string;
      acquired_at: string;
    }>(`SELECT * FROM leases ${clause}`, values);
    return rows.map((row) => ({
      key: row.key,
      run: row.run,
      cell: row.cell,
      owner: row.owner,
      acquiredAt: row.acquired_at,
    }));
  }
}

/** The refusal when a resource is leased by another run. */
export function leaseConflict(key: string, run: string, cell: string): StackbookError {
  return new StackbookError('CONFLICT', `${key} is leased by run ${run} (cell '${cell}')`, {
    details: { lease: key, holder: { run, cell } },
  });
}
