import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, servedSandbox } from '../../helpers/browser.ts';

describe('web datacentre editor', () => {
  let sb: Awaited<ReturnType<typeof servedSandbox>>;
  let browser: Browser;
  before(async () => {
    sb = await servedSandbox();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await sb?.close();
  });

  it('rejects a bad MAC at its field and writes nothing', async () => {
    const file = path.join(sb.datacentres, 'example', 'datacentre.yaml');
    const before = await readFile(file, 'utf8');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${sb.url}/datacentres/example`);
    const mac = page.locator('[data-testid="dc-field-machines[0].mac[0]"]');
    await mac.fill('52:54:00:zz:00:01');
    await mac.blur();
    await page.locator('[data-testid=dc-field-error]').first().waitFor();
    await page.locator('[data-testid=dc-save]').click();
    const issue = page.locator('[data-testid=dc-issues] [data-testid=dc-issue]').first();
    await issue.waitFor();
    assert.equal(await issue.getAttribute('data-field'), 'machines[0].mac[0]');
    assert.match(await issue.innerText(), /MAC/);
    assert.equal(await readFile(file, 'utf8'), before, 'nothing was written');
    assert.equal(await mac.inputValue(), '52:54:00:zz:00:01', 'the edit is kept');
    await page.close();
  });

  it('saves a valid edit through the server, keeping the file comments', async () => {
    const file = path.join(sb.datacentres, 'example', 'datacentre.yaml');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${sb.url}/datacentres/example`);
    const port = page.locator('[data-testid="dc-field-machines[0].pm_port"]');
    await port.fill('6240');
    await port.blur();
    await page.locator('[data-testid=dc-save]').click();
    for (let i = 0; i < 50 && !(await readFile(file, 'utf8')).includes('6240'); i++)
      await page.waitForTimeout(100);
    const text = await readFile(file, 'utf8');
    assert.match(text, /pm_port: 6240/);
    assert.match(text, /# An example datacentre profile/);
    await page.close();
  });
});
