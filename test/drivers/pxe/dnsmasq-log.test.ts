import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  DnsmasqLogParser,
  followDnsmasqLog,
  parseDnsmasqLog,
  type DnsmasqLogEvent,
} from '../../../drivers/pxe/dnsmasq-log.ts';

// dnsmasq 2.90's own lines (log-dhcp, log-facility) from a qemu VM netbooting in a lab namespace: a known
// machine through iPXE, then an unknown one, dnsmasq's TFTP, and a proxy-DHCP exchange.
const LOG = `Nov 29 21:40:15 dnsmasq[5237]: started, version 2.90 DNS disabled
Nov 29 21:40:15 dnsmasq-dhcp[5237]: DHCP, static leases only on 10.77.1.0, lease time 1h
Nov 29 21:40:15 dnsmasq-dhcp[5237]: read /tmp/exp1/hosts
Nov 29 21:41:19 dnsmasq-dhcp[5237]: 3762233443 available DHCP subnet: 10.77.1.0/255.255.255.0
Nov 29 21:41:19 dnsmasq-dhcp[5237]: 3762233443 vendor class: PXEClient:Arch:00000:UNDI:002001
Nov 29 21:41:19 dnsmasq-dhcp[5237]: 3762233443 user class: iPXE
Nov 29 21:41:19 dnsmasq-dhcp[5237]: 3762233443 DHCPDISCOVER(br0) 52:54:00:aa:00:01 
Nov 29 21:41:19 dnsmasq-dhcp[5237]: 3762233443 tags: known, ipxe, br0
Nov 29 21:41:19 dnsmasq-dhcp[5237]: 3762233443 DHCPOFFER(br0) 10.77.1.21 52:54:00:aa:00:01 
Nov 29 21:41:19 dnsmasq-dhcp[5237]: 3762233443 requested options: 1:netmask, 3:router, 6:dns-server, 7:log-server, 
Nov 29 21:41:19 dnsmasq-dhcp[5237]: 3762233443 next server: 10.77.1.1
Nov 29 21:41:19 dnsmasq-dhcp[5237]: 3762233443 sent size:  1 option: 53 message-type  2
Nov 29 21:41:19 dnsmasq-dhcp[5237]: 3762233443 sent size: 10 option: 67 bootfile-name  boot.ipxe
Nov 29 21:41:19 dnsmasq-dhcp[5237]: RTR-SOLICIT(br0) 52:54:00:aa:00:01
Nov 29 21:41:22 dnsmasq-dhcp[5237]: 3762233443 available DHCP subnet: 10.77.1.0/255.255.255.0
Nov 29 21:41:22 dnsmasq-dhcp[5237]: 3762233443 vendor class: PXEClient:Arch:00000:UNDI:002001
Nov 29 21:41:22 dnsmasq-dhcp[5237]: 3762233443 user class: iPXE
Nov 29 21:41:22 dnsmasq-dhcp[5237]: 3762233443 DHCPREQUEST(br0) 10.77.1.21 52:54:00:aa:00:01 
Nov 29 21:41:22 dnsmasq-dhcp[5237]: 3762233443 tags: known, ipxe, br0
Nov 29 21:41:22 dnsmasq-dhcp[5237]: 3762233443 DHCPACK(br0) 10.77.1.21 52:54:00:aa:00:01 node-1
Nov 29 21:41:22 dnsmasq-dhcp[5237]: 3762233443 next server: 10.77.1.1
Nov 29 21:41:22 dnsmasq-dhcp[5237]: 3762233443 sent size: 10 option: 67 bootfile-name  boot.ipxe
Nov 29 21:41:22 dnsmasq-tftp[5237]: sent /tmp/exp1/tftp/boot.ipxe to 10.77.1.21
Nov 29 21:41:22 dnsmasq-tftp[5237]: sent /tmp/exp1/tftp/ipxe/52-54-00-aa-00-01.ipxe to 10.77.1.21
Nov 29 21:41:36 dnsmasq-dhcp[5237]: 1110829329 available DHCP subnet: 10.77.1.0/255.255.255.0
Nov 29 21:41:36 dnsmasq-dhcp[5237]: 1110829329 DHCPDISCOVER(br0) 02:23:87:bd:07:bb ignored
Nov 29 21:47:18 dnsmasq-tftp[8284]: file /tmp/exp1/tftp/nothere not found for 10.77.1.2
Nov 29 21:47:18 dnsmasq-tftp[8284]: cannot access /tmp/exp1/tftp/initrd: Permission denied
Nov 29 21:46:48 dnsmasq-dhcp[8284]: 4160162866 vendor class: PXEClient:Arch:00000:UNDI:002001
Nov 29 21:46:48 dnsmasq-dhcp[8284]: 4160162866 PXE(br0) 52:54:00:aa:00:01 proxy
Nov 29 21:46:48 dnsmasq-dhcp[8284]: 4160162866 tags: ipxe, br0
Nov 29 21:47:10 dnsmasq-dhcp[8284]: 0 PXE(br0) 10.77.1.209 52:54:00:aa:00:01 boot.ipxe
Nov 29 21:47:10 dnsmasq-dhcp[8284]: 0 tags: ipxe, br0
Nov 29 21:47:10 dnsmasq-dhcp[8284]: 0 bootfile name: boot.ipxe
Nov 29 21:47:10 dnsmasq-dhcp[8284]: 0 next server: 10.77.1.1
`;

describe('dnsmasq log events', () => {
  it('gives each DHCP message with its tags, classes, boot file and next server, and each TFTP transfer', () => {
    const events = parseDnsmasqLog(LOG, { tftpRoot: '/tmp/exp1/tftp/' });
    const strip = events.map(({ time: _time, ...rest }) => rest);
    const known = { kind: 'dhcp', interface: 'br0', mac: '52:54:00:aa:00:01', xid: 3762233443 } as const;
    const ipxe = { vendorClass: 'PXEClient:Arch:00000:UNDI:002001', userClass: 'iPXE' };
    assert.deepEqual(strip, [
      { ...known, message: 'DHCPDISCOVER', ...ipxe, tags: ['known', 'ipxe', 'br0'] },
      {
        ...known,
        message: 'DHCPOFFER',
        ip: '10.77.1.21',
        tags: ['known', 'ipxe', 'br0'],
        nextServer: '10.77.1.1',
        bootFile: 'boot.ipxe',
      },
      { ...known, message: 'DHCPREQUEST', ip: '10.77.1.21', ...ipxe, tags: ['known', 'ipxe', 'br0'] },
      {
        ...known,
        message: 'DHCPACK',
        ip: '10.77.1.21',
        hostname: 'node-1',
        tags: ['known', 'ipxe', 'br0'],
        nextServer: '10.77.1.1',
        bootFile: 'boot.ipxe',
      },
      { kind: 'tftp', file: 'boot.ipxe', client: '10.77.1.21', outcome: 'sent' },
      { kind: 'tftp', file: 'ipxe/52-54-00-aa-00-01.ipxe', client: '10.77.1.21', outcome: 'sent' },
      {
        kind: 'dhcp',
        interface: 'br0',
        mac: '02:23:87:bd:07:bb',
        xid: 1110829329,
        message: 'DHCPDISCOVER',
        detail: 'ignored',
      },
      { kind: 'tftp', file: 'nothere', client: '10.77.1.2', outcome: 'not-found' },
      { kind: 'tftp', file: 'initrd', outcome: 'denied', error: 'Permission denied' },
      {
        kind: 'dhcp',
        interface: 'br0',
        mac: '52:54:00:aa:00:01',
        xid: 4160162866,
        message: 'PXE',
        detail: 'proxy',
        vendorClass: 'PXEClient:Arch:00000:UNDI:002001',
        tags: ['ipxe', 'br0'],
      },
      {
        kind: 'dhcp',
        interface: 'br0',
        mac: '52:54:00:aa:00:01',
        xid: 0,
        message: 'PXE',
        ip: '10.77.1.209',
        detail: 'boot.ipxe',
        tags: ['ipxe', 'br0'],
        bootFile: 'boot.ipxe',
        nextServer: '10.77.1.1',
      },
    ]);
    assert.equal(events[0]!.time, 'Nov 29 21:41:19');
  });

  it('holds a message until its exchange is complete, and gives it up on flush', () => {
    const parser = new DnsmasqLogParser();
    const lines = LOG.split('\n');
    const discover = lines.findIndex((line) => line.includes('DHCPDISCOVER(br0) 52:54'));
    assert.deepEqual(parser.push(lines[discover]!), []);
    assert.deepEqual(parser.push(lines[discover + 1]!), [], 'the tags line belongs to it');
    const [event] = parser.flush();
    assert.equal(event?.kind === 'dhcp' && event.tags?.join(), 'known,ipxe,br0');
    assert.deepEqual(parser.flush(), []);
    assert.deepEqual(parser.push('Nov 29 21:41:19 dnsmasq[1]: exiting on receipt of SIGTERM'), []);
    assert.deepEqual(parser.push('not a dnsmasq line'), []);
  });

  it('follows a growing log file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-dnsmasq-log-'));
    try {
      const file = path.join(dir, 'dnsmasq.log');
      const events: DnsmasqLogEvent[] = [];
      const follower = followDnsmasqLog(file, (event) => events.push(event), { intervalMs: 20, quietMs: 50 });
      const lines = LOG.split('\n');
      await appendFile(file, `${lines.slice(0, 13).join('\n')}\n`);
      for (let i = 0; i < 100 && events.length < 2; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(
        events.map((event) => event.kind === 'dhcp' && event.message),
        ['DHCPDISCOVER', 'DHCPOFFER'],
        'the OFFER is released once the log goes quiet',
      );
      await appendFile(file, `${lines.slice(13, 24).join('\n')}\n`);
      await follower.stop();
      assert.deepEqual(
        events.map((event) => (event.kind === 'dhcp' ? event.message : event.file)),
        [
          'DHCPDISCOVER',
          'DHCPOFFER',
          'DHCPREQUEST',
          'DHCPACK',
          'boot.ipxe',
          'ipxe/52-54-00-aa-00-01.ipxe',
        ].map((what) => (what.includes('.') ? `/tmp/exp1/tftp/${what}` : what)),
      );
      assert.equal((events[1] as { bootFile?: string }).bootFile, 'boot.ipxe');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('catches up at once: the log read to its end and the held message released, without waiting for quiet', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-dnsmasq-log-'));
    try {
      const file = path.join(dir, 'dnsmasq.log');
      const events: DnsmasqLogEvent[] = [];
      // Neither the poll nor the quiet period would come within this test on their own.
      const follower = followDnsmasqLog(file, (event) => events.push(event), {
        intervalMs: 60_000,
        quietMs: 60_000,
      });
      // Up to the ACK and its next-server line: the ACK is the held message.
      await appendFile(file, `${LOG.split('\n').slice(0, 21).join('\n')}\n`);
      await follower.catchUp();
      assert.deepEqual(
        events.map((event) => event.kind === 'dhcp' && `${event.message} ${event.ip ?? ''}`.trim()),
        ['DHCPDISCOVER', 'DHCPOFFER 10.77.1.21', 'DHCPREQUEST 10.77.1.21', 'DHCPACK 10.77.1.21'],
      );
      assert.equal((events[3] as { nextServer?: string }).nextServer, '10.77.1.1');
      await follower.stop();
      assert.equal(events.length, 4, 'nothing twice');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
