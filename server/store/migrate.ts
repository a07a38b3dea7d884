import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Database } from './database.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Applies the numbered `migrations/NNN-*.sql` files not yet applied, each in its own transaction, and
 * records the number reached in `PRAGMA user_version`. Each transaction takes the write lock first and reads
 * the version inside it, so two processes opening a new store at once apply every migration exactly once.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<number> {
  const files = (await readdir(dir)).filter((name) => /^\d{3}-.*\.sql$/.test(name)).sort();
  let version = 0;
  for (const file of files) {
    const number = Number(file.slice(0, 3));
    await db.exec('BEGIN IMMEDIATE');
    try {
      version = (await db.get<{ user_version: number }>('PRAGMA user_version'))?.user_version ?? 0;
      if (number > version) {
        await db.exec(`${await readFile(path.join(dir, file), 'utf8')};\nPRAGMA user_version = ${number};`);
        version = number;
      }
      await db.exec('COMMIT');
    } catch (error) {
      await db.exec('ROLLBACK').catch(() => undefined);
      throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  return version;
}
