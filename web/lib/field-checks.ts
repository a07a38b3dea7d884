/**
 * Checks the datacentre editor runs on a field while the operator types, before anything goes to the server.
 * They mirror server/runbook/datacentre-schema.ts for single fields (the server stays the authority and also
 * checks what spans fields: duplicate MACs, a gateway outside its CIDR); they never reject what it accepts.
 */

/** A field path as the form and the YAML document address it: `['machines', 2, 'mac', 0]`. */
export type FieldPath = readonly (string | number)[];

/** Why a value is wrong, or undefined when it is fine. */
export type FieldCheck = (text: string) => string | undefined;

// The forms the server accepts: colon or dash pairs, Cisco dotted quads and bare hex.
const MAC_FORMS = [
  /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i,
  /^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i,
  /^[0-9a-f]{12}$/i,
];
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEXTET = /^[0-9a-f]{1,4}$/i;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const MACHINE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A MAC in lower-case colon form (`aa:bb:cc:dd:ee:ff`), or undefined when `text` is not a MAC. */
export function normaliseMac(text: string): string | undefined {
  const mac = text.trim();
  if (!MAC_FORMS.some((form) => form.test(mac))) return undefined;
  return (mac.toLowerCase().replace(/[:.-]/g, '').match(/../g) ?? []).join(':');
}

/** True for a dotted-quad IPv4 address without leading zeros (as Node's `isIP` reads them). */
export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/** True for an IPv6 address: `::` compression, an embedded IPv4 tail and a `%zone` are allowed. */
export function isIPv6(text: string): boolean {
  let rest = text;
  const zone = rest.indexOf('%');
  if (zone >= 0) {
    if (zone === rest.length - 1) return false;
    rest = rest.slice(0, zone);
  }
  if (rest.includes('.')) {
    // An IPv4 tail stands for the last two groups.
    const colon = rest.lastIndexOf(':');
    if (colon < 0 || !isIPv4(rest.slice(colon + 1))) return false;
    rest = `${rest.slice(0, colon + 1)}0:0`;
  }
  const halves = rest.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const all = [...groups(halves[0]), ...groups(halves[1])];
  if (!all.every((group) => HEXTET.test(group))) return false;
  return halves.length === 2 ? all.length <= 7 : all.length === 8;
}

/** True for an IPv4 or IPv6 address. */
export function isIP(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

/** A MAC address in any form the server takes. */
export const checkMac: FieldCheck = (text) =>
  normaliseMac(text) ? undefined : 'not a MAC address (expected six hex pairs like 52:54:00:12:34:56)';

/** An IPv4 or IPv6 address. */
export const checkIp: FieldCheck = (text) => (isIP(text.trim()) ? undefined : 'not an IPv4 or IPv6 address');

/** A BMC address: an IP or a hostname; all-digit dotted names are mistyped IPv4 addresses, not hostnames. */
export const checkHostOrIp: FieldCheck = (text) => {
  const value = text.trim();
  if (isIP(value) || (HOSTNAME.test(value) && !/^[\d.]+$/.test(value))) return undefined;
  return 'not an IP address or hostname';
};

/** `address/prefix` with a prefix that fits the address family. */
export const checkCidr: FieldCheck = (text) => {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  const ok = match && ((isIPv4(match[1]!) && +match[2]! <= 32) || (isIPv6(match[1]!) && +match[2]! <= 128));
  return ok ? undefined : 'not a CIDR (expected e.g. 10.20.0.0/24)';
};

/** An integer in [min, max], as the profile's integer fields take them. */
export function checkInteger(min: number, max = Number.MAX_SAFE_INTEGER): FieldCheck {
  const expected = `expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}–${max}`}`;
  return (text) => {
    if (!/^\s*-?\d+\s*$/.test(text)) return expected;
    const n = Number(text);
    return n < min || n > max ? expected : undefined;
  };
}

/** A UDP/TCP port. */
export const checkPort: FieldCheck = checkInteger(1, 65535);

/** A name written into secrets.env: it must be a shell variable name. */
export const checkSecretName: FieldCheck = (text) =>
  SECRET_NAME.test(text) ? undefined : 'a secret name is letters, digits and _, not starting with a digit';

const checkMachineName: FieldCheck = (text) =>
  MACHINE_NAME.test(text)
    ? undefined
    : 'a machine name is letters, digits, _ . -, starting with a letter or digit';

/** Checks by path shape, indices written `[]`. */
const CHECKS: Record<string, FieldCheck> = {
  'machines[].name': checkMachineName,
  'machines[].mac': checkMac,
  'machines[].mac[]': checkMac,
  'machines[].pm_addr': checkHostOrIp,
  'machines[].pm_port': checkPort,
  'machines[].cpu': checkInteger(1),
  'machines[].memory': checkInteger(1),
  'machines[].disk': checkInteger(1),
  'machines[].ipmi_cipher_suite': checkInteger(0, 17),
  'machines[].pm_password.secret': checkSecretName,
  'openstack.password.secret': checkSecretName,
  'network.cidr': checkCidr,
  'network.gateway': checkIp,
  'network.dhcp_range[]': checkIp,
  'network.dns[]': checkIp,
  'network.vlans[].id': checkInteger(1, 4094),
  'network.vlans[].cidr': checkCidr,
};

/** `['machines', 2, 'mac', 0]` as `machines[].mac[]`, the key of CHECKS. */
function shapeOf(path: FieldPath): string {
  return path.map((part, i) => (typeof part === 'number' ? '[]' : i ? `.${part}` : part)).join('');
}

/** The check for a field, if it has one. */
export function checkFor(path: FieldPath): FieldCheck | undefined {
  return CHECKS[shapeOf(path)];
}

/** Why a field's value is wrong, or undefined. An empty value is left to the server's "missing". */
export function checkField(path: FieldPath, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '' || typeof value === 'object') return undefined;
  return checkFor(path)?.(String(value));
}

/** A field's value as it should be stored once the operator leaves it: MACs in lower-case colon form. */
export function normaliseField(path: FieldPath, text: string): string {
  const shape = shapeOf(path);
  if (shape === 'machines[].mac' || shape === 'machines[].mac[]') return normaliseMac(text) ?? text;
  return text;
}

/** Every field check that fails anywhere in a profile, with the field's path, in document order. */
export function checkProfile(value: unknown, path: FieldPath = []): { path: FieldPath; message: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => checkProfile(item, [...path, i]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => checkProfile(item, [...path, key]));
  const message = checkField(path, value);
  return message ? [{ path, message }] : [];
}
