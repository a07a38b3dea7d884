import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultRegistry } from '../../../drivers/default-registry.ts';
import { createApp, type App } from '../../../server/app.ts';
import { Store } from '../../../server/store/store.ts';
import { ROOT } from '../../helpers/cli.ts';

const SECRET_VALUES = ['ipmi-Secret-1', 'os-Env-Secret-3'];

// Line numbers below are asserted, so the runbook is built from a list of lines.
const PROSE_RUNBOOK = [
  '---',
  'id: prose-html',
  'title: Prose and previews',
  'summary: Raw HTML in prose; template problems in previews.',
  '---',
  '',
  '# Prose',
  '',
  "<script>alert('x')</script>",
  '',
  'An image: <img src=x onerror="alert(1)"> inline.',
  '',
  '```sh {name=bad-path}',
  'echo ok',
  'echo {{ dc.nope.deeper }}',
  '```',
  '',
  '```manual {name=secret-title}',
  'title: "{{ dc.machines.0.pm_password }}"',
  'steps: "{{ dc.machines.*.name }}"',
  '```',
  '',
  '```manual {name=bad-field}',
  'title: fine',
  'instructions: "{{ dc.network.nowhere }}"',
  '```',
  '',
];
const lineOf = (text: string) => PROSE_RUNBOOK.indexOf(text) + 1;

interface CellView {
  kind: 'cell';
  name: string;
  driver: string;
  lang: string;
  attrs: Record<string, unknown>;
  source: string;
  provenance: { file: string; line: number; source: string };
  preview: unknown;
  preview_error: { message: string; line: number | null; field: string | null } | null;
  schema: { properties?: Record<string, unknown> };
}
interface ProseView {
  kind: 'prose';
  markdown: string;
  html: string;
}
interface RunbookView {
  id: string;
  params: Record<string, unknown>;
  datacentre: string | null;
  sources: { file: string }[];
  blocks: (CellView | ProseView)[];
}

describe('runbook routes', () => {
  let tmp: string;
  let store: Store;
  let app: App;
  const bodies: string[] = [];

  /** GET through the app, keeping every raw body to check for secret values at the end. */
  async function get(url: string): Promise<{ status: number; body: unknown }> {
    const response = await app.request(url);
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, body: JSON.parse(text) };
  }
  const cell = (view: RunbookView, name: string) =>
    view.blocks.find((block): block is CellView => block.kind === 'cell' && block.name === name)!;

  before(async () => {
    tmp = await mkdtemp(join(os.tmpdir(), 'sb-routes-runbooks-'));
    const runbooksDir = join(tmp, 'runbooks');
    const datacentresDir = join(tmp, 'datacentres');
    await cp(join(ROOT, 'runbooks'), runbooksDir, { recursive: true });
    await cp(join(ROOT, 'datacentres/example'), join(datacentresDir, 'example'), { recursive: true });
    await writeFile(
      join(datacentresDir, 'example/secrets.env'),
      `EXAMPLE_IPMI_PASSWORD=${SECRET_VALUES[0]}\n`,
      {
        mode: 0o600,
      },
    );
    await writeFile(join(runbooksDir, 'prose-html.md'), PROSE_RUNBOOK.join('\n'));
    await cp(
      join(ROOT, 'test/fixtures/runbooks/malformed/unclosed-fence.md'),
      join(runbooksDir, 'broken.md'),
    );
    store = await Store.open(join(tmp, 'data', 'stackbook.db'));
    app = createApp({
      store,
      drivers: defaultRegistry(),
      dataDir: join(tmp, 'data'),
      runbooksDir,
      datacentresDir,
      env: { EXAMPLE_OS_PASSWORD: SECRET_VALUES[1] },
    });
  });

  after(async () => {
    await store.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('lists runbooks, a broken one with its error', async () => {
    const { status, body } = await get('/api/runbooks');
    assert.equal(status, 200);
    const list = body as { id: string; title: string; cells: number; file: string; error?: string }[];
    assert.deepEqual(
      list.map((entry) => entry.id),
      ['broken', 'netboot-machines', 'prose-html', 'pxe-netboot', 'seed-preflight'],
    );
    const seed = list.find((entry) => entry.id === 'seed-preflight')!;
    assert.equal(seed.title, 'Seed host preflight');
    assert.equal(seed.cells, 5);
    assert.ok(seed.file.endsWith('runbooks/seed-preflight.md'));
    assert.equal(seed.error, undefined);
    const broken = list.find((entry) => entry.id === 'broken')!;
    assert.match(broken.error!, /broken\.md:\d+/);
  });

  it('shows the base runbook without dc: no overlay, no preview, the driver schema', async () => {
    const { status, body } = await get('/api/runbooks/seed-preflight');
    assert.equal(status, 200);
    const view = body as RunbookView;
    assert.equal(view.datacentre, null);
    assert.deepEqual(view.params, { min_free_gib: 1 });
    assert.equal(view.sources.length, 1);
    assert.equal(cell(view, 'vlans'), undefined);
    assert.equal(view.blocks[0]!.kind, 'prose');
    const facts = cell(view, 'host-facts');
    assert.equal(facts.driver, 'sh');
    assert.equal(facts.lang, 'sh');
    assert.deepEqual(facts.attrs, { name: 'host-facts', timeout: '30s' });
    assert.match(facts.source, /^echo "host: {3}\$\(uname -n\)"/);
    assert.deepEqual(facts.provenance.source, 'base');
    assert.equal(facts.provenance.line, 19);
    assert.equal(facts.preview, null);
    assert.equal(facts.preview_error, null);
    assert.ok(facts.schema.properties?.script, 'sh schema names script');
    assert.ok(cell(view, 'cabling').schema.properties?.steps, 'manual schema names steps');
  });

  it('applies the overlay and previews arguments against the datacentre, secrets masked', async () => {
    const { status, body } = await get('/api/runbooks/seed-preflight?dc=example');
    assert.equal(status, 200);
    const view = body as RunbookView;
    assert.equal(view.datacentre, 'example');
    assert.deepEqual(view.params, { min_free_gib: 2 });
    const names = view.blocks.filter((b): b is CellView => b.kind === 'cell').map((b) => b.name);
    assert.deepEqual(names, ['host-facts', 'free-disk', 'inventory', 'vlans', 'cabling', 'summary']);

    const vlans = cell(view, 'vlans');
    assert.equal(vlans.provenance.source, 'overlay');
    assert.ok(
      vlans.provenance.file.endsWith(join('datacentres', 'example', 'runbooks', 'seed-preflight.md')),
    );
    assert.equal(vlans.provenance.line, 11);
    assert.match((vlans.preview as { script: string }).script, /for vlan in '20'; do/);

    const inventory = cell(view, 'inventory').preview as {
      script: string;
      secretEnv: Record<string, string>;
    };
    assert.match(inventory.script, /for machine in 'seed' 'control-0' 'compute-0'; do/);
    assert.match(inventory.script, /printf 'BMC %s:%s\\n' '127\.0\.0\.1' '6230'/);
    assert.deepEqual(inventory.secretEnv, {
      STACKBOOK_SECRET_EXAMPLE_IPMI_PASSWORD: '«secret EXAMPLE_IPMI_PASSWORD»',
    });
    assert.match((cell(view, 'free-disk').preview as { script: string }).script, /^need='2'$/m);
    // Results of cells that have not run are placeholders, not errors.
    assert.match(
      (cell(view, 'summary').preview as { script: string }).script,
      /'<cells\.inventory\.machines>'/,
    );
    assert.equal(cell(view, 'summary').preview_error, null);
  });

  it('renders prose with raw HTML escaped, never rendered', async () => {
    const { body } = await get('/api/runbooks/prose-html');
    const prose = (body as RunbookView).blocks.filter((b): b is ProseView => b.kind === 'prose');
    const html = prose.map((b) => b.html).join('\n');
    assert.match(html, /<h1>Prose<\/h1>/);
    assert.ok(!/<script/i.test(html), html);
    assert.ok(!/<img/i.test(html), html);
    assert.match(html, /&lt;script&gt;/);
    assert.match(html, /&lt;img src=x onerror=/);
    assert.ok(
      prose.some((b) => b.markdown.includes('<script>')),
      'markdown stays as written',
    );
  });

  it('puts template problems in preview_error with line and field, and masks typed secrets', async () => {
    const { status, body } = await get('/api/runbooks/prose-html?dc=example');
    assert.equal(status, 200);
    const view = body as RunbookView;
    const badPath = cell(view, 'bad-path');
    assert.equal(badPath.preview, null);
    assert.equal(badPath.preview_error?.line, lineOf('echo {{ dc.nope.deeper }}'));
    assert.equal(badPath.preview_error?.field, 'script line 2');
    assert.match(badPath.preview_error!.message, /'dc' has no 'nope'/);

    const badField = cell(view, 'bad-field');
    assert.equal(badField.preview_error?.field, 'instructions');
    assert.equal(badField.preview_error?.line, lineOf('instructions: "{{ dc.network.nowhere }}"'));
    assert.match(badField.preview_error!.message, /has no 'nowhere'/);

    assert.deepEqual(cell(view, 'secret-title').preview, {
      title: '«secret EXAMPLE_IPMI_PASSWORD»',
      steps: ['seed', 'control-0', 'compute-0'],
    });
  });

  it('answers 404 for an unknown runbook or datacentre, 422 for a broken runbook, 400 for a path', async () => {
    const unknown = await get('/api/runbooks/nope');
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as { code: string }).code, 'NOT_FOUND');
    const unknownDc = await get('/api/runbooks/seed-preflight?dc=nowhere');
    assert.equal(unknownDc.status, 404);
    assert.match(
      (unknownDc.body as { message: string }).message,
      /no datacentre 'nowhere' \(known: example\)/,
    );
    const broken = await get('/api/runbooks/broken');
    assert.equal(broken.status, 422);
    assert.equal((broken.body as { code: string }).code, 'PARSE_ERROR');
    for (const url of ['/api/runbooks/seed-preflight.md', '/api/runbooks/..x', '/api/runbooks/x?dc=a%2F..']) {
      const refused = await get(url);
      assert.equal(refused.status, 400, url);
      assert.equal((refused.body as { code: string }).code, 'BAD_ARGUMENT');
    }
  });

  it('documents both routes in the OpenAPI document', async () => {
    const { body } = await get('/api/openapi.json');
    const paths = (body as { paths: Record<string, { get?: unknown }> }).paths;
    assert.ok(paths['/api/runbooks']?.get);
    assert.ok(paths['/api/runbooks/{id}']?.get);
  });

  it('never puts a secret value in a response', () => {
    assert.ok(bodies.length > 5);
    for (const text of bodies) for (const secret of SECRET_VALUES) assert.ok(!text.includes(secret));
  });
});
