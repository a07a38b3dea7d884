import { randomBytes } from 'node:crypto';
import { exec } from '../../drivers/exec.ts';
import { processAlive } from '../../drivers/process-alive.ts';
import { assertNamespace, ip, ipJson } from '../../drivers/pxe/netns.ts';
import { assertInterfaceName, normaliseMac } from '../../drivers/pxe/pxe-values.ts';

const SUBNET = /^10\.(\d{1,3})\.(\d{1,3})$/;

export interface LabNetworkOptions {
  /** The namespace's name; `sb-net-<random>` by default, so parallel tests never meet. */
  namespace?: string;
  /** The bridge's /24 as its first three octets, `10.X.Y`; random by default. */
  subnet?: string;
  /** Also give the bridge an IPv6 ULA /64 (dnsmasq's router advertisements are built from it); default true. */
  ipv6?: boolean;
}

/** Another machine on the lab's wire: a namespace of its own with `eth0` plugged into the bridge. */
export interface LabPeer {
  namespace: string;
  interface: 'eth0';
  mac: string;
  /** Its IPv4 address with prefix, when it was given one. */
  address?: string;
}

/**
 * A broadcast domain of its own: a network namespace holding a bridge (`br0`, `10.X.Y.1/24`) with no route
 * out, tap devices for VMs, and peers (other machines: a rogue DHCP server, a probe) in namespaces of their
 * own. Nothing outside it sees its DHCP; deleting it removes every link it made.
 */
export class LabNetwork {
  readonly bridge = 'br0';
  readonly prefixLength = 24;
  readonly netmask = '255.255.255.0';
  readonly taps: string[] = [];
  readonly peers: LabPeer[] = [];

  private constructor(
    readonly namespace: string,
    /** `10.X.Y` */
    readonly subnet: string,
    readonly ipv6Address: string | undefined,
  ) {}

  /** The bridge's (the PXE server's) address. */
  get address(): string {
    return this.host(1);
  }

  /** The subnet's network address, `10.X.Y.0`. */
  get network(): string {
    return this.host(0);
  }

  /** `10.X.Y.n` */
  host(n: number): string {
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`no host ${n} in a /24`);
    return `${this.subnet}.${n}`;
  }

  static async create(options: LabNetworkOptions = {}): Promise<LabNetwork> {
    const namespace = assertNamespace(options.namespace ?? `sb-net-${randomBytes(4).toString('hex')}`);
    const [a, b] = randomBytes(2);
    const subnet = options.subnet ?? `10.${a! % 250}.${b! % 250}`;
    const match = SUBNET.exec(subnet);
    if (!match || Number(match[1]) > 255 || Number(match[2]) > 255)
      throw new Error(`not a 10.X.Y subnet: ${subnet}`);
    const ipv6 = options.ipv6 === false ? undefined : `fd5b:${match[1]}:${match[2]}::1`;
    await ip(['netns', 'add', namespace]);
    const network = new LabNetwork(namespace, subnet, ipv6);
    try {
      const inside = { namespace };
      await ip(['link', 'set', 'lo', 'up'], inside);
      // No STP and no forward delay: a port forwards the moment it is up, as a VM's NIC expects.
      await ip(['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'], inside);
      await ip(['addr', 'add', `${network.address}/24`, 'dev', 'br0'], inside);
      if (ipv6) await ip(['addr', 'add', `${ipv6}/64`, 'dev', 'br0', 'nodad'], inside);
      await ip(['link', 'set', 'br0', 'up'], inside);
    } catch (error) {
      await network.delete();
      throw error;
    }
    return network;
  }

  /**
   * A lab network made earlier, maybe by another process, known by its namespace and subnet (to add to it or
   * delete it). Nothing is checked or created here.
   */
  static attach(namespace: string, subnet: string): LabNetwork {
    if (!SUBNET.test(subnet)) throw new Error(`not a 10.X.Y subnet: ${subnet}`);
    return new LabNetwork(assertNamespace(namespace), subnet, undefined);
  }

  /** A persistent tap device on the bridge, for a VM (qemu opens it by name inside the namespace). */
  async addTap(name = `tap${this.taps.length}`): Promise<string> {
    assertInterfaceName(name, 'tap');
    await ip(['tuntap', 'add', 'dev', name, 'mode', 'tap'], { namespace: this.namespace });
    this.taps.push(name);
    await ip(['link', 'set', name, 'master', 'br0', 'up'], { namespace: this.namespace });
    return name;
  }

  /**
   * Another machine on the wire: a namespace `<namespace>-<name>` whose `eth0` is a veth port of the bridge,
   * optionally with an address (`n` of the subnet) and a MAC.
   */
  async addPeer(name: string, options: { host?: number; mac?: string } = {}): Promise<LabPeer> {
    const namespace = assertNamespace(`${this.namespace}-${name}`);
    const port = assertInterfaceName(`vp${this.peers.length}${randomBytes(2).toString('hex')}`);
    await ip(['netns', 'add', namespace]);
    const peer: LabPeer = { namespace, interface: 'eth0', mac: '' };
    this.peers.push(peer);
    const address = options.mac ? ['address', normaliseMac(options.mac)] : [];
    await ip(['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', ...address, 'netns', namespace], {
      namespace: this.namespace,
    });
    await ip(['link', 'set', port, 'master', 'br0', 'up'], { namespace: this.namespace });
    await ip(['link', 'set', 'lo', 'up'], { namespace });
    await ip(['link', 'set', 'eth0', 'up'], { namespace });
    if (options.host !== undefined) {
      peer.address = `${this.host(options.host)}/24`;
      await ip(['addr', 'add', peer.address, 'dev', 'eth0'], { namespace });
    }
    const [link] = await ipJson<{ address: string }[]>(['link', 'show', 'dev', 'eth0'], { namespace });
    peer.mac = link?.address ?? '';
    return peer;
  }

  /**
   * Deletes the peers' namespaces and its own, which removes every link in them. A process still inside
   * (one whose owner failed to stop it) would keep the namespace's network alive, so those are stopped by pid
   * first: in a namespace this lab made, every process is one a test started.
   */
  async delete(): Promise<void> {
    for (const namespace of [...this.peers.map((peer) => peer.namespace), this.namespace]) {
      for (const pid of await namespacePids(namespace)) await stopPid(pid);
      await ip(['netns', 'delete', namespace]).catch(() => undefined);
    }
  }

  /** Whether the namespace still exists. */
  async exists(): Promise<boolean> {
    return (await namespaceNames()).includes(this.namespace);
  }
}

/** The names `ip netns` knows. */
export async function namespaceNames(): Promise<string[]> {
  const list = await ipJson<{ name: string }[]>(['netns', 'list']).catch(() => []);
  return list.map((entry) => entry.name);
}

async function namespacePids(namespace: string): Promise<number[]> {
  const result = await exec('ip', ['netns', 'pids', namespace], { capture: 1 << 16 });
  if (result.exitCode !== 0) return [];
  return result.stdout.split(/\s+/).filter(Boolean).map(Number);
}

/** TERM, then KILL after a second; a zombie counts as gone. */
async function stopPid(pid: number): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 1000;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  if (processAlive(pid)) signal('SIGKILL');
}
