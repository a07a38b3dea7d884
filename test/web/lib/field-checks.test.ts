import assert from 'node:assert/strict';
import { isIP as nodeIsIP } from 'node:net';
import { describe, it } from 'node:test';
import {
  checkCidr,
  checkField,
  checkHostOrIp,
  checkMac,
  checkPort,
  checkProfile,
  isIP,
  isIPv4,
  isIPv6,
  normaliseField,
  normaliseMac,
} from '../../../web/lib/field-checks.ts';

describe('field checks', () => {
  it('accepts MACs with colons or dashes and normalises them to lower-case colons', () => {
    assert.equal(normaliseMac('52:54:00:A1:00:01'), '52:54:00:a1:00:01');
    assert.equal(normaliseMac(' 52-54-00-a1-00-01 '), '52:54:00:a1:00:01');
    assert.equal(normaliseMac('5254.00a1.0001'), '52:54:00:a1:00:01');
    assert.equal(normaliseMac('525400a10001'), '52:54:00:a1:00:01');
    for (const bad of [
      '52:54:00:a1:00',
      '52:54:00:a1:00:0g',
      'zz:54:00:a1:00:01',
      '52:54:00:a1:00:01:02',
      '',
    ])
      assert.equal(normaliseMac(bad), undefined, bad);
    assert.match(checkMac('52:54:00') ?? '', /not a MAC/);
    assert.equal(checkMac('AA-BB-CC-DD-EE-FF'), undefined);
  });

  it('agrees with Node on IPv4 and IPv6 addresses', () => {
    const samples = [
      '10.20.0.1',
      '255.255.255.255',
      '256.1.1.1',
      '01.2.3.4',
      '1.2.3',
      '1.2.3.4.5',
      '::',
      '::1',
      'fe80::1%eth0',
      'fe80::1%',
      '2001:db8::8a2e:370:7334',
      '2001:db8:0:0:0:0:2:1',
      '2001:db8:0:0:0:0:2',
      '2001:db8::2::1',
      '::ffff:192.0.2.1',
      '::ffff:192.0.2.256',
      '1:2:3:4:5:6:7:8:9',
      '12345::1',
      ':1::',
      'g::1',
      'example.com',
    ];
    for (const sample of samples) {
      assert.equal(isIP(sample), nodeIsIP(sample) !== 0, sample);
      assert.equal(isIPv4(sample), nodeIsIP(sample) === 4, sample);
      assert.equal(isIPv6(sample), nodeIsIP(sample) === 6, sample);
    }
  });

  it('checks CIDRs, ports and BMC addresses', () => {
    assert.equal(checkCidr('10.20.0.0/24'), undefined);
    assert.equal(checkCidr('2001:db8::/64'), undefined);
    assert.match(checkCidr('10.20.0.0/33') ?? '', /not a CIDR/);
    assert.match(checkCidr('10.20.0.0') ?? '', /not a CIDR/);
    assert.equal(checkPort('623'), undefined);
    assert.equal(checkPort('65535'), undefined);
    assert.match(checkPort('0') ?? '', /1–65535/);
    assert.match(checkPort('65536') ?? '', /1–65535/);
    assert.match(checkPort('62a') ?? '', /integer/);
    assert.equal(checkHostOrIp('127.0.0.1'), undefined);
    assert.equal(checkHostOrIp('bmc-01.example.com'), undefined);
    assert.match(checkHostOrIp('300.1.2.3') ?? '', /not an IP address or hostname/);
  });

  it('finds the check by the field path and leaves empty values to the server', () => {
    assert.match(checkField(['machines', 2, 'mac', 0], 'nope') ?? '', /not a MAC/);
    assert.match(checkField(['machines', 0, 'mac'], 'nope') ?? '', /not a MAC/);
    assert.match(checkField(['machines', 0, 'pm_port'], 70000) ?? '', /1–65535/);
    assert.match(checkField(['network', 'dhcp_range', 1], '10.0.0.300') ?? '', /IPv4 or IPv6/);
    assert.match(checkField(['network', 'vlans', 0, 'id'], 5000) ?? '', /1–4094/);
    assert.match(checkField(['machines', 0, 'pm_password', 'secret'], '1X') ?? '', /secret name/);
    assert.equal(checkField(['machines', 0, 'mac', 0], ''), undefined);
    assert.equal(checkField(['params', 'anything'], 'nope'), undefined);
  });

  it('normalises MACs when the operator leaves the field, and only MACs', () => {
    assert.equal(normaliseField(['machines', 1, 'mac', 0], 'AA-BB-CC-DD-EE-FF'), 'aa:bb:cc:dd:ee:ff');
    assert.equal(normaliseField(['machines', 1, 'mac', 0], 'not-a-mac'), 'not-a-mac');
    assert.equal(normaliseField(['machines', 1, 'pm_user'], 'AA-BB-CC-DD-EE-FF'), 'AA-BB-CC-DD-EE-FF');
  });

  it('lists every failing field of a profile with its path', () => {
    const issues = checkProfile({
      machines: [
        { name: 'ok', mac: ['52:54:00:a1:00:01'], pm_addr: '127.0.0.1', pm_port: 6230 },
        { name: 'bad', mac: ['52:54:00:a1:00:01', 'xx'], pm_addr: '999.1.1.1', pm_port: 0 },
      ],
      network: { cidr: '10.0.0.0/24', gateway: '10.0.0.1' },
    });
    assert.deepEqual(
      issues.map((issue) => issue.path.join('.')),
      ['machines.1.mac.1', 'machines.1.pm_addr', 'machines.1.pm_port'],
    );
  });
});
