import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, headless, for tests, benchmarks and screenshots: no sandbox (we run as root), and nothing
 * that reaches the network by itself (this machine's network is closed; Chromium would try at every start).
 */
export function launchChromium(): Promise<Browser> {
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
