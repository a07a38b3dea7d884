import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readSse } from '../../helpers/api.ts';
import { cliSandbox, startServe } from '../../helpers/cli.ts';
import { processAlive } from '../../../drivers/process-alive.ts';

type Sandbox = Awaited<ReturnType<typeof cliSandbox>>;

describe('stackbook serve', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await cliSandbox();
    await writeFile(
      path.join(sb.runbooks, 'long.md'),
      '# Long\n\n```sh {name=ticker}\necho $$ > ticker.pid\nticks=400; [ -f quick ] && ticks=3\nfor i in $(seq 1 $ticks); do echo "tick $i"; sleep 0.05; done\n```\n\n```sh {name=after needs=[ticker]}\necho after\n```\n',
    );
  });
  after(() => sb.close());

  it('refuses a non-loopback address without a token, before binding anything', async () => {
    const result = await sb.run(['serve', '--host', '0.0.0.0', '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--host 0\.0\.0\.0 is reachable from other machines: give --token/);
  });

  it('kill -9 mid-run: after a restart the run is interrupted, its stream ends so, and it resumes over the API', async () => {
    const first = await startServe(sb);
    const post = async (url: string, base: string, body?: unknown) => {
      const response = await fetch(base + url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    const created = await post('/api/runs', first.url, { runbook: 'long', datacentre: 'example' });
    const id = created.json.id as string;
    assert.equal((await post(`/api/runs/${id}/execute`, first.url)).status, 202);
    const seen = await readSse(`${first.url}/api/runs/${id}/stream`, {
      stopAfter: (e) => e.data.includes('tick 10\\n'),
    });
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const second = await startServe(sb);
    try {
      const run = (await (await fetch(`${second.url}/api/runs/${id}`)).json()) as {
        status: string;
        steps: { cell: string; status: string }[];
      };
      assert.equal(run.status, 'interrupted');
      assert.deepEqual(
        run.steps.map((s) => `${s.cell}:${s.status}`),
        ['ticker:interrupted'],
      );
      const pid = Number(await readFile(path.join(sb.dir, 'data', 'runs', id, 'ticker.pid'), 'utf8'));
      assert.equal(processAlive(pid), false, 'the orphaned cell was killed');

      const stream = await readSse(`${second.url}/api/runs/${id}/stream`);
      const ids = stream.filter((e) => e.id !== undefined).map((e) => Number(e.id));
      assert.deepEqual(
        ids.slice(0, seen.length),
        seen.map((e) => Number(e.id)),
        'what was streamed before the kill is kept',
      );
      const last = JSON.parse(stream.at(-1)!.data) as { kind: string; data: string };
      assert.deepEqual(JSON.parse(last.data), { run: id, status: 'interrupted' });

      // A resume works in the same directory; the marker makes the ticker short this time.
      await writeFile(path.join(sb.dir, 'data', 'runs', id, 'quick'), '');
      const resumed = await post(`/api/runs/${id}/replay`, second.url, { from: 'ticker' });
      assert.equal(resumed.status, 201);
      const events = await readSse(`${second.url}/api/runs/${resumed.json.id}/stream`);
      assert.deepEqual(JSON.parse((JSON.parse(events.at(-1)!.data) as { data: string }).data), {
        run: resumed.json.id,
        status: 'succeeded',
      });
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((resolve) => second.child.once('exit', resolve));
    }
  });
});
