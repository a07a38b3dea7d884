import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { readSse } from '../../helpers/api.ts';
import { cliSandbox, startServe } from '../../helpers/cli.ts';

type Sandbox = Awaited<ReturnType<typeof cliSandbox>>;

const TOKEN = 'serve-token-8c1e5b';
const HELLO = '# Hello\n\n```sh {name=greet}\necho hello over http\n```\n';

/** The local addresses of the IPv4 sockets listening on `port`, from the kernel's own table. */
async function listeningAddresses(port: number): Promise<string[]> {
  const table = await readFile('/proc/net/tcp', 'utf8');
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === '0A' && Number.parseInt(fields[1]?.split(':')[1] ?? '', 16) === port)
    .map((fields) => {
      const hex = fields[1]!.split(':')[0]!;
      // Little-endian: 0100007F is 127.0.0.1.
      return [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
    });
}

/** Whether a TCP connection to host:port is accepted. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

describe('stackbook serve access', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await cliSandbox({ hello: HELLO });
  });
  after(() => sb.close());

  it('binds 127.0.0.1 by default, unreachable from other addresses of the machine', async () => {
    const { child, url } = await startServe(sb);
    try {
      const port = Number(new URL(url).port);
      assert.equal(new URL(url).hostname, '127.0.0.1');
      assert.deepEqual(await listeningAddresses(port), ['127.0.0.1']);
      assert.equal(await connects('127.0.0.1', port), true);
      const external = Object.values(os.networkInterfaces())
        .flat()
        .find((address) => address && address.family === 'IPv4' && !address.internal);
      if (external)
        assert.equal(await connects(external.address, port), false, `reachable on ${external.address}`);
      // Without a token nothing asks for one.
      assert.equal((await fetch(`${url}/api/runs`)).status, 200);
    } finally {
      await stop(child);
    }
  });

  it('refuses to listen on another address without a token, with a clear error and exit 2', async () => {
    for (const env of [{}, { STACKBOOK_TOKEN: '' }]) {
      const result = await sb.run(['serve', '--host', '0.0.0.0', '--port', '0'], env);
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr,
        /--host 0\.0\.0\.0 is reachable from other machines: give --token \(or STACKBOOK_TOKEN\)/,
      );
      assert.doesNotMatch(result.stdout, /listening/);
    }
  });

  /** What a server with a token must answer, with and without it. */
  async function assertTokenRequired(url: string): Promise<void> {
    const bearer = { authorization: `Bearer ${TOKEN}` };
    for (const route of ['/api/runs', '/api/openapi.json', '/api/runbooks']) {
      const refused = await fetch(url + route);
      assert.equal(refused.status, 401, route);
      assert.equal(((await refused.json()) as { code: string }).code, 'UNAUTHORIZED');
      assert.equal((await fetch(url + route, { headers: { authorization: 'Bearer wrong' } })).status, 401);
      const allowed = await fetch(url + route, { headers: bearer });
      assert.equal(allowed.status, 200, route);
      await allowed.arrayBuffer();
    }
    const create = (headers: Record<string, string>) =>
      fetch(`${url}/api/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ runbook: 'hello', datacentre: 'example' }),
      });
    assert.equal((await create({})).status, 401);
    const created = await create(bearer);
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    const executed = await fetch(`${url}/api/runs/${id}/execute`, { method: 'POST', headers: bearer });
    assert.equal(executed.status, 202);

    const stream = `${url}/api/runs/${id}/stream`;
    await assert.rejects(readSse(stream), /stream answered 401/);
    const events = await readSse(stream, { headers: bearer });
    const output = events.filter((e) => e.event === 'stdout').map((e) => JSON.parse(e.data).data);
    assert.deepEqual(output, ['hello over http\n']);
    assert.deepEqual(JSON.parse(JSON.parse(events.at(-1)!.data).data), { run: id, status: 'succeeded' });
  }

  it('with --token, needs it on every API call, the stream and the OpenAPI document', async () => {
    const { child, url } = await startServe(sb, ['--token', TOKEN]);
    try {
      await assertTokenRequired(url);
    } finally {
      await stop(child);
    }
  });

  it('with STACKBOOK_TOKEN, listens off loopback and needs the token the same way', async () => {
    const { child, url } = await startServe({ start: (args) => sb.start(args, { STACKBOOK_TOKEN: TOKEN }) }, [
      '--host',
      '0.0.0.0',
    ]);
    try {
      const port = Number(new URL(url).port);
      assert.deepEqual(await listeningAddresses(port), ['0.0.0.0']);
      await assertTokenRequired(`http://127.0.0.1:${port}`);
    } finally {
      await stop(child);
    }
  });
});
