import { randomBytes } from 'node:crypto';

/** BOOTP's fixed header is 236 bytes; the magic cookie follows, then the options. */
const COOKIE_AT = 236;
const COOKIE = 0x63825363;
const OPTIONS_AT = 240;

export const DHCP_MESSAGE_TYPES: Record<number, string> = {
  1: 'DHCPDISCOVER',
  2: 'DHCPOFFER',
  3: 'DHCPREQUEST',
  4: 'DHCPDECLINE',
  5: 'DHCPACK',
  6: 'DHCPNAK',
  7: 'DHCPRELEASE',
  8: 'DHCPINFORM',
};

/** The vendor class a BIOS PXE ROM sends; proxy-DHCP servers answer only clients that send `PXEClient…`. */
export const PXE_VENDOR_CLASS = 'PXEClient:Arch:00000:UNDI:002001';

export interface DiscoverOptions {
  xid: number;
  /** The client's hardware address, lower-case colon form. */
  mac: string;
  /** Present itself as a BIOS PXE client (options 60, 93, 94, 97), so proxy-DHCP servers answer too. */
  pxe?: boolean;
}

/** A DHCPDISCOVER asking for a broadcast reply (the client has no address yet). */
export function encodeDiscover(options: DiscoverOptions): Buffer {
  const packet = Buffer.alloc(548);
  packet[0] = 1; // BOOTREQUEST
  packet[1] = 1; // Ethernet
  packet[2] = 6;
  packet.writeUInt32BE(options.xid >>> 0, 4);
  packet.writeUInt16BE(0x8000, 10); // broadcast flag
  Buffer.from(options.mac.split(':').map((hex) => parseInt(hex, 16))).copy(packet, 28);
  packet.writeUInt32BE(COOKIE, COOKIE_AT);
  const options_: [number, Buffer][] = [
    [53, Buffer.from([1])],
    // netmask, router, DNS, domain, lease time, server id, vendor class, TFTP server, boot file, vendor options
    [55, Buffer.from([1, 3, 6, 15, 51, 54, 60, 66, 67, 43])],
    [57, Buffer.from([0x02, 0x24])], // 548 bytes
  ];
  if (options.pxe) {
    options_.push(
      [60, Buffer.from(PXE_VENDOR_CLASS, 'ascii')],
      [93, Buffer.from([0, 0])], // x86 BIOS
      [94, Buffer.from([1, 2, 1])], // UNDI 2.1
      [97, Buffer.concat([Buffer.from([0]), randomBytes(16)])],
    );
  }
  let at = OPTIONS_AT;
  for (const [code, value] of options_) {
    packet[at++] = code;
    packet[at++] = value.length;
    value.copy(packet, at);
    at += value.length;
  }
  packet[at] = 255;
  return packet;
}

export interface DhcpReply {
  xid: number;
  /** The client hardware address the reply is for. */
  mac: string;
  /** `DHCPOFFER`, `DHCPACK`…, or `BOOTREPLY` for a BOOTP server (no option 53). */
  messageType: string;
  /** yiaddr: the address offered (0.0.0.0 from a proxy-DHCP server). */
  offeredIp: string;
  /** siaddr: the boot (TFTP) server. */
  nextServer: string;
  /** Option 54. */
  serverId?: string;
  /** Option 67, or the `file` field. */
  bootFile?: string;
  /** Option 60: a proxy-DHCP server answers `PXEClient`. */
  vendorClass?: string;
  router?: string;
  netmask?: string;
}

const ipAt = (buffer: Buffer, at: number) => [...buffer.subarray(at, at + 4)].join('.');
const text = (buffer: Buffer) => {
  const end = buffer.indexOf(0);
  return buffer.subarray(0, end === -1 ? buffer.length : end).toString('latin1');
};

/** A BOOTREPLY's fields and the options a probe reports; undefined for anything else. */
export function decodeReply(packet: Buffer): DhcpReply | undefined {
  if (packet.length < OPTIONS_AT || packet[0] !== 2 || packet.readUInt32BE(COOKIE_AT) !== COOKIE)
    return undefined;
  const hlen = Math.min(packet[2]!, 16);
  const options = new Map<number, Buffer>();
  for (let at = OPTIONS_AT; at < packet.length;) {
    const code = packet[at++]!;
    if (code === 0) continue;
    if (code === 255 || at >= packet.length) break;
    const length = packet[at++]!;
    if (at + length > packet.length) break;
    // Long options may come split in pieces (RFC 3396): joined.
    options.set(
      code,
      Buffer.concat([options.get(code) ?? Buffer.alloc(0), packet.subarray(at, at + length)]),
    );
    at += length;
  }
  const type = options.get(53)?.[0];
  const fileField = text(packet.subarray(108, 236));
  const reply: DhcpReply = {
    xid: packet.readUInt32BE(4),
    mac: [...packet.subarray(28, 28 + hlen)].map((byte) => byte.toString(16).padStart(2, '0')).join(':'),
    messageType: type === undefined ? 'BOOTREPLY' : (DHCP_MESSAGE_TYPES[type] ?? `DHCP-${type}`),
    offeredIp: ipAt(packet, 16),
    nextServer: ipAt(packet, 20),
  };
  const ip = (code: number) => {
    const value = options.get(code);
    return value && value.length >= 4 ? ipAt(value, 0) : undefined;
  };
  const serverId = ip(54);
  if (serverId) reply.serverId = serverId;
  const bootFile = options.has(67) ? text(options.get(67)!) : fileField;
  if (bootFile) reply.bootFile = bootFile;
  if (options.has(60)) reply.vendorClass = text(options.get(60)!);
  const router = ip(3);
  if (router) reply.router = router;
  const netmask = ip(1);
  if (netmask) reply.netmask = netmask;
  return reply;
}
