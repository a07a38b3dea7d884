import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseDatacentre } from '../../../server/runbook/load-datacentre.ts';
import type { LoadedDatacentre } from '../../../server/runbook/load-datacentre.ts';
import {
  collectSecretRefs,
  readSecretsEnv,
  resolveSecrets,
  writeSecretsEnv,
} from '../../../server/runbook/secrets.ts';
import type { StackbookError } from '../../../server/stackbook-error.ts';

const PROFILE = `name: site
machines:
  - name: node-0
    mac: 52:54:00:00:00:01
    pm_type: ipmi
    pm_addr: 10.0.0.10
    pm_user: admin
    pm_password: { secret: IPMI_PASSWORD }
  - name: node-1
    mac: 52:54:00:00:00:02
    pm_type: ipmi
    pm_addr: 10.0.0.11
    pm_user: admin
    pm_password: { secret: IPMI_PASSWORD }
openstack:
  auth_url: http://127.0.0.1:5000/v3
  user: admin
  password: { secret: OS_PASSWORD }
  project: admin
`;

describe('secrets', () => {
  let dir: string;
  let loaded: LoadedDatacentre;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stackbook-secrets-'));
    loaded = { ...parseDatacentre(PROFILE, join(dir, 'datacentre.yaml'), 'site'), dir };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('collectSecretRefs finds every reference with its dotted path', () => {
    assert.deepEqual(collectSecretRefs(loaded.profile), [
      { name: 'IPMI_PASSWORD', path: 'machines.0.pm_password' },
      { name: 'IPMI_PASSWORD', path: 'machines.1.pm_password' },
      { name: 'OS_PASSWORD', path: 'openstack.password' },
    ]);
    assert.deepEqual(collectSecretRefs({ a: [{ b: { secret: 'X' } }], c: 'secret' }), [
      { name: 'X', path: 'a.0.b' },
    ]);
  });

  test('readSecretsEnv reads the dotenv forms', async () => {
    const file = join(dir, 'forms.env');
    const lines = [
      '# BMC passwords',
      '',
      'PLAIN=abc#def',
      'export EXPORTED = spaced value  # a comment',
      `SINGLE='it is # literal \\n'`,
      'DOUBLE="say \\"hi\\"\\nback\\\\slash" # trailing comment',
      'EMPTY=',
      'PLAIN=later wins',
    ];
    await writeFile(file, lines.join('\n'));
    const secrets = await readSecretsEnv(file);
    assert.deepEqual(Object.fromEntries([...secrets].map(([k, v]) => [k, v.value])), {
      PLAIN: 'later wins',
      EXPORTED: 'spaced value',
      SINGLE: 'it is # literal \\n',
      DOUBLE: 'say "hi"\nback\\slash',
      EMPTY: '',
    });
    assert.equal(secrets.get('DOUBLE')?.line, 6);
    assert.equal((await readSecretsEnv(join(dir, 'absent.env'))).size, 0);
  });

  test('a malformed line is a PROFILE_ERROR at its line that never shows the value', async () => {
    for (const [bad, field] of [
      ['OK=1\nBROKEN="unterminated-t0p-s3cret', 'BROKEN'],
      ['OK=1\n1BAD=t0p-s3cret', undefined],
      ["OK=1\nQUOTED='t0p-s3cret' trailing", 'QUOTED'],
    ] as const) {
      const file = join(dir, 'bad.env');
      await writeFile(file, bad);
      await assert.rejects(readSecretsEnv(file), (error: StackbookError) => {
        assert.equal(error.code, 'PROFILE_ERROR');
        assert.deepEqual(error.location, { file, line: 2, ...(field ? { field } : {}) });
        assert.doesNotMatch(error.message, /t0p-s3cret/);
        return true;
      });
    }
  });

  test('writeSecretsEnv updates in place, keeps other lines and round-trips any value', async () => {
    const file = join(dir, 'write.env');
    await writeFile(file, '# keep me\nexport A=old\nB=keep\nA=dup\n', { mode: 0o644 });
    const values = new Map([
      ['A', `it's "quoted"\n#x`],
      ['C', 'plain-value_1'],
      ['D', 'two words'],
    ]);
    await writeSecretsEnv(file, values);
    assert.equal(
      await readFile(file, 'utf8'),
      `# keep me\nA="it's \\"quoted\\"\\n#x"\nB=keep\nC=plain-value_1\nD='two words'\n`,
    );
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const read = await readSecretsEnv(file);
    for (const [name, value] of values) assert.equal(read.get(name)?.value, value);
    assert.equal(read.get('B')?.value, 'keep');
  });

  test('resolveSecrets takes the environment first, then secrets.env', async () => {
    await writeFile(join(dir, 'secrets.env'), 'IPMI_PASSWORD=from-file\nOS_PASSWORD=os-from-file\n');
    const resolved = await resolveSecrets(loaded, ['IPMI_PASSWORD', 'OS_PASSWORD', 'IPMI_PASSWORD'], {
      OS_PASSWORD: 'os-from-env',
    });
    assert.deepEqual(
      [...resolved],
      [
        ['IPMI_PASSWORD', 'from-file'],
        ['OS_PASSWORD', 'os-from-env'],
      ],
    );
  });

  test('all missing secrets are one SECRET_MISSING naming where each is used', async () => {
    await writeFile(join(dir, 'secrets.env'), 'OTHER=n0t-to-be-shown\n');
    const error = await resolveSecrets(loaded, ['IPMI_PASSWORD', 'OS_PASSWORD', 'OTHER'], {}).then(
      () => assert.fail('expected an error'),
      (e: StackbookError) => e,
    );
    assert.equal(error.code, 'SECRET_MISSING');
    const file = join(dir, 'datacentre.yaml');
    assert.equal(
      error.message,
      [
        '2 secrets are not set: IPMI_PASSWORD, OS_PASSWORD',
        `  IPMI_PASSWORD: referenced at ${file}:8 (machines[0].pm_password), ${file}:14 (machines[1].pm_password)`,
        `  OS_PASSWORD: referenced at ${file}:18 (openstack.password)`,
        `Set each in the environment or as NAME=value in ${join(dir, 'secrets.env')}.`,
      ].join('\n'),
    );
    assert.doesNotMatch(JSON.stringify(error.toJSON()), /n0t-to-be-shown/);
    assert.deepEqual(
      (error.details?.missing as { name: string }[]).map((m) => m.name),
      ['IPMI_PASSWORD', 'OS_PASSWORD'],
    );
  });
});
