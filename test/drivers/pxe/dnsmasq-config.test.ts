import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exec } from '../../../drivers/exec.ts';
import {
  dnsmasqConfig,
  dnsmasqHostLine,
  dnsmasqHostsFile,
  type DnsmasqConfig,
} from '../../../drivers/pxe/dnsmasq-config.ts';
import { dhcpHostname, PxeValueError } from '../../../drivers/pxe/pxe-values.ts';

const FILES = {
  hostsFile: '/run/sb/hosts',
  logFile: '/run/sb/dnsmasq.log',
  leaseFile: '/run/sb/leases',
  pidFile: '/run/sb/dnsmasq.pid',
};

function config(extra: Partial<DnsmasqConfig> = {}): DnsmasqConfig {
  return {
    interface: 'br0',
    serverAddress: '10.20.0.1',
    dhcp: { kind: 'range', start: '10.20.0.100', end: '10.20.0.199', netmask: '255.255.255.0' },
    boot: { bios: 'pxelinux.0' },
    ...FILES,
    ...extra,
  };
}

const lines = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#'));

/** The code of what `fn` threw, and the field it named. */
function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PxeValueError, String(error));
    return error.field;
  }
  assert.fail('accepted');
}

describe('dnsmasqConfig', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-dnsmasq-conf-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** dnsmasq's own syntax check of a generated configuration. */
  async function dnsmasqAccepts(text: string): Promise<void> {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.conf`);
    await writeFile(file, text);
    const result = await exec('dnsmasq', ['--test', `--conf-file=${file}`], { capture: 4096 });
    assert.equal(result.exitCode, 0, `${result.stderr}\n${text}`);
  }

  it('serves DHCP only, on one interface, with its hosts in a file and every exchange logged', async () => {
    const text = dnsmasqConfig(config());
    assert.deepEqual(lines(text).slice(0, 9), [
      'port=0',
      'interface=br0',
      'bind-interfaces',
      'pid-file=/run/sb/dnsmasq.pid',
      'dhcp-leasefile=/run/sb/leases',
      'dhcp-hostsfile=/run/sb/hosts',
      'log-facility=/run/sb/dnsmasq.log',
      'log-dhcp',
      'dhcp-range=10.20.0.100,10.20.0.199,255.255.255.0,1h',
    ]);
    assert.ok(lines(text).includes('dhcp-boot=tag:!efi64,tag:!efiarm64,pxelinux.0,,10.20.0.1'));
    assert.ok(lines(text).includes('dhcp-option=option:router'), 'no router is handed out unless asked');
    assert.ok(!text.includes('dhcp-ignore'));
    assert.ok(!text.includes('enable-tftp'));
    await dnsmasqAccepts(text);
    const plain = dnsmasqConfig(config({ boot: {} }));
    assert.ok(!plain.includes('dhcp-boot'), 'without boot files, a plain DHCP server');
    await dnsmasqAccepts(plain);
  });

  it('gives static leases only to the hosts file and ignores unknown machines when asked', async () => {
    const text = dnsmasqConfig(
      config({
        dhcp: { kind: 'static', network: '10.20.0.0', netmask: '255.255.255.0', leaseTime: 'infinite' },
        ignoreUnknown: true,
        router: '10.20.0.254',
        dnsServers: ['10.20.0.53', '10.20.0.54'],
        noPing: true,
      }),
    );
    for (const line of [
      'dhcp-range=10.20.0.0,static,255.255.255.0,infinite',
      'dhcp-ignore=tag:!known',
      'no-ping',
      'dhcp-option=option:router,10.20.0.254',
      'dhcp-option=option:dns-server,10.20.0.53,10.20.0.54',
    ])
      assert.ok(lines(text).includes(line), line);
    await dnsmasqAccepts(text);
  });

  it('tells iPXE, BIOS, UEFI x86-64 and arm64 clients apart, each getting one boot file', async () => {
    const text = dnsmasqConfig(
      config({
        boot: { bios: 'pxelinux.0', uefi64: 'ipxe.efi', uefiArm64: 'arm64/ipxe.efi', ipxe: 'boot.ipxe' },
        tftpServer: '10.20.0.2',
      }),
    );
    const all = lines(text);
    for (const line of [
      'dhcp-match=set:ipxe,175',
      'dhcp-userclass=set:ipxe,iPXE',
      'dhcp-match=set:efi64,option:client-arch,7',
      'dhcp-match=set:efi64,option:client-arch,9',
      'dhcp-match=set:efiarm64,option:client-arch,11',
    ])
      assert.ok(all.includes(line), line);
    assert.deepEqual(
      all.filter((line) => line.startsWith('dhcp-boot=')),
      [
        'dhcp-boot=tag:ipxe,boot.ipxe,,10.20.0.2',
        'dhcp-boot=tag:!ipxe,tag:!efi64,tag:!efiarm64,pxelinux.0,,10.20.0.2',
        'dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi,,10.20.0.2',
        'dhcp-boot=tag:!ipxe,tag:efiarm64,arm64/ipxe.efi,,10.20.0.2',
      ],
    );
    await dnsmasqAccepts(text);
  });

  it('in proxy mode leaves addresses to the network and answers PXE clients with a boot service each', async () => {
    const text = dnsmasqConfig(
      config({
        dhcp: { kind: 'proxy', network: '10.20.0.0', netmask: '255.255.255.0' },
        boot: { bios: 'pxelinux.0', uefi64: 'ipxe.efi', ipxe: 'boot.ipxe' },
      }),
    );
    const all = lines(text);
    assert.ok(all.includes('dhcp-range=10.20.0.0,proxy,255.255.255.0'));
    assert.deepEqual(
      all.filter((line) => line.startsWith('pxe-service=')),
      [
        'pxe-service=tag:!ipxe,x86PC,"stackbook",pxelinux.0,10.20.0.1',
        'pxe-service=tag:ipxe,x86PC,"stackbook",boot.ipxe,10.20.0.1',
        'pxe-service=tag:!ipxe,BC_EFI,"stackbook",ipxe.efi,10.20.0.1',
        'pxe-service=tag:ipxe,BC_EFI,"stackbook",boot.ipxe,10.20.0.1',
        'pxe-service=tag:!ipxe,x86-64_EFI,"stackbook",ipxe.efi,10.20.0.1',
        'pxe-service=tag:ipxe,x86-64_EFI,"stackbook",boot.ipxe,10.20.0.1',
        'pxe-service=tag:ipxe,ARM64_EFI,"stackbook",boot.ipxe,10.20.0.1',
      ],
    );
    assert.ok(!all.some((line) => line.startsWith('dhcp-boot=') || line.startsWith('dhcp-option=')));
    await dnsmasqAccepts(text);
  });

  it('adds router advertisements (lifetime 0) and its own TFTP server when asked', async () => {
    const text = dnsmasqConfig(
      config({ routerAdvertisements: true, tftpRoot: '/srv/boot', user: 'dnsmasq' }),
    );
    for (const line of [
      'enable-ra',
      'dhcp-range=::,constructor:br0,ra-only',
      'ra-param=br0,60,0',
      'enable-tftp',
      'tftp-root=/srv/boot',
      'user=dnsmasq',
    ])
      assert.ok(lines(text).includes(line), line);
    await dnsmasqAccepts(text);
  });

  it('refuses any value that could add a line or an option', () => {
    const attempts: [string, Partial<DnsmasqConfig>][] = [
      ['interface', { interface: 'br0\ndhcp-script=/tmp/x' }],
      ['interface', { interface: 'br0,eth1' }],
      ['serverAddress', { serverAddress: '10.20.0.1\nenable-tftp' }],
      ['tftpServer', { tftpServer: '10.20.0.1,evil' }],
      ['boot.bios', { boot: { bios: 'pxelinux.0\ndhcp-script=/tmp/x' } }],
      ['boot.bios', { boot: { bios: 'pxelinux.0,,6.6.6.6' } }],
      ['boot.ipxe', { boot: { ipxe: '../../etc/shadow' } }],
      ['boot.uefi64', { boot: { uefi64: '/etc/shadow' } }],
      [
        'dhcp.start',
        { dhcp: { kind: 'range', start: '10.20.0.1,proxy', end: '10.20.0.9', netmask: '255.255.255.0' } },
      ],
      ['dhcp.netmask', { dhcp: { kind: 'static', network: '10.20.0.0', netmask: '255.0.255.0' } }],
      [
        'dhcp.leaseTime',
        { dhcp: { kind: 'static', network: '10.20.0.0', netmask: '255.255.255.0', leaseTime: '1h\nx' } },
      ],
      ['router', { router: '10.20.0.1\nport=53' }],
      ['dnsServers[1]', { dnsServers: ['10.20.0.53', 'evil'] }],
      ['logFile', { logFile: '/tmp/log\nconf-file=/tmp/evil' }],
      ['tftpRoot', { tftpRoot: 'relative/root' }],
      ['tftpRoot', { tftpRoot: '/srv/../etc' }],
      ['boot', { boot: {}, dhcp: { kind: 'proxy', network: '10.20.0.0', netmask: '255.255.255.0' } }],
    ];
    for (const [field, extra] of attempts)
      assert.equal(
        refused(() => dnsmasqConfig(config(extra))),
        field,
        field,
      );
  });
});

describe('dnsmasq hosts file', () => {
  it('writes MAC, address and name per machine, normalising MACs', () => {
    assert.equal(
      dnsmasqHostsFile([
        { mac: '52:54:00:AA:00:01', ip: '10.20.0.21', name: 'node-1' },
        { mac: '52-54-00-aa-00-02', name: 'node-2' },
        { mac: '525400aa0003' },
      ]),
      '52:54:00:aa:00:01,10.20.0.21,node-1\n52:54:00:aa:00:02,node-2\n52:54:00:aa:00:03\n',
    );
    assert.equal(dnsmasqHostsFile([]), '');
  });

  it('refuses injection through a MAC, an address or a name, and duplicates', () => {
    assert.equal(
      refused(() => dnsmasqHostLine({ mac: '52:54:00:aa:00:01,ignore' })),
      'host.mac',
    );
    assert.equal(
      refused(() => dnsmasqHostLine({ mac: '52:54:00:aa:00:01\n00:00:00:00:00:01' })),
      'host.mac',
    );
    assert.equal(
      refused(() => dnsmasqHostLine({ mac: '01:00:5e:00:00:01' })),
      'host.mac',
    );
    assert.equal(
      refused(() => dnsmasqHostLine({ mac: '52:54:00:aa:00:01', ip: '10.20.0.1,set:x' })),
      'host.ip',
    );
    for (const name of ['node-1,ignore', 'node-1\ndhcp-range=1.2.3.4,proxy', 'set:known', 'a.b', '-x', ''])
      assert.equal(
        refused(() => dnsmasqHostLine({ mac: '52:54:00:aa:00:01', name })),
        'host.name',
        name,
      );
    assert.match(
      String(
        (() => {
          try {
            dnsmasqHostsFile([
              { mac: '52:54:00:aa:00:01', ip: '10.20.0.21' },
              { mac: '52:54:00:aa:00:02', ip: '10.20.0.21' },
            ]);
          } catch (error) {
            return (error as Error).message;
          }
        })(),
      ),
      /hosts\[1\]: address 10\.20\.0\.21 is also hosts\[0\]'s/,
    );
  });

  it('turns machine names into DHCP host names where it can', () => {
    assert.equal(dhcpHostname('node_1.rack2'), 'node-1-rack2');
    assert.equal(dhcpHostname('compute-0'), 'compute-0');
    assert.equal(dhcpHostname('x'.repeat(70)), undefined);
  });
});
