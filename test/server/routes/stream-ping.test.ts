import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { currentOwner } from '../../../server/engine/process-owner.ts';
import { apiSandbox, listen } from '../../helpers/api.ts';

type Sandbox = Awaited<ReturnType<typeof apiSandbox>>;
type Block = { at: number; id?: string; event?: string; data?: string };

const PING_MS = 400;

/** Every SSE block of a stream, pings included, with when it arrived, until `ms` have passed or it ends. */
async function record(url: string, ms: number): Promise<Block[]> {
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(ms) });
  const blocks: Block[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body!.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block: Block = { at: performance.now() - started };
        for (const line of buffer.slice(0, end).split('\n')) {
          const [field, ...rest] = line.split(': ');
          if (field === 'id' || field === 'event' || field === 'data') block[field] = rest.join(': ');
        }
        buffer = buffer.slice(end + 2);
        blocks.push(block);
      }
    }
  } catch (error) {
    if ((error as Error).name !== 'TimeoutError') throw error;
  }
  return blocks;
}

describe('stream keep-alive', () => {
  let sb: Sandbox;
  let server: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    sb = await apiSandbox({
      streamPingMs: PING_MS,
      runbooks: { quiet: '# Quiet\n\n```sh {name=nap}\necho start; sleep 1.6; echo end\n```\n' },
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
      body: JSON.stringify({ runbook: 'quiet', datacentre: 'example' }),
    });
    return ((await response.json()) as { id: string }).id;
  };

  it('pings only after a silence, without an id, between the events of a quiet cell', async () => {
    const id = await create();
    const recording = record(`${server.url}/api/runs/${id}/stream`, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await fetch(`${server.url}/api/runs/${id}/execute`, { method: 'POST' })).status, 202);
    const blocks = await recording;

    const pings = blocks.filter((b) => b.event === 'ping');
    for (const ping of pings)
      assert.deepEqual({ id: ping.id, data: ping.data }, { id: undefined, data: '{}' });
    // Silent for 1.6 s while the cell sleeps: a few pings, never two within the interval of each other.
    assert.ok(pings.length >= 2 && pings.length <= 6, `${pings.length} pings`);
    blocks.forEach((block, i) => {
      if (block.event === 'ping' && i > 0)
        assert.ok(
          block.at - blocks[i - 1]!.at >= PING_MS * 0.9,
          `a ping ${block.at - blocks[i - 1]!.at} ms after the last write`,
        );
    });
    // The events themselves are exactly the stored ones; the pings changed nothing.
    const stored = (await (await fetch(`${server.url}/api/runs/${id}/events`)).json()) as { seq: number }[];
    assert.deepEqual(
      blocks.filter((b) => b.id !== undefined).map((b) => Number(b.id)),
      stored.map((e) => e.seq),
    );
    assert.equal(blocks.at(-1)!.event, 'status');
  });

  it('polls a run executing in another process without pinging at every poll', async () => {
    const id = await create();
    // As a CLI executing the run would leave it: running, owned by a live process, not executing here.
    await sb.store.updateRun(id, { status: 'running', owner: currentOwner() });
    const blocks = await record(`${server.url}/api/runs/${id}/stream`, 2000);
    await sb.store.updateRun(id, { status: 'pending', owner: null });
    // The store is read every 250 ms; a ping goes out only after 400 ms of silence.
    const pings = blocks.filter((b) => b.event === 'ping').length;
    assert.ok(pings >= 2 && pings <= 5, `${pings} pings in 2 s`);
  });
});
