import { followLines } from '../follow-lines.ts';

export const DHCP_MESSAGES = [
  'DHCPDISCOVER',
  'DHCPOFFER',
  'DHCPREQUEST',
  'DHCPACK',
  'DHCPNAK',
  'DHCPDECLINE',
  'DHCPRELEASE',
  'DHCPINFORM',
  'BOOTP',
  /** Proxy-DHCP and boot-server replies (`PXE(br0) … proxy`, `PXE(br0) IP MAC pxelinux.0`). */
  'PXE',
] as const;
export type DhcpMessage = (typeof DHCP_MESSAGES)[number];

/** One DHCP message dnsmasq logged, with what `log-dhcp` said about the same exchange. */
export interface DhcpLogEvent {
  kind: 'dhcp';
  message: DhcpMessage;
  interface: string;
  mac: string;
  /** The address offered, requested or acknowledged. */
  ip?: string;
  /** The machine's name, on an ACK (or OFFER) of a host dnsmasq knows by name. */
  hostname?: string;
  /** What dnsmasq added: `ignored`, `no address available`, `proxy`, a PXE boot file… */
  detail?: string;
  /** The transaction id, which ties a DISCOVER to its OFFER. */
  xid?: number;
  /** dnsmasq's tags for the exchange: `known`, `ipxe`, `efi64`, the interface… */
  tags?: string[];
  vendorClass?: string;
  userClass?: string;
  bootFile?: string;
  nextServer?: string;
  /** The log line's own timestamp (syslog form, no year). */
  time?: string;
}

/** A transfer dnsmasq's own TFTP server logged (when it serves the boot root). */
export interface TftpLogEvent {
  kind: 'tftp';
  /** Relative to the TFTP root when the parser knows it. */
  file: string;
  /** The client's address; dnsmasq leaves it out of some failures. */
  client?: string;
  outcome: 'sent' | 'not-found' | 'denied' | 'error';
  error?: string;
  time?: string;
}

export type DnsmasqLogEvent = DhcpLogEvent | TftpLogEvent;

const LINE = /^(?:(\w{3} [ \d]\d \d\d:\d\d:\d\d) )?dnsmasq(?:-(dhcp|tftp))?\[\d+\]: (.*)$/;
const MESSAGE = new RegExp(`^(?:(\\d+) )?(${DHCP_MESSAGES.join('|')})\\(([^)]*)\\) (.*)$`);
const INFO = /^(\d+) (tags|vendor class|user class|next server|bootfile name): (.*)$/;
const BOOTFILE_OPTION = /^(\d+) sent size: +\d+ option: 67 bootfile-name +(\S+)/;
/** Messages answering a request, which share its tags. */
const REPLIES = new Set<DhcpMessage>(['DHCPOFFER', 'DHCPACK', 'DHCPNAK', 'PXE']);
const MAC = /^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * Turns dnsmasq's log lines (`log-dhcp`, `log-facility=FILE`) into typed events. With `log-dhcp` an exchange
 * spans several lines sharing a transaction id (the tags come after the DISCOVER, the boot file after the
 * OFFER), so a message's event is held until the next message or a `flush()`; `push` answers the finished ones.
 */
export class DnsmasqLogParser {
  #pending: DhcpLogEvent | undefined;
  /** Vendor and user class, logged before the message they belong to. */
  #before = new Map<number, { vendorClass?: string; userClass?: string }>();
  /** The tags of a request, which dnsmasq logs once, between the request and its reply. */
  #tags = new Map<number, string[]>();

  constructor(private readonly options: { tftpRoot?: string } = {}) {}

  push(line: string): DnsmasqLogEvent[] {
    const match = LINE.exec(line.trimEnd());
    if (!match) return [];
    const [, time, facility, text = ''] = match;
    if (facility === 'tftp') {
      const event = this.#tftp(text, time);
      return event ? [...this.flush(), event] : [];
    }
    if (facility !== 'dhcp') return [];

    const message = MESSAGE.exec(text);
    if (message) {
      const done = this.flush();
      const [, xidText, kind, iface = '', rest = ''] = message;
      const xid = xidText === undefined ? undefined : Number(xidText);
      const event = messageEvent(kind as DhcpMessage, iface, rest.trim().split(/\s+/), xid, time);
      if (xid !== undefined) {
        Object.assign(event, this.#before.get(xid));
        this.#before.delete(xid);
        const tags = this.#tags.get(xid);
        if (tags && REPLIES.has(event.message)) {
          event.tags = tags;
          this.#tags.delete(xid);
        }
        this.#pending = event;
        return done;
      }
      return [...done, event];
    }

    const info = INFO.exec(text) ?? BOOTFILE_OPTION.exec(text);
    if (!info) return [];
    const xid = Number(info[1]);
    const pending = this.#pending?.xid === xid ? this.#pending : undefined;
    const [what, value = ''] = info.length === 4 ? [info[2], info[3]!.trim()] : ['bootfile name', info[2]];
    if (what === 'vendor class' || what === 'user class') {
      const before = this.#before.get(xid) ?? {};
      before[what === 'vendor class' ? 'vendorClass' : 'userClass'] = value;
      this.#before.set(xid, before);
      // A new packet of the same exchange begins: the previous message is complete.
      return this.flush();
    }
    if (!pending) return [];
    if (what === 'tags') {
      pending.tags = value.split(/,\s*/).filter(Boolean);
      this.#tags.set(xid, pending.tags);
      // Requests that were never answered must not pile up.
      if (this.#tags.size > 1000) this.#tags.delete(this.#tags.keys().next().value!);
    } else if (what === 'next server') pending.nextServer = value;
    else if (what === 'bootfile name') pending.bootFile = value;
    return [];
  }

  /** The held event, if any: call when the log has gone quiet or ended. */
  flush(): DnsmasqLogEvent[] {
    const pending = this.#pending;
    this.#pending = undefined;
    return pending ? [pending] : [];
  }

  #tftp(text: string, time: string | undefined): TftpLogEvent | undefined {
    const at = (event: TftpLogEvent): TftpLogEvent => (time ? { ...event, time } : event);
    let match = /^sent (.+) to (\S+)$/.exec(text);
    if (match)
      return at({ kind: 'tftp', file: this.#relative(match[1]!), client: match[2]!, outcome: 'sent' });
    match = /^file (.+) not found(?: for (\S+))?$/.exec(text);
    if (match)
      return at({
        kind: 'tftp',
        file: this.#relative(match[1]!),
        ...(match[2] ? { client: match[2] } : {}),
        outcome: 'not-found',
      });
    match = /^cannot access (.+): (.+)$/.exec(text);
    if (match)
      return at({ kind: 'tftp', file: this.#relative(match[1]!), outcome: 'denied', error: match[2]! });
    match = /^failed sending (.+) to (\S+)$/.exec(text);
    if (match)
      return at({ kind: 'tftp', file: this.#relative(match[1]!), client: match[2]!, outcome: 'error' });
    return undefined;
  }

  #relative(file: string): string {
    const root = this.options.tftpRoot?.replace(/\/+$/, '');
    return root && file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file;
  }
}

function messageEvent(
  message: DhcpMessage,
  iface: string,
  words: string[],
  xid: number | undefined,
  time: string | undefined,
): DhcpLogEvent {
  const event: DhcpLogEvent = { kind: 'dhcp', message, interface: iface, mac: '' };
  if (xid !== undefined) event.xid = xid;
  if (time) event.time = time;
  if (words[0] && IPV4.test(words[0])) event.ip = words.shift()!;
  if (words[0] && MAC.test(words[0])) event.mac = words.shift()!.toLowerCase();
  const extra = words.join(' ');
  if (extra) {
    if ((message === 'DHCPACK' || message === 'DHCPOFFER') && /^[A-Za-z0-9-]+$/.test(extra))
      event.hostname = extra;
    else event.detail = extra;
  }
  return event;
}

/** Every event in a whole log's text. */
export function parseDnsmasqLog(text: string, options: { tftpRoot?: string } = {}): DnsmasqLogEvent[] {
  const parser = new DnsmasqLogParser(options);
  return [...text.split('\n').flatMap((line) => parser.push(line)), ...parser.flush()];
}

export interface LogFollower {
  stop(): Promise<void>;
  /**
   * Reads the log up to now and releases the held event: for a caller who knows the exchange it belongs to
   * is over (a machine that fetches a file over TFTP has had its DHCP answer), so its lines come first.
   */
  catchUp(): Promise<void>;
}

/**
 * Follows dnsmasq's log file as it grows (polling, so a file that does not exist yet or is recreated is fine)
 * and hands over each event; a held event is released after `quietMs` without new lines.
 */
export function followDnsmasqLog(
  file: string,
  onEvent: (event: DnsmasqLogEvent) => void,
  options: { fromOffset?: number; tftpRoot?: string; intervalMs?: number; quietMs?: number } = {},
): LogFollower {
  const parser = new DnsmasqLogParser(options);
  let lastLine = Date.now();
  const follower = followLines(
    file,
    (line) => {
      lastLine = Date.now();
      parser.push(line).forEach(onEvent);
    },
    {
      ...options,
      // An event spread over several lines is complete once the log has been quiet for a moment.
      onIdle: () => Date.now() - lastLine >= (options.quietMs ?? 200) && parser.flush().forEach(onEvent),
    },
  );
  return {
    async stop() {
      await follower.stop();
      parser.flush().forEach(onEvent);
    },
    async catchUp() {
      await follower.readNow();
      parser.flush().forEach(onEvent);
    },
  };
}
