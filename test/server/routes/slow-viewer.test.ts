import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiSandbox, listen, readSse, type SseEvent } from '../../helpers/api.ts';

type Sandbox = Awaited<ReturnType<typeof apiSandbox>>;

const RUNBOOKS: Record<string, string> = {
  // About 15 MB of output in 64 KiB events: far more than a viewer's queue holds.
  flood: '# Flood\n\n```sh {name=lines}\nseq 1 4000000\n```\n',
};

const seqs = (events: SseEvent[]) => events.filter((e) => e.id !== undefined).map((e) => Number(e.id));

describe('a slow SSE viewer', () => {
  let sb: Sandbox;
  let server: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    sb = await apiSandbox({ runbooks: RUNBOOKS });
    server = await listen(sb.app);
  });
  after(async () => {
    await server.close();
    await sb.close();
  });

  /** Every stored event of a run, read through the paged events endpoint. */
  const stored = async (id: string) => {
    const all: { seq: number; kind: string; cell: string | null; data: string }[] = [];
    for (;;) {
      const response = await fetch(
        `${server.url}/api/runs/${id}/events?after=${all.at(-1)?.seq ?? 0}&limit=100`,
      );
      const page = (await response.json()) as typeof all;
      if (!page.length) return all;
      all.push(...page);
    }
  };

  it('gets every stored event exactly once, in order, ending with the real final status event', async () => {
    const created = await fetch(`${server.url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ runbook: 'flood', datacentre: 'example' }),
    });
    const id = ((await created.json()) as { id: string }).id;
    let open = false;
    // Pauses 20 ms before each chunk: the run ends long before this viewer has read half of it.
    const slow = readSse(`${server.url}/api/runs/${id}/stream`, { delayMs: 20, onOpen: () => (open = true) });
    while (!open) await new Promise((resolve) => setTimeout(resolve, 10));
    const execute = await fetch(`${server.url}/api/runs/${id}/execute`, { method: 'POST' });
    assert.equal(execute.status, 202);
    assert.equal((await sb.settle(id, 60_000)).status, 'succeeded');
    const events = await slow;

    const record = await stored(id);
    assert.ok(record.length > 200, `only ${record.length} events stored`);
    assert.deepEqual(
      seqs(events),
      record.map((e) => e.seq),
      'the viewer saw exactly the stored events',
    );
    assert.ok(
      events.every((e) => e.id !== undefined),
      'no synthetic event without id',
    );
    const last = JSON.parse(events.at(-1)!.data) as { seq: number; kind: string; data: string };
    assert.equal(last.seq, record.at(-1)!.seq);
    assert.deepEqual(JSON.parse(last.data), { run: id, status: 'succeeded' });
    const lines = events
      .filter((e) => e.event === 'stdout')
      .map((e) => (JSON.parse(e.data) as { data: string }).data)
      .join('');
    assert.equal(lines.split('\n').length - 1, 4_000_000);
  });
});

describe('viewers too slow for their bounded queues', () => {
  let sb: Sandbox;
  let server: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    // Queues so small that every slow viewer overflows many times over.
    sb = await apiSandbox({
      // 600,000 lines in 20 bursts over at least a second, so the run's own pace dominates its time.
      runbooks: {
        chatty:
          '# Chatty\n\n```sh {name=lines}\nfor i in $(seq 1 20); do seq 1 30000; sleep 0.05; done\n```\n',
      },
      streamQueue: { events: 4, chars: 32 * 1024 },
    });
    server = await listen(sb.app);
  });
  after(async () => {
    await server.close();
    await sb.close();
  });

  const create = async () => {
    const response = await fetch(`${server.url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ runbook: 'chatty', datacentre: 'example' }),
    });
    return ((await response.json()) as { id: string }).id;
  };
  /** Executes the run and answers how long it took, as the run itself recorded it. */
  const execute = async (id: string) => {
    assert.equal((await fetch(`${server.url}/api/runs/${id}/execute`, { method: 'POST' })).status, 202);
    const done = await sb.settle(id, 60_000);
    assert.equal(done.status, 'succeeded');
    const run = (await (await fetch(`${server.url}/api/runs/${id}`)).json()) as {
      started_at: string;
      finished_at: string;
    };
    return Date.parse(run.finished_at) - Date.parse(run.started_at);
  };

  it('fall back to the store without slowing the run, and still get every event exactly once', async () => {
    const alone = await execute(await create());

    const id = await create();
    // One viewer straight on the hub that never reads, and two SSE viewers reading a chunk every 50 ms.
    const stuck = sb.app.services.hub.subscribe(id);
    let opened = 0;
    const viewers = [1, 2].map(() =>
      readSse(`${server.url}/api/runs/${id}/stream`, { delayMs: 50, onOpen: () => void opened++ }),
    );
    while (opened < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const fallbacksBefore = sb.app.services.hub.fallbacks;
    const watched = await execute(id);
    assert.ok(stuck.queued <= 4, `the stuck viewer holds ${stuck.queued} events`);
    stuck.close();

    const aloneAgain = await execute(await create());
    const reference = Math.max(alone, aloneAgain);
    assert.ok(
      watched <= reference * 3 + 500,
      `with slow viewers the run took ${watched} ms; without, ${alone} and ${aloneAgain} ms`,
    );

    const received = await Promise.all(viewers);
    // Both SSE viewers overflowed (the stuck one too): each time they went back to the store.
    assert.ok(
      sb.app.services.hub.fallbacks - fallbacksBefore >= 3,
      `${sb.app.services.hub.fallbacks - fallbacksBefore} fallbacks`,
    );
    const stored: number[] = [];
    for (;;) {
      const page = (await (
        await fetch(`${server.url}/api/runs/${id}/events?after=${stored.at(-1) ?? 0}&limit=50`)
      ).json()) as { seq: number }[];
      if (!page.length) break;
      stored.push(...page.map((e) => e.seq));
    }
    for (const events of received) {
      assert.deepEqual(seqs(events), stored, 'every stored event exactly once, in order');
      const last = JSON.parse(events.at(-1)!.data) as { seq: number; data: string };
      assert.equal(last.seq, stored.at(-1));
      assert.deepEqual(JSON.parse(last.data), { run: id, status: 'succeeded' });
      const text = events
        .filter((e) => e.event === 'stdout')
        .map((e) => (JSON.parse(e.data) as { data: string }).data)
        .join('');
      assert.equal(text.split('\n').length - 1, 600_000);
      assert.equal(text.slice(-12), '29999\n30000\n');
    }
  });
});
