/**
 * `npm run screenshots`: regenerates the notebook screenshots in docs/screenshots/ from a real `stackbook
 * serve` over a temporary copy of the repo's runbooks, the example datacentre and a simulated lab (ipmi_sim
 * BMCs), driven in Debian's Chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { exec } from '../drivers/exec.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = path.join(ROOT, 'docs', 'screenshots');
const BIN = path.join(ROOT, 'server', 'cli', 'bin.js');

const DEMO = `---
id: bring-up-demo
title: Bring-up demo
summary: A short tour — host facts, then a chatty build.
---

# Bring-up demo

Each cell is recorded step by step; its output streams in as it runs.

\`\`\`sh {name=host-facts}
echo "host: $(uname -n)"; echo "cpus=$(nproc)" >> "$STACKBOOK_OUTPUT"
\`\`\`

\`\`\`sh {name=build-image needs=[host-facts]}
for i in $(seq 1 400); do printf '\\033[32m%s\\033[0m element %03d: installed\\n' "$(date +%T)" "$i"; sleep 0.01; done
\`\`\`
`;

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-screens-'));
  let server: ChildProcess | undefined;
  const common = [
    '--data',
    path.join(dir, 'data'),
    '--runbooks',
    path.join(dir, 'runbooks'),
    '--datacentres',
    path.join(dir, 'datacentres'),
  ];
  try {
    await cp(path.join(ROOT, 'runbooks'), path.join(dir, 'runbooks'), { recursive: true });
    await writeFile(path.join(dir, 'runbooks', 'bring-up-demo.md'), DEMO);
    await cp(path.join(ROOT, 'datacentres', 'example'), path.join(dir, 'datacentres', 'example'), {
      recursive: true,
    });
    await writeFile(
      path.join(dir, 'datacentres', 'example', 'secrets.env'),
      'EXAMPLE_IPMI_PASSWORD=demo-1\nEXAMPLE_OS_PASSWORD=demo-2\n',
    );
    const up = await exec(process.execPath, [BIN, 'lab', 'up', '--machines', '8', ...common], {
      capture: 4096,
    });
    if (up.exitCode !== 0) throw new Error(`lab up failed: ${up.stderr}`);
    server = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...common], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      server!.stdout!.on('data', (chunk) => {
        output += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      server!.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    const browser = await launchChromium();
    const shot = async (page: Page, name: string) => {
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(OUT, `${name}.png`) });
      console.log(`docs/screenshots/${name}.png`);
    };
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const cell = (name: string) => page.locator(`sb-cell-card[data-cell="${name}"]`);
    const status = (name: string) => cell(name).locator('[data-testid=cell-status]');

    // A fan-out cell live: one BMC answers slowly, so the grid shows machines done, running and queued.
    const lab = path.join(dir, 'data', 'lab', 'lab', 'bmcs');
    await writeFile(path.join(lab, 'lab-node-6', 'delay'), '0.7');
    await writeFile(path.join(lab, 'lab-node-7', 'delay'), '0.7');
    await page.goto(`${url}/runbooks/netboot-machines?dc=lab`);
    await cell('netboot-first').waitFor();
    await page.locator('[data-testid=run-all]').click();
    await cell('netboot-first')
      .locator('[data-machine][data-state=succeeded]')
      .nth(3)
      .waitFor({ timeout: 60_000 });
    await cell('netboot-first').scrollIntoViewIfNeeded();
    await shot(page, 'fan-out');
    await status('power-on').getByText('succeeded').waitFor({ timeout: 120_000 });
    await rm(path.join(lab, 'lab-node-6', 'delay'));
    await rm(path.join(lab, 'lab-node-7', 'delay'));
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'notebook');
    const netbootRun = new URL(page.url()).searchParams.get('run')!;

    // Live output of a chatty cell.
    await page.goto(`${url}/runbooks/bring-up-demo?dc=example`);
    await cell('host-facts').waitFor();
    await page.locator('[data-testid=run-all]').click();
    await cell('build-image').locator('sb-output .row').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(2500);
    await cell('build-image').scrollIntoViewIfNeeded();
    await shot(page, 'live-output');
    await status('build-image').getByText('succeeded').waitFor({ timeout: 60_000 });

    // An operator's approval.
    const runs: string[] = [];
    for (let i = 0; i < 2; i++) {
      await page.goto(`${url}/runbooks/seed-preflight?dc=example`);
      await cell('host-facts').waitFor();
      await page.locator('[data-testid=run-all]').click();
      await cell('cabling').locator('[data-testid=approve-box]').waitFor({ timeout: 30_000 });
      if (i === 0) {
        await cell('cabling').scrollIntoViewIfNeeded();
        await cell('cabling').locator('[data-testid=approve-note]').fill('rack 4 cabled, checked by hand');
        await shot(page, 'notebook-approval');
      }
      await cell('cabling').locator('[data-testid=approve]').click();
      await page.locator('[data-testid=run-status]').getByText('succeeded').waitFor({ timeout: 30_000 });
      runs.push(new URL(page.url()).searchParams.get('run')!);
    }

    // A run's page: the timeline, and two runs compared.
    await page.goto(`${url}/runs/${netbootRun}`);
    await page.locator('[data-testid=timeline-bar]').first().waitFor();
    await shot(page, 'run-timeline');
    await page.goto(`${url}/runs/${runs[0]}?compare=${runs[1]}`);
    await page.locator('[data-testid=diff-cell]').first().waitFor();
    await shot(page, 'run-diff');

    // The datacentre editor rejecting a bad MAC.
    await page.goto(`${url}/datacentres/example`);
    const mac = page.locator('[data-testid="dc-field-machines[0].mac[0]"]');
    await mac.fill('52:54:00:zz:00:01');
    await mac.blur();
    await page.locator('[data-testid=dc-save]').click();
    await page.locator('[data-testid=dc-issues] [data-testid=dc-issue]').first().waitFor();
    await shot(page, 'datacentre-editor');
    await browser.close();
  } finally {
    server?.kill('SIGTERM');
    await exec(process.execPath, [BIN, 'lab', 'down', ...common]);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
