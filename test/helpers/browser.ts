import type { Page } from 'playwright-core';
import { launchChromium } from '../../lab/chromium.ts';
import { cliSandbox, startServe } from './cli.ts';

/** Debian's Chromium, headless, with nothing that reaches the network by itself. */
export const launchBrowser = launchChromium;

/** A sandbox served by a real `stackbook serve --port 0` process (the web bundle must be built). */
export async function servedSandbox(runbooks: Record<string, string> = {}) {
  const sandbox = await cliSandbox(runbooks);
  const start = () => startServe(sandbox);
  let server = await start();
  return {
    ...sandbox,
    get url() {
      return server.url;
    },
    async stop() {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('exit', resolve));
    },
    async restart() {
      await this.stop();
      server = await start();
    },
    async close() {
      await this.stop().catch(() => undefined);
      await sandbox.close();
    },
  };
}

/** Text of every output line rendered for a cell, in order. */
export async function outputText(page: Page, cell: string): Promise<string> {
  return page.locator(`sb-cell-card[data-cell="${cell}"] sb-output`).innerText();
}

/**
 * Lets functions written in these tests run in the page: tsx names functions through a `__name` helper that
 * only exists in Node. Call it before `evaluate` with a function that declares named functions.
 */
export async function allowNamedFunctions(page: Page): Promise<void> {
  await page.evaluate('globalThis.__name ??= (fn) => fn');
}

/**
 * Every line a cell's `<sb-output>` renders, read by scrolling its view from the first row to the last and
 * waiting at each stop until no row is a placeholder: `n` is the 1-based line number the row shows.
 */
export async function renderedLines(page: Page, cell: string): Promise<{ n: number; text: string }[]> {
  const output = page.locator(`sb-cell-card[data-cell="${cell}"] sb-output`);
  await allowNamedFunctions(page);
  return output.evaluate(async (element) => {
    const root = element.shadowRoot!;
    const scroller = root.querySelector<HTMLElement>('.lines')!;
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
    const settled = async () => {
      for (let i = 0; i < 200 && (root.querySelector('.row.pending') || !root.querySelector('.row')); i++)
        await frame();
      await frame();
    };
    // As a user's wheel does: the view stops following the end, so scrolling up stays put.
    scroller.dispatchEvent(new WheelEvent('wheel', { deltaY: -100 }));
    const seen = new Map<number, string>();
    for (let top = 0; ; top += Math.max(scroller.clientHeight / 2, 18)) {
      scroller.scrollTop = top;
      await settled();
      for (const row of root.querySelectorAll<HTMLElement>('.row'))
        seen.set(Number(row.dataset.n), row.textContent ?? '');
      if (top >= scroller.scrollHeight - scroller.clientHeight) break;
    }
    return [...seen].sort(([a], [b]) => a - b).map(([n, text]) => ({ n, text }));
  });
}

/** The lines the server stored for a cell's latest step, numbered from 1 as the view shows them. */
export async function storedLines(url: string, run: string, cell: string) {
  const lines: { n: number; text: string }[] = [];
  for (;;) {
    const page = (await (
      await fetch(`${url}/api/runs/${run}/cells/${cell}/lines?from=${lines.length}&count=5000`)
    ).json()) as { total: number; lines: { n: number; text: string }[] };
    lines.push(...page.lines.map(({ n, text }) => ({ n: n + 1, text })));
    if (!page.lines.length || lines.length >= page.total) return lines;
  }
}

/**
 * The page's HTML with every shadow root inlined (what `page.content()` leaves out), followed by the values
 * of every input and text area, which typing sets without changing the HTML.
 */
export async function deepHtml(page: Page): Promise<string> {
  await allowNamedFunctions(page);
  return page.evaluate(() => {
    const roots: ShadowRoot[] = [];
    const values: string[] = [];
    const walk = (node: Document | ShadowRoot) => {
      for (const element of node.querySelectorAll('*')) {
        if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement)
          values.push(element.value);
        if (element.shadowRoot) {
          roots.push(element.shadowRoot);
          walk(element.shadowRoot);
        }
      }
    };
    walk(document);
    return `${document.documentElement.getHTML({ shadowRoots: roots })}\n${values.join('\n')}`;
  });
}
