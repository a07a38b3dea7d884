import { chromium, type Browser, type Page } from 'playwright-core';
import { cliSandbox, startServe } from './cli.ts';

/** Debian's Chromium, headless, with nothing that reaches the network by itself. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

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
