import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultRegistry } from '../../../drivers/default-registry.ts';
import { createApp, type App } from '../../../server/app.ts';
import type { RunDiff } from '../../../server/report/run-diff.ts';
import { loadDatacentre } from '../../../server/runbook/load-datacentre.ts';
import { loadRunbook } from '../../../server/runbook/load-runbook.ts';
import { Store } from '../../../server/store/store.ts';
import { cliSandbox } from '../../helpers/cli.ts';

// Raw HTML in prose and in output: the HTML report must show both as text.
const ESCAPES = `---
id: escapes
title: Escapes
---
# Escapes

<script>alert("prose")</script>

\`\`\`sh {name=hello}
echo '<b>bold</b> & more'
\`\`\`

\`\`\`sh {name=broken}
echo oops >&2
exit 3
\`\`\`

\`\`\`sh {name=later}
echo never
\`\`\`
`;

describe('GET /api/runs/:id/report and /diff', () => {
  let sandbox: Awaited<ReturnType<typeof cliSandbox>>;
  let store: Store;
  let app: App;
  let preflight: string;
  let escapes: string;

  /** Creates and executes a run through the app's own engine. */
  async function run(runbookId: string, selection: { cells: string[] } | { all: true }): Promise<string> {
    const { engine, runbooksDir, datacentresDir, drivers } = app.services;
    const datacentre = await loadDatacentre('example', datacentresDir);
    const runbook = await loadRunbook(runbookId, { runbooksDir, datacentreDir: datacentre.dir, drivers });
    const created = await engine.createRun({ runbook, datacentre, by: 'tester' });
    await engine.execute(created.id, selection, 'tester');
    return created.id;
  }

  before(async () => {
    sandbox = await cliSandbox();
    await writeFile(path.join(sandbox.runbooks, 'escapes.md'), ESCAPES);
    const dataDir = path.join(sandbox.dir, 'data');
    store = await Store.open(path.join(dataDir, 'stackbook.db'));
    app = createApp({
      store,
      drivers: defaultRegistry(),
      dataDir,
      runbooksDir: sandbox.runbooks,
      datacentresDir: sandbox.datacentres,
      env: {},
    });
    preflight = await run('seed-preflight', { cells: ['host-facts', 'inventory', 'vlans'] });
    escapes = await run('escapes', { all: true });
  });
  after(async () => {
    await store.close();
    await sandbox.close();
  });

  it('streams the Markdown report by default, with the cells’ outputs inline', async () => {
    const response = await app.request(`/api/runs/${preflight}/report`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/markdown; charset=utf-8');
    assert.equal(response.headers.get('content-disposition'), `attachment; filename="${preflight}.md"`);
    const text = await response.text();
    assert.match(text, /^# Seed host preflight\n/);
    assert.match(text, /machine: seed\nmachine: control-0\nmachine: compute-0\n/);
    assert.match(text, /the IPMI password is set/);
    assert.match(text, /vlan \d+/);
    assert.match(text, /\*\*cabling\*\*: not run/);
    assert.doesNotMatch(text, /ipmi-Secret-1/);
  });

  it('gives JUnit XML with the right counts', async () => {
    const response = await app.request(`/api/runs/${escapes}/report?format=junit`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/xml; charset=utf-8');
    assert.equal(response.headers.get('content-disposition'), `attachment; filename="${escapes}.xml"`);
    const xml = await response.text();
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
    assert.match(xml, /<testsuite name="escapes \(example\)" tests="3" failures="1" errors="0" skipped="1"/);
    assert.equal(xml.match(/<testcase /g)?.length, 3);
    assert.match(xml, /<failure type="EXEC_FAILED"/);
    assert.match(xml, /<system-out>&lt;b&gt;bold&lt;\/b&gt; &amp; more\n<\/system-out>/);
    assert.match(xml, /<system-err>oops\n<\/system-err>/);
  });

  it('renders HTML with raw HTML escaped', async () => {
    const response = await app.request(`/api/runs/${escapes}/report?format=html`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(response.headers.get('content-disposition'), `attachment; filename="${escapes}.html"`);
    const html = await response.text();
    assert.match(html, /^<!doctype html>/);
    assert.doesNotMatch(html, /<script>/);
    assert.match(html, /&lt;script&gt;alert/);
    assert.doesNotMatch(html, /<b>bold/);
    assert.match(html, /&lt;b&gt;bold/);
  });

  it('answers 404 for an unknown run and 400 naming the field for an unknown format', async () => {
    const missing = await app.request('/api/runs/01NOSUCHRUN/report?format=md');
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { code: 'NOT_FOUND', message: 'no run 01NOSUCHRUN', details: {} });
    const bad = await app.request(`/api/runs/${escapes}/report?format=pdf`);
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as {
      code: string;
      message: string;
      details: { issues: { field: string }[] };
    };
    assert.equal(body.code, 'BAD_ARGUMENT');
    assert.match(body.message, /format/);
    assert.equal(body.details.issues[0]!.field, 'format');
  });

  it('diffs two runs', async () => {
    const other = await run('seed-preflight', { cells: ['host-facts', 'inventory'] });
    const response = await app.request(`/api/runs/${preflight}/diff?with=${other}`);
    assert.equal(response.status, 200);
    const diff = (await response.json()) as RunDiff;
    assert.equal(diff.runs.a.id, preflight);
    assert.equal(diff.runs.b.id, other);
    assert.equal(diff.source_changed, false);
    assert.deepEqual(diff.params, []);
    const cells = Object.fromEntries(diff.cells.map((cell) => [cell.cell, cell]));
    assert.deepEqual(
      diff.cells.map((cell) => cell.cell),
      ['host-facts', 'free-disk', 'inventory', 'vlans', 'cabling', 'summary'],
    );
    assert.deepEqual(cells.inventory!.output, { same: true, diff: [] });
    assert.equal(cells.vlans!.status_changed, true);
    assert.equal(cells.vlans!.b, null);
    assert.match(cells.vlans!.output.diff[1]!, /^-vlan \d+$/);
  });

  it('answers 400 without ?with and 404 naming the missing run', async () => {
    const missingWith = await app.request(`/api/runs/${preflight}/diff`);
    assert.equal(missingWith.status, 400);
    const body = (await missingWith.json()) as { code: string; details: { issues: { field: string }[] } };
    assert.equal(body.code, 'BAD_ARGUMENT');
    assert.equal(body.details.issues[0]!.field, 'with');
    const unknownOther = await app.request(`/api/runs/${preflight}/diff?with=01NOSUCHRUN`);
    assert.equal(unknownOther.status, 404);
    assert.deepEqual(await unknownOther.json(), {
      code: 'NOT_FOUND',
      message: 'no run 01NOSUCHRUN',
      details: { run: '01NOSUCHRUN', field: 'with' },
    });
    const unknownRun = await app.request(`/api/runs/01NOSUCHRUN/diff?with=${preflight}`);
    assert.equal(unknownRun.status, 404);
    assert.equal(((await unknownRun.json()) as { message: string }).message, 'no run 01NOSUCHRUN');
  });

  it('documents both endpoints in the OpenAPI document', async () => {
    const doc = (await (await app.request('/api/openapi.json')).json()) as { paths: Record<string, unknown> };
    assert.ok(doc.paths['/api/runs/{id}/report']);
    assert.ok(doc.paths['/api/runs/{id}/diff']);
  });
});
