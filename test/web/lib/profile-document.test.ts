import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { datacentreJsonSchema } from '../../../server/runbook/datacentre-schema.ts';
import { propertyOrder, type JsonSchema } from '../../../web/lib/json-schema.ts';
import { parsePath, ProfileDocument, readablePath } from '../../../web/lib/profile-document.ts';

const example = readFileSync(
  new URL('../../../datacentres/example/datacentre.yaml', import.meta.url),
  'utf8',
);
const schema = datacentreJsonSchema() as JsonSchema;

/** Lines of `after` that are not in `before`, and the other way round: what a `git diff` would show. */
function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  return { removed: a.filter((line) => !b.includes(line)), added: b.filter((line) => !a.includes(line)) };
}

describe('ProfileDocument', () => {
  it('gives back the exact text when nothing changed', () => {
    assert.equal(ProfileDocument.parse(example).toString(), example);
  });

  it('changes one scalar and nothing else, keeping its comment and the file comments', () => {
    const doc = ProfileDocument.parse(example);
    doc.set(['machines', 0, 'pm_port'], 7000);
    const text = doc.toString();
    assert.deepEqual(changedLines(example, text), {
      removed: ['    pm_port: 6230 # each virtual BMC listens on its own UDP port'],
      added: ['    pm_port: 7000 # each virtual BMC listens on its own UDP port'],
    });
    assert.match(text, /^# An example datacentre profile/);
    assert.match(text, /# Free parameters that runbooks read/);
    assert.equal(parse(text).machines[0].pm_port, 7000);
  });

  it('keeps inline lists tight and secret references padded, as the file writes them', () => {
    const doc = ProfileDocument.parse(example);
    doc.set(['machines', 2, 'mac', 1], '52:54:00:a1:02:03');
    assert.deepEqual(changedLines(example, doc.toString()), {
      removed: ['    mac: [52:54:00:a1:00:03, 52:54:00:a1:01:03]'],
      added: ['    mac: [52:54:00:a1:00:03, 52:54:00:a1:02:03]'],
    });
    assert.match(doc.toString(), /pm_password: \{ secret: EXAMPLE_IPMI_PASSWORD \}/);
  });

  it('adds and removes machines where expected', () => {
    const doc = ProfileDocument.parse(example);
    const index = doc.addMachine({
      name: 'compute-1',
      mac: ['52:54:00:a1:00:04'],
      pm_type: 'ipmi',
      pm_addr: '127.0.0.1',
      pm_port: 6233,
      pm_user: 'admin',
      pm_password: { secret: 'EXAMPLE_IPMI_PASSWORD' },
    });
    assert.equal(index, 3);
    doc.removeMachine(1);
    const text = doc.toString();
    const names = (parse(text) as { machines: { name: string }[] }).machines.map((m) => m.name);
    assert.deepEqual(names, ['seed', 'compute-0', 'compute-1']);
    assert.match(text, /mac: \[52:54:00:a1:00:04\]/);
    assert.match(text, /pm_password: \{ secret: EXAMPLE_IPMI_PASSWORD \}\n/);
    // The new machine lands in the machines list, before the network section and its comment.
    assert.ok(text.indexOf('compute-1') < text.indexOf('# The provisioning (ctlplane) network'));
    assert.match(text, /# Machines use the field names of TripleO's nodes.json/);
  });

  it('deletes keys, creates missing sections and renames keys in place', () => {
    const doc = ProfileDocument.parse(example);
    doc.delete(['machines', 0, 'labels']);
    doc.set(['machines', 0, 'ipmi_cipher_suite'], 3);
    doc.renameKey(['params', 'ntp_server'], 'time_server');
    doc.delete(['nothing', 'here']);
    const data = parse(doc.toString()) as { machines: Record<string, unknown>[]; params: object };
    assert.equal(data.machines[0]!.labels, undefined);
    assert.equal(data.machines[0]!.ipmi_cipher_suite, 3);
    assert.deepEqual(Object.keys(data.params), [
      'time_server',
      'overcloud_control_scale',
      'overcloud_compute_scale',
    ]);
  });

  it('puts a new key where the schema order puts it among its siblings', () => {
    const doc = ProfileDocument.parse(example);
    const order = propertyOrder(schema, ['machines', 0]);
    doc.set(['machines', 0, 'ipmi_cipher_suite'], 3, order);
    doc.delete(['machines', 1, 'pm_port']);
    doc.set(['machines', 1, 'pm_port'], 6241, order);
    const lines = doc.toString().split('\n');
    const at = (text: string) => lines.indexOf(text);
    assert.equal(
      at('    ipmi_cipher_suite: 3'),
      at('    pm_password: { secret: EXAMPLE_IPMI_PASSWORD }') + 1,
    );
    assert.equal(lines[at('    pm_port: 6241') - 1], '    pm_addr: 127.0.0.1');
  });

  it('turns an empty inline list into a block list when a machine is added', () => {
    const doc = ProfileDocument.parse('name: x\nmachines: [] # none yet\n');
    doc.addMachine({ name: 'a', mac: ['52:54:00:00:00:01'], pm_password: { secret: 'P' } });
    const text = doc.toString();
    assert.match(
      text,
      /^name: x\nmachines:.*\n {2}- name: a\n {4}mac: \[52:54:00:00:00:01\]\n {4}pm_password: \{ secret: P \}\n/,
    );
    assert.match(text, /# none yet/);
  });

  it('treats a single MAC written as one value as a one-item list', () => {
    const doc = ProfileDocument.parse('machines:\n  - name: a # the seed\n    mac: 52:54:00:00:00:01\n');
    doc.set(['machines', 0, 'mac', 1], '52:54:00:00:00:02');
    assert.deepEqual(doc.get(['machines', 0, 'mac']), ['52:54:00:00:00:01', '52:54:00:00:00:02']);
    assert.match(doc.toString(), /name: a # the seed/);
  });

  it('builds a profile from an empty file', () => {
    const doc = ProfileDocument.parse('');
    doc.set(['network', 'cidr'], '10.0.0.0/24');
    doc.append(['network', 'dns'], '10.0.0.1');
    assert.deepEqual(parse(doc.toString()), { network: { cidr: '10.0.0.0/24', dns: ['10.0.0.1'] } });
  });

  it('reports YAML syntax errors with their lines', () => {
    const doc = ProfileDocument.parse('name: x\nmachines: [a, b\nnetwork: {}\n');
    assert.ok(doc.errors.length > 0);
    assert.ok(doc.errors.every((error) => error.line >= 2));
  });

  it('finds the line of a field, or of its nearest ancestor', () => {
    const doc = ProfileDocument.parse(example);
    const lines = example.split('\n');
    assert.match(lines[doc.lineOf(['machines', 1, 'pm_port']) - 1]!, /pm_port: 6231/);
    assert.match(lines[doc.lineOf(['network', 'dhcp_range', 1]) - 1]!, /dhcp_range/);
    assert.match(lines[doc.lineOf(['machines', 2, 'nope']) - 1]!, /name: compute-0/);
  });

  it('maps readable paths to form paths and back', () => {
    assert.deepEqual(parsePath('machines[2].mac[0]'), ['machines', 2, 'mac', 0]);
    assert.equal(readablePath(['machines', 2, 'mac', 0]), 'machines[2].mac[0]');
    assert.deepEqual(parsePath(''), []);
    const doc = ProfileDocument.parse('machines:\n  - name: a\n    mac: nope\n    colour: red\n');
    // A one-value MAC shows at the list's first input; an unknown key at its machine; `.secret` at the reference.
    assert.deepEqual(doc.formPath('machines[0].mac', schema), ['machines', 0, 'mac', 0]);
    assert.deepEqual(doc.formPath('machines[0].colour', schema), ['machines', 0]);
    assert.deepEqual(doc.formPath('machines[0].pm_password.secret', schema), ['machines', 0, 'pm_password']);
    assert.deepEqual(doc.formPath('machines[0].pm_user', schema), ['machines', 0, 'pm_user']);
    assert.deepEqual(doc.formPath('network.dhcp_range[1]', schema), ['network', 'dhcp_range', 1]);
    assert.deepEqual(doc.formPath('params.anything', schema), ['params', 'anything']);
    assert.deepEqual(doc.formPath('', schema), []);
  });
});
