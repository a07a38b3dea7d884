import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  listDatacentres,
  loadDatacentre,
  parseDatacentre,
  readablePath,
} from '../../../server/runbook/load-datacentre.ts';
import { StackbookError } from '../../../server/stackbook-error.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const malformed = join(repo, 'test/fixtures/datacentres/malformed');

/** Runs `fn` and returns the StackbookError it must throw. */
async function rejection(fn: () => unknown): Promise<StackbookError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof StackbookError, `expected a StackbookError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

describe('loadDatacentre', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stackbook-load-'));
    await cp(join(repo, 'datacentres/example'), join(dir, 'example'), { recursive: true });
    await mkdir(join(dir, 'site-b'));
    await writeFile(join(dir, 'site-b/datacentre.yaml'), '# nothing yet\n');
    await mkdir(join(dir, 'not-a-datacentre'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('loads the example by name with lines for every path', async () => {
    const dc = await loadDatacentre('example', dir);
    assert.equal(dc.name, 'example');
    assert.equal(dc.dir, join(dir, 'example'));
    assert.equal(dc.file, join(dir, 'example/datacentre.yaml'));
    assert.equal(dc.profile.machines.length, 3);
    assert.deepEqual(dc.profile.machines[2]!.mac, ['52:54:00:a1:00:03', '52:54:00:a1:01:03']);
    assert.deepEqual(dc.profile.images?.extra_elements, ['vlan']);
    assert.deepEqual(dc.profile.openstack?.password, { secret: 'EXAMPLE_OS_PASSWORD' });
    assert.equal(dc.lines['machines.0'], 13);
    assert.equal(dc.lines['machines.0.pm_port'], 21);
    assert.equal(dc.lines['machines.2.mac.1'], 40);
    assert.equal(dc.lines['openstack.password'], 71);
  });

  test('loads by folder path or file path; the name defaults to the folder', async () => {
    const byDir = await loadDatacentre(join(dir, 'site-b'), '/nowhere');
    assert.equal(byDir.name, 'site-b');
    assert.equal(byDir.profile.name, 'site-b');
    assert.deepEqual(byDir.profile.machines, []);
    const byFile = await loadDatacentre(join(dir, 'example/datacentre.yaml'), '/nowhere');
    assert.equal(byFile.dir, join(dir, 'example'));
  });

  test('a missing datacentre is NOT_FOUND and lists the known ones', async () => {
    const error = await rejection(() => loadDatacentre('nope', dir));
    assert.equal(error.code, 'NOT_FOUND');
    assert.match(error.message, /known datacentres: example, site-b$/);
    assert.deepEqual(await listDatacentres(dir), ['example', 'site-b']);
    assert.deepEqual(await listDatacentres(join(dir, 'missing')), []);
  });
});

describe('parseDatacentre', () => {
  test('reports every issue with its line and the first in the message', () => {
    const text = ['machines:', '  - name: a', '    mac: nope', 'params: []', ''].join('\n');
    const error = (() => {
      try {
        parseDatacentre(text, 'dc.yaml', 'dc');
      } catch (e) {
        return e as StackbookError;
      }
      assert.fail('expected an error');
    })();
    assert.equal(error.code, 'PROFILE_ERROR');
    assert.match(
      error.message,
      /^dc\.yaml:3: machines\[0\]\.mac: not a MAC address .* \(and 5 more problems\)$/,
    );
    assert.deepEqual(error.details?.issues, [
      {
        line: 3,
        field: 'machines[0].mac',
        message: 'not a MAC address (expected six hex pairs like 52:54:00:12:34:56)',
      },
      { line: 2, field: 'machines[0].pm_type', message: 'missing (expected string)' },
      { line: 2, field: 'machines[0].pm_addr', message: 'missing (expected string)' },
      { line: 2, field: 'machines[0].pm_user', message: 'missing (expected string)' },
      { line: 2, field: 'machines[0].pm_password', message: 'missing (expected object)' },
      { line: 4, field: 'params', message: 'Invalid input: expected record, received array' },
    ]);
  });

  test('an empty file is an empty profile named after its folder', () => {
    const dc = parseDatacentre('', 'dc.yaml', 'lab');
    assert.equal(dc.name, 'lab');
    assert.deepEqual(dc.profile, { name: 'lab', machines: [], params: {} });
  });

  test('a YAML error does not quote the source line', () => {
    const text = 'machines:\n  - name: a\n    pm_password: s3cr3t: value\n';
    assert.throws(
      () => parseDatacentre(text, 'dc.yaml', 'dc'),
      (error: StackbookError) => error.location?.line === 3 && !error.message.includes('s3cr3t'),
    );
  });

  test('readablePath writes indexes in brackets', () => {
    assert.equal(readablePath('machines.2.mac.0'), 'machines[2].mac[0]');
    assert.equal(readablePath(['network', 'vlans', 0, 'id']), 'network.vlans[0].id');
    assert.equal(readablePath(''), '');
  });
});

describe('malformed profiles', () => {
  const cases: [string, number, string | undefined, RegExp][] = [
    ['bad-mac', 15, 'machines[1].mac[0]', /not a MAC address/],
    ['bad-ip', 18, 'network.dns[1]', /not an IPv4 or IPv6 address/],
    ['bad-cidr', 16, 'network.cidr', /not a CIDR/],
    ['gateway-outside-cidr', 17, 'network.gateway', /outside 10\.20\.0\.0\/24/],
    ['duplicate-name', 14, 'machines[1].name', /duplicate machine name node-0/],
    ['duplicate-mac', 15, 'machines[1].mac[0]', /of node-1 is also used by node-0/],
    ['plaintext-password', 23, 'machines[1].pm_password', /\{ secret: NAME \}/],
    ['unknown-key', 13, 'machines[0].pm_pasword', /unknown key/],
    ['bad-yaml', 12, undefined, /YAML syntax error/],
    ['wrong-type', 7, 'machines[0].memory', /expected an integer/],
  ];
  for (const [name, line, field, message] of cases) {
    test(name, async () => {
      const error = await rejection(() => loadDatacentre(join(malformed, name), malformed));
      assert.equal(error.code, 'PROFILE_ERROR');
      assert.equal(error.location?.file, join(malformed, name, 'datacentre.yaml'));
      assert.equal(error.location?.line, line);
      assert.equal(error.location?.field, field);
      assert.match(error.message, message);
      assert.ok(error.message.startsWith(`${error.location?.file}:${line}: ${field ? `${field}: ` : ''}`));
      assert.doesNotMatch(error.message, /hunter2/);
    });
  }
});
