import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { stringify } from 'yaml';
import { BmcFleet } from '../../../lab/bmc/bmc-fleet.ts';
import { launchBrowser, servedSandbox } from '../../helpers/browser.ts';

const RUNBOOKS = {
  fanout: '# Fan-out\n\n```ipmi {name=power-on}\naction: power-on\nmachines: "{{ dc.machines }}"\n```\n',
};

describe('web notebook: a fan-out cell over simulated BMCs', () => {
  let sb: Awaited<ReturnType<typeof servedSandbox>>;
  let fleet: BmcFleet;
  let browser: Browser;
  let dir: string;
  before(async () => {
    sb = await servedSandbox(RUNBOOKS);
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-fanout-'));
    fleet = await BmcFleet.start({
      dir,
      machines: Array.from({ length: 6 }, (_, i) => ({ name: `node-${i}` })),
    });
    // One BMC answers slowly, so the grid is seen while the cell runs; one is not there at all.
    await fleet.setDelay('node-5', 0.5);
    const machines = [
      ...fleet.machines('FLEET_IPMI_PASSWORD'),
      {
        name: 'ghost',
        mac: ['52:54:00:ee:00:09'],
        pm_type: 'ipmi',
        pm_addr: '127.0.0.1',
        pm_port: 9,
        pm_user: 'admin',
        pm_password: { secret: 'FLEET_IPMI_PASSWORD' },
      },
    ];
    const dcDir = path.join(sb.datacentres, 'fleet');
    await mkdir(dcDir, { recursive: true });
    await writeFile(path.join(dcDir, 'datacentre.yaml'), stringify({ name: 'fleet', machines }));
    await writeFile(path.join(dcDir, 'secrets.env'), fleet.secrets('FLEET_IPMI_PASSWORD'), { mode: 0o600 });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await fleet?.stop();
    await sb?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows progress and a per-machine grid live, then every outcome, also after a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${sb.url}/runbooks/fanout?dc=fleet`);
    const card = page.locator('sb-cell-card[data-cell="power-on"]');
    await card.waitFor();
    await page.locator('[data-testid=run-all]').click();
    const grid = card.locator('[data-testid=machine-grid]');
    // While node-5's BMC takes its time, the grid already shows the machines that are done.
    await grid.locator('[data-machine="node-0"][data-state=succeeded]').waitFor();
    const progress = card.locator('progress');
    assert.equal(await progress.getAttribute('max'), '7');
    await card.locator('[data-testid=cell-status]').getByText('failed').waitFor({ timeout: 30_000 });
    for (let i = 0; i < 6; i++)
      await grid.locator(`[data-machine="node-${i}"][data-state=succeeded]`).waitFor();
    const ghost = grid.locator('[data-machine="ghost"][data-state=failed]');
    assert.match(await ghost.innerText(), /unreachable: .*Unable to establish IPMI v2/);
    assert.equal(await progress.evaluate((element) => (element as HTMLProgressElement).value), 7);
    assert.match(
      await card.locator('[data-testid=cell-error]').innerText(),
      /1 of 7 machines failed: ghost \(unreachable\)/,
    );
    // Every machine's outcome as a table row, the failed one included.
    const result = card.locator('[data-testid=cell-result]');
    await result.getByText('node-3').waitFor();
    await result.getByText('ghost', { exact: true }).waitFor();

    await page.reload();
    await card.locator('[data-testid=cell-status]').getByText('failed').waitFor();
    await grid.locator('[data-machine="ghost"][data-state=failed]').waitFor();
    assert.equal(await grid.locator('[data-state=succeeded]').count(), 6);
    await page.close();
  });
});
