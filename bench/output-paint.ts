/**
 * Issue 4's benchmark: open a recorded run in Chromium as an operator does — its shareable URL
 * (`/runbooks/<id>?dc=…&run=…`) in a fresh page of a real `stackbook serve`, so the page load, the bundle, the
 * run and the lines are all fetched — and time the first output line painted (target ≤ 1 s), then the keys
 * Home (line 1 painted) and End (the last line painted again). Runs of 1, 20,000 and 200,000 lines are
 * recorded by the same server and opened in turn. The JS heap (garbage collected) after the scrolls shows
 * that the view holds a window of lines, not all of them: 20,000 and 200,000 lines must cost the same.
 * The run page (`/runs/<id>`) is timed too, until its playback is ready.
 */
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../lab/chromium.ts';
import { startServeProcess } from './serve-process.ts';

const SIZES = { one: 1, mid: 20_000, big: 200_000 } as const;
type Size = keyof typeof SIZES;
const ROUNDS = 3;

interface Figures {
  /** Navigation start → the first output line painted (any line). */
  firstPaintMs: number;
  /** Navigation start → the last line painted (the view opens at the end). */
  lastPaintMs: number;
  /** Navigation start → the bundle, the runbook's view, the run and the tail of its lines answered. */
  bundleMs: number;
  runbookMs: number;
  runMs: number;
  linesMs: number;
  /** Home pressed → line 1 painted. */
  toTopMs: number;
  /** End pressed → the last line painted. */
  toEndMs: number;
  /** Navigation start → the run page's playback ready to play. */
  runPageMs: number;
  /** JS heap after opening and scrolling, garbage collected. */
  heap: number;
  /** Rows in the output's DOM at the end. */
  rows: number;
}

// Installed before the page's own scripts (source text: tsx's helpers do not exist in the page). `sbDeep`
// finds an element through shadow roots; `sbPainted` answers the time of the frame after the one in which
// a row matching a selector first had text, i.e. once it has been painted; the first output line is watched
// from the start of the navigation.
const PAGE_HELPERS = `
window.sbDeep = (selector) => {
  const roots = [document];
  while (roots.length) {
    const root = roots.shift();
    const found = root.querySelector(selector);
    if (found) return found;
    for (const element of root.querySelectorAll('*')) if (element.shadowRoot) roots.push(element.shadowRoot);
  }
  return null;
};
window.sbPainted = (selector) => new Promise((resolve) => {
  const check = () => {
    const row = window.sbDeep('sb-output')?.shadowRoot?.querySelector(selector);
    if (row && row.textContent) requestAnimationFrame(() => resolve({ at: performance.now(), n: Number(row.dataset.n) }));
    else requestAnimationFrame(check);
  };
  check();
});
window.sbFirstPaint = window.sbPainted('.row:not(.pending)');
window.sbLastPaint = window.sbPainted(\`.row[data-n="\${window.sbLines}"]:not(.pending)\`);
addEventListener('keydown', () => (window.sbKeyAt = performance.now()), true);
`;

async function heapOf(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize;
}

/** Opens a recorded run's notebook URL in a fresh page (nothing cached), then its run page, and measures. */
async function measure(browser: Browser, url: string, run: string, runbook: string, lines: number) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.addInitScript(`window.sbLines = ${lines};${PAGE_HELPERS}`);
    await page.goto(`${url}/runbooks/${runbook}?dc=example&run=${run}`, { waitUntil: 'commit' });
    const paint = async (name: string) => ((await page.evaluate(name)) as { at: number }).at;
    const firstPaintMs = await paint('window.sbFirstPaint');
    const lastPaintMs = await paint('window.sbLastPaint');
    // Where the time went: when each request it needed was answered, from the navigation's start.
    const answered = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map(
          (entry) =>
            [new URL(entry.name).pathname, (entry as PerformanceResourceTiming).responseEnd] as const,
        ),
    );
    const at = (pattern: RegExp) => answered.find(([name]) => pattern.test(name))?.[1] ?? NaN;
    const steps = {
      bundleMs: at(/\/assets\/app\.js$/),
      runbookMs: at(/^\/api\/runbooks\//),
      runMs: at(/^\/api\/runs\/[^/]+$/),
      linesMs: at(/\/lines$/),
    };
    const press = async (key: string, selector: string) => {
      await page.keyboard.press(key);
      const painted = (await page.evaluate(`window.sbPainted(${JSON.stringify(selector)})`)) as {
        at: number;
      };
      return painted.at - (await page.evaluate<number>('window.sbKeyAt'));
    };
    await page.locator('sb-output .lines').focus();
    const toTopMs = await press('Home', '.row[data-n="1"]:not(.pending)');
    const toEndMs = await press('End', `.row[data-n="${lines}"]:not(.pending)`);
    const rows = await page.locator('sb-output .row').count();
    const heap = await heapOf(page);
    await page.goto(`${url}/runs/${run}`, { waitUntil: 'commit' });
    await page.locator('sb-run-playback [data-testid=play]').waitFor({ timeout: 60_000 });
    const runPageMs = await page.evaluate(() => performance.now());
    return { firstPaintMs, lastPaintMs, ...steps, toTopMs, toEndMs, runPageMs, heap, rows } satisfies Figures;
  } finally {
    await page.close();
  }
}

async function record(server: Awaited<ReturnType<typeof startServeProcess>>, runbook: string) {
  const { id } = (await server.post('/api/runs', { runbook, datacentre: 'example' })) as { id: string };
  await server.post(`/api/runs/${id}/execute`);
  for (;;) {
    const run = (await (await fetch(`${server.url}/api/runs/${id}`)).json()) as { status: string };
    if (run.status === 'succeeded') return id;
    if (run.status !== 'running' && run.status !== 'pending') throw new Error(`${runbook}: ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function outputPaint(): Promise<void> {
  const cell = (script: string) => `# Paint\n\n\`\`\`sh {name=out}\n${script}\n\`\`\`\n`;
  const runbooks = Object.fromEntries(
    Object.entries(SIZES).map(([size, lines]) => [
      `paint-${size}`,
      cell(lines === 1 ? 'echo "line 1"' : `seq -f 'line %g' 1 ${lines}`),
    ]),
  );
  const server = await startServeProcess(runbooks);
  let browser: Browser | undefined;
  try {
    const runs = {} as Record<Size, string>;
    for (const size of Object.keys(SIZES) as Size[]) runs[size] = await record(server, `paint-${size}`);
    browser = await launchChromium();
    const open = (size: Size) => measure(browser!, server.url, runs[size], `paint-${size}`, SIZES[size]);
    await open('one'); // warm-up: Chromium's code caches, the server's first reads
    const figures: Record<Size, Figures[]> = { one: [], mid: [], big: [] };
    for (let round = 0; round < ROUNDS; round++)
      for (const size of Object.keys(SIZES) as Size[]) figures[size].push(await open(size));

    const pick = (size: Size, key: keyof Figures) => median(figures[size].map((f) => f[key]));
    const sizes = Object.keys(SIZES) as Size[];
    const label = (size: Size) => `${SIZES[size].toLocaleString('en')} line${SIZES[size] === 1 ? '' : 's'}`;
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    const mib = (v: number) => `${(v / 1024 / 1024).toFixed(2)} MiB`;
    const row = (name: string, key: keyof Figures, unit: (v: number) => string) =>
      console.log(`  ${name.padEnd(40)}${sizes.map((size) => unit(pick(size, key)).padStart(16)).join('')}`);
    console.log(
      `output paint: a recorded run opened at its notebook URL in Chromium, each page fresh (median of ${ROUNDS})`,
    );
    console.log(`  ${''.padEnd(40)}${sizes.map((size) => label(size).padStart(16)).join('')}`);
    row('navigation → first line painted', 'firstPaintMs', ms);
    row('navigation → last line painted', 'lastPaintMs', ms);
    row('  of which: bundle loaded', 'bundleMs', ms);
    row('            runbook view answered', 'runbookMs', ms);
    row('            run answered', 'runMs', ms);
    row('            tail of the lines answered', 'linesMs', ms);
    row('Home → line 1 painted', 'toTopMs', ms);
    row('End → last line painted', 'toEndMs', ms);
    row('JS heap after the scrolls', 'heap', mib);
    row('rows in the DOM', 'rows', (v) => v.toFixed(0));
    row('run page: navigation → playback ready', 'runPageMs', ms);
    const paint = pick('big', 'firstPaintMs');
    console.log(
      `  ratio   first paint ${label('big')} / ${label('one')} = ${(paint / pick('one', 'firstPaintMs')).toFixed(2)}; ` +
        `${ms(paint)} is ${paint <= 1000 ? 'within' : 'OVER'} the 1 s target`,
    );
    const growth = (size: Size) => pick(size, 'heap') - pick('one', 'heap');
    console.log(
      `  heap    beyond the 1-line run: ${mib(growth('mid'))} at ${label('mid')}, ${mib(growth('big'))} at ` +
        `${label('big')} (× ${(pick('big', 'heap') / pick('mid', 'heap')).toFixed(2)} for 10× the lines)`,
    );
  } finally {
    await browser?.close();
    await server.stop();
  }
}
