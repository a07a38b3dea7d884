import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { foreignOffers, probeDhcp } from '../../../drivers/pxe/dhcp-probe.ts';
import { Dnsmasq } from '../../../drivers/pxe/dnsmasq.ts';
import { LabNetwork, namespaceNames, type LabPeer } from '../../../lab/net/lab-network.ts';

describe('rogue-DHCP probe', () => {
  let dir: string;
  let network: LabNetwork | undefined;
  let rogueHost: LabPeer;
  let ours: Dnsmasq | undefined;
  let rogue: Dnsmasq | undefined;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-probe-'));
    // dnsmasq drops to nobody, who must reach its folder.
    await chmod(dir, 0o755);
    network = await LabNetwork.create();
    const subnet = network.subnet;
    ours = await Dnsmasq.start({
      dir: path.join(dir, 'ours'),
      namespace: network.namespace,
      config: {
        interface: 'br0',
        serverAddress: network.address,
        dhcp: { kind: 'range', start: `${subnet}.100`, end: `${subnet}.149`, netmask: network.netmask },
        boot: { bios: 'pxelinux.0' },
      },
    });
    // Another machine on the same wire running its own DHCP server: the rogue.
    rogueHost = await network.addPeer('rogue', { host: 2 });
    rogue = await Dnsmasq.start({
      dir: path.join(dir, 'rogue'),
      namespace: rogueHost.namespace,
      config: {
        interface: 'eth0',
        serverAddress: network.host(2),
        dhcp: { kind: 'range', start: `${subnet}.200`, end: `${subnet}.249`, netmask: network.netmask },
        boot: { bios: 'evil.0' },
        router: network.host(2),
      },
    });
  });
  after(async () => {
    await ours?.stop();
    await rogue?.stop();
    await network?.delete();
    await rm(dir, { recursive: true, force: true });
  });

  it('hears every server on the wire, with its address and MAC, and tells ours from the rogue', async () => {
    const result = await probeDhcp({ namespace: network!.namespace, interface: 'br0', timeoutMs: 5000 });
    assert.equal(result.link, 'veth');
    const byServer = Object.fromEntries(result.offers.map((offer) => [offer.serverId, offer]));
    assert.deepEqual(Object.keys(byServer).sort(), [network!.address, network!.host(2)].sort());
    const rogueOffer = byServer[network!.host(2)]!;
    assert.equal(rogueOffer.sourceIp, network!.host(2));
    assert.equal(rogueOffer.sourceMac, rogueHost.mac);
    assert.equal(rogueOffer.router, network!.host(2));
    assert.equal(rogueOffer.bootFile, 'evil.0');
    assert.match(rogueOffer.offeredIp, new RegExp(`^${network!.subnet.replaceAll('.', '\\.')}\\.2\\d\\d$`));
    assert.equal(rogueOffer.proxy, false);
    assert.match(byServer[network!.address]!.offeredIp, /\.1[0-4]\d$/);
    assert.equal(byServer[network!.address]!.router, undefined, 'ours hands out no route through itself');
    assert.deepEqual(
      foreignOffers(result.offers, [network!.address]).map((offer) => offer.serverId),
      [network!.host(2)],
    );
    // The probe's own dhcp exchange shows in our log: a DISCOVER from its MAC, and our OFFER.
    const events = await ours!.events();
    assert.ok(events.some((e) => e.kind === 'dhcp' && e.message === 'DHCPOFFER' && e.mac === result.mac));
    assert.ok(
      !(await namespaceNames()).some((name) => name.startsWith('sb-probe-')),
      "the probe's namespace is gone",
    );
  });

  it('with only ours, hears only ours, as a PXE client too (proxy-DHCP servers answer those)', async () => {
    await rogue!.stop();
    rogue = undefined;
    const result = await probeDhcp({ namespace: network!.namespace, interface: 'br0', timeoutMs: 5000 });
    assert.deepEqual(
      result.offers.map((offer) => [offer.serverId, offer.bootFile]),
      [[network!.address, 'pxelinux.0']],
    );
    assert.deepEqual(foreignOffers(result.offers, [network!.address]), []);
  });

  it('through a NIC that is no bridge, probes with a macvlan and hears the servers behind it', async () => {
    // From the rogue host's eth0 (a plain veth), our server is on the far side of the wire.
    const result = await probeDhcp({ namespace: rogueHost.namespace, interface: 'eth0', timeoutMs: 5000 });
    assert.equal(result.link, 'macvlan');
    assert.deepEqual(
      result.offers.map((offer) => offer.serverId),
      [network!.address],
    );
  });
});
