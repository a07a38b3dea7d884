import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  datacentreJsonSchema,
  datacentreSchema,
  isSecretRef,
  machineSchema,
} from '../../../server/runbook/datacentre-schema.ts';

const machine = (overrides: Record<string, unknown> = {}) => ({
  name: 'node-0',
  mac: ['52:54:00:00:00:01'],
  pm_type: 'ipmi',
  pm_addr: '127.0.0.1',
  pm_port: 6230,
  pm_user: 'admin',
  pm_password: { secret: 'IPMI_PASSWORD' },
  ...overrides,
});

/** The issues of a failed parse as `path: message` lines, for compact assertions. */
function problems(value: unknown): string[] {
  const result = datacentreSchema.safeParse(value);
  assert.equal(result.success, false, 'expected the profile to be rejected');
  return result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('datacentreSchema', () => {
  test('fills defaults and normalises nodes.json values', () => {
    const dc = datacentreSchema.parse({
      machines: [machine({ mac: 'AA-BB-CC-DD-EE-0F', cpu: '4', memory: ' 8192 ', disk: 60 })],
      openstack: {
        auth_url: 'http://127.0.0.1:5000/v3',
        user: 'admin',
        password: { secret: 'OS' },
        project: 'admin',
      },
      images: { extra_elements: ['vlan'] },
    });
    assert.deepEqual(dc.machines[0]!.mac, ['aa:bb:cc:dd:ee:0f']);
    assert.equal(dc.machines[0]!.cpu, 4);
    assert.equal(dc.machines[0]!.memory, 8192);
    assert.equal(dc.machines[0]!.arch, 'x86_64');
    assert.deepEqual(dc.params, {});
    assert.equal(dc.openstack!.region, 'RegionOne');
    assert.equal(dc.openstack!.user_domain, 'Default');
    assert.deepEqual(dc.images, { elements: [], extra_elements: ['vlan'], mirrors: {}, env: {} });
    assert.deepEqual(datacentreSchema.parse({}).machines, []);
  });

  test('accepts the MAC spellings switches and BMCs print', () => {
    for (const mac of ['aabb.ccdd.ee0f', 'AABBCCDDEE0F', 'aa:bb:cc:dd:ee:0f']) {
      assert.deepEqual(machineSchema.parse(machine({ mac })).mac, ['aa:bb:cc:dd:ee:0f']);
    }
    assert.deepEqual(problems({ machines: [machine({ mac: ['52:54:00:00:00:01', '52:54:00:00:01'] })] }), [
      'machines.0.mac.1: not a MAC address (expected six hex pairs like 52:54:00:12:34:56)',
    ]);
    assert.deepEqual(problems({ machines: [machine({ mac: [] })] }), [
      'machines.0.mac: at least one MAC address is needed',
    ]);
  });

  test('rejects a plain-text password without repeating it', () => {
    const [message] = problems({ machines: [machine({ pm_password: 'hunter2' })] });
    assert.match(message!, /^machines\.0\.pm_password: .*\{ secret: NAME \}/);
    assert.doesNotMatch(message!, /hunter2/);
    assert.equal(isSecretRef({ secret: 'A_1' }), true);
    assert.equal(isSecretRef({ secret: '1A' }), false);
    assert.equal(isSecretRef({ secret: 'A', extra: 1 }), false);
    assert.equal(isSecretRef('A'), false);
  });

  test('checks ranges, addresses and hostnames', () => {
    assert.deepEqual(problems({ machines: [machine({ pm_port: 70000, ipmi_cipher_suite: 18, cpu: 0 })] }), [
      'machines.0.cpu: expected an integer >= 1',
      'machines.0.pm_port: expected an integer 1–65535',
      'machines.0.ipmi_cipher_suite: expected an integer 0–17',
    ]);
    assert.equal(
      machineSchema.parse(machine({ pm_addr: 'bmc-7.rack2.example.net' })).pm_addr,
      'bmc-7.rack2.example.net',
    );
    assert.equal(machineSchema.parse(machine({ pm_addr: 'fd00::7' })).pm_addr, 'fd00::7');
    assert.deepEqual(problems({ machines: [machine({ pm_addr: '300.1.2.3' })] }), [
      'machines.0.pm_addr: not an IP address or hostname',
    ]);
    assert.deepEqual(problems({ network: { vlans: [{ id: 4095, name: 'x' }] } }), [
      'network.vlans.0.id: expected an integer 1–4094',
    ]);
  });

  test('checks the network against its CIDR, IPv4 and IPv6', () => {
    const v6 = { cidr: 'fd00:20::/64', gateway: 'fd00:20::1', dhcp_range: ['fd00:20::100', 'fd00:20::1ff'] };
    assert.deepEqual(datacentreSchema.parse({ network: v6 }).network, v6);
    assert.deepEqual(
      problems({
        network: { cidr: '10.20.0.0/24', gateway: '10.20.1.1', dhcp_range: ['10.20.0.200', '10.20.0.100'] },
      }),
      [
        'network.gateway: gateway is outside 10.20.0.0/24',
        'network.dhcp_range: dhcp_range start is after its end',
      ],
    );
    assert.deepEqual(problems({ network: { cidr: '10.20.0.0/24', dhcp_range: ['10.20.0.10', 'fd00::1'] } }), [
      'network.dhcp_range.1: fd00::1 is outside 10.20.0.0/24',
    ]);
    assert.deepEqual(problems({ network: { cidr: '10.20.0.0' } }), [
      'network.cidr: not a CIDR (expected e.g. 10.20.0.0/24)',
    ]);
  });

  test('finds machines that collide by name, MAC or BMC, naming both', () => {
    assert.deepEqual(
      problems({
        machines: [
          machine(),
          machine({ name: 'node-1', mac: ['52:54:00:00:00:01'], pm_port: 6231 }),
          machine({ name: 'node-2', mac: ['52:54:00:00:00:03'] }),
        ],
      }),
      [
        'machines.1.mac.0: MAC 52:54:00:00:00:01 of node-1 is also used by node-0',
        'machines.2.pm_addr: node-2 and node-0 share the BMC 127.0.0.1:6230',
      ],
    );
  });

  test('rejects unknown keys at every level', () => {
    assert.deepEqual(problems({ machnes: [], machines: [machine({ colour: 'red' })] }), [
      'machines.0: Unrecognized key: "colour"',
      ': Unrecognized key: "machnes"',
    ]);
  });

  test('reads the ipmi section: defaults, durations, bounds', () => {
    assert.deepEqual(datacentreSchema.parse({ ipmi: {} }).ipmi, {
      cipher_suite: 3,
      concurrency: 16,
      min_interval: 100,
      attempts: 3,
      timeout: 1,
      retransmits: 1,
    });
    const ipmi = datacentreSchema.parse({
      ipmi: { min_interval: '1s', concurrency: '4', cipher_suite: 17 },
    }).ipmi!;
    assert.deepEqual([ipmi.min_interval, ipmi.concurrency, ipmi.cipher_suite], [1000, 4, 17]);
    assert.equal(datacentreSchema.parse({ ipmi: { min_interval: '0ms' } }).ipmi!.min_interval, 0);
    assert.equal(datacentreSchema.parse({ ipmi: { min_interval: 0.25 } }).ipmi!.min_interval, 250);
    assert.deepEqual(problems({ ipmi: { concurrency: 0, min_interval: 'soon', retries: 2 } }), [
      'ipmi.concurrency: expected an integer 1–256',
      'ipmi.min_interval: expected a duration like 500ms, 30s, 5m or a number of seconds',
      'ipmi: Unrecognized key: "retries"',
    ]);
  });

  test('has a JSON Schema of the written form for the editor', () => {
    const schema = datacentreJsonSchema() as {
      properties: Record<string, { items?: { required?: string[] } }>;
    };
    assert.deepEqual(Object.keys(schema.properties).sort(), [
      'description',
      'images',
      'ipmi',
      'machines',
      'name',
      'network',
      'openstack',
      'params',
    ]);
    assert.ok(schema.properties.machines!.items!.required!.includes('pm_password'));
  });
});
