import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { exec } from '../exec.ts';
import type { DhcpReply } from './dhcp-packet.ts';
import { assertNamespace, inNamespace, ip, ipJson, NetworkCommandError } from './netns.ts';
import { assertInterfaceName, normaliseMac } from './pxe-values.ts';

/*
 * Why this way. A probe must behave like a machine that has just powered on: no address, a DISCOVER broadcast
 * from 0.0.0.0 on exactly one interface, and every reply heard. Node's sockets cannot bind to a device, and on
 * a host with several interfaces a broadcast leaves through whichever the routing table picks. So the probe
 * makes a network namespace of its own and puts one link to the wire in it — a veth port on the interface
 * when that is a bridge (the lab's br0, a seed host's br-ctlplane), a macvlan on it otherwise — and runs a
 * small Node DHCP client there (`dhcp-probe-client.ts`, through `ip netns exec`), where that link is the only
 * way out. Nothing on the host is bound or changed but the temporary link, and deleting the namespace removes
 * it. Debian's alternatives were weighed: `nmap --script broadcast-dhcp-discover` is a 25 MB dependency that
 * still reports no server MAC; dhclient takes the first offer and leases it; dhcp_probe is a daemon that only
 * logs to syslog. A server's MAC is read afterwards from the namespace's ARP table, after a datagram to its
 * address from a temporary link-local one. Through a macvlan, a server on this same host (our own dnsmasq on
 * that interface) is not heard: the kernel does not loop a macvlan's frames back to its parent.
 */

const CLIENT = fileURLToPath(new URL('./dhcp-probe-client.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface DhcpProbeOptions {
  /** The interface facing the network to probe (a bridge or a NIC). */
  interface: string;
  /** The network namespace that interface lives in; the host's when absent. */
  namespace?: string;
  /** How long to listen for offers (default 6 s: dnsmasq pings an address for 3 s before offering it). */
  timeoutMs?: number;
  /** The probe's MAC; a random locally administered one by default (a machine no server knows). */
  mac?: string;
  /** Ask as a BIOS PXE client, so proxy-DHCP servers answer too (default true). */
  pxe?: boolean;
}

/** One server that answered the probe's DISCOVER. */
export interface DhcpServerOffer {
  /** Option 54, the address the server names itself by. */
  serverId?: string;
  /** Where the reply came from (a relay's address when it was relayed). */
  sourceIp: string;
  /** The MAC behind `sourceIp`, when it answered ARP. */
  sourceMac?: string;
  /** The address offered; 0.0.0.0 from a proxy-DHCP server. */
  offeredIp: string;
  /** A proxy-DHCP (PXE only) answer: no address, vendor class PXEClient. */
  proxy: boolean;
  messageType: string;
  nextServer?: string;
  bootFile?: string;
  router?: string;
}

export interface DhcpProbeResult {
  interface: string;
  namespace?: string;
  /** The probe's own MAC. */
  mac: string;
  /** How the probe reached the wire. */
  link: 'veth' | 'macvlan';
  durationMs: number;
  /** One per server, in the order they answered. */
  offers: DhcpServerOffer[];
}

/** The offers from servers other than these (addresses of ours: server ids or source addresses). */
export function foreignOffers(
  offers: readonly DhcpServerOffer[],
  ours: readonly string[],
): DhcpServerOffer[] {
  return offers.filter(
    (offer) => !ours.includes(offer.serverId ?? offer.sourceIp) && !ours.includes(offer.sourceIp),
  );
}

interface LinkInfo {
  ifname: string;
  linkinfo?: {
    info_kind?: string;
    info_slave_kind?: string;
    info_slave_data?: { state?: string };
    info_data?: { forward_delay?: number };
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a DHCPDISCOVER on `interface` and lists every server that offers, from a namespace of the probe's
 * own (see the note at the top of this file); the namespace and its link are gone when this answers.
 */
export async function probeDhcp(options: DhcpProbeOptions): Promise<DhcpProbeResult> {
  const started = performance.now();
  const iface = assertInterfaceName(options.interface);
  const parent = options.namespace === undefined ? {} : { namespace: assertNamespace(options.namespace) };
  const timeoutMs = options.timeoutMs ?? 6000;
  const mac = options.mac ? normaliseMac(options.mac) : randomMac();
  const [device] = await ipJson<LinkInfo[]>(['-d', 'link', 'show', 'dev', iface], parent);
  const link = device?.linkinfo?.info_kind === 'bridge' ? 'veth' : 'macvlan';
  const suffix = randomBytes(3).toString('hex');
  const probeNs = `sb-probe-${suffix}`;
  const outer = `sbp${suffix}`;
  await ip(['netns', 'add', probeNs]);
  try {
    if (link === 'veth') {
      await ip(
        ['link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'address', mac, 'netns', probeNs],
        parent,
      );
      await ip(['link', 'set', outer, 'master', iface, 'up'], parent);
    } else {
      await ip(
        ['link', 'add', outer, 'link', iface, 'address', mac, 'type', 'macvlan', 'mode', 'bridge'],
        parent,
      );
      await ip(['link', 'set', outer, 'netns', probeNs], parent);
      await ip(['link', 'set', outer, 'name', 'eth0'], { namespace: probeNs });
    }
    const inside = { namespace: probeNs };
    // No IPv6 link-local address: the probe sends nothing but its DHCP (no router solicitations, no DAD).
    await ip(['link', 'set', 'eth0', 'addrgenmode', 'none'], inside);
    await ip(['link', 'set', 'eth0', 'up'], inside);
    await ip(['route', 'add', 'default', 'dev', 'eth0'], inside);
    if (link === 'veth') await waitForwarding(outer, iface, parent);

    const discover = await runClient(
      probeNs,
      ['discover', '--mac', mac, '--timeout', String(timeoutMs), ...(options.pxe === false ? [] : ['--pxe'])],
      timeoutMs + 10_000,
    );
    const offers = uniqueOffers(discover);
    const sources = [...new Set(offers.map((offer) => offer.sourceIp))];
    if (sources.length) {
      // A link-local address to ask from; a random one in 169.254.1.0–254.255 (RFC 3927).
      const address = `169.254.${1 + (randomBytes(1)[0]! % 254)}.${1 + (randomBytes(1)[0]! % 254)}`;
      await ip(['addr', 'add', `${address}/16`, 'dev', 'eth0'], inside);
      await ip(['route', 'replace', 'default', 'dev', 'eth0'], inside);
      await runClient(probeNs, ['touch', ...sources], 10_000);
      const neighbours = await ipJson<{ dst: string; lladdr?: string }[]>(
        ['-4', 'neigh', 'show', 'dev', 'eth0'],
        inside,
      );
      for (const offer of offers) {
        const lladdr = neighbours.find((entry) => entry.dst === offer.sourceIp)?.lladdr;
        if (lladdr) offer.sourceMac = lladdr;
      }
    }
    return {
      interface: iface,
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      mac,
      link,
      durationMs: Math.round(performance.now() - started),
      offers,
    };
  } finally {
    // The probe's link goes with its namespace (a veth pair dies with either end).
    await ip(['netns', 'delete', probeNs]).catch(() => undefined);
    if (link === 'veth') await ip(['link', 'delete', outer], parent).catch(() => undefined);
  }
}

function randomMac(): string {
  const bytes = randomBytes(6);
  // Locally administered, unicast.
  bytes[0] = (bytes[0]! & 0xfc) | 0x02;
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

async function runClient(
  namespace: string,
  args: string[],
  timeoutMs: number,
): Promise<(DhcpReply & { sourceIp: string })[]> {
  const [file, full] = inNamespace(namespace, process.execPath, ['--import', TSX, CLIENT, ...args]);
  const result = await exec(file, full, { capture: 1 << 20, signal: AbortSignal.timeout(timeoutMs) });
  if (result.exitCode !== 0)
    throw new NetworkCommandError(
      [file, ...full],
      result.stderr || `exit ${result.exitCode ?? result.signal}`,
    );
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as DhcpReply & { sourceIp: string });
}

function uniqueOffers(replies: (DhcpReply & { sourceIp: string })[]): DhcpServerOffer[] {
  const offers = new Map<string, DhcpServerOffer>();
  for (const reply of replies) {
    const key = `${reply.serverId ?? ''}/${reply.sourceIp}`;
    if (offers.has(key)) continue;
    const offer: DhcpServerOffer = {
      sourceIp: reply.sourceIp,
      offeredIp: reply.offeredIp,
      proxy: reply.offeredIp === '0.0.0.0' && (reply.vendorClass ?? '').startsWith('PXEClient'),
      messageType: reply.messageType,
    };
    if (reply.serverId) offer.serverId = reply.serverId;
    if (reply.nextServer && reply.nextServer !== '0.0.0.0') offer.nextServer = reply.nextServer;
    if (reply.bootFile) offer.bootFile = reply.bootFile;
    if (reply.router) offer.router = reply.router;
    offers.set(key, offer);
  }
  return [...offers.values()];
}

/**
 * A new bridge port forwards at once without STP, but after twice the forward delay (30 s by default) with
 * it; a DISCOVER sent before that is dropped, so the probe waits for the port's state.
 */
async function waitForwarding(port: string, bridge: string, parent: { namespace?: string }): Promise<void> {
  const [info] = await ipJson<LinkInfo[]>(['-d', 'link', 'show', 'dev', bridge], parent);
  const delayMs = (info?.linkinfo?.info_data?.forward_delay ?? 1500) * 10;
  const deadline = Date.now() + 2 * delayMs + 2000;
  for (;;) {
    const [state] = await ipJson<LinkInfo[]>(['-d', 'link', 'show', 'dev', port], parent);
    if (state?.linkinfo?.info_slave_data?.state === 'forwarding') return;
    if (Date.now() > deadline)
      throw new Error(`the probe's port ${port} on ${bridge} never started forwarding`);
    await sleep(100);
  }
}
