import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, servedSandbox } from '../../helpers/browser.ts';

type Sandbox = Awaited<ReturnType<typeof servedSandbox>>;

const RUNBOOKS: Record<string, string> = {
  hello:
    '# Hello\n\nSays hello.\n\n```sh {name=greet}\nfor i in 1 2 3; do echo "hello $i"; done\necho "oops" >&2\n```\n',
  approval:
    '# Approval\n\n```manual {name=cabling}\n- Cable rack 4\n```\n\n```sh {name=after needs=[cabling]}\necho cabled\n```\n',
  again:
    '# Again\n\n```sh {name=count}\nn=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; echo "execution $n"\n```\n',
  long: '# Long\n\n```sh {name=slow}\nfor i in $(seq 1 600); do echo "line $i"; sleep 0.02; done\n```\n',
  xss: '# XSS\n\n<script>window.__pwned = 1</script>\n\n<img src=x onerror="window.__pwned = 2">\n\n[click](javascript:window.__pwned=3)\n\n```sh {name=a}\necho "<img src=x onerror=window.__pwned=4>"\n```\n',
};

describe('web notebook', () => {
  let sb: Sandbox;
  let browser: Browser;
  let page: Page;
  before(async () => {
    sb = await servedSandbox(RUNBOOKS);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await sb?.close();
  });

  const open = async (runbook: string) => {
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${sb.url}/runbooks/${runbook}?dc=example`);
    await page.locator('sb-cell-card').first().waitFor();
  };
  const cell = (name: string) => page.locator(`sb-cell-card[data-cell="${name}"]`);
  const status = (name: string) => cell(name).locator('[data-testid=cell-status]');
  const rows = async (name: string) =>
    (await cell(name).locator('sb-output .row:not(.pending)').allInnerTexts()).map((text) => text.trim());

  it('lists runbooks and opens one on a datacentre', async () => {
    page = await browser.newPage();
    await page.goto(sb.url);
    await page.getByText('Seed host preflight').click();
    await page.waitForURL(/\/runbooks\/seed-preflight\?dc=example/);
    await page.locator('sb-cell-card').first().waitFor();
    assert.equal(await page.locator('sb-cell-card').count(), 6, 'five base cells and the overlay one');
    assert.match(
      await cell('vlans').locator('[data-testid=cell-provenance]').innerText(),
      /overlay seed-preflight\.md:11/,
    );
    await page.close();
  });

  it('runs a cell and streams its output in, stderr apart', async () => {
    await open('hello');
    await cell('greet').locator('[data-testid=run]').click();
    await page.waitForURL(/run=/);
    await status('greet').getByText('succeeded').waitFor();
    const output = cell('greet').locator('sb-output');
    await output.getByText('hello 3').waitFor();
    assert.deepEqual(await rows('greet'), ['hello 1', 'hello 2', 'hello 3', 'oops']);
    assert.deepEqual(await output.locator('.row.stderr').allInnerTexts(), ['oops']);
    assert.equal(await output.locator('[data-testid=output-count]').innerText(), '4 lines');
    await page.close();
  });

  it('approves a manual step with a note; the next cell runs', async () => {
    await open('approval');
    await page.locator('[data-testid=run-all]').click();
    await cell('cabling').locator('[data-testid=approve-box]').waitFor();
    await cell('cabling').locator('[data-testid=approve-note]').fill('rack 4 done');
    await cell('cabling').locator('[data-testid=approve]').click();
    await status('after').getByText('succeeded').waitFor();
    await cell('cabling').getByText('Approved by web: “rack 4 done”').waitFor();
    await page.close();
  });

  it('cancels a long cell', async () => {
    await open('long');
    await cell('slow').locator('[data-testid=run]').click();
    await cell('slow').locator('sb-output').getByText('line 5', { exact: true }).waitFor();
    await cell('slow').locator('[data-testid=cancel]').click();
    await status('slow').getByText('cancelled').waitFor();
    await page.close();
  });

  it('a reload mid-run continues the output without gaps or repeats', async () => {
    await open('long');
    await cell('slow').locator('[data-testid=run]').click();
    await cell('slow').locator('sb-output').getByText('line 40', { exact: true }).waitFor();
    await page.reload();
    await status('slow').getByText('succeeded').waitFor({ timeout: 30_000 });
    const output = cell('slow').locator('sb-output');
    await output.locator('[data-testid=output-count]').getByText('600 lines').waitFor();
    await output.getByText('line 600', { exact: true }).waitFor();
    // The rows on screen (the view follows the end) are consecutive: nothing lost, nothing twice.
    const shown = (await rows('slow')).map((text) => Number(/^line (\d+)$/.exec(text)?.[1]));
    assert.ok(shown.length > 5);
    assert.deepEqual(
      shown,
      shown.map((_, i) => shown[0]! + i),
    );
    assert.equal(shown.at(-1), 600);
    await page.close();
  });

  it('runs a cell again after the run finished and after a reload, showing the new output', async () => {
    await open('again');
    await cell('count').locator('[data-testid=run]').click();
    await cell('count').locator('sb-output').getByText('execution 1').waitFor();
    await status('count').getByText('succeeded').waitFor();
    await page.reload();
    await cell('count').locator('sb-output').getByText('execution 1').waitFor();
    await cell('count').locator('[data-testid=run]').click();
    // The run's stream had ended; the notebook picks it up again for the new execution.
    await cell('count').locator('sb-output').getByText('execution 2').waitFor({ timeout: 10_000 });
    assert.equal(await cell('count').locator('sb-output [data-testid=output-count]').innerText(), '1 line');
    await page.close();
  });

  it('keeps scripts in prose and output inert', async () => {
    await open('xss');
    await cell('a').locator('[data-testid=run]').click();
    await status('a').getByText('succeeded').waitFor();
    await page
      .locator('text=click')
      .click()
      .catch(() => undefined);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    await page.close();
  });
});
