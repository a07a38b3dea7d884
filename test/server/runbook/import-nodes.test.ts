import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importNodes } from '../../../server/runbook/import-nodes.ts';
import { loadDatacentre } from '../../../server/runbook/load-datacentre.ts';
import { readSecretsEnv } from '../../../server/runbook/secrets.ts';
import type { StackbookError } from '../../../server/stackbook-error.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/import-nodes/', import.meta.url));
const TRIPLEO = join(fixtures, 'instackenv.json');
const BIFROST = join(fixtures, 'bifrost-inventory.yaml');
const TRIPLEO_PASSWORDS = {
  CONTROL_0_PM_PASSWORD: 'calvin-ctl0',
  NODE_2_PM_PASSWORD: `Pa$$ w0rd#2'"x`,
  COMPUTE_1_PM_PASSWORD: 'c0mpute-1-bmc',
};
const BIFROST_PASSWORDS = { TESTVM1_PM_PASSWORD: 'b1fr0st-vm1', TESTVM2_PM_PASSWORD: 'b1fr0st-vm2' };

describe('importNodes', () => {
  let root: string;
  let dc: string;
  let n = 0;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'stackbook-import-'));
  });
  // Each test gets its own datacentre folder (created by the import itself unless the test needs it first).
  beforeEach(() => {
    dc = join(root, `dc-${++n}`);
  });
  after(() => rm(root, { recursive: true, force: true }));

  const secretsOf = async () =>
    Object.fromEntries([...(await readSecretsEnv(join(dc, 'secrets.env')))].map(([k, v]) => [k, v.value]));
  const yamlText = () => readFile(join(dc, 'datacentre.yaml'), 'utf8');

  test('imports a TripleO instackenv.json with passwords moved to secrets.env', async () => {
    const result = await importNodes(TRIPLEO, dc);
    assert.deepEqual(result, {
      added: ['control-0', 'node-2', 'compute-1'],
      updated: [],
      secretsFile: join(dc, 'secrets.env'),
    });
    const loaded = await loadDatacentre(dc, root);
    assert.equal(loaded.name, `dc-${n}`);
    assert.deepEqual(loaded.profile.machines[1], {
      name: 'node-2',
      mac: ['00:0a:f7:88:12:d1'],
      cpu: 8,
      memory: 32768,
      disk: 500,
      arch: 'x86_64',
      pm_type: 'ipmi',
      pm_addr: '10.1.8.102',
      pm_port: 623,
      pm_user: 'root',
      pm_password: { secret: 'NODE_2_PM_PASSWORD' },
    });
    assert.deepEqual(loaded.profile.machines[0]!.mac, ['00:0a:f7:88:12:d0']);
    assert.equal(loaded.profile.machines[0]!.capabilities, 'profile:control,boot_option:local');
    assert.deepEqual(loaded.profile.machines[2]!.mac, ['00:0a:f7:88:12:d2', '00:0a:f7:88:13:d2']);
    assert.deepEqual(await secretsOf(), TRIPLEO_PASSWORDS);
    assert.equal((await stat(join(dc, 'secrets.env'))).mode & 0o777, 0o600);
    const bytes = await yamlText();
    for (const password of Object.values(TRIPLEO_PASSWORDS)) assert.ok(!bytes.includes(password));
  });

  test('imports a Bifrost inventory, flat and nested under driver_info.power', async () => {
    assert.deepEqual((await importNodes(BIFROST, dc)).added, ['testvm1', 'testvm2']);
    const { profile } = await loadDatacentre(dc, root);
    assert.deepEqual(profile.machines[1], {
      name: 'testvm2',
      mac: ['52:54:00:f9:32:f7', '52:54:00:f9:32:f8'],
      cpu: 1,
      memory: 3072,
      disk: 10,
      arch: 'x86_64',
      pm_type: 'ipmi',
      pm_addr: '192.168.122.1',
      pm_port: 6231,
      pm_user: 'admin',
      pm_password: { secret: 'TESTVM2_PM_PASSWORD' },
    });
    assert.deepEqual(profile.machines[0]!.mac, ['52:54:00:f9:32:f6']);
    assert.deepEqual(await secretsOf(), BIFROST_PASSWORDS);
    const bytes = await yamlText();
    for (const password of Object.values(BIFROST_PASSWORDS)) assert.ok(!bytes.includes(password));
  });

  test('re-importing updates machines and secrets instead of duplicating them', async () => {
    await importNodes(BIFROST, dc);
    await writeFile(join(dc, 'secrets.env'), '# operator notes\nEXAMPLE_OS_PASSWORD=keep-me\n', {
      flag: 'a',
    });
    const changed = join(root, `changed-${n}.yaml`);
    await writeFile(
      changed,
      (await readFile(BIFROST, 'utf8')).replace('b1fr0st-vm1', 'r0tated-vm1').replace('"3072"', '"4096"'),
    );
    assert.deepEqual(await importNodes(changed, dc), {
      added: [],
      updated: ['testvm1', 'testvm2'],
      secretsFile: join(dc, 'secrets.env'),
    });
    const { profile } = await loadDatacentre(dc, root);
    assert.deepEqual(
      profile.machines.map((m) => [m.name, m.memory]),
      [
        ['testvm1', 4096],
        ['testvm2', 3072],
      ],
    );
    assert.deepEqual(await secretsOf(), {
      ...BIFROST_PASSWORDS,
      TESTVM1_PM_PASSWORD: 'r0tated-vm1',
      EXAMPLE_OS_PASSWORD: 'keep-me',
    });
    assert.match(await readFile(join(dc, 'secrets.env'), 'utf8'), /# operator notes\n/);
  });

  test('comments, other sections and other machines in an existing profile survive', async () => {
    await mkdir(dc);
    const before = [
      '# Rack 4, row B. Ask the NOC before power-cycling anything.',
      'name: rack4',
      'machines:',
      '  # The spare stays out of every deploy.',
      '  - name: spare',
      '    mac: [52:54:00:00:99:99]',
      '    pm_type: ipmi',
      '    pm_addr: 10.9.9.9',
      '    pm_user: admin',
      '    pm_password: { secret: SPARE_PM_PASSWORD }',
      '  - name: testvm1 # moved from rack 3',
      '    mac: [52:54:00:f9:32:f6]',
      '    pm_type: ipmi',
      '    pm_addr: 192.168.122.1',
      '    pm_port: 6230',
      '    pm_user: old-user # rotated every quarter',
      '    pm_password: { secret: TESTVM1_PM_PASSWORD }',
      '    labels: [gpu]',
      '# The provisioning network.',
      'network:',
      '  cidr: 10.20.0.0/24 # ctlplane',
      '',
    ].join('\n');
    await writeFile(join(dc, 'datacentre.yaml'), before);
    assert.deepEqual(await importNodes(BIFROST, dc), {
      added: ['testvm2'],
      updated: ['testvm1'],
      secretsFile: join(dc, 'secrets.env'),
    });
    const text = await yamlText();
    for (const comment of [
      '# Rack 4, row B',
      '# The spare stays out',
      '# moved from rack 3',
      '# rotated every quarter',
      '# The provisioning network.',
      '# ctlplane',
    ]) {
      assert.ok(text.includes(comment), `lost ${comment}`);
    }
    const { profile } = await loadDatacentre(dc, root);
    assert.equal(profile.name, 'rack4');
    assert.deepEqual(
      profile.machines.map((m) => m.name),
      ['spare', 'testvm1', 'testvm2'],
    );
    assert.equal(profile.machines[1]!.pm_user, 'admin');
    assert.deepEqual(profile.machines[1]!.labels, ['gpu']);
    assert.equal(profile.network?.cidr, '10.20.0.0/24');
  });

  test('replace drops machines the input does not list', async () => {
    await importNodes(TRIPLEO, dc);
    assert.deepEqual(await importNodes(BIFROST, dc, { replace: true }), {
      added: ['testvm1', 'testvm2'],
      updated: [],
      secretsFile: join(dc, 'secrets.env'),
    });
    const { profile } = await loadDatacentre(dc, root);
    assert.deepEqual(
      profile.machines.map((m) => m.name),
      ['testvm1', 'testvm2'],
    );
  });

  test('a bad node is reported in the input file and nothing is written', async () => {
    const bad = join(root, `bad-${n}.json`);
    const text = await readFile(TRIPLEO, 'utf8');
    await writeFile(bad, text.replace('"bmc-compute-1.example.net"', '"bmc_compute 1"'));
    const line = text.split('\n').findIndex((l) => l.includes('bmc-compute-1')) + 1;
    await assert.rejects(importNodes(bad, dc), (error: StackbookError) => {
      assert.equal(error.code, 'PROFILE_ERROR');
      assert.deepEqual(error.location, { file: bad, line, field: 'nodes[2].pm_addr' });
      assert.match(error.message, /node 3 \(compute-1\): pm_addr: not an IP address or hostname$/);
      assert.doesNotMatch(JSON.stringify(error.toJSON()), /c0mpute-1-bmc/);
      return true;
    });
    await assert.rejects(access(dc));
  });

  test('a MAC that clashes with an existing machine writes nothing', async () => {
    await importNodes(TRIPLEO, dc);
    const before = await yamlText();
    const secretsBefore = await readFile(join(dc, 'secrets.env'), 'utf8');
    const clash = join(root, `clash-${n}.yaml`);
    await writeFile(
      clash,
      (await readFile(BIFROST, 'utf8')).replace('52:54:00:F9:32:F6', '00:0A:F7:88:12:D0'),
    );
    await assert.rejects(
      importNodes(clash, dc),
      /would make the profile invalid: machines\[3\]\.mac\[0\]: MAC 00:0a:f7:88:12:d0 of testvm1 is also used by control-0/,
    );
    assert.equal(await yamlText(), before);
    assert.equal(await readFile(join(dc, 'secrets.env'), 'utf8'), secretsBefore);
  });
});
