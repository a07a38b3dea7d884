import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultRegistry } from '../../../drivers/default-registry.ts';
import { createApp, type App } from '../../../server/app.ts';
import { Store } from '../../../server/store/store.ts';
import { ROOT } from '../../helpers/cli.ts';

const IPMI = 'ipmi-Secret-1';
const OS_ENV = 'os-Env-Secret-3';
const UNUSED = 'unused-Secret-4';
const LAB = 'lab-Secret-5 with #';
const SECRET_VALUES = [IPMI, OS_ENV, UNUSED, LAB, 'lab-Secret-5'];

const machineYaml = (mac: string) =>
  [
    'machines:',
    '  - name: node-0',
    `    mac: [${mac}]`,
    '    pm_type: ipmi',
    '    pm_addr: 127.0.0.2',
    '    pm_user: admin',
    '    pm_password: { secret: LAB_IPMI_PASSWORD }',
    '',
  ].join('\n');
const GOOD = `description: A one-node lab\n${machineYaml('52:54:00:00:00:01')}`;
const BAD_MAC = machineYaml('52:54:00:00:00:zz');

interface Issue {
  line: number;
  field: string;
  message: string;
}
interface SecretView {
  name: string;
  set: boolean;
  source: string | null;
  references: { line: number; field: string }[];
}
interface DatacentreView {
  name: string;
  file: string;
  profile: { machines: { name: string; pm_password: unknown }[] };
  yaml: string;
  secrets: SecretView[];
  overlays: string[];
  schema: { properties?: Record<string, unknown> };
}

describe('datacentre routes', () => {
  let tmp: string;
  let datacentresDir: string;
  let store: Store;
  let app: App;
  const bodies: string[] = [];

  /** A request through the app, keeping every raw body to check for secret values at the end. */
  async function call(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const response = await app.request(url, {
      method,
      headers: { 'content-type': 'application/json', 'x-stackbook-user': 'alice' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, body: JSON.parse(text) };
  }

  before(async () => {
    tmp = await mkdtemp(join(os.tmpdir(), 'sb-routes-datacentres-'));
    datacentresDir = join(tmp, 'datacentres');
    await cp(join(ROOT, 'datacentres/example'), join(datacentresDir, 'example'), { recursive: true });
    await writeFile(
      join(datacentresDir, 'example/secrets.env'),
      `EXAMPLE_IPMI_PASSWORD=${IPMI}\nUNUSED_TOKEN=${UNUSED}\n`,
      { mode: 0o600 },
    );
    await cp(join(ROOT, 'test/fixtures/datacentres/malformed/bad-mac'), join(datacentresDir, 'broken'), {
      recursive: true,
    });
    await cp(join(ROOT, 'runbooks'), join(tmp, 'runbooks'), { recursive: true });
    store = await Store.open(join(tmp, 'data', 'stackbook.db'));
    app = createApp({
      store,
      drivers: defaultRegistry(),
      dataDir: join(tmp, 'data'),
      runbooksDir: join(tmp, 'runbooks'),
      datacentresDir,
      env: { EXAMPLE_OS_PASSWORD: OS_ENV },
    });
  });

  after(async () => {
    await store.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('lists datacentres with their machine count, a broken one with its error', async () => {
    const { status, body } = await call('GET', '/api/datacentres');
    assert.equal(status, 200);
    const [broken, example] = body as {
      name: string;
      machines: number;
      description: string;
      error?: string;
    }[];
    assert.equal(example?.name, 'example');
    assert.equal(example?.machines, 3);
    assert.match(example!.description, /^Three VMs/);
    assert.equal(example?.error, undefined);
    assert.equal(broken?.name, 'broken');
    assert.equal(broken?.machines, 0);
    assert.match(broken!.error!, /datacentre\.yaml:15: machines\[1\]\.mac\[0\]: not a MAC address/);
  });

  it('reads a datacentre: profile with references, which secrets are set and where from, overlays', async () => {
    const { status, body } = await call('GET', '/api/datacentres/example');
    assert.equal(status, 200);
    const view = body as DatacentreView;
    assert.equal(view.name, 'example');
    assert.equal(view.yaml, await readFile(join(datacentresDir, 'example/datacentre.yaml'), 'utf8'));
    assert.ok(view.file.endsWith(join('example', 'datacentre.yaml')));
    assert.deepEqual(view.profile.machines[0]?.pm_password, { secret: 'EXAMPLE_IPMI_PASSWORD' });
    assert.deepEqual(view.overlays, ['seed-preflight']);
    assert.ok(view.schema.properties?.machines);

    const byName = new Map(view.secrets.map((secret) => [secret.name, secret]));
    const ipmi = byName.get('EXAMPLE_IPMI_PASSWORD')!;
    assert.deepEqual([ipmi.set, ipmi.source], [true, 'file']);
    assert.deepEqual(
      ipmi.references.map((ref) => ref.field),
      ['machines[0].pm_password', 'machines[1].pm_password', 'machines[2].pm_password'],
    );
    const yamlLines = view.yaml.split('\n');
    assert.match(
      yamlLines[ipmi.references[0]!.line - 1]!,
      /pm_password: \{ secret: EXAMPLE_IPMI_PASSWORD \}/,
    );
    assert.deepEqual(byName.get('EXAMPLE_OS_PASSWORD'), {
      name: 'EXAMPLE_OS_PASSWORD',
      set: true,
      source: 'env',
      references: [
        {
          line: yamlLines.indexOf('  password: { secret: EXAMPLE_OS_PASSWORD }') + 1,
          field: 'openstack.password',
        },
      ],
    });
    assert.deepEqual(byName.get('UNUSED_TOKEN'), {
      name: 'UNUSED_TOKEN',
      set: true,
      source: 'file',
      references: [],
    });
  });

  it('answers 404 for an unknown datacentre, 422 for a broken one, 400 for a name with ..', async () => {
    assert.equal((await call('GET', '/api/datacentres/nowhere')).status, 404);
    const broken = await call('GET', '/api/datacentres/broken');
    assert.equal(broken.status, 422);
    const issues = (broken.body as { details: { issues: Issue[] } }).details.issues;
    assert.deepEqual(issues[0], {
      line: 15,
      field: 'machines[1].mac[0]',
      message: 'not a MAC address (expected six hex pairs like 52:54:00:12:34:56)',
    });
    for (const name of ['..evil', 'a%2F..%2Fb']) {
      const refused = await call('GET', `/api/datacentres/${name}`);
      assert.equal(refused.status, 400, name);
      assert.match((refused.body as { message: string }).message, /name: a name/);
    }
  });

  it('validates text without writing: valid, a bad MAC with its line and field, a YAML syntax error', async () => {
    assert.deepEqual((await call('POST', '/api/datacentres/lab/validate', { yaml: GOOD })).body, {
      valid: true,
    });
    const bad = await call('POST', '/api/datacentres/lab/validate', { yaml: BAD_MAC });
    assert.equal(bad.status, 200);
    const { valid, issues } = bad.body as { valid: boolean; issues: Issue[] };
    assert.equal(valid, false);
    assert.deepEqual(
      issues.map(({ line, field }) => ({ line, field })),
      [{ line: 3, field: 'machines[0].mac[0]' }],
    );
    const syntax = await call('POST', '/api/datacentres/lab/validate', { yaml: 'machines: [\n  - a: b\n' });
    const syntaxIssues = (syntax.body as { issues: Issue[] }).issues;
    assert.equal(syntaxIssues[0]?.field, '');
    assert.match(syntaxIssues[0]!.message, /^YAML syntax error/);
    const extra = await call('POST', '/api/datacentres/lab/validate', { yaml: GOOD, write: true });
    assert.equal(extra.status, 400);
    assert.match((extra.body as { message: string }).message, /unknown field 'write'/);
    await assert.rejects(stat(join(datacentresDir, 'lab')), { code: 'ENOENT' });
  });

  it('writes a new datacentre and its secrets, audits it, and GET reflects it', async () => {
    const { status, body } = await call('PUT', '/api/datacentres/lab', {
      yaml: GOOD,
      secrets: { LAB_IPMI_PASSWORD: LAB },
    });
    assert.equal(status, 200);
    const view = body as DatacentreView;
    assert.equal(view.yaml, GOOD);
    assert.deepEqual(view.secrets, [
      {
        name: 'LAB_IPMI_PASSWORD',
        set: true,
        source: 'file',
        references: [{ line: 8, field: 'machines[0].pm_password' }],
      },
    ]);
    const dir = join(datacentresDir, 'lab');
    assert.equal(await readFile(join(dir, 'datacentre.yaml'), 'utf8'), GOOD);
    assert.deepEqual((await readdir(dir)).sort(), ['datacentre.yaml', 'secrets.env'], 'no temp files left');
    assert.equal((await stat(join(dir, 'secrets.env'))).mode & 0o777, 0o600);
    assert.equal(await readFile(join(dir, 'secrets.env'), 'utf8'), `LAB_IPMI_PASSWORD='${LAB}'\n`);

    const audit = await store.listAudit();
    assert.equal(audit.length, 1);
    assert.deepEqual(
      { who: audit[0]!.who, action: audit[0]!.action, run: audit[0]!.run, detail: audit[0]!.detail },
      {
        who: 'alice',
        action: 'edit-datacentre',
        run: null,
        detail: { name: 'lab', secrets: ['LAB_IPMI_PASSWORD'] },
      },
    );
    assert.deepEqual((await call('GET', '/api/datacentres/lab')).body, view);
    const list = (await call('GET', '/api/datacentres')).body as { name: string; machines: number }[];
    assert.deepEqual(list.find((entry) => entry.name === 'lab')?.machines, 1);
  });

  it('refuses an invalid profile with 422 and every issue, writing nothing', async () => {
    const file = join(datacentresDir, 'example/datacentre.yaml');
    const before = await readFile(file, 'utf8');
    const audited = (await store.listAudit()).length;
    const { status, body } = await call('PUT', '/api/datacentres/example', {
      yaml: BAD_MAC,
      secrets: { X: 'y' },
    });
    assert.equal(status, 422);
    const error = body as { code: string; details: { issues: Issue[] } };
    assert.equal(error.code, 'PROFILE_ERROR');
    assert.deepEqual(error.details.issues[0]?.field, 'machines[0].mac[0]');
    assert.equal(await readFile(file, 'utf8'), before);
    assert.doesNotMatch(await readFile(join(datacentresDir, 'example/secrets.env'), 'utf8'), /^X=/m);
    assert.equal((await store.listAudit()).length, audited);
  });

  it('refuses unknown body fields, bad secret names and path-like names with 400', async () => {
    const extra = await call('PUT', '/api/datacentres/lab', { yaml: GOOD, owner: 'me' });
    assert.equal(extra.status, 400);
    assert.match((extra.body as { message: string }).message, /unknown field 'owner'/);
    const badSecret = await call('PUT', '/api/datacentres/lab2', {
      yaml: GOOD,
      secrets: { 'BAD-NAME': 'v' },
    });
    assert.equal(badSecret.status, 400);
    assert.match((badSecret.body as { message: string }).message, /secrets/);
    const dotted = await call('PUT', '/api/datacentres/..evil', { yaml: GOOD });
    assert.equal(dotted.status, 400);
    assert.deepEqual((await readdir(datacentresDir)).sort(), ['broken', 'example', 'lab']);
  });

  it('still reads a datacentre whose secrets.env is malformed, naming the line and no value', async () => {
    const dir = join(datacentresDir, 'messy');
    await cp(join(datacentresDir, 'example'), dir, { recursive: true });
    await writeFile(join(dir, 'secrets.env'), `EXAMPLE_IPMI_PASSWORD=${IPMI}\n${UNUSED} is not a line\n`);
    try {
      const { status, body } = await call('GET', '/api/datacentres/messy');
      assert.equal(status, 200);
      const view = body as DatacentreView & { secrets_error: string };
      assert.match(view.secrets_error, /secrets\.env:2: expected NAME=value/);
      assert.deepEqual(
        view.secrets.map(({ name, source }) => [name, source]),
        [
          ['EXAMPLE_IPMI_PASSWORD', null],
          ['EXAMPLE_OS_PASSWORD', 'env'],
        ],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('documents every datacentre route in the OpenAPI document', async () => {
    const paths = ((await call('GET', '/api/openapi.json')).body as { paths: Record<string, object> }).paths;
    assert.deepEqual(Object.keys(paths['/api/datacentres/{name}'] ?? {}).sort(), ['get', 'put']);
    assert.ok(paths['/api/datacentres']);
    assert.ok(paths['/api/datacentres/{name}/validate']);
  });

  it('never puts a secret value in a response', () => {
    assert.ok(bodies.length > 10);
    for (const text of bodies) for (const secret of SECRET_VALUES) assert.ok(!text.includes(secret), text);
  });
});
