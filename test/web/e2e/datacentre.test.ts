import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import { deepHtml, launchBrowser, servedSandbox } from '../../helpers/browser.ts';

const SECRETS = ['ipmi-Secret-1', 'os-Secret-2'];

describe('web datacentre editor', () => {
  let sb: Awaited<ReturnType<typeof servedSandbox>>;
  let browser: Browser;
  let file: string;
  let secretsFile: string;
  let original: { yaml: string; secrets: string };
  before(async () => {
    sb = await servedSandbox();
    browser = await launchBrowser();
    file = path.join(sb.datacentres, 'example', 'datacentre.yaml');
    secretsFile = path.join(sb.datacentres, 'example', 'secrets.env');
    original = { yaml: await readFile(file, 'utf8'), secrets: await readFile(secretsFile, 'utf8') };
  });
  // Each test starts from the example datacentre as shipped.
  beforeEach(async () => {
    await writeFile(file, original.yaml);
    await writeFile(secretsFile, original.secrets);
  });
  after(async () => {
    await browser?.close();
    await sb?.close();
  });

  const open = async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${sb.url}/datacentres/example`);
    await page.locator('[data-testid=dc-machine-row]').first().waitFor();
    return page;
  };
  const field = (page: Page, at: string) => page.locator(`[data-testid="dc-field-${at}"]`);
  /** The problem shown right after a field's input, where the operator is looking. */
  const errorAt = (page: Page, at: string) =>
    page.locator(`[data-testid="dc-field-${at}"] + [data-testid=dc-field-error]`);
  const saved = (page: Page) =>
    page
      .locator('[data-testid=dc-message]')
      .getByText(/Saved \S+datacentre\.yaml/)
      .waitFor();

  it('rejects a bad MAC at its field and writes nothing', async () => {
    const page = await open();
    const mac = field(page, 'machines[0].mac[0]');
    await mac.fill('52:54:00:zz:00:01');
    await mac.blur();
    await page.locator('[data-testid=dc-field-error]').first().waitFor();
    await page.locator('[data-testid=dc-save]').click();
    const issue = page.locator('[data-testid=dc-issues] [data-testid=dc-issue]').first();
    await issue.waitFor();
    assert.equal(await issue.getAttribute('data-field'), 'machines[0].mac[0]');
    assert.match(await issue.innerText(), /MAC/);
    assert.equal(await readFile(file, 'utf8'), original.yaml, 'nothing was written');
    assert.equal(await mac.inputValue(), '52:54:00:zz:00:01', 'the edit is kept');
    await page.close();
  });

  it('saves a valid edit through the server, keeping the file comments', async () => {
    const page = await open();
    const port = field(page, 'machines[0].pm_port');
    await port.fill('6240');
    await port.blur();
    await page.locator('[data-testid=dc-save]').click();
    await saved(page);
    const text = await readFile(file, 'utf8');
    assert.match(text, /pm_port: 6240/);
    assert.match(text, /# An example datacentre profile/);
    await page.close();
  });

  it('adds a machine and removes another; the saved file has both changes and keeps its comments', async () => {
    const page = await open();
    const rows = page.locator('[data-testid=dc-machine-row]');
    assert.equal(await rows.count(), 3);
    await page.locator('[data-testid=dc-add-machine]').click();
    assert.equal(await rows.count(), 4);
    // A new machine gets a free name and the BMC account of the last one; its addresses are the operator's.
    assert.equal(await field(page, 'machines[3].name').inputValue(), 'machine-3');
    assert.equal(await field(page, 'machines[3].pm_user').inputValue(), 'admin');
    await field(page, 'machines[3].name').fill('compute-1');
    await field(page, 'machines[3].mac[0]').fill('52:54:00:a1:00:04');
    await field(page, 'machines[3].pm_addr').fill('127.0.0.1');
    await field(page, 'machines[3].pm_port').fill('6233');
    await page.locator('[data-testid="dc-remove-machines[1]"]').click();
    assert.equal(await rows.count(), 3);
    assert.deepEqual(
      await Promise.all([0, 1, 2].map((i) => field(page, `machines[${i}].name`).inputValue())),
      ['seed', 'compute-0', 'compute-1'],
    );
    await page.locator('[data-testid=dc-dirty]').waitFor();
    await page.locator('[data-testid=dc-save]').click();
    await saved(page);
    assert.equal(await page.locator('[data-testid=dc-dirty]').count(), 0);
    const text = await readFile(file, 'utf8');
    const machines = (parse(text) as { machines: Record<string, unknown>[] }).machines;
    assert.deepEqual(
      machines.map((machine) => machine.name),
      ['seed', 'compute-0', 'compute-1'],
    );
    assert.deepEqual(machines[2], {
      name: 'compute-1',
      mac: ['52:54:00:a1:00:04'],
      arch: 'x86_64',
      pm_type: 'ipmi',
      pm_addr: '127.0.0.1',
      pm_user: 'admin',
      pm_password: { secret: 'EXAMPLE_IPMI_PASSWORD' },
      pm_port: 6233,
    });
    assert.doesNotMatch(text, /control-0/);
    for (const comment of [
      '# An example datacentre profile',
      '# Machines use the field names of TripleO',
      'pm_port: 6230 # each virtual BMC listens on its own UDP port',
      '# The provisioning (ctlplane) network',
      '# Free parameters that runbooks read',
    ])
      assert.ok(text.includes(comment), `kept: ${comment}`);
    // The server reads it back the same way.
    const view = (await (await fetch(`${sb.url}/api/datacentres/example`)).json()) as {
      profile: { machines: { name: string }[] };
    };
    assert.deepEqual(
      view.profile.machines.map((machine) => machine.name),
      ['seed', 'compute-0', 'compute-1'],
    );
    await page.close();
  });

  it('keeps secrets write-only: never sent to the browser, a new value goes to secrets.env alone', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const bodies: Promise<string>[] = [];
    page.on('response', (response) => void bodies.push(response.text().catch(() => '')));
    await page.goto(`${sb.url}/datacentres/example`);
    const row = page.locator('[data-testid=dc-secret-EXAMPLE_OS_PASSWORD]');
    await row.waitFor();
    assert.equal(
      (await row.locator('[data-testid=dc-secret-status]').innerText()).trim(),
      'set (secrets.env)',
    );
    const value = page.locator('[data-testid=dc-secret-EXAMPLE_OS_PASSWORD-value]');
    assert.equal(await value.inputValue(), '', 'the current value is not shown');
    await value.fill('new-OS-Secret-3');
    assert.equal(
      (await row.locator('[data-testid=dc-secret-status]').innerText()).trim(),
      'will be set on save',
    );
    const [put] = await Promise.all([
      page.waitForRequest((request) => request.method() === 'PUT'),
      page.locator('[data-testid=dc-save]').click(),
    ]);
    await saved(page);
    assert.deepEqual(put.postDataJSON().secrets, { EXAMPLE_OS_PASSWORD: 'new-OS-Secret-3' });
    // Written to secrets.env, beside the value it keeps; the profile is untouched.
    const secrets = await readFile(secretsFile, 'utf8');
    assert.match(secrets, /^EXAMPLE_OS_PASSWORD=new-OS-Secret-3$/m);
    assert.match(secrets, /^EXAMPLE_IPMI_PASSWORD=ipmi-Secret-1$/m);
    assert.equal(await readFile(file, 'utf8'), original.yaml);
    // Typed once, gone from the page after saving; no answer ever carried a secret's value.
    assert.equal(await value.inputValue(), '');
    assert.equal(
      (await row.locator('[data-testid=dc-secret-status]').innerText()).trim(),
      'set (secrets.env)',
    );
    await page.reload();
    await row.waitFor();
    const html = await deepHtml(page);
    const answers = await Promise.all(bodies);
    assert.ok(
      answers.some((body) => body.includes('EXAMPLE_OS_PASSWORD')),
      'the answers name the secret',
    );
    for (const secret of [...SECRETS, 'new-OS-Secret-3']) {
      assert.ok(!html.includes(secret), `${secret} is in the page`);
      assert.ok(!answers.some((body) => body.includes(secret)), `${secret} was sent to the browser`);
    }
    await page.close();
  });

  it('shows the overlay cells in place with their provenance, linked to the notebook', async () => {
    const page = await open();
    const overlay = page.locator('[data-testid=dc-overlay][data-runbook=seed-preflight]');
    await overlay.waitFor();
    assert.match(
      await overlay.locator('h3').innerText(),
      /Seed host preflight\s+seed-preflight · 1 overlay cell$/,
    );
    const cell = overlay.locator('[data-testid=dc-overlay-cell]');
    assert.equal(await cell.count(), 1);
    assert.equal(await cell.getAttribute('data-cell'), 'vlans');
    assert.match(
      await cell.innerText(),
      /^vlans\s+sh\s+overlay datacentres\/example\/runbooks\/seed-preflight\.md:11\n/,
    );
    assert.match(await cell.locator('pre').innerText(), /for vlan in \{\{ dc\.network\.vlans\.\*\.id \}\}/);
    await overlay.locator('[data-testid=dc-overlay-link]').click();
    await page.waitForURL(/\/runbooks\/seed-preflight\?dc=example$/);
    assert.match(
      await page.locator('sb-cell-card[data-cell=vlans] [data-testid=cell-provenance]').innerText(),
      /overlay seed-preflight\.md:11/,
    );
    await page.close();
  });

  it("puts the server's own checks at their fields after Save: a MAC two machines share, a gateway outside the network", async () => {
    const page = await open();
    // Each value is well formed, so the browser's checks pass; only the server sees what spans fields.
    await field(page, 'machines[1].mac[0]').fill('52:54:00:a1:00:01');
    await field(page, 'network.gateway').fill('10.99.0.1');
    await field(page, 'network.gateway').blur();
    assert.equal(await page.locator('[data-testid=dc-field-error]').count(), 0);
    await page.locator('[data-testid=dc-save]').click();
    await page.locator('[data-testid=dc-issues]').waitFor();
    const issues = await page
      .locator('[data-testid=dc-issue]')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-field')));
    assert.deepEqual(issues.sort(), ['machines[1].mac[0]', 'network.gateway']);
    assert.equal(
      await errorAt(page, 'machines[1].mac[0]').innerText(),
      'MAC 52:54:00:a1:00:01 of control-0 is also used by seed',
    );
    assert.equal(await field(page, 'machines[1].mac[0]').getAttribute('aria-invalid'), 'true');
    assert.equal(await errorAt(page, 'network.gateway').innerText(), 'gateway is outside 10.20.0.0/24');
    assert.equal(await field(page, 'network.gateway').getAttribute('aria-invalid'), 'true');
    assert.equal(await readFile(file, 'utf8'), original.yaml, 'nothing was written');
    // Fixing a field takes its problem away; with both fixed, Save writes.
    await field(page, 'network.gateway').fill('10.20.0.254');
    assert.equal(await errorAt(page, 'network.gateway').count(), 0);
    assert.equal(await errorAt(page, 'machines[1].mac[0]').count(), 1);
    await field(page, 'machines[1].mac[0]').fill('52:54:00:a1:00:12');
    await page.locator('[data-testid=dc-save]').click();
    await saved(page);
    const text = await readFile(file, 'utf8');
    assert.match(text, /gateway: 10\.20\.0\.254/);
    assert.match(text, /mac: \[ 52:54:00:a1:00:12 \]|mac: \[52:54:00:a1:00:12\]/);
    await page.close();
  });
});
