import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, servedSandbox } from '../../helpers/browser.ts';

type Sandbox = Awaited<ReturnType<typeof servedSandbox>>;

const RUNBOOKS: Record<string, string> = {
  steps:
    '# Steps\n\n```sh {name=stable}\necho same every time\n```\n\n```sh {name=varies}\nsleep 0.3; echo "value $RANDOM$RANDOM"\n```\n',
  big: '# Big\n\n```sh {name=lines}\nseq 1 200000\n```\n',
};

describe('web runs', () => {
  let sb: Sandbox;
  let browser: Browser;
  const runs: string[] = [];
  let bigRun = '';

  const post = async (url: string, body: unknown = {}) => {
    const response = await fetch(sb.url + url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as { id: string; status: string };
  };
  const finish = async (id: string) => {
    for (;;) {
      const run = (await (await fetch(`${sb.url}/api/runs/${id}`)).json()) as { status: string };
      if (!['pending', 'running'].includes(run.status)) return run.status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  before(async () => {
    sb = await servedSandbox(RUNBOOKS);
    for (let i = 0; i < 2; i++) {
      const run = await post('/api/runs', { runbook: 'steps', datacentre: 'example' });
      await post(`/api/runs/${run.id}/execute`);
      assert.equal(await finish(run.id), 'succeeded');
      runs.push(run.id);
    }
    bigRun = (await post('/api/runs', { runbook: 'big', datacentre: 'example' })).id;
    await post(`/api/runs/${bigRun}/execute`);
    assert.equal(await finish(bigRun), 'succeeded');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await sb?.close();
  });

  it('lists runs and opens one with a timeline bar per step', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${sb.url}/runs?runbook=steps`);
    await page.locator('[data-testid=run-row]').first().waitFor();
    assert.equal(await page.locator('[data-testid=run-row]').count(), 2);
    await page.goto(`${sb.url}/runs/${runs[0]}`);
    await page.locator('[data-testid=timeline-bar]').first().waitFor();
    assert.equal(await page.locator('[data-testid=timeline-bar]').count(), 2);
    await page.close();
  });

  it('plays a recorded run back instantly and by scrubbing', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${sb.url}/runs/${runs[0]}`);
    await page.locator('[data-testid=play]').waitFor();
    const varies = page.locator('[data-testid=playback-cell][data-cell=varies]');
    // At the start of the run nothing has happened yet.
    await page.locator('[data-testid=scrubber]').fill('0');
    await page.locator('[data-testid=scrubber]').dispatchEvent('input');
    assert.notEqual(
      await varies.locator('[data-testid=playback-status]').getAttribute('status'),
      'succeeded',
    );
    await page.locator('[data-testid=speed]').selectOption('instant');
    await page.locator('[data-testid=play]').click();
    await varies.locator('[data-testid=playback-status][status=succeeded]').waitFor();
    assert.match(await varies.locator('[data-testid=playback-output]').innerText(), /value \d+/);
    await page.close();
  });

  it('replays a run from its page and diffs two runs', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${sb.url}/runs/${runs[0]}`);
    await page.locator('[data-testid=replay]').click();
    await page.waitForURL((url) => /\/runs\/\w+$/.test(url.pathname) && !url.pathname.endsWith(runs[0]!));
    const replayed = new URL(page.url()).pathname.split('/').pop()!;
    assert.equal(await finish(replayed), 'succeeded');
    await page.goto(`${sb.url}/runs/${runs[0]}?compare=${runs[1]}`);
    await page.locator('[data-testid=diff-cell]').first().waitFor();
    assert.equal(await page.locator('[data-testid=diff-cell]').count(), 2);
    const varies = page.locator('[data-testid=diff-cell][data-cell=varies]');
    assert.match(
      await varies.locator('[data-testid=diff-output]').innerText(),
      /-value \d+[\s\S]*\+value \d+/,
    );
    await page.locator('[data-testid=diff-cell][data-cell=stable] [data-testid=diff-output-same]').waitFor();
    await page.close();
  });

  it('a 200,000-line output opens at its end, scrolls to its start, and the page stays responsive', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${sb.url}/runbooks/big?dc=example&run=${bigRun}`);
    const output = page.locator('sb-cell-card[data-cell=lines] sb-output');
    await output.locator('[data-testid=output-count]').getByText('200,000 lines').waitFor();
    await output.getByText('200000', { exact: true }).waitFor();
    // As an operator would: the keyboard's Home on the focused output scrolls to its start.
    const lines = output.locator('.lines');
    await lines.focus();
    await page.keyboard.press('Home');
    await output.locator('.row[data-n="1"]').getByText('1', { exact: true }).waitFor();
    assert.equal(await output.locator('.row[data-n="2"]').innerText(), '2');
    // End goes back to the last line and follows again; Home leaves it once more.
    await page.keyboard.press('End');
    await output.getByText('200000', { exact: true }).waitFor();
    await output.getByText('following', { exact: true }).waitFor();
    await page.keyboard.press('Home');
    await output.locator('.row[data-n="1"]').getByText('1', { exact: true }).waitFor();
    // It stopped following; the jump button brings it back to the end.
    await output.locator('[data-testid=output-jump]').click();
    await output.getByText('200000', { exact: true }).waitFor();
    // The main thread answers at once: nothing holds it.
    const started = Date.now();
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
    assert.ok(Date.now() - started < 1000);
    const rendered = await output.locator('.row').count();
    assert.ok(rendered < 500, `${rendered} rows in the DOM: the list is virtualised`);
    await page.close();
  });
});
