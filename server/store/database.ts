import sqlite3 from 'sqlite3';

export type SqlValue = string | number | bigint | null | Buffer;
export type Row = Record<string, SqlValue>;

/** A promise face over one sqlite3 connection. Statements run one at a time, in call order. */
export class Database {
  private constructor(private readonly db: sqlite3.Database) {}

  static open(file: string): Promise<Database> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(new Database(db))));
    });
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number; lastID: number }> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve({ changes: this.changes, lastID: this.lastID });
      });
    });
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
   * Runs many rows through one prepared statement inside one transaction: the batched write path for
   * events, a single fsync per batch however many rows it holds.
   */
  async insertMany(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<void> {
    if (!rows.length) return;
    await this.run('BEGIN');
    const statement = this.db.prepare(sql);
    try {
      await Promise.all(
        rows.map(
          (row) =>
            new Promise<void>((resolve, reject) =>
              statement.run(row, (error: Error | null) => (error ? reject(error) : resolve())),
            ),
        ),
      );
      await this.#finalize(statement);
      await this.run('COMMIT');
    } catch (error) {
      await this.#finalize(statement).catch(() => undefined);
      await this.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  #finalize(statement: sqlite3.Statement): Promise<void> {
    return new Promise((resolve, reject) =>
      statement.finalize((error) => (error ? reject(error) : resolve())),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}
