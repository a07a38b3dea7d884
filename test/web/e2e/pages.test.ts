import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, servedSandbox } from '../../helpers/browser.ts';

const RUNBOOKS: Record<string, string> = {
  hello:
    '# Hello\n\nSays hello.\n\n```sh {name=greet}\nfor i in 1 2 3; do echo "hello $i"; done\n' +
    'echo "greeting=a-long-value-that-has-to-wrap-somewhere-in-a-narrow-window" >> "$STACKBOOK_OUTPUT"\n```\n',
};

describe('web pages: shareable URLs and a narrow window', () => {
  let sb: Awaited<ReturnType<typeof servedSandbox>>;
  let browser: Browser;
  const runs: string[] = [];

  before(async () => {
    sb = await servedSandbox(RUNBOOKS);
    const post = async (url: string, body: unknown = {}) => {
      const response = await fetch(sb.url + url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await response.json()) as { id: string };
    };
    for (let i = 0; i < 2; i++) {
      const run = await post('/api/runs', { runbook: 'hello', datacentre: 'example' });
      await post(`/api/runs/${run.id}/execute`);
      for (;;) {
        const view = (await (await fetch(`${sb.url}/api/runs/${run.id}`)).json()) as { status: string };
        if (view.status === 'succeeded') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      runs.push(run.id);
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await sb?.close();
  });

  it('opens each shareable URL directly on its view', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const [a, b] = runs as [string, string];
    // A runbook on a datacentre with a run: its notebook with that run's output.
    await page.goto(`${sb.url}/runbooks/hello?dc=example&run=${a}`);
    const greet = page.locator('sb-cell-card[data-cell=greet]');
    await greet.locator('sb-output').getByText('hello 3').waitFor();
    assert.equal(await page.locator('sb-notebook .toolbar h1').innerText(), 'Hello');
    assert.equal(await page.locator('[data-testid=notebook-dc]').inputValue(), 'example');
    assert.equal(await page.locator('[data-testid=run-link]').getAttribute('href'), `/runs/${a}`);
    assert.equal(await greet.locator('[data-testid=cell-status]').innerText(), 'succeeded');
    // A run compared with another: the run page and the diff of the two.
    await page.goto(`${sb.url}/runs/${a}?compare=${b}`);
    await page.locator('[data-testid=diff-cell][data-cell=greet]').waitFor();
    assert.match(await page.locator('sb-run-page .facts').innerText(), new RegExp(`run ${a}`));
    assert.match(await page.locator('[data-testid=diff-side-a]').innerText(), new RegExp(a.slice(-8)));
    assert.match(await page.locator('[data-testid=diff-side-b]').innerText(), new RegExp(b.slice(-8)));
    // A run alone: no diff.
    await page.goto(`${sb.url}/runs/${b}`);
    await page.locator('[data-testid=timeline-bar]').first().waitFor();
    assert.match(await page.locator('sb-run-page .facts').innerText(), new RegExp(`run ${b}`));
    assert.equal(await page.locator('[data-testid=run-diff]').count(), 0);
    // Filtered history.
    await page.goto(`${sb.url}/runs?runbook=hello&dc=example`);
    await page.locator('[data-testid=run-row]').first().waitFor();
    assert.deepEqual(
      await page
        .locator('[data-testid=run-row]')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run'))),
      [b, a],
    );
    assert.equal(await page.locator('[data-testid=filter-runbook]').inputValue(), 'hello');
    // A datacentre's editor.
    await page.goto(`${sb.url}/datacentres/example`);
    await page.locator('[data-testid=dc-machine-row]').first().waitFor();
    assert.equal(await page.locator('sb-dc-editor h1').innerText(), 'Datacentre example');
    // Anything else says so.
    await page.goto(`${sb.url}/runbooks/a/b`);
    await page.getByText('No page at /runbooks/a/b.').waitFor();
    await page.close();
  });

  it('moves between views in place, and Back returns to the previous one', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${sb.url}/runbooks/hello?dc=example&run=${runs[0]}`);
    await page.locator('sb-cell-card[data-cell=greet] sb-output').getByText('hello 3').waitFor();
    await page.evaluate(() => Object.assign(window, { sbSamePage: true }));
    await page.locator('[data-testid=run-link]').click();
    await page.waitForURL(`${sb.url}/runs/${runs[0]}`);
    await page.locator('[data-testid=timeline-bar]').first().waitFor();
    await page.goBack();
    await page.waitForURL(`${sb.url}/runbooks/hello?dc=example&run=${runs[0]}`);
    await page.locator('sb-cell-card[data-cell=greet] sb-output').getByText('hello 3').waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { sbSamePage?: boolean }).sbSamePage), true);
    await page.close();
  });

  it('on a narrow window no page scrolls sideways and the key controls stay in view', async () => {
    const page = await browser.newPage({ viewport: { width: 400, height: 800 } });
    const [a, b] = runs as [string, string];
    const views: [string, string[]][] = [
      ['/', ['[data-testid=dc-select]', '[data-testid=runbook-item] a']],
      [
        `/runbooks/hello?dc=example&run=${a}`,
        [
          '[data-testid=notebook-dc]',
          '[data-testid=run-all]',
          'sb-cell-card [data-testid=run]',
          'sb-cell-card [data-testid=run-from]',
          'sb-output [data-testid=output-count]',
          '[data-testid=cell-result]',
        ],
      ],
      [
        `/runs/${a}?compare=${b}`,
        [
          '[data-testid=replay]',
          '[data-testid=report-md]',
          '[data-testid=report-junit]',
          '[data-testid=timeline-bar]',
          '[data-testid=play]',
          '[data-testid=scrubber]',
          '[data-testid=resume]',
          '[data-testid=diff-status]',
        ],
      ],
      [
        '/runs',
        [
          '[data-testid=filter-runbook]',
          '[data-testid=filter-dc]',
          '[data-testid=diff]',
          '[data-testid=compare]',
        ],
      ],
      [
        '/datacentres/example',
        [
          '[data-testid=dc-save]',
          '[data-testid=dc-add-machine]',
          '[data-testid="dc-field-machines[0].name"]',
          '[data-testid=dc-tab-yaml]',
        ],
      ],
    ];
    for (const [url, controls] of views) {
      await page.goto(sb.url + url);
      for (const control of controls) {
        const element = page.locator(control).first();
        await element.waitFor();
        // Only the page scrolls, downwards: a control inside a table that scrolls sideways is not in view.
        await element.evaluate((node) =>
          window.scrollBy(0, node.getBoundingClientRect().top - innerHeight / 3),
        );
        const box = (await element.boundingBox())!;
        assert.ok(
          box.x >= 0 && box.x + box.width <= 400,
          `${url}: ${control} at x ${box.x}…${box.x + box.width}`,
        );
      }
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      assert.ok(scrollWidth <= innerWidth, `${url} is ${scrollWidth} px wide in a ${innerWidth} px window`);
    }
    await page.close();
  });
});
