import type { TftpTransfer } from './tftp-server.ts';
import type { DnsmasqLogEvent } from './dnsmasq-log.ts';

/** One machine's netboot as the DHCP and TFTP logs tell it. */
export interface MachineBoot {
  name: string;
  macs: string[];
  /** The boot files it must fetch (its kernel, and initrd when it has one), as paths in the boot root. */
  needs: string[];
  ip?: string;
  /** DHCP messages seen for its MACs, in order. */
  dhcp: string[];
  /** Files it fetched, in order. */
  fetched: string[];
  /** Files it asked for and did not get (missing, refused). */
  missed: string[];
  done: boolean;
}

/** What a watched machine just did, to show on its status line. */
export interface BootStep {
  machine: string;
  message: string;
  done: boolean;
}

/** `/images/x` and `images/x` are the same file to TFTP clients of iPXE and pxelinux. */
const plain = (file: string) => file.replace(/^\/+/, '');

/**
 * Follows machines through their netboot: DHCP events (by MAC) give each its address, and TFTP transfers
 * (by client address) the files it fetched. A machine is done once it fetched every file it needs.
 */
export class BootWatch {
  readonly machines: MachineBoot[];
  readonly #byMac = new Map<string, MachineBoot>();
  readonly #byIp = new Map<string, MachineBoot>();

  constructor(machines: { name: string; macs: string[]; kernel: string; initrd?: string }[]) {
    this.machines = machines.map((machine) => ({
      name: machine.name,
      macs: machine.macs,
      needs: [machine.kernel, ...(machine.initrd ? [machine.initrd] : [])].map(plain),
      dhcp: [],
      fetched: [],
      missed: [],
      done: false,
    }));
    for (const machine of this.machines) for (const mac of machine.macs) this.#byMac.set(mac, machine);
  }

  get done(): boolean {
    return this.machines.every((machine) => machine.done);
  }

  /** A DHCP or TFTP line from dnsmasq's log. TFTP lines from dnsmasq are ignored: stackbook serves TFTP. */
  dhcp(event: DnsmasqLogEvent): BootStep | undefined {
    if (event.kind !== 'dhcp') return undefined;
    const machine = this.#byMac.get(event.mac);
    if (!machine) return undefined;
    machine.dhcp.push(event.message);
    const { ip } = event;
    if (ip && ['DHCPOFFER', 'DHCPACK'].includes(event.message)) {
      machine.ip = ip;
      this.#byIp.set(ip, machine);
    }
    return { machine: machine.name, message: `${event.message}${ip ? ` ${ip}` : ''}`, done: machine.done };
  }

  /** A transfer stackbook's TFTP server reported. */
  tftp(transfer: TftpTransfer): BootStep | undefined {
    const ip = transfer.client.replace(/^\[?([^\]]*?)\]?:\d+$/, '$1');
    const machine = this.#byIp.get(ip);
    if (!machine) return undefined;
    const file = plain(transfer.file);
    if (transfer.outcome === 'sent') {
      machine.fetched.push(file);
      machine.done = machine.needs.every((need) => machine.fetched.includes(need));
    } else machine.missed.push(file);
    const size =
      transfer.outcome === 'sent'
        ? ` ${transfer.bytes.toLocaleString('en')} B in ${(transfer.durationMs / 1000).toFixed(2)} s`
        : '';
    return { machine: machine.name, message: `${file}: ${transfer.outcome}${size}`, done: machine.done };
  }
}
