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
