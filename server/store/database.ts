import sqlite3 from 'sqlite3';

/** Bound parameters per statement; SQLite allows 32766, a batch stays well below. */
const MAX_VARIABLES = 4000;

export type SqlValue = string | number | bigint | null | Buffer;
export type Row = Record<string, SqlValue>;

/** How many prepared write statements a connection keeps. */
const MAX_PREPARED = 64;
/**
 * A kept statement holds on to the values last bound to it (SQLite keeps bindings until the next ones), so
 * only statements run with at most this many characters of values are kept: a batch of output is not.
 */
const MAX_KEPT_CHARS = 16 * 1024;

function charsOf(params: readonly SqlValue[]): number {
  let chars = 0;
  for (const value of params) if (typeof value === 'string' || Buffer.isBuffer(value)) chars += value.length;
  return chars;
}

/** A promise face over one sqlite3 connection. Statements run one at a time, in call order. */
export class Database {
  /** Write statements by SQL, prepared once: each `run` is then one trip to SQLite's thread instead of two. */
  readonly #prepared = new Map<string, { statement: sqlite3.Statement; ready: Promise<void> }>();

  private constructor(private readonly db: sqlite3.Database) {}

  static open(file: string): Promise<Database> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(new Database(db))));
    });
  }

  /**
   * Runs a statement that returns no rows (INSERT, UPDATE, DELETE, BEGIN, COMMIT). With small values its
   * prepared form is kept, so running it again is one trip to SQLite's thread instead of two: such a
   * statement runs to its end, so keeping it holds no read transaction open, and binding new values resets
   * it. Queries (`get`, `all`) are prepared afresh each time for that reason.
   */
  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number; lastID: number }> {
    const done = (
      resolve: (value: { changes: number; lastID: number }) => void,
      reject: (e: Error) => void,
    ) =>
      function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve({ changes: this.changes, lastID: this.lastID });
      };
    if (charsOf(params) > MAX_KEPT_CHARS)
      return new Promise((resolve, reject) => this.db.run(sql, params, done(resolve, reject)));
    const { statement, ready } = this.#statement(sql);
    await ready;
    return new Promise((resolve, reject) => statement.run(params, done(resolve, reject)));
  }

  #statement(sql: string): { statement: sqlite3.Statement; ready: Promise<void> } {
    const kept = this.#prepared.get(sql);
    if (kept) return kept;
    if (this.#prepared.size >= MAX_PREPARED) {
      // The oldest goes; finalizing waits for whatever is queued on it.
      const [oldest, entry] = this.#prepared.entries().next().value!;
      this.#prepared.delete(oldest);
      entry.statement.finalize();
    }
    let statement!: sqlite3.Statement;
    const ready = new Promise<void>((resolve, reject) => {
      statement = this.db.prepare(sql, (error: Error | null) => {
        if (!error) return resolve();
        // A statement that does not prepare is not kept (and sqlite3 would drop what is queued on it).
        this.#prepared.delete(sql);
        reject(error);
      });
    });
    const entry = { statement, ready };
    this.#prepared.set(sql, entry);
    return entry;
  }

  get<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.db.get(sql, params, (error, row) => (error ? reject(error) : resolve(row as T | undefined)));
    });
  }

  all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T[])));
    });
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.exec(sql, (error) => (error ? reject(error) : resolve()));
    });
  }

  /**
   * Inserts many rows as one statement (`INSERT … VALUES (…), (…), …`): the batched write path for events. A
   * batch is one round trip to SQLite's thread and one commit however many rows it holds; a batch too large
   * for one statement is split into several inside one transaction. `sql` ends with its one `VALUES (…)` group.
   */
  async insertMany(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<void> {
    if (!rows.length) return;
    const match = /^(.*\bVALUES\s*)(\([^()]*\))\s*$/is.exec(sql);
    if (!match) throw new Error(`insertMany: not an INSERT … VALUES (…) statement: ${sql}`);
    const [, head, group] = match as unknown as [string, string, string];
    const chunk = Math.max(1, Math.floor(MAX_VARIABLES / rows[0]!.length));
    const statements: { sql: string; values: SqlValue[] }[] = [];
    for (let at = 0; at < rows.length; at += chunk) {
      const slice = rows.slice(at, at + chunk);
      statements.push({ sql: head + Array(slice.length).fill(group).join(', '), values: slice.flat() });
    }
    if (statements.length === 1) {
      await this.run(statements[0]!.sql, statements[0]!.values);
      return;
    }
    await this.run('BEGIN');
    try {
      for (const statement of statements) await this.run(statement.sql, statement.values);
      await this.run('COMMIT');
    } catch (error) {
      await this.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    const kept = [...this.#prepared.values()];
    this.#prepared.clear();
    await Promise.all(
      kept.map(({ statement }) => new Promise<void>((resolve) => statement.finalize(() => resolve()))),
    );
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}
