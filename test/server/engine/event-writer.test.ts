import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventWriter } from '../../../server/engine/event-writer.ts';
import type { EventRecord } from '../../../server/store/records.ts';
import { Store } from '../../../server/store/store.ts';

describe('EventWriter', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-writer-'));
    store = await Store.open(path.join(dir, 'stackbook.db'));
    await store.db.run('PRAGMA foreign_keys = OFF');
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('flushes within 100 ms without being asked, merging output of one step', async () => {
    const stored: EventRecord[] = [];
    const writer = new EventWriter(
      store,
      'R1',
      0,
      () => new Date(),
      (batch) => void stored.push(...batch),
    );
    await writer.append('stdout', 1, 'a\n');
    await writer.append('stdout', 1, 'b\n');
    await writer.append('stderr', 1, 'c\n');
    await writer.append('status', 1, '{"status":"succeeded"}');
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual(
      stored.map((e) => [e.seq, e.kind, e.data]),
      [
        [1, 'stdout', 'a\nb\n'],
        [2, 'stderr', 'c\n'],
        [3, 'status', '{"status":"succeeded"}'],
      ],
    );
    assert.equal((await store.listEvents('R1')).length, 3);
  });

  it('caps events at 64 KiB and keeps sequence numbers going from the last stored one', async () => {
    const writer = new EventWriter(store, 'R1', await store.maxEventSeq('R1'), () => new Date());
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < 2000; i++) await writer.append('stdout', 2, line);
    await writer.flush();
    const events = await store.listEvents('R1', 3);
    assert.equal(events[0]!.seq, 4);
    assert.ok(events.every((e) => e.data.length <= 64 * 1024));
    assert.equal(events.map((e) => e.data).join('').length, 200_000);
    assert.equal(events.length, Math.ceil(200_000 / (64 * 1024 - ((64 * 1024) % 100))));
  });
  it('publishes a batch only once the writes held for it are done; a failed one fails the flush', async () => {
    const stored: EventRecord[] = [];
    const writer = new EventWriter(
      store,
      'R3',
      0,
      () => new Date(),
      (batch) => void stored.push(...batch),
    );
    let release!: () => void;
    writer.hold(new Promise<void>((resolve) => (release = resolve)));
    await writer.append('status', 1, '{"status":"succeeded"}');
    const flushed = writer.flush();
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(stored.length, 0, 'not published while the held write runs');
    assert.equal((await store.listEvents('R3')).length, 1, 'though already stored');
    release();
    await flushed;
    assert.deepEqual(
      stored.map((e) => e.kind),
      ['status'],
    );

    // A held write alone is waited for by a flush, and its failure is the writer's.
    writer.hold(Promise.reject(new Error('disk gone')));
    await assert.rejects(writer.flush(), /disk gone/);
    await assert.rejects(writer.append('stdout', 1, 'x\n'), /disk gone/);
  });
});
