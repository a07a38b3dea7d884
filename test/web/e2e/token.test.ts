import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../../helpers/browser.ts';
import { cliSandbox, startServe } from '../../helpers/cli.ts';

const TOKEN = 'web-token-51d0c2';

describe('web notebook on a server with a token', () => {
  let sb: Awaited<ReturnType<typeof cliSandbox>>;
  let server: { child: ChildProcess; url: string };
  let browser: Browser;
  before(async () => {
    sb = await cliSandbox({ hello: '# Hello\n\n```sh {name=greet}\necho "hello 1"; echo "hello 2"\n```\n' });
    server = await startServe(sb, ['--token', TOKEN]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    if (server) await new Promise((resolve) => server.child.once('exit', resolve));
    await sb?.close();
  });

  it('takes the token once from the URL, then lists, runs and streams with its cookie', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const streams: number[] = [];
    page.on('response', (response) => {
      if (/\/api\/runs\/[^/]+\/stream/.test(response.url())) streams.push(response.status());
    });
    const refused = await page.goto(`${server.url}/runbooks/hello?dc=example`);
    assert.equal(refused?.status(), 401, 'no page without the token');

    await page.goto(`${server.url}/runbooks/hello?dc=example&token=${TOKEN}`);
    // The token leaves the address bar, and the page's scripts cannot read it.
    assert.equal(page.url(), `${server.url}/runbooks/hello?dc=example`);
    assert.equal(await page.evaluate(() => document.cookie), '');
    const cell = page.locator('sb-cell-card[data-cell="greet"]');
    await cell.waitFor();
    await cell.locator('[data-testid=run]').click();
    await page.waitForURL(/run=/);
    await cell.locator('[data-testid=cell-status]').getByText('succeeded').waitFor();
    await cell.locator('sb-output').getByText('hello 2').waitFor();
    assert.ok(streams.length > 0 && streams.every((status) => status === 200), `streams: ${streams}`);

    // The run list, a later visit without ?token, works from the cookie alone.
    await page.goto(`${server.url}/runs`);
    await page.locator('[data-testid=run-row]').first().waitFor();
    assert.equal(await page.locator('[data-testid=run-row]').count(), 1);
    await page.close();
  });
});
