import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LeaseTable } from '../../../server/engine/lease-table.ts';
import { currentOwner } from '../../../server/engine/process-owner.ts';
import type { StackbookError } from '../../../server/stackbook-error.ts';
import { Store } from '../../../server/store/store.ts';

describe('LeaseTable', () => {
  let dir: string;
  let store: Store;
  let leases: LeaseTable;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-leases-'));
    store = await Store.open(path.join(dir, 'stackbook.db'));
    leases = new LeaseTable(store, () => new Date());
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes all keys or none, naming the holder of a taken one', async () => {
    await leases.acquire(['machine:a', 'machine:b'], 'RUN1', 'power');
    await assert.rejects(
      leases.acquire(['machine:c', 'machine:b'], 'RUN2', 'deploy'),
      (error: StackbookError) => {
        assert.equal(error.code, 'CONFLICT');
        assert.equal(error.message, "machine:b is leased by run RUN1 (cell 'power')");
        return true;
      },
    );
    assert.deepEqual(
      (await leases.list()).map((l) => `${l.key}=${l.run}`),
      ['machine:a=RUN1', 'machine:b=RUN1'],
      'machine:c was given back',
    );
    assert.deepEqual(
      (await leases.conflicts(['machine:a', 'machine:z'], 'RUN2')).map((l) => l.key),
      ['machine:a'],
    );
    assert.deepEqual(
      await leases.conflicts(['machine:a'], 'RUN1'),
      [],
      'a run does not conflict with itself',
    );
    await leases.release('RUN1', 'power');
    await leases.acquire(['machine:b'], 'RUN2', 'deploy');
    await leases.release('RUN2', 'deploy');
  });

  it('takes over a lease whose holding process is gone', async () => {
    await store.db.run(
      "INSERT INTO leases (key, run, cell, owner, acquired_at) VALUES ('machine:x', 'DEAD', 'c', '999999999:1', 't')",
    );
    assert.deepEqual(await leases.conflicts(['machine:x'], 'RUN3'), []);
    await leases.acquire(['machine:x'], 'RUN3', 'cell');
    const [lease] = await leases.list();
    assert.equal(lease!.run, 'RUN3');
    assert.equal(lease!.owner, currentOwner());
  });
});
