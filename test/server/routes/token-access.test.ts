import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiSandbox, listen, readSse } from '../../helpers/api.ts';
import { ROOT } from '../../helpers/cli.ts';

type Sandbox = Awaited<ReturnType<typeof apiSandbox>>;
const TOKEN = 'tok-3f9a1c77e2';

describe('a server with a token', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await apiSandbox({
      token: TOKEN,
      webDir: path.join(ROOT, 'web'),
      runbooks: { hello: '# Hello\n\n```sh {name=greet}\necho hello from the cell\n```\n' },
    });
  });
  after(() => sb.close());

  const request = (url: string, init: RequestInit = {}) =>
    sb.app.request(url, { redirect: 'manual', ...init });
  /** The cookie a browser gets by opening a page with the token. */
  const login = async () => {
    const response = await request(`/?token=${TOKEN}`);
    return response.headers.get('set-cookie')!.split(';')[0]!;
  };

  it('refuses pages and the API without the token, and a wrong one', async () => {
    for (const url of ['/', '/runs', '/api/runs', '/api/openapi.json', '/?token=wrong']) {
      const response = await request(url);
      assert.equal(response.status, 401, url);
      const body = (await response.json()) as { code: string; message: string };
      assert.equal(body.code, 'UNAUTHORIZED');
      assert.doesNotMatch(body.message, new RegExp(TOKEN));
    }
    assert.equal(
      (await request('/api/runs', { headers: { authorization: `Bearer ${TOKEN}x` } })).status,
      401,
    );
    assert.equal((await request('/api/runs', { headers: { authorization: TOKEN } })).status, 401);
    // The API takes the token only as a header or the cookie, never in its URL.
    assert.equal((await request(`/api/runs?token=${TOKEN}`)).status, 401);
  });

  it('turns ?token= on a page into an HttpOnly SameSite=Strict cookie and a redirect without it', async () => {
    const response = await request(`/runbooks/seed-preflight?dc=example&token=${TOKEN}`);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/runbooks/seed-preflight?dc=example');
    const cookie = response.headers.get('set-cookie')!;
    assert.match(cookie, new RegExp(`^stackbook_token=${TOKEN};`));
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\//);
    const page = await request('/runbooks/seed-preflight?dc=example', { headers: { cookie: await login() } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
  });

  it('answers the API, its OpenAPI document and a run stream with the cookie', async () => {
    const cookie = await login();
    assert.equal((await request('/api/runs', { headers: { cookie } })).status, 200);
    assert.equal((await request('/api/openapi.json', { headers: { cookie } })).status, 200);
    const created = await request('/api/runs', {
      method: 'POST',
      headers: { cookie, origin: 'http://localhost', 'content-type': 'application/json' },
      body: JSON.stringify({ runbook: 'hello', datacentre: 'example' }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { id } = (await created.json()) as { id: string };
    const server = await listen(sb.app);
    try {
      // EventSource sends cookies, never headers: the stream must take the cookie.
      const refused = await fetch(`${server.url}/api/runs/${id}/stream`);
      assert.equal(refused.status, 401);
      await refused.body?.cancel();
      const origin = server.url;
      const executed = await fetch(`${server.url}/api/runs/${id}/cells/greet/execute`, {
        method: 'POST',
        headers: { cookie, origin },
      });
      assert.equal(executed.status, 202, await executed.text());
      const events = await readSse(`${server.url}/api/runs/${id}/stream`, {
        headers: { cookie },
        stopAfter: (e) => e.event === 'status' && e.data.includes('succeeded'),
      });
      const output = events.filter((e) => e.event === 'stdout').map((e) => JSON.parse(e.data).data);
      assert.deepEqual(output, ['hello from the cell\n'], 'the cell output arrived over the stream');
    } finally {
      await server.close();
    }
  });

  it('accepts a cookie-authenticated change only from its own pages', async () => {
    const cookie = await login();
    const post = (headers: Record<string, string>) =>
      request('/api/datacentres/example/validate', {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ yaml: 'x: 1\n' }),
      });
    assert.equal((await post({})).status, 401, 'no Origin');
    assert.equal((await post({ origin: 'http://evil.example' })).status, 401);
    assert.equal((await post({ origin: 'http://localhost' })).status, 200);
    // A script with the bearer token needs no Origin; a header, when given, is what counts.
    assert.equal((await post({ authorization: `Bearer ${TOKEN}` })).status, 200);
    assert.equal((await post({ authorization: 'Bearer nope', origin: 'http://localhost' })).status, 401);
  });
});
