import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiSandbox, listen, readSse, type SseEvent } from '../../helpers/api.ts';

type Sandbox = Awaited<ReturnType<typeof apiSandbox>>;

const RUNBOOKS: Record<string, string> = {
  ticker:
    '# Ticker\n\n```sh {name=tick}\nfor i in $(seq 1 40); do echo "tick $i"; sleep 0.02; done\n```\n\n```sh {name=tock}\necho tock\n```\n',
  chatty: '# Chatty\n\n```sh {name=lines}\nseq 1 200000\n```\n',
  'node-1-work':
    '# Work on node-1\n\n```manual {name=swap-disk}\nsteps: [Replace the disk]\nmachines: [control-0]\n```\n',
};

const seqs = (events: SseEvent[]) => events.filter((e) => e.id !== undefined).map((e) => Number(e.id));

describe('live server', () => {
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

  const post = async (url: string, body?: unknown) => {
    const response = await fetch(server.url + url, {
      method: 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const create = async (runbook: string) =>
    (await post('/api/runs', { runbook, datacentre: 'example' })).json.id as string;

  it('two viewers and a reconnecting one each get every event exactly once, in order, ending with the status', async () => {
    const id = await create('ticker');
    const stream = `${server.url}/api/runs/${id}/stream`;
    let opened = 0;
    const onOpen = () => void opened++;
    const viewerA = readSse(stream, { onOpen });
    const viewerB = readSse(stream, { onOpen });
    // A third viewer drops after a few events and reconnects with Last-Event-ID.
    const dropped = new AbortController();
    const first = readSse(stream, {
      onOpen,
      signal: dropped.signal,
      stopAfter: (e) => e.data.includes('tick 5'),
    });
    while (opened < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal((await post(`/api/runs/${id}/execute`)).status, 202);
    const firstPart = await first;
    const resumed = await readSse(stream, { lastEventId: firstPart.at(-1)!.id });
    const [a, b] = await Promise.all([viewerA, viewerB]);

    const stored = (await (await fetch(`${server.url}/api/runs/${id}/events?limit=10000`)).json()) as {
      seq: number;
    }[];
    const all = stored.map((e) => e.seq);
    assert.ok(all.length > 10);
    assert.deepEqual(seqs(a), all);
    assert.deepEqual(seqs(b), all);
    assert.deepEqual([...seqs(firstPart), ...seqs(resumed)], all, 'the reconnect lost and repeated nothing');
    const last = JSON.parse(a.at(-1)!.data) as { kind: string; data: string };
    assert.equal(last.kind, 'status');
    assert.deepEqual(JSON.parse(last.data), { run: id, status: 'succeeded' });
    const ticks = a
      .filter((e) => e.event === 'stdout')
      .map((e) => (JSON.parse(e.data) as { data: string }).data)
      .join('');
    assert.equal(ticks.split('\n').filter((line) => line.startsWith('tick')).length, 40);
  });

  it('a stream of a finished run replays the record and ends; one of a new run waits for it to execute', async () => {
    const id = await create('ticker');
    await post(`/api/runs/${id}/execute`);
    await sb.settle(id);
    const replayed = await readSse(`${server.url}/api/runs/${id}/stream`);
    assert.equal(JSON.parse(JSON.parse(replayed.at(-1)!.data).data).status, 'succeeded');
    // A viewer of a run not executed yet waits for its first execution.
    const idle = await create('ticker');
    let open = false;
    const waiting = readSse(`${server.url}/api/runs/${idle}/stream`, { onOpen: () => (open = true) });
    while (!open) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await post(`/api/runs/${idle}/execute`);
    const events = await waiting;
    assert.equal(JSON.parse(JSON.parse(events.at(-1)!.data).data).status, 'succeeded');
    assert.ok(events.some((e) => e.data.includes('tick 40')));
  });

  it('a viewer too slow for its queue does not slow the run and still gets every event from the store', async () => {
    const id = await create('chatty');
    const fast = readSse(`${server.url}/api/runs/${id}/stream`);
    // Reads a chunk every 30 ms: far slower than 200,000 lines arrive.
    const slow = readSse(`${server.url}/api/runs/${id}/stream`, { delayMs: 30 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await post(`/api/runs/${id}/execute`);
    const done = await sb.settle(id);
    const took = Date.now() - started;
    assert.equal(done.status, 'succeeded');
    const [fastEvents, slowEvents] = await Promise.all([fast, slow]);
    assert.deepEqual(seqs(slowEvents), seqs(fastEvents));
    const lines = slowEvents
      .filter((e) => e.event === 'stdout')
      .map((e) => (JSON.parse(e.data) as { data: string }).data)
      .join('');
    assert.equal(lines.split('\n').length - 1, 200000);
    assert.ok(took < 10_000, `the run took ${took} ms`);
  });

  it('a machine leased by one run refuses a second run, naming the holder, until it is released', async () => {
    const holder = await create('node-1-work');
    assert.equal((await post(`/api/runs/${holder}/execute`)).status, 202);
    await sb.waitForStep(holder, 'swap-disk', 'awaiting-approval');
    const leases = (await (await fetch(`${server.url}/api/leases`)).json()) as { key: string; run: string }[];
    assert.deepEqual(
      leases.map((l) => [l.key, l.run]),
      [['machine:control-0', holder]],
    );

    const second = await create('node-1-work');
    const refused = await post(`/api/runs/${second}/execute`);
    assert.equal(refused.status, 409);
    assert.equal(refused.json.code, 'CONFLICT');
    assert.equal(refused.json.message, `machine:control-0 is leased by run ${holder} (cell 'swap-disk')`);

    assert.equal(
      (await post(`/api/runs/${holder}/cells/swap-disk/approve`, { note: 'disk swapped' })).status,
      200,
    );
    assert.equal((await sb.settle(holder)).status, 'succeeded');
    assert.deepEqual(await (await fetch(`${server.url}/api/leases`)).json(), []);
    assert.equal((await post(`/api/runs/${second}/execute`)).status, 202);
    await sb.waitForStep(second, 'swap-disk', 'awaiting-approval');
    await post(`/api/runs/${second}/cancel`);
    assert.equal((await sb.settle(second)).status, 'cancelled');
  });
});
