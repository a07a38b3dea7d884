import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it, type TestContext } from 'node:test';
import {
  installPxelinux,
  ipxeScriptPath,
  pxelinuxConfigPath,
  removeMachineBootConfig,
  writeDefaultBootConfigs,
  writeMachineBootConfig,
} from '../../../drivers/pxe/boot-configs.ts';
import {
  Dnsmasq,
  type DhcpLogEvent,
  type DnsmasqLogEvent,
  type DnsmasqSettings,
} from '../../../drivers/pxe/dnsmasq.ts';
import type { LogFollower } from '../../../drivers/pxe/dnsmasq-log.ts';
import { LabNetwork } from '../../../lab/net/lab-network.ts';
import { QemuVm } from '../../../lab/net/qemu-vm.ts';

// A real netboot in a network namespace made here: dnsmasq answers a qemu (TCG) VM with a given MAC, which
// fetches its per-MAC configuration and its kernel over TFTP; a second VM with an unknown MAC gets nothing
// it could boot. The boot files are served by dnsmasq's own TFTP server.

const KNOWN = '52:54:00:5b:00:01';
const UNKNOWN = '52:54:00:5b:00:99';
const KERNEL = 'images/node-1/vmlinuz';
const INITRD = 'images/node-1/initrd';

/** An event with the moment this test saw it, in ms after the VMs were started. */
type Seen = DnsmasqLogEvent & { at: number };

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const dhcpOf = (events: Seen[], mac: string) =>
  events.filter((e): e is DhcpLogEvent & { at: number } => e.kind === 'dhcp' && e.mac === mac);
const sentTo = (events: Seen[], client: string | undefined) =>
  events.flatMap((e) => (e.kind === 'tftp' && e.client === client && e.outcome === 'sent' ? [e.file] : []));

describe('netboot in a lab network (dnsmasq + qemu)', () => {
  let dir: string;
  let root: string;
  let network: LabNetwork | undefined;
  let dnsmasq: Dnsmasq | undefined;
  /** The network's own DHCP server, in the proxy-DHCP test. */
  let site: Dnsmasq | undefined;
  let follower: LogFollower | undefined;
  let vms: QemuVm[] = [];
  let taps: { known: string; unknown: string };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-netboot-'));
    // dnsmasq serves TFTP as nobody, who must reach the boot root.
    await chmod(dir, 0o755);
    root = path.join(dir, 'boot');
    await mkdir(path.join(root, 'images/node-1'), { recursive: true });
    await installPxelinux(root);
    await writeDefaultBootConfigs(root);
    // Not a Linux kernel: fetching it is what is being proven.
    await writeFile(path.join(root, KERNEL), randomBytes(256 * 1024));
    await writeFile(path.join(root, INITRD), randomBytes(64 * 1024));
    network = await LabNetwork.create();
    taps = { known: await network.addTap('tap0'), unknown: await network.addTap('tap1') };
  });

  async function stopAll(): Promise<void> {
    await follower?.stop();
    follower = undefined;
    for (const vm of vms) await vm.stop();
    vms = [];
    await dnsmasq?.stop();
    dnsmasq = undefined;
    await site?.stop();
    site = undefined;
  }

  // Each test's processes go after it, passed or failed, so the next starts on a quiet wire.
  afterEach(stopAll);
  after(async () => {
    await stopAll();
    await network?.delete();
    await rm(dir, { recursive: true, force: true });
  });

  async function serve(
    name: string,
    settings: Omit<DnsmasqSettings, 'interface' | 'serverAddress' | 'tftpRoot'>,
  ) {
    dnsmasq = await Dnsmasq.start({
      dir: path.join(dir, name),
      namespace: network!.namespace,
      config: {
        interface: network!.bridge,
        serverAddress: network!.address,
        tftpRoot: root,
        routerAdvertisements: true,
        ...settings,
      },
    });
  }

  /** Starts both VMs and collects dnsmasq's events as they come. */
  async function bootBoth(
    name: string,
  ): Promise<{ events: Seen[]; vm: Record<'known' | 'unknown', QemuVm> }> {
    const events: Seen[] = [];
    const started = Date.now();
    follower = dnsmasq!.follow((event) => events.push({ ...event, at: Date.now() - started }));
    const start = (mac: string, tap: string, which: string) =>
      QemuVm.start({ dir: path.join(dir, name, which), namespace: network!.namespace, tap, mac });
    const known = await start(KNOWN, taps.known, 'known');
    vms.push(known);
    const unknown = await start(UNKNOWN, taps.unknown, 'unknown');
    vms.push(unknown);
    return { events, vm: { known, unknown } };
  }

  function report(t: TestContext, events: Seen[]): void {
    const first = (match: (e: Seen) => boolean) => events.find(match)?.at ?? '-';
    const known = (e: Seen) => e.kind === 'dhcp' && e.mac === KNOWN;
    t.diagnostic(
      `known machine, ms after qemu started: first DHCP message ${first(known)}, ` +
        `DHCPACK ${first((e) => known(e) && e.kind === 'dhcp' && e.message === 'DHCPACK')}, ` +
        `first TFTP ${first((e) => e.kind === 'tftp')}, kernel sent ${first((e) => e.kind === 'tftp' && e.file === KERNEL)}`,
    );
  }

  it('pxelinux: the known MAC gets its static lease, its config and its kernel; an unknown MAC is ignored', async (t) => {
    await writeMachineBootConfig(root, {
      name: 'node-1',
      mac: KNOWN,
      kernel: KERNEL,
      initrd: INITRD,
      commandLine: 'console=ttyS0',
    });
    await serve('pxelinux', {
      dhcp: { kind: 'static', network: network!.network, netmask: network!.netmask },
      ignoreUnknown: true,
      boot: { bios: 'pxelinux.0' },
    });
    await dnsmasq!.setHosts([{ mac: KNOWN, ip: network!.host(21), name: 'node-1' }]);
    const { events, vm } = await bootBoth('pxelinux');
    const knownIp = network!.host(21);
    await until(() => sentTo(events, knownIp).includes(INITRD), 'the known machine has fetched its initrd');
    await until(
      () => dhcpOf(events, UNKNOWN).filter((e) => e.message === 'DHCPDISCOVER').length >= 2,
      'the unknown machine has asked twice',
    );
    report(t, events);

    const known = dhcpOf(events, KNOWN);
    const ack = known.find((e) => e.message === 'DHCPACK');
    assert.ok(known.some((e) => e.message === 'DHCPDISCOVER'));
    assert.ok(
      known.some((e) => e.message === 'DHCPOFFER' && e.ip === knownIp && e.bootFile === 'pxelinux.0'),
    );
    assert.equal(ack?.ip, knownIp);
    assert.equal(ack?.hostname, 'node-1');
    assert.equal(ack?.nextServer, network!.address);
    assert.ok(ack?.tags?.includes('known'), String(ack?.tags));
    assert.deepEqual(sentTo(events, knownIp), [
      'pxelinux.0',
      'ldlinux.c32',
      pxelinuxConfigPath(KNOWN),
      KERNEL,
      INITRD,
    ]);

    const unknown = dhcpOf(events, UNKNOWN);
    assert.ok(unknown.length >= 2);
    assert.ok(
      unknown.every((e) => e.message === 'DHCPDISCOVER' && e.detail === 'ignored'),
      JSON.stringify(unknown),
    );
    assert.ok(!events.some((e) => e.kind === 'tftp' && e.client !== knownIp), 'nobody else fetched anything');
    assert.match(await vm.known.console(), /PXELINUX/);
  });

  it('iPXE: configure and release are reloads; the unknown MAC gets an address and the local-disk default', async (t) => {
    await serve('ipxe', {
      dhcp: { kind: 'range', start: network!.host(100), end: network!.host(149), netmask: network!.netmask },
      noPing: true,
      boot: { bios: 'pxelinux.0', ipxe: 'boot.ipxe' },
    });
    const pid = dnsmasq!.pid;
    // Release what the last test configured, then configure the machine again: files, then a SIGHUP.
    await removeMachineBootConfig(root, { mac: KNOWN });
    await writeMachineBootConfig(root, {
      name: 'node-1',
      mac: KNOWN,
      kernel: KERNEL,
      initrd: INITRD,
      commandLine: 'console=ttyS0',
      imageUrl: `http://${network!.address}:8080/images/node-1.qcow2`,
    });
    await dnsmasq!.setHosts([{ mac: KNOWN, ip: network!.host(22), name: 'node-1' }]);
    assert.equal(dnsmasq!.pid, pid, 'no restart');

    const { events, vm } = await bootBoth('ipxe');
    const knownIp = network!.host(22);
    await until(() => sentTo(events, knownIp).includes(INITRD), 'the known machine has fetched its initrd');
    const unknownIp = () => dhcpOf(events, UNKNOWN).find((e) => e.message === 'DHCPACK')?.ip;
    await until(
      () => sentTo(events, unknownIp()).includes('ipxe/default.ipxe'),
      'the unknown machine has fetched the default',
    );
    await until(
      // The firmware's screen wraps at 80 columns.
      async () => (await vm.unknown.console()).replace(/\n/g, '').includes('booting from the local disk'),
      'the unknown machine says it boots from its disk',
      30_000,
    );
    report(t, events);

    const ack = dhcpOf(events, KNOWN).find((e) => e.message === 'DHCPACK');
    assert.equal(ack?.ip, knownIp);
    assert.equal(ack?.bootFile, 'boot.ipxe');
    assert.deepEqual(ack?.tags?.filter((tag) => tag === 'known' || tag === 'ipxe').sort(), ['ipxe', 'known']);
    assert.deepEqual(sentTo(events, knownIp), ['boot.ipxe', ipxeScriptPath(KNOWN), KERNEL, INITRD]);
    assert.match(await vm.known.console(), /stackbook: netbooting node-1/);

    const unknownAck = dhcpOf(events, UNKNOWN).find((e) => e.message === 'DHCPACK');
    assert.match(unknownAck?.ip ?? '', /\.1[0-4]\d$/, 'an address from the range');
    assert.ok(!unknownAck?.tags?.includes('known'));
    assert.deepEqual(sentTo(events, unknownIp()), ['boot.ipxe', 'ipxe/default.ipxe']);
    assert.ok(
      events.some(
        (e) =>
          e.kind === 'tftp' &&
          e.client === unknownIp() &&
          e.file === ipxeScriptPath(UNKNOWN) &&
          e.outcome === 'not-found',
      ),
    );

    // Release: its files go and dnsmasq forgets it, still without a restart.
    await removeMachineBootConfig(root, { mac: KNOWN });
    await dnsmasq!.setHosts([]);
    assert.equal(dnsmasq!.pid, pid);
    assert.equal(await readFile(dnsmasq!.files.hosts, 'utf8'), '');
    await assert.rejects(readFile(path.join(root, ipxeScriptPath(KNOWN))), { code: 'ENOENT' });
    await assert.rejects(readFile(path.join(root, pxelinuxConfigPath(KNOWN))), { code: 'ENOENT' });
  });

  it("proxy-DHCP: the network's own server gives the address, ours the boot file to known machines only", async (t) => {
    const host = await network!.addPeer('site', { host: 2 });
    site = await Dnsmasq.start({
      dir: path.join(dir, 'site'),
      namespace: host.namespace,
      config: {
        interface: 'eth0',
        serverAddress: network!.host(2),
        dhcp: {
          kind: 'range',
          start: network!.host(200),
          end: network!.host(249),
          netmask: network!.netmask,
        },
        noPing: true,
        boot: {},
      },
    });
    await writeMachineBootConfig(root, { name: 'node-1', mac: KNOWN, kernel: KERNEL, initrd: INITRD });
    await serve('proxy', {
      dhcp: { kind: 'proxy', network: network!.network, netmask: network!.netmask },
      ignoreUnknown: true,
      boot: { bios: 'pxelinux.0', ipxe: 'boot.ipxe' },
    });
    // Known by MAC alone: in proxy mode the address is not ours to give.
    await dnsmasq!.setHosts([{ mac: KNOWN }]);

    const { events, vm } = await bootBoth('proxy');
    const addressOf = async (mac: string) => {
      const events = (await site!.events()).map((e) => ({ ...e, at: 0 }));
      return dhcpOf(events, mac).find((e) => e.message === 'DHCPACK')?.ip;
    };
    await until(
      async () => sentTo(events, await addressOf(KNOWN)).includes(INITRD),
      'the known machine has fetched its initrd',
    );
    await until(
      async () => (await addressOf(UNKNOWN)) !== undefined,
      "the unknown machine has the site's address",
    );
    await until(
      () => dhcpOf(events, UNKNOWN).filter((e) => e.message === 'PXE').length >= 2,
      'the unknown machine has asked us twice',
    );
    report(t, events);

    const knownIp = await addressOf(KNOWN);
    assert.match(knownIp ?? '', /\.2[0-4]\d$/, "the site's address");
    assert.deepEqual(sentTo(events, knownIp), ['boot.ipxe', ipxeScriptPath(KNOWN), KERNEL, INITRD]);
    const served = dhcpOf(events, KNOWN).find((e) => e.message === 'PXE' && e.bootFile === 'boot.ipxe');
    assert.equal(served?.nextServer, network!.address);
    assert.ok(
      dhcpOf(events, UNKNOWN).every((e) => e.message === 'PXE' && e.detail === 'proxy-ignored'),
      JSON.stringify(dhcpOf(events, UNKNOWN)),
    );
    assert.deepEqual(sentTo(events, await addressOf(UNKNOWN)), [], 'the unknown machine fetched nothing');
    assert.match(await vm.known.console(), /stackbook: netbooting node-1/);
  });
});
