import { isIPv4 } from 'node:net';

/**
 * A value that cannot go into a dnsmasq configuration, a hosts file or a boot file. Datacentre values (machine
 * names, MACs, command lines) reach these files, so anything that could add a line, an option or a command is
 * refused here rather than escaped: none of these formats has an escape that all its readers agree on.
 */
export class PxeValueError extends Error {
  readonly code = 'INVALID_PXE_VALUE';
  constructor(
    /** Which value, e.g. `hosts[2].mac`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PxeValueError';
  }
}

const MAC = /^[0-9a-f]{2}(?:([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}|[0-9a-f]{10})$/i;
/** Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no `/`, `:` or whitespace. */
const INTERFACE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
/** One DNS label (RFC 1123): what dnsmasq accepts as a host's name. */
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const MACHINE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** A path inside a TFTP root: plain segments, no `..`, nothing a config parser treats specially. */
const BOOT_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.+-]*)*$/;
/** A host path handed to dnsmasq; its config format has no quoting we rely on. */
const HOST_PATH = /^\/[A-Za-z0-9_.+/-]*$/;
/**
 * Kernel command-line characters. Not allowed: control characters (a newline ends a pxelinux or iPXE line),
 * `$` (iPXE expands settings), `|`, `&` and `;` (iPXE chains commands), `#` (comments), quotes and `\`.
 */
const COMMAND_LINE = /^[A-Za-z0-9 _.,:=/+@%^~*?!()[\]{}<>-]*$/;
const URL_CHARS = /^[A-Za-z0-9._~:/?=%+@,!*()[\]-]+$/;

/** A MAC in lower-case colon form (`52:54:00:12:34:56`), from colon, dash or bare-hex forms. */
export function normaliseMac(mac: string, field = 'mac'): string {
  const text = String(mac).trim();
  if (!MAC.test(text)) throw new PxeValueError(field, `not a MAC address: ${JSON.stringify(mac)}`);
  const hex = text.toLowerCase().replace(/[:-]/g, '');
  if (parseInt(hex.slice(0, 2), 16) & 1)
    throw new PxeValueError(field, `${mac} is a multicast address, not a NIC's`);
  return hex.match(/../g)!.join(':');
}

/** `52-54-00-12-34-56`: the form pxelinux and iPXE's `:hexhyp` use in file names. */
export function macWithDashes(mac: string, field = 'mac'): string {
  return normaliseMac(mac, field).replaceAll(':', '-');
}

export function assertIpv4(value: string, field: string): string {
  if (typeof value !== 'string' || !isIPv4(value))
    throw new PxeValueError(field, `not an IPv4 address: ${JSON.stringify(value)}`);
  return value;
}

/** A netmask such as 255.255.255.0 (contiguous ones). */
export function assertNetmask(value: string, field: string): string {
  assertIpv4(value, field);
  const bits = value.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const inverted = 0xffffffff - bits;
  if ((inverted & (inverted + 1)) !== 0) throw new PxeValueError(field, `not a netmask: ${value}`);
  return value;
}

export function assertInterfaceName(value: string, field = 'interface'): string {
  if (typeof value !== 'string' || !INTERFACE.test(value))
    throw new PxeValueError(field, `not a network interface name: ${JSON.stringify(value)}`);
  return value;
}

/** A DHCP host name: one DNS label. */
export function assertHostname(value: string, field: string): string {
  if (typeof value !== 'string' || !HOSTNAME.test(value))
    throw new PxeValueError(field, `not a host name (one DNS label): ${JSON.stringify(value)}`);
  return value;
}

/** A machine name as boot files show it (a datacentre's names: letters, digits, `_.-`). */
export function assertMachineName(value: string, field = 'name'): string {
  if (typeof value !== 'string' || !MACHINE_NAME.test(value))
    throw new PxeValueError(field, `not a machine name: ${JSON.stringify(value)}`);
  return value;
}

/**
 * The DHCP host name for a machine name, or undefined when it cannot be one: `node_1.rack2` becomes
 * `node-1-rack2`; a name that is still no DNS label after that is left out rather than refused.
 */
export function dhcpHostname(machineName: string): string | undefined {
  const name = machineName.replace(/[_.]/g, '-').replace(/-+$/, '');
  return HOSTNAME.test(name) ? name : undefined;
}

/** A file below a TFTP root, as a relative path. */
export function assertBootPath(value: string, field: string): string {
  if (
    typeof value !== 'string' ||
    value.length > 255 ||
    !BOOT_PATH.test(value) ||
    /(^|\/)\.\.?(\/|$)/.test(value)
  )
    throw new PxeValueError(field, `not a relative path inside the boot root: ${JSON.stringify(value)}`);
  return value;
}

/** An absolute host path written into dnsmasq's configuration. */
export function assertHostPath(value: string, field: string): string {
  if (typeof value !== 'string' || !HOST_PATH.test(value) || /(^|\/)\.\.(\/|$)/.test(value))
    throw new PxeValueError(
      field,
      `dnsmasq paths are absolute and use only letters, digits and _ . + - /: ${JSON.stringify(value)}`,
    );
  return value;
}

/** A kernel command line safe in both a pxelinux APPEND line and an iPXE `kernel` line. */
export function assertCommandLine(value: string, field: string): string {
  if (typeof value !== 'string' || value.length > 2048 || !COMMAND_LINE.test(value))
    throw new PxeValueError(
      field,
      'a kernel command line is printable ASCII on one line, at most 2048 characters, without $ | & ; # quotes or \\',
    );
  return value;
}

/** An http(s) or tftp URL, in a form that needs no quoting in a command line or an iPXE script. */
export function assertUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PxeValueError(field, `not a URL: ${JSON.stringify(value)}`);
  }
  if (!['http:', 'https:', 'tftp:'].includes(url.protocol))
    throw new PxeValueError(field, `only http, https and tftp URLs are served: ${value}`);
  if (!URL_CHARS.test(value) || value.length > 1024)
    throw new PxeValueError(
      field,
      `a URL here may not hold spaces, quotes, $, &, ; or # (percent-encode them): ${value}`,
    );
  return value;
}

/** A kernel or initrd: a path inside the boot root, or an http(s)/tftp URL. */
export function assertBootSource(value: string, field: string): string {
  return /^[a-z]+:\/\//i.test(value) ? assertUrl(value, field) : assertBootPath(value, field);
}
