import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Database } from '../../../server/store/database.ts';

describe('Database', () => {
  let dir: string;
  let db: Database;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-db-'));
    db = await Database.open(path.join(dir, 'test.db'));
    await db.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)');
  });
  after(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a kept statement again and again, reporting constraint errors without losing it', async () => {
    const insert = 'INSERT INTO t (a, b) VALUES (?, ?)';
    assert.deepEqual(await db.run(insert, [1, 'one']), { changes: 1, lastID: 1 });
    await assert.rejects(db.run(insert, [1, 'again']), /UNIQUE constraint failed/);
    assert.deepEqual(await db.run(insert, [2, 'two']), { changes: 1, lastID: 2 });
    // Issued together on the one statement: each gets its own answer.
    const many = await Promise.all([3, 4, 5].map((a) => db.run(insert, [a, String(a)])));
    assert.deepEqual(
      many.map((r) => r.lastID),
      [3, 4, 5],
    );
    assert.equal((await db.run('UPDATE t SET b = ? WHERE a > ?', ['x', 2])).changes, 3);
  });

  it('rejects a statement that does not prepare, every time, instead of dropping it', async () => {
    await assert.rejects(db.run('INSERT INTO nowhere VALUES (?)', [1]), /no such table: nowhere/);
    await assert.rejects(db.run('INSERT INTO nowhere VALUES (?)', [1]), /no such table: nowhere/);
  });

  it('keeps a bounded number of statements: many distinct ones still run', async () => {
    for (let i = 0; i < 200; i++) await db.run(`UPDATE t SET b = ? WHERE a = ? AND ${i} >= 0`, [`v${i}`, 1]);
    assert.deepEqual(await db.get('SELECT b FROM t WHERE a = 1'), { b: 'v199' });
  });

  it('inserts a batch as one statement, and a batch too large for one in one transaction', async () => {
    await db.run('DELETE FROM t');
    const rows = Array.from({ length: 5000 }, (_, i) => [i + 1, `row ${i + 1}`]);
    await db.insertMany('INSERT INTO t (a, b) VALUES (?, ?)', rows);
    assert.deepEqual(await db.get('SELECT count(*) AS n, min(a) AS lo, max(a) AS hi FROM t'), {
      n: 5000,
      lo: 1,
      hi: 5000,
    });
    // A duplicate in the last part undoes the whole batch.
    const failing = [...Array.from({ length: 3000 }, (_, i) => [10_000 + i, 'new']), [1, 'duplicate']];
    await assert.rejects(db.insertMany('INSERT INTO t (a, b) VALUES (?, ?)', failing), /UNIQUE/);
    assert.deepEqual(await db.get('SELECT count(*) AS n FROM t'), { n: 5000 });
    // The connection is usable afterwards: no transaction was left open.
    await db.insertMany('INSERT INTO t (a, b) VALUES (?, ?)', [[20_000, 'after']]);
    assert.deepEqual(await db.get('SELECT b FROM t WHERE a = 20000'), { b: 'after' });
  });

  it('lets another connection see and checkpoint what a kept statement wrote', async () => {
    await db.run('INSERT INTO t (a, b) VALUES (?, ?)', [30_000, 'seen']);
    const other = await Database.open(path.join(dir, 'test.db'));
    try {
      assert.deepEqual(await other.get('SELECT b FROM t WHERE a = 30000'), { b: 'seen' });
      await other.run('INSERT INTO t (a, b) VALUES (?, ?)', [30_001, 'from the other']);
      assert.deepEqual(await db.get('SELECT b FROM t WHERE a = 30001'), { b: 'from the other' });
      // No statement of either holds a read transaction open, so the WAL checkpoints completely.
      const checkpoint = await db.get<{ busy: number }>('PRAGMA wal_checkpoint(TRUNCATE)');
      assert.equal(checkpoint?.busy, 0);
    } finally {
      await other.close();
    }
  });
});
