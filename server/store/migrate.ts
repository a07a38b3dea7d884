import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Database } from './database.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Applies the numbered `migrations/NNN-*.sql` files not yet applied, each in its own transaction, and
 * records the number reached in `PRAGMA user_version`.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<number> {
  const files = (await readdir(dir)).filter((name) => /^\d{3}-.*\.sql$/.test(name)).sort();
  const row = await db.get<{ user_version: number }>('PRAGMA user_version');
  let version = row?.user_version ?? 0;
  for (const file of files) {
    const number = Number(file.slice(0, 3));
    if (number <= version) continue;
    const sql = await readFile(path.join(dir, file), 'utf8');
    await db.exec(`BEGIN; ${sql}; PRAGMA user_version = ${number}; COMMIT;`).catch(async (error) => {
      await db.exec('ROLLBACK').catch(() => undefined);
      throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
    });
    version = number;
  }
  return version;
}
