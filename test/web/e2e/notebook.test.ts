import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { deepHtml, launchBrowser, renderedLines, servedSandbox, storedLines } from '../../helpers/browser.ts';
import { addDatacentre } from '../../helpers/cli.ts';
import { tcpProxy } from '../../helpers/tcp-proxy.ts';

type Sandbox = Awaited<ReturnType<typeof servedSandbox>>;

const RUNBOOKS: Record<string, string> = {
  hello:
    '# Hello\n\nSays hello.\n\n```sh {name=greet}\nfor i in 1 2 3; do echo "hello $i"; done\necho "oops" >&2\n```\n',
  approval:
    '# Approval\n\n```manual {name=cabling}\n- Cable rack 4\n```\n\n```sh {name=after needs=[cabling]}\necho cabled\n```\n',
  again:
    '# Again\n\n```sh {name=count}\nn=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; echo "execution $n"\n```\n',
  keys: '# Keys\n\n```sh {name=one}\necho "one ran"\n```\n\n```sh {name=two}\necho "two ran"\n```\n',
  chain:
    '# Chain\n\n```sh {name=a}\necho "a ran"\n```\n\n```sh {name=b}\necho "b ran"\n```\n\n```sh {name=c}\necho "c ran"\n```\n',
  flaky:
    '# Flaky\n\n```sh {name=flaky retries=2}\nn=$(cat tries 2>/dev/null || echo 0); n=$((n + 1)); echo $n > tries\necho "attempt $n"; sleep 0.4\ntest $n -ge 2\n```\n',
  quiet: '# Quiet\n\n```sh {name=nap}\nsleep 6\n```\n',
  typed:
    '# Typed\n\n```sh {name=facts}\necho "machines=3" >> "$STACKBOOK_OUTPUT"\necho "site=<b>lab-1</b>" >> "$STACKBOOK_OUTPUT"\n```\n',
  drop: '# Drop\n\n```sh {name=slow}\nfor i in $(seq 1 200); do echo "line $i"; sleep 0.02; done\n```\n',
  long: '# Long\n\n```sh {name=slow}\nfor i in $(seq 1 600); do echo "line $i"; sleep 0.02; done\n```\n',
  xss: '# XSS\n\n<script>window.__pwned = 1</script>\n\n<img src=x onerror="window.__pwned = 2">\n\n[click](javascript:window.__pwned=3)\n\n```sh {name=a}\necho "<img src=x onerror=window.__pwned=4>"\n```\n',
};

describe('web notebook', () => {
  let sb: Sandbox;
  let browser: Browser;
  let page: Page;
  before(async () => {
    sb = await servedSandbox(RUNBOOKS);
    // A second datacentre: other machine names, and no overlay of seed-preflight.
    await addDatacentre(sb.datacentres, 'other', (yaml) =>
      yaml.replace('- name: seed\n', '- name: other-seed\n'),
    );
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
  const runOf = () => new URL(page.url()).searchParams.get('run')!;
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

  it('Shift+Enter on a focused cell runs that cell, and only it', async () => {
    await open('keys');
    await cell('one').focus();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    assert.equal(await status('one').innerText(), 'not run', 'Enter alone does not run it');
    await cell('two').focus();
    await page.keyboard.press('Shift+Enter');
    await page.waitForURL(/run=/);
    await status('two').getByText('succeeded').waitFor();
    // The status and the last output can arrive in one batch: the output view draws its rows a frame later.
    await cell('two').locator('sb-output').getByText('two ran', { exact: true }).waitFor();
    assert.deepEqual(await rows('two'), ['two ran']);
    assert.equal(await status('one').innerText(), 'not run');
    await page.close();
  });

  it('"Run from here" runs the chosen cell and those after it, not those before', async () => {
    await open('chain');
    await cell('b').locator('[data-testid=run-from]').click();
    await status('c').getByText('succeeded').waitFor();
    await status('b').getByText('succeeded').waitFor();
    for (const name of ['b', 'c'])
      await cell(name).locator('sb-output').getByText(`${name} ran`, { exact: true }).waitFor();
    assert.deepEqual(await rows('b'), ['b ran']);
    assert.deepEqual(await rows('c'), ['c ran']);
    assert.equal(await status('a').innerText(), 'not run');
    const run = (await (await fetch(`${sb.url}/api/runs/${runOf()}`)).json()) as {
      steps: { cell: string }[];
    };
    assert.deepEqual(
      run.steps.map((step) => step.cell),
      ['b', 'c'],
    );
    await page.close();
  });

  it('shows the attempt and the duration of a cell that failed once, then succeeded', async () => {
    await open('flaky');
    await cell('flaky').locator('[data-testid=run]').click();
    await status('flaky').getByText('succeeded').waitFor();
    const seconds = async () => {
      const text = await cell('flaky').locator('[data-testid=cell-duration]').innerText();
      return Number(/^([\d.]+) s$/.exec(text.trim())?.[1]);
    };
    assert.equal(await cell('flaky').locator('[data-testid=cell-attempt]').innerText(), 'attempt 2');
    // Two attempts of 0.4 s and a 250 ms backoff between them.
    const live = await seconds();
    assert.ok(live >= 1 && live < 10, `duration ${live} s`);
    await cell('flaky').locator('sb-output').getByText('attempt 2', { exact: true }).waitFor();
    const shown = (await rows('flaky')).join('\n');
    assert.match(shown, /attempt 1[\s\S]*attempt 1 of 3 failed[\s\S]*attempt 2/);
    // Read back from the recorded step, the card says the same.
    await page.reload();
    await status('flaky').getByText('succeeded').waitFor();
    assert.equal(await cell('flaky').locator('[data-testid=cell-attempt]').innerText(), 'attempt 2');
    const recorded = await seconds();
    assert.ok(Math.abs(recorded - live) < 0.2, `${recorded} s recorded, ${live} s live`);
    await page.close();
  });

  it("a running cell's duration counts up while it prints nothing", async () => {
    await open('quiet');
    await cell('nap').locator('[data-testid=run]').click();
    await status('nap').getByText('running').waitFor();
    const duration = cell('nap').locator('[data-testid=cell-duration]');
    await page.waitForTimeout(1200);
    const first = parseFloat(await duration.innerText());
    await page.waitForTimeout(2500);
    assert.equal(await status('nap').innerText(), 'running');
    const second = parseFloat(await duration.innerText());
    // Redrawn once a second: two or three redraws in 2.5 s.
    assert.ok(second - first >= 1.5, `${first} s, then ${second} s`);
    await status('nap').getByText('succeeded').waitFor();
    await page.close();
  });

  it('shows a typed result as a table, its values as text', async () => {
    await open('typed');
    await cell('facts').locator('[data-testid=run]').click();
    await status('facts').getByText('succeeded').waitFor();
    const result = cell('facts').locator('[data-testid=cell-result]');
    const table = result.locator('table');
    await table.waitFor();
    assert.deepEqual(await table.locator('th').allInnerTexts(), ['exit_code', 'machines', 'site']);
    assert.deepEqual(await table.locator('td').allInnerTexts(), ['0', '3', '<b>lab-1</b>']);
    assert.equal(await result.locator('b').count(), 0, 'a value never becomes markup');
    assert.doesNotMatch(await result.innerText(), /[{}"]/, 'no raw JSON');
    await page.close();
  });

  it('previews resolved arguments with the secret masked; its value never reaches the page', async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const bodies: Promise<string>[] = [];
    page.on('response', (response) => {
      if (!response.url().includes('/stream')) bodies.push(response.text().catch(() => ''));
    });
    await page.goto(`${sb.url}/runbooks/seed-preflight?dc=example`);
    await cell('inventory').locator('summary', { hasText: 'Source and arguments' }).click();
    // The arguments as a table (in the value table's shadow root).
    const text = await cell('inventory').locator('[data-testid=cell-preview] table').first().innerText();
    assert.match(text, /for machine in 'seed' 'control-0' 'compute-0'/, 'templates are resolved');
    assert.match(text, /\[ -n "\$STACKBOOK_SECRET_EXAMPLE_IPMI_PASSWORD" \]/);
    assert.match(text, /«secret EXAMPLE_IPMI_PASSWORD»/);
    // The cells that use it run, and their output shows too.
    await page.locator('[data-testid=run-all]').click();
    await cell('cabling').locator('[data-testid=approve-box]').waitFor();
    // Only rows in view are rendered.
    await cell('inventory').locator('sb-output').scrollIntoViewIfNeeded();
    await cell('inventory').locator('sb-output').getByText('the IPMI password is set').waitFor();
    const html = await deepHtml(page);
    assert.ok(html.includes('«secret EXAMPLE_IPMI_PASSWORD»'));
    const answers = await Promise.all(bodies);
    assert.ok(answers.some((body) => body.includes('EXAMPLE_IPMI_PASSWORD')));
    for (const secret of ['ipmi-Secret-1', 'os-Secret-2']) {
      assert.ok(!html.includes(secret), `${secret} is in the page`);
      assert.ok(!answers.some((body) => body.includes(secret)), `${secret} was sent to the browser`);
    }
    await page.locator('sb-cell-card[data-cell=cabling] [data-testid=cancel]').click();
    await page.locator('[data-testid=run-status]').getByText('cancelled').waitFor();
    await page.close();
  });

  it('switches datacentre from the runbook list and from the notebook', async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(sb.url);
    const link = page.getByRole('link', { name: 'Seed host preflight' });
    await link.waitFor();
    assert.match((await link.getAttribute('href'))!, /dc=example/);
    await page.locator('[data-testid=dc-select]').selectOption('other');
    assert.match((await link.getAttribute('href'))!, /\/runbooks\/seed-preflight\?dc=other$/);
    await page.getByRole('link', { name: 'Edit other' }).waitFor();
    // The choice is remembered.
    await page.reload();
    assert.equal(await page.locator('[data-testid=dc-select]').inputValue(), 'other');
    await link.click();
    await page.waitForURL(/\/runbooks\/seed-preflight\?dc=other$/);
    await cell('inventory').waitFor();
    assert.equal(await page.locator('sb-cell-card').count(), 5, 'no overlay cell on other');
    const preview = async () => {
      await cell('inventory').locator('summary', { hasText: 'Source and arguments' }).click();
      return cell('inventory').locator('[data-testid=cell-preview] table').first().innerText();
    };
    assert.match(await preview(), /'other-seed' 'control-0' 'compute-0'/);
    // A run on other, then the notebook's selector: the same runbook on example, a new run to come.
    await cell('host-facts').locator('[data-testid=run]').click();
    await status('host-facts').getByText('succeeded').waitFor();
    assert.equal(await page.locator('[data-testid=notebook-dc]').inputValue(), 'other');
    await page.locator('[data-testid=notebook-dc]').selectOption('example');
    await page.waitForURL(/\/runbooks\/seed-preflight\?dc=example$/);
    await cell('vlans').waitFor();
    assert.equal(await page.locator('sb-cell-card').count(), 6);
    assert.match(await preview(), /'seed' 'control-0' 'compute-0'/);
    assert.equal(await status('host-facts').innerText(), 'not run');
    assert.equal(await page.locator('[data-testid=run-status]').count(), 0);
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

  it('a network drop mid-run reconnects and resumes the output without gaps or repeats', async () => {
    // The browser reaches the server through a proxy whose connections the test cuts; the run goes on.
    const proxy = await tcpProxy(sb.url);
    try {
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const streams: string[] = [];
      let documents = 0;
      page.on('request', (request) => {
        if (request.url().includes('/stream')) streams.push(request.url());
        if (request.resourceType() === 'document') documents++;
      });
      await page.goto(`${proxy.url}/runbooks/drop?dc=example`);
      await cell('slow').locator('[data-testid=run]').click();
      const output = cell('slow').locator('sb-output');
      await output.getByText('line 30', { exact: true }).waitFor();
      await output.evaluate((element) => ((element as HTMLElement).dataset.before = 'drop'));
      const before = streams.length;
      proxy.drop();
      await page.locator('sb-notebook').getByText('reconnecting…').waitFor();
      const count = () => output.locator('[data-testid=output-count]').innerText();
      const atDrop = await count();
      await page.waitForTimeout(1500);
      assert.equal(await count(), atDrop, 'nothing arrives while the network is down');
      proxy.restore();
      await status('slow').getByText('succeeded').waitFor({ timeout: 30_000 });
      await output.locator('[data-testid=output-count]').getByText('200 lines').waitFor();
      assert.equal(await page.locator('sb-notebook').getByText('reconnecting…').count(), 0);
      // The same page and view went on: no reload; the new stream asked for what came after the last seq.
      assert.equal(documents, 1);
      assert.equal(await output.evaluate((element) => (element as HTMLElement).dataset.before), 'drop');
      const resumed = streams.slice(before).map((url) => Number(new URL(url).searchParams.get('after')));
      assert.ok(resumed.length >= 1 && resumed.every((after) => after > 0), streams.join(' '));
      const run = new URL(page.url()).searchParams.get('run')!;
      const stored = await storedLines(sb.url, run, 'slow');
      assert.deepEqual(
        stored.map((line) => line.text),
        Array.from({ length: 200 }, (_, i) => `line ${i + 1}`),
      );
      assert.deepEqual(await renderedLines(page, 'slow'), stored);
    } finally {
      await page.close();
      await proxy.close();
    }
  });

  it('a reload mid-run whose first lines request fails tries again; the output goes on, numbered right', async () => {
    await open('drop');
    await cell('slow').locator('[data-testid=run]').click();
    const output = cell('slow').locator('sb-output');
    await output.getByText('line 30', { exact: true }).waitFor();
    let failed = 0;
    await page.route(
      (url) => url.pathname.endsWith('/cells/slow/lines') && !url.searchParams.has('from'),
      (route) => (failed++ ? route.continue() : route.abort('internetdisconnected')),
    );
    await page.reload();
    await output.getByText(/output unavailable: .*trying again…/).waitFor();
    await status('slow').getByText('succeeded').waitFor({ timeout: 30_000 });
    await output.locator('[data-testid=output-count]').getByText('200 lines').waitFor();
    assert.ok(failed >= 2, `${failed} tail requests`);
    const stored = await storedLines(sb.url, runOf(), 'slow');
    assert.equal(stored.length, 200);
    assert.deepEqual(await renderedLines(page, 'slow'), stored);
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

describe('web notebook across a server restart', () => {
  let sb: Sandbox;
  let browser: Browser;
  before(async () => {
    sb = await servedSandbox({ drop: RUNBOOKS.drop! });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await sb?.close();
  });

  it('reconnects to the restarted server and shows the run interrupted, with every line it recorded', async () => {
    // The proxy keeps the page's address while the server comes back on another port.
    const proxy = await tcpProxy(sb.url);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(`${proxy.url}/runbooks/drop?dc=example`);
      const cell = page.locator('sb-cell-card[data-cell=slow]');
      await cell.locator('[data-testid=run]').click();
      await cell.locator('sb-output').getByText('line 30', { exact: true }).waitFor();
      proxy.drop();
      await sb.restart();
      proxy.restore(sb.url);
      await cell.locator('[data-testid=cell-status]').getByText('interrupted').waitFor({ timeout: 15_000 });
      await page.locator('[data-testid=run-status]').getByText('interrupted').waitFor();
      const run = new URL(page.url()).searchParams.get('run')!;
      const stored = await storedLines(sb.url, run, 'slow');
      assert.ok(stored.length >= 30 && stored.length < 200, `${stored.length} lines recorded`);
      assert.deepEqual(
        stored.map((line) => line.text),
        stored.map((_, i) => `line ${i + 1}`),
      );
      await cell.locator('[data-testid=output-count]').getByText(`${stored.length} lines`).waitFor();
      assert.deepEqual(await renderedLines(page, 'slow'), stored);
    } finally {
      await page.close();
      await proxy.close();
    }
  });
});
