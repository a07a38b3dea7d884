import {
  assertBootPath,
  assertHostPath,
  assertHostname,
  assertInterfaceName,
  assertIpv4,
  assertNetmask,
  normaliseMac,
  PxeValueError,
} from './pxe-values.ts';

/** One machine dnsmasq knows, as a line of its `dhcp-hostsfile`. */
export interface DnsmasqHost {
  mac: string;
  /** A fixed address (static leases); without it a known machine gets one from the range. */
  ip?: string;
  /** Its DHCP host name: one DNS label (see `dhcpHostname` for a machine name). */
  name?: string;
}

/** How addresses are handed out on the interface. */
export type DhcpMode =
  /** Addresses from a pool; hosts with an `ip` keep theirs. */
  | { kind: 'range'; start: string; end: string; netmask: string; leaseTime?: string }
  /** Only the hosts file's machines get addresses (their `ip`); `network` is the subnet's address. */
  | { kind: 'static'; network: string; netmask: string; leaseTime?: string }
  /**
   * Proxy-DHCP: another server owns the network's addresses; dnsmasq only answers PXE clients with the boot
   * server and file (`pxe-service`).
   */
  | { kind: 'proxy'; network: string; netmask: string };

/**
 * What each kind of client loads first, as paths inside the boot (TFTP) root. A client matches one of them:
 * iPXE (option 175 or user class `iPXE`) when `ipxe` is set, otherwise by its architecture (option 93). None
 * at all makes a plain DHCP server (not allowed in proxy mode, whose only job they are).
 */
export interface BootFiles {
  /** BIOS PXE ROMs (client-arch 0): `pxelinux.0`, or an iPXE loader such as `undionly.kpxe`. */
  bios?: string;
  /** UEFI x86-64 firmware (client-arch 7 and 9): `syslinux.efi`, `ipxe.efi`, `grubx64.efi`… */
  uefi64?: string;
  /** UEFI arm64 firmware (client-arch 11). */
  uefiArm64?: string;
  /** iPXE, on any architecture: the script that chains the per-machine ones, e.g. `boot.ipxe`. */
  ipxe?: string;
}

export interface DnsmasqConfig {
  /** The only interface dnsmasq serves (`bind-interfaces`). */
  interface: string;
  /** Our IPv4 address on that interface: the boot server given to clients unless `tftpServer` says otherwise. */
  serverAddress: string;
  /** The TFTP server clients fetch boot files from (next-server); default `serverAddress`. */
  tftpServer?: string;
  dhcp: DhcpMode;
  boot: BootFiles;
  /** Answer only the machines in the hosts file (`dhcp-ignore=tag:!known`). */
  ignoreUnknown?: boolean;
  /** Option 3 for clients; without it none is sent (a provisioning network needs no route through us). */
  router?: string;
  /** Option 6 for clients; without it none is sent (dnsmasq's own DNS is off). */
  dnsServers?: string[];
  /**
   * Router advertisements on the interface with an `ra-only` range built from its IPv6 address (which it must
   * have), with a router lifetime of 0 so nobody routes through us. iPXE waits ~13 s for IPv6 without them.
   */
  routerAdvertisements?: boolean;
  /** Skip dnsmasq's ICMP check of a pool address before offering it (about 3 s per new client). */
  noPing?: boolean;
  /** Serve the boot root with dnsmasq's own TFTP server (port 69 on the interface's addresses). */
  tftpRoot?: string;
  /** The user dnsmasq drops to after start-up; dnsmasq's default (nobody) when unset. */
  user?: string;
  hostsFile: string;
  logFile: string;
  leaseFile: string;
  pidFile: string;
}

const LEASE_TIME = /^(?:\d{1,9}[smhdw]?|infinite)$/;
/** PXE client system types (dnsmasq's names) per boot file; 7 is EFI BC, which x86-64 firmware reports. */
const PXE_SERVICES: { file: keyof BootFiles; csa: string[] }[] = [
  { file: 'bios', csa: ['x86PC'] },
  { file: 'uefi64', csa: ['BC_EFI', 'x86-64_EFI'] },
  { file: 'uefiArm64', csa: ['ARM64_EFI'] },
];

function leaseTime(value: string | undefined, field: string): string {
  const time = value ?? '1h';
  if (!LEASE_TIME.test(time))
    throw new PxeValueError(field, `not a lease time (e.g. 1h, 600, infinite): ${time}`);
  return time;
}

/** One `dhcp-hostsfile` line: `MAC[,IP][,NAME]` (a bare MAC only makes the machine known). */
export function dnsmasqHostLine(host: DnsmasqHost, field = 'host'): string {
  const parts = [normaliseMac(host.mac, `${field}.mac`)];
  if (host.ip !== undefined) parts.push(assertIpv4(host.ip, `${field}.ip`));
  if (host.name !== undefined) parts.push(assertHostname(host.name, `${field}.name`));
  return parts.join(',');
}

/** The `dhcp-hostsfile` for these machines; a MAC, address or name given twice is refused. */
export function dnsmasqHostsFile(hosts: readonly DnsmasqHost[]): string {
  const seen = new Map<string, number>();
  const lines = hosts.map((host, i) => {
    const line = dnsmasqHostLine(host, `hosts[${i}]`);
    const [mac] = line.split(',');
    const keys = [`MAC ${mac}`, host.ip && `address ${host.ip}`, host.name && `name ${host.name}`];
    for (const key of keys) {
      if (!key) continue;
      const other = seen.get(key);
      if (other !== undefined) throw new PxeValueError(`hosts[${i}]`, `${key} is also hosts[${other}]'s`);
      seen.set(key, i);
    }
    return line;
  });
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * A complete dnsmasq configuration: DHCP only (`port=0` turns DNS off), bound to one interface, with PXE boot
 * files per client kind, per-machine hosts in a file re-read on SIGHUP, and every DHCP exchange logged to a
 * file. Every value is checked first, so no datacentre value can add a line or an option.
 */
export function dnsmasqConfig(config: DnsmasqConfig): string {
  const iface = assertInterfaceName(config.interface);
  const server = assertIpv4(config.serverAddress, 'serverAddress');
  const tftp = assertIpv4(config.tftpServer ?? server, 'tftpServer');
  const files = Object.fromEntries(
    Object.entries(config.boot).map(([kind, file]) => [kind, file && assertBootPath(file, `boot.${kind}`)]),
  ) as BootFiles;
  if (config.dhcp.kind === 'proxy' && !Object.values(files).some(Boolean))
    throw new PxeValueError('boot', 'proxy-DHCP serves boot files only: name at least one');

  const lines = [
    '# Written by stackbook; regenerated on every start.',
    'port=0',
    `interface=${iface}`,
    'bind-interfaces',
    `pid-file=${assertHostPath(config.pidFile, 'pidFile')}`,
    `dhcp-leasefile=${assertHostPath(config.leaseFile, 'leaseFile')}`,
    `dhcp-hostsfile=${assertHostPath(config.hostsFile, 'hostsFile')}`,
    `log-facility=${assertHostPath(config.logFile, 'logFile')}`,
    'log-dhcp',
  ];
  if (config.user !== undefined) lines.push(`user=${assertHostname(config.user, 'user')}`);

  const { dhcp } = config;
  if (dhcp.kind === 'range') {
    const start = assertIpv4(dhcp.start, 'dhcp.start');
    const end = assertIpv4(dhcp.end, 'dhcp.end');
    const mask = assertNetmask(dhcp.netmask, 'dhcp.netmask');
    lines.push(`dhcp-range=${start},${end},${mask},${leaseTime(dhcp.leaseTime, 'dhcp.leaseTime')}`);
  } else if (dhcp.kind === 'static') {
    const network = assertIpv4(dhcp.network, 'dhcp.network');
    const mask = assertNetmask(dhcp.netmask, 'dhcp.netmask');
    lines.push(`dhcp-range=${network},static,${mask},${leaseTime(dhcp.leaseTime, 'dhcp.leaseTime')}`);
  } else if (dhcp.kind === 'proxy') {
    const network = assertIpv4(dhcp.network, 'dhcp.network');
    lines.push(`dhcp-range=${network},proxy,${assertNetmask(dhcp.netmask, 'dhcp.netmask')}`);
  } else {
    throw new PxeValueError('dhcp.kind', 'expected range, static or proxy');
  }
  if (config.ignoreUnknown) lines.push('dhcp-ignore=tag:!known');
  if (config.noPing) lines.push('no-ping');

  lines.push(
    // iPXE announces itself with option 175 (its features) and the user class "iPXE".
    'dhcp-match=set:ipxe,175',
    'dhcp-userclass=set:ipxe,iPXE',
    'dhcp-match=set:efi64,option:client-arch,7',
    'dhcp-match=set:efi64,option:client-arch,9',
    'dhcp-match=set:efiarm64,option:client-arch,11',
  );
  if (dhcp.kind === 'proxy') {
    // Each architecture's menu has one entry, so PXE boots it at once; iPXE gets its script on every architecture.
    const notIpxe = files.ipxe ? 'tag:!ipxe,' : '';
    for (const { file, csa } of PXE_SERVICES) {
      for (const type of csa) {
        if (files[file]) lines.push(`pxe-service=${notIpxe}${type},"stackbook",${files[file]},${tftp}`);
        if (files.ipxe) lines.push(`pxe-service=tag:ipxe,${type},"stackbook",${files.ipxe},${tftp}`);
      }
    }
  } else {
    // Tags made exclusive, so which line wins never depends on dnsmasq's order of matching.
    const notIpxe = files.ipxe ? 'tag:!ipxe,' : '';
    if (files.ipxe) lines.push(`dhcp-boot=tag:ipxe,${files.ipxe},,${tftp}`);
    if (files.bios) lines.push(`dhcp-boot=${notIpxe}tag:!efi64,tag:!efiarm64,${files.bios},,${tftp}`);
    if (files.uefi64) lines.push(`dhcp-boot=${notIpxe}tag:efi64,${files.uefi64},,${tftp}`);
    if (files.uefiArm64) lines.push(`dhcp-boot=${notIpxe}tag:efiarm64,${files.uefiArm64},,${tftp}`);
    lines.push(
      config.router === undefined
        ? 'dhcp-option=option:router'
        : `dhcp-option=option:router,${assertIpv4(config.router, 'router')}`,
    );
    const dns = (config.dnsServers ?? []).map((ip, i) => assertIpv4(ip, `dnsServers[${i}]`));
    if (dns.length) lines.push(`dhcp-option=option:dns-server,${dns.join(',')}`);
  }

  if (config.routerAdvertisements) {
    lines.push('enable-ra', `dhcp-range=::,constructor:${iface},ra-only`, `ra-param=${iface},60,0`);
  }
  if (config.tftpRoot !== undefined) {
    lines.push('enable-tftp', `tftp-root=${assertHostPath(config.tftpRoot, 'tftpRoot')}`);
  }
  return `${lines.join('\n')}\n`;
}
