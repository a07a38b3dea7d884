import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { allowNamedFunctions, launchBrowser, servedSandbox } from '../../helpers/browser.ts';
import { addDatacentre } from '../../helpers/cli.ts';

type Sandbox = Awaited<ReturnType<typeof servedSandbox>>;

const RUNBOOKS: Record<string, string> = {
  steps:
    '# Steps\n\n```sh {name=stable}\necho same every time\n```\n\n```sh {name=varies}\nsleep 0.3; echo "value $RANDOM$RANDOM"\n```\n',
  big: '# Big\n\n```sh {name=lines}\nseq 1 200000\n```\n',
  resume:
    '# Resume\n\n```sh {name=first}\necho "token=t$RANDOM$RANDOM" >> "$STACKBOOK_OUTPUT"; echo "first ran"\n```\n\n' +
    '```sh {name=second}\necho "second ran"\n```\n\n```sh {name=third}\nprintf \'token %s\\n\' {{ cells.first.token }}\n```\n',
  mixed:
    '# Mixed\n\n```sh {name=ok}\necho fine\n```\n\n```sh {name=bad continueOnError=true}\necho "going wrong" >&2; exit 3\n```\n\n' +
    '```sh {name=blocked needs=[bad]}\necho never\n```\n\n```sh {name=after}\necho after\n```\n',
  ticks: '# Ticks\n\n```sh {name=ticks}\nfor i in 1 2 3 4 5 6; do echo "tick $i"; sleep 1; done\n```\n',
  // Overridden by the other datacentre's overlay: a longer nap, and a check that fails there.
  diffy:
    '---\nparams:\n  nap: 0.1\n  fail: false\n---\n# Diffy\n\n```sh {name=napper}\nsleep {{ run.params.nap }}\n' +
    'printf \'nap=%s\\n\' {{ run.params.nap }} >> "$STACKBOOK_OUTPUT"\n```\n\n```sh {name=checker}\necho checking\ntest {{ run.params.fail }} = false\n```\n',
};

interface StepView {
  cell: string;
  status: string;
  started_at: string | null;
  result: Record<string, unknown> | null;
  reused_from: string | null;
}
interface RunView {
  id: string;
  status: string;
  datacentre: string;
  parent: string | null;
  resumed_from: string | null;
  steps: StepView[];
}

describe('web runs', () => {
  let sb: Sandbox;
  let browser: Browser;
  const runs: string[] = [];
  let bigRun = '';
  const named: Record<'resume' | 'mixed' | 'ticks' | 'diffyExample' | 'diffyOther', string> = {
    resume: '',
    mixed: '',
    ticks: '',
    diffyExample: '',
    diffyOther: '',
  };

  const post = async (url: string, body: unknown = {}) => {
    const response = await fetch(sb.url + url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as { id: string; status: string };
  };
  const get = async (id: string) => (await (await fetch(`${sb.url}/api/runs/${id}`)).json()) as RunView;
  const finish = async (id: string) => {
    for (;;) {
      const run = await get(id);
      if (!['pending', 'running'].includes(run.status)) return run.status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  /** Creates a run, runs all its cells and answers its id once it has finished. */
  const record = async (runbook: string, datacentre = 'example') => {
    const run = await post('/api/runs', { runbook, datacentre });
    assert.ok(run.id, JSON.stringify(run));
    await post(`/api/runs/${run.id}/execute`);
    await finish(run.id);
    return run.id;
  };
  const newPage = () => browser.newPage({ viewport: { width: 1280, height: 800 } });

  before(async () => {
    sb = await servedSandbox(RUNBOOKS);
    const other = await addDatacentre(sb.datacentres, 'other', (yaml) =>
      yaml.replace('ntp_server: pool.ntp.org', 'ntp_server: ntp.other.example'),
    );
    await mkdir(path.join(other, 'runbooks'));
    await writeFile(path.join(other, 'runbooks/diffy.md'), '---\nparams:\n  nap: 1\n  fail: true\n---\n');
    // One after another: runs executing at once in one server collide in the store (see the report).
    named.resume = await record('resume');
    named.mixed = await record('mixed');
    named.ticks = await record('ticks');
    named.diffyExample = await record('diffy');
    named.diffyOther = await record('diffy', 'other');
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

  it('colours each timeline bar by its step status', async () => {
    const page = await newPage();
    await page.goto(`${sb.url}/runs/${named.mixed}`);
    await page.locator('[data-testid=timeline-bar]').first().waitFor();
    const bars = await page
      .locator('[data-testid=timeline-bar]')
      .evaluateAll((all) =>
        all.map((bar) => [
          bar.getAttribute('data-cell'),
          bar.getAttribute('data-status'),
          getComputedStyle(bar).backgroundColor,
        ]),
      );
    const run = await get(named.mixed);
    assert.deepEqual(
      bars.map(([cell, status]) => [cell, status]),
      run.steps.map((step) => [step.cell, step.status]),
    );
    assert.deepEqual(
      bars.map(([, status]) => status),
      ['succeeded', 'failed', 'skipped', 'succeeded'],
    );
    const colour = Object.fromEntries(bars.map(([, status, background]) => [status, background]));
    assert.notEqual(colour.succeeded, colour.failed, 'a failed bar does not look like a succeeded one');
    assert.equal(bars[0]![2], bars[3]![2], 'bars of one status share a colour');
    await page.close();
  });

  it('offers the report in Markdown, HTML and JUnit XML for download', async () => {
    const page = await newPage();
    await page.goto(`${sb.url}/runs/${named.mixed}`);
    const expected = {
      md: {
        type: 'text/markdown',
        ext: 'md',
        body: /^# Mixed\n[\s\S]*\*\*bad\*\*: failed[\s\S]*going wrong/,
      },
      html: {
        type: 'text/html',
        ext: 'html',
        body: /^<!doctype html>[\s\S]*<h1>Mixed<\/h1>[\s\S]*going wrong/,
      },
      junit: {
        type: 'application/xml',
        ext: 'xml',
        body: /<testsuite name="mixed \(example\)" tests="4" failures="1" errors="0" skipped="1"[\s\S]*<testcase classname="mixed.sh" name="bad"[^>]*>\s*<failure type="EXEC_FAILED"/,
      },
    };
    for (const [format, want] of Object.entries(expected)) {
      const link = page.locator(`[data-testid=report-${format}]`);
      assert.equal(await link.getAttribute('download'), '', `${format} is a download`);
      const response = await fetch(new URL((await link.getAttribute('href'))!, sb.url));
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type')!, new RegExp(`^${want.type}`));
      assert.equal(
        response.headers.get('content-disposition'),
        `attachment; filename="${named.mixed}.${want.ext}"`,
      );
      assert.match(await response.text(), want.body);
      // Clicked, the browser saves the same report.
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      assert.equal(download.suggestedFilename(), `${named.mixed}.${want.ext}`);
      assert.match(await readFile((await download.path())!, 'utf8'), want.body);
    }
    await page.close();
  });

  it('resumes a run from a chosen cell: a child run reusing the earlier results', async () => {
    const page = await newPage();
    const source = await get(named.resume);
    await page.goto(`${sb.url}/runs/${source.id}`);
    await page.locator('[data-testid=resume][data-cell=second]').click();
    await page.waitForURL((url) => /^\/runs\/\w+$/.test(url.pathname) && !url.pathname.endsWith(source.id));
    const child = new URL(page.url()).pathname.split('/').pop()!;
    assert.equal(await finish(child), 'succeeded');
    const run = await get(child);
    assert.equal(run.parent, source.id);
    assert.equal(run.resumed_from, 'second');
    const step = (view: RunView, cell: string) => view.steps.find((s) => s.cell === cell)!;
    assert.equal(step(run, 'first').reused_from, source.id);
    assert.deepEqual(step(run, 'first').result, step(source, 'first').result);
    for (const cell of ['second', 'third']) {
      assert.equal(step(run, cell).reused_from, null, `${cell} ran again`);
      assert.ok(Date.parse(step(run, cell).started_at!) > Date.parse(step(source, 'third').started_at!));
    }
    // The later cells ran with the reused result.
    const lines = (await (await fetch(`${sb.url}/api/runs/${child}/cells/third/lines`)).json()) as {
      lines: { text: string }[];
    };
    assert.deepEqual(
      lines.lines.map((line) => line.text),
      [`token ${step(source, 'first').result!.token}`],
    );
    // The page says so: its parent, the reused bar, the steps table.
    await page.locator('[data-testid=run-status][status=succeeded]').waitFor();
    assert.match(await page.locator('.facts').innerText(), /resumed from second of/);
    assert.equal(await page.locator('[data-testid=parent-link]').getAttribute('href'), `/runs/${source.id}`);
    assert.match(
      await page.locator('[data-testid=timeline-bar][data-cell=first]').innerText(),
      new RegExp(`reused from ${source.id.slice(-8)}`),
    );
    assert.deepEqual(
      await page
        .locator('[data-testid=timeline-bar]')
        .evaluateAll((bars) => bars.map((bar) => bar.getAttribute('data-cell'))),
      ['first', 'second', 'third'],
    );
    await page.close();
  });

  it('plays back at 10×: the clock advances over time, ten times faster than the run', async () => {
    const page = await newPage();
    await page.goto(`${sb.url}/runs/${named.ticks}`);
    await page.locator('[data-testid=play]').waitFor();
    const scrubber = page.locator('[data-testid=scrubber]');
    const duration = Number(await scrubber.getAttribute('max'));
    assert.ok(duration >= 5500, `the run took ${duration} ms`);
    await page.locator('[data-testid=speed]').selectOption('10');
    await allowNamedFunctions(page);
    // Sampled in the page every frame: the real time, the playback position and the output shown.
    const samples = await page.locator('sb-run-playback').evaluate(async (playback) => {
      const root = playback.shadowRoot!;
      const range = root.querySelector<HTMLInputElement>('[data-testid=scrubber]')!;
      const output = () =>
        root.querySelector('[data-cell=ticks] [data-testid=playback-output]')?.textContent ?? '';
      const taken: { t: number; at: number; output: string }[] = [];
      const started = performance.now();
      root.querySelector<HTMLButtonElement>('[data-testid=play]')!.click();
      while (performance.now() - started < 5000) {
        await new Promise((resolve) => requestAnimationFrame(resolve));
        taken.push({ t: performance.now() - started, at: Number(range.value), output: output() });
        if (Number(range.value) >= Number(range.max)) break;
      }
      return taken;
    });
    const end = samples.findIndex((sample) => sample.at >= duration);
    assert.ok(end > 0, 'it reached the end');
    const realMs = samples[end]!.t;
    // Ten times faster than the run's own time, give or take the ticks of the clock.
    assert.ok(
      realMs >= duration / 10 - 100 && realMs <= (duration / 10) * 2.5,
      `${realMs} ms to play ${duration} ms`,
    );
    const moving = samples.filter((sample) => sample.at > 0 && sample.at < duration);
    assert.ok(moving.length >= 5, `${moving.length} positions on the way`);
    const first = moving[0]!;
    const last = moving.at(-1)!;
    const rate = (last.at - first.at) / (last.t - first.t);
    assert.ok(rate > 6 && rate < 14, `${rate.toFixed(1)}× real time`);
    // On the way, some ticks are shown and later ones not yet.
    assert.ok(moving.some((sample) => sample.output.includes('tick 2') && !sample.output.includes('tick 5')));
    assert.match(samples[end]!.output, /tick 6/);
    // At 1× the same second of real time moves the clock about one second.
    await page.locator('[data-testid=speed]').selectOption('1');
    await scrubber.fill('0');
    await scrubber.dispatchEvent('input');
    await page.locator('[data-testid=play]').click();
    await page.waitForTimeout(1000);
    await page.locator('[data-testid=play]').click();
    const atOne = Number(await scrubber.inputValue());
    assert.ok(atOne > 600 && atOne < 1600, `${atOne} ms after a second at 1×`);
    await page.close();
  });

  it('filters the history by datacentre, in the URL', async () => {
    const page = await newPage();
    await page.goto(`${sb.url}/runs`);
    const rows = page.locator('[data-testid=run-row]');
    await rows.first().waitFor();
    const all = await rows.count();
    const shown = () => rows.evaluateAll((list) => list.map((row) => row.getAttribute('data-run')));
    const datacentres = () =>
      rows.evaluateAll((list) => list.map((row) => row.querySelectorAll('td')[3]!.textContent!.trim()));
    assert.ok((await datacentres()).includes('other') && (await datacentres()).includes('example'));
    await page.locator('[data-testid=filter-dc]').selectOption('other');
    await page.waitForURL(/\/runs\?dc=other$/);
    await page.waitForFunction(
      () =>
        document
          .querySelector('sb-app')
          ?.shadowRoot?.querySelector('sb-run-list')
          ?.shadowRoot?.querySelectorAll('[data-testid=run-row]').length === 1,
    );
    assert.deepEqual(await shown(), [named.diffyOther]);
    await page.locator('[data-testid=filter-dc]').selectOption('example');
    await page.waitForURL(/\/runs\?dc=example$/);
    await page.waitForFunction(
      (count) =>
        document
          .querySelector('sb-app')
          ?.shadowRoot?.querySelector('sb-run-list')
          ?.shadowRoot?.querySelectorAll('[data-testid=run-row]').length === count,
      all - 1,
    );
    assert.deepEqual([...new Set(await datacentres())], ['example']);
    // Both filters, from a shared URL.
    await page.goto(`${sb.url}/runs?runbook=diffy&dc=example`);
    await page.locator('[data-testid=run-row]').first().waitFor();
    assert.deepEqual(await shown(), [named.diffyExample]);
    assert.equal(await page.locator('[data-testid=filter-dc]').inputValue(), 'example');
    assert.equal(await page.locator('[data-testid=filter-runbook]').inputValue(), 'diffy');
    await page.close();
  });

  it('diffs parameters, per-cell status and duration, and results', async () => {
    const page = await newPage();
    await page.goto(`${sb.url}/runs/${named.diffyExample}?compare=${named.diffyOther}`);
    await page.locator('[data-testid=diff-cell]').first().waitFor();
    const params = await page
      .locator('[data-testid=diff-param]')
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent!.trim())),
      );
    assert.deepEqual(params, [
      ['run.params.nap', '0.1', '1', 'changed'],
      ['run.params.fail', 'false', 'true', 'changed'],
      ['dc.name', 'example', 'other', 'changed'],
      ['dc.params.ntp_server', 'pool.ntp.org', 'ntp.other.example', 'changed'],
    ]);
    const cell = (name: string) => page.locator(`[data-testid=diff-cell][data-cell=${name}]`);
    // Status: the same for napper, changed (and flagged) for checker.
    const status = (name: string) =>
      cell(name)
        .locator('[data-testid=diff-status] sb-status-badge')
        .evaluateAll((badges) => badges.map((badge) => badge.getAttribute('status')));
    assert.deepEqual(await status('napper'), ['succeeded', 'succeeded']);
    assert.deepEqual(await status('checker'), ['succeeded', 'failed']);
    assert.match(
      (await cell('checker').locator('[data-testid=diff-status]').getAttribute('class'))!,
      /changed/,
    );
    assert.doesNotMatch(
      (await cell('napper').locator('[data-testid=diff-status]').getAttribute('class'))!,
      /changed/,
    );
    // Duration: a 0.1 s nap against a 1 s one, and the change between them.
    const duration = (await cell('napper').locator('[data-testid=diff-duration]').innerText()).trim();
    const match = /^(\d+) ms → (\d\.\d) s \(\+(\d+) ms\)$/.exec(duration);
    assert.ok(match, duration);
    assert.ok(Number(match[1]) >= 100 && Number(match[1]) < 900, duration);
    assert.ok(Number(match[2]) >= 1 && Number(match[3]) >= 600, duration);
    // Results: each side as a table of its own values; a failed side shows its error.
    const side = (name: string, n: number) =>
      cell(name).locator(`[data-testid=diff-result] .results > div`).nth(n);
    await cell('napper').locator('[data-testid=diff-result] summary').click();
    assert.match(
      await side('napper', 0).locator('sb-value-table table').innerText(),
      /^exit_code\s+0\s+nap\s+0\.1$/,
    );
    assert.match(
      await side('napper', 1).locator('sb-value-table table').innerText(),
      /^exit_code\s+0\s+nap\s+1$/,
    );
    await cell('checker').locator('[data-testid=diff-result] summary').click();
    assert.match(await side('checker', 0).locator('sb-value-table table').innerText(), /^exit_code\s+0$/);
    assert.equal(await side('checker', 1).locator('sb-value-table').count(), 0);
    assert.match(await side('checker', 1).innerText(), /^b\s+EXEC_FAILED: script exited with 1$/);
    await page.close();
  });

  it('a 200,000-line output opens at its end; Home, End and the jump button go to its start and back', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const fetched: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/lines?')) fetched.push(new URL(request.url()).search);
    });
    await page.goto(`${sb.url}/runbooks/big?dc=example&run=${bigRun}`);
    const output = page.locator('sb-cell-card[data-cell=lines] sb-output');
    await output.locator('[data-testid=output-count]').getByText('200,000 lines').waitFor();
    await output.getByText('200000', { exact: true }).waitFor();
    await output.getByText('following', { exact: true }).waitFor();
    // On its way to the end the view passes its top while the virtualiser sizes 200,000 rows: only the
    // tail, which the first answer holds, is ever fetched.
    await page.waitForTimeout(500);
    assert.deepEqual(fetched, ['?count=500']);
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
    await page.close();
  });

  it('fetches the lines of a page again once the network is back, without a scroll to ask for them', async () => {
    const page = await newPage();
    await page.goto(`${sb.url}/runbooks/big?dc=example&run=${bigRun}`);
    const output = page.locator('sb-cell-card[data-cell=lines] sb-output');
    await output.getByText('200000', { exact: true }).waitFor();
    let down = true;
    let refused = 0;
    await page.route(
      (url) => url.pathname.endsWith('/lines'),
      (route) => (down ? (refused++, route.abort('internetdisconnected')) : route.continue()),
    );
    await output.locator('.lines').focus();
    await page.keyboard.press('Home');
    await output.locator('.row[data-n="1"]').waitFor();
    await page.waitForTimeout(1500);
    assert.ok(refused >= 1);
    assert.equal(
      await output.locator('.row[data-n="1"]').innerText(),
      '…',
      'a placeholder while the network is down',
    );
    down = false;
    await output.locator('.row[data-n="1"]').getByText('1', { exact: true }).waitFor({ timeout: 5000 });
    assert.equal(await output.locator('.row[data-n="2"]').innerText(), '2');
    await page.close();
  });

  it('scrolls through 200,000 lines with the keyboard and the wheel without a long frame, few rows in the DOM', async (t) => {
    const page = await newPage();
    await page.goto(`${sb.url}/runbooks/big?dc=example&run=${bigRun}`);
    const output = page.locator('sb-cell-card[data-cell=lines] sb-output');
    await output.getByText('200000', { exact: true }).waitFor();
    const lines = output.locator('.lines');
    // Every frame while scrolling: the time since the previous one and the rows in the DOM; and every long task.
    await allowNamedFunctions(page);
    await output.evaluate((element) => {
      const root = element.shadowRoot!;
      const record = { deltas: [] as number[], rows: 0, longTasks: [] as number[], on: true };
      Object.assign(window, { sbFrames: record });
      let last = performance.now();
      const frame = (now: number) => {
        record.deltas.push(now - last);
        last = now;
        record.rows = Math.max(record.rows, root.querySelectorAll('.row').length);
        if (record.on) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) record.longTasks.push(entry.duration);
      }).observe({ type: 'longtask' });
    });
    const firstShown = () =>
      output.evaluate((element) => {
        const scroller = element.shadowRoot!.querySelector<HTMLElement>('.lines')!;
        const top = scroller.getBoundingClientRect().top;
        const rows = [...element.shadowRoot!.querySelectorAll<HTMLElement>('.row')];
        const row = rows.find((r) => r.getBoundingClientRect().bottom > top + 1);
        return Number(row?.dataset.n);
      });
    // The keyboard: from the start, a page at a time.
    await lines.focus();
    await page.keyboard.press('Home');
    await output.locator('.row[data-n="1"]').getByText('1', { exact: true }).waitFor();
    // A key pressed while the previous page still scrolls smoothly may cut it short: 40 presses go at least
    // 200 lines down (a page is about 15).
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('PageDown');
      await page.waitForTimeout(20);
    }
    await page.waitForTimeout(300);
    const afterKeys = await firstShown();
    assert.ok(afterKeys > 200, `40 pages down reach line ${afterKeys}`);
    // The wheel: flings over the output, each far more than a screen.
    const box = (await lines.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 40; i++) await page.mouse.wheel(0, 4000);
    await page.waitForTimeout(300);
    const afterWheel = await firstShown();
    assert.ok(afterWheel > afterKeys + 40 * 100, `the wheel went from line ${afterKeys} to ${afterWheel}`);
    const frames = await page.evaluate(() => {
      const record = (
        window as unknown as {
          sbFrames: { on: boolean; deltas: number[]; rows: number; longTasks: number[] };
        }
      ).sbFrames;
      record.on = false;
      return record;
    });
    const sorted = [...frames.deltas].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
    const note =
      `${sorted.length} frames: median ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms, ` +
      `worst ${at(1).toFixed(0)} ms; long tasks [${frames.longTasks.map((d) => d.toFixed(0)).join(', ')}] ms; ` +
      `${frames.rows} rows in the DOM at most`;
    t.diagnostic(note);
    // Bounds generous enough for a loaded CI machine, far below a view that renders or walks every line
    // (seconds for 200,000 rows): the frames keep coming, most at the display's rate, and no more than one
    // in twenty is long. The single worst frame is reported, not asserted: on a shared machine the system
    // can hold the renderer back for seconds (4.7 s seen at a load of 14 on 2 CPUs), whatever the page does.
    assert.ok(sorted.length > 30, note);
    assert.ok(at(0.5) <= 50, `the median frame took over 50 ms: ${note}`);
    assert.ok(at(0.95) <= 250, `one frame in twenty took over 250 ms: ${note}`);
    // The view holds 20-odd visible rows; with the layout's margins about 60 are rendered.
    assert.ok(frames.rows < 100, `the list is not virtualised to the view: ${note}`);
    // Where it stopped, the rows show their own lines (seq printed each line's number), none left as placeholders.
    await page.waitForFunction(
      () => {
        const output = document
          .querySelector('sb-app')
          ?.shadowRoot?.querySelector('sb-notebook')
          ?.shadowRoot?.querySelector('sb-output');
        const rows = output?.shadowRoot?.querySelectorAll('.row');
        return rows?.length && ![...rows].some((row) => row.classList.contains('pending'));
      },
      null,
      { timeout: 5000 },
    );
    const shown = await output
      .locator('.row')
      .evaluateAll((rows) => rows.map((row) => [(row as HTMLElement).dataset.n, row.textContent]));
    assert.ok(shown.length > 10);
    assert.deepEqual(
      shown.map(([, text]) => text),
      shown.map(([n]) => n),
    );
    await page.close();
  });
});
