import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunStreamHub } from '../../../server/live/run-stream-hub.ts';
import type { EventRecord } from '../../../server/store/records.ts';

const event = (run: string, seq: number, data = `line ${seq}\n`): EventRecord => ({
  run,
  seq,
  step: 1,
  ts: '2024-01-01T00:00:00.000Z',
  kind: 'stdout',
  data,
  lines: 1,
});
const never = new AbortController().signal;

describe('RunStreamHub', () => {
  it("hands each viewer its run's events in order, and no other run's", async () => {
    const hub = new RunStreamHub();
    const a1 = hub.subscribe('A');
    const a2 = hub.subscribe('A');
    const b = hub.subscribe('B');
    hub.publish([event('A', 1), event('B', 1), event('A', 2)]);
    hub.publish([event('A', 3)]);
    for (const viewer of [a1, a2]) {
      const { events, overflowed } = await viewer.next(1000, never);
      assert.equal(overflowed, false);
      assert.deepEqual(
        events.map((e) => `${e.run}${e.seq}`),
        ['A1', 'A2', 'A3'],
      );
    }
    assert.deepEqual(
      (await b.next(1000, never)).events.map((e) => `${e.run}${e.seq}`),
      ['B1'],
    );
    assert.equal(hub.viewers('A'), 2);
    a1.close();
    a2.close();
    assert.equal(hub.viewers('A'), 0);
  });

  it('wakes a waiting viewer on publish and answers an empty batch on timeout', async () => {
    const hub = new RunStreamHub();
    const viewer = hub.subscribe('A');
    const started = performance.now();
    assert.deepEqual(await viewer.next(50, never), { events: [], overflowed: false });
    assert.ok(performance.now() - started >= 45);
    const waiting = viewer.next(10_000, never);
    setTimeout(() => hub.publish([event('A', 1)]), 20);
    const woken = performance.now();
    assert.deepEqual(
      (await waiting).events.map((e) => e.seq),
      [1],
    );
    assert.ok(performance.now() - woken < 5000, 'woken by the publish, not the timeout');
  });

  it('drops the queue of a viewer that never drains once it passes the event limit, and counts the fallback', async () => {
    const hub = new RunStreamHub({ events: 10 });
    const stuck = hub.subscribe('A');
    const live = hub.subscribe('A');
    let seq = 0;
    const started = performance.now();
    for (let batch = 0; batch < 2000; batch++) {
      hub.publish(Array.from({ length: 5 }, () => event('A', ++seq)));
      assert.ok(stuck.queued <= 10, `queue of ${stuck.queued} events`);
      // The draining viewer takes its events as they come and never overflows.
      if (batch % 2 === 1) {
        const { events, overflowed } = await live.next(0, never);
        assert.equal(overflowed, false);
        assert.equal(events.length, 10);
      }
    }
    assert.ok(performance.now() - started < 2000, 'publishing never waits for a viewer');
    // The stuck viewer overflowed (once: an overflowed queue stays empty until it is read).
    assert.equal(hub.fallbacks, 1);
    assert.deepEqual(await stuck.next(0, never), { events: [], overflowed: true });
    // Having been told to read the store, it queues live events again.
    hub.publish([event('A', ++seq)]);
    assert.deepEqual(await stuck.next(0, never), { events: [event('A', seq)], overflowed: false });
  });

  it('drops the queue once it passes the size limit, whatever the number of events', async () => {
    const hub = new RunStreamHub({ chars: 1000 });
    const viewer = hub.subscribe('A');
    hub.publish([event('A', 1, 'x'.repeat(600))]);
    assert.equal(viewer.queued, 1);
    hub.publish([event('A', 2, 'x'.repeat(600))]);
    assert.equal(viewer.queued, 0);
    assert.equal(hub.fallbacks, 1);
    assert.deepEqual(await viewer.next(0, never), { events: [], overflowed: true });
  });
});
