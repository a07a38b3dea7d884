import { isIP } from 'node:net';
import { z } from 'zod';
import { durationSchema } from './duration.ts';

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MACHINE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** A reference to a secret, resolved from the environment or `secrets.env` only when a driver needs it. */
export const secretRefSchema = z.strictObject(
  {
    secret: z
      .string()
      .regex(SECRET_NAME, 'a secret name is letters, digits and _, not starting with a digit'),
  },
  {
    // Say how to fix a plain-text password without echoing it back into a message or a log.
    error: (issue) =>
      issue.code === 'invalid_type' && typeof issue.input === 'string'
        ? 'plain-text secrets are not allowed here; write { secret: NAME } and set NAME in the environment or in secrets.env'
        : undefined,
  },
);
export type SecretRef = z.infer<typeof secretRefSchema>;

/** True for a `{ secret: NAME }` reference. */
export function isSecretRef(v: unknown): v is SecretRef {
  return secretRefSchema.safeParse(v).success;
}

const numericString = z
  .string()
  .regex(/^\s*\d+\s*$/)
  .transform(Number);

/** An integer in [min, max]; numeric strings are accepted because nodes.json writes `"cpu": "4"`. */
function intField(min: number, max = Number.MAX_SAFE_INTEGER) {
  const error = `expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}–${max}`}`;
  return z
    .union([z.number(), numericString], { error })
    .pipe(z.number().int(error).min(min, error).max(max, error));
}

const ipSchema = z.string().refine((v) => isIP(v) !== 0, 'not an IPv4 or IPv6 address');

const MAC_FORMS = [
  /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i,
  /^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i,
  /^[0-9a-f]{12}$/i,
];

/**
 * One MAC or a list of them, normalised to lower-case colon form so that the same NIC written two ways is still
 * one MAC. Not a union of two schemas: a union would hide which list item is wrong.
 */
const macsSchema = z
  .union([z.string(), z.array(z.string())], { error: 'expected a MAC address or a list of MAC addresses' })
  .transform((value, ctx) => {
    const list = typeof value === 'string' ? [value] : value;
    if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one MAC address is needed' });
    return list.map((mac, i) => {
      const text = mac.trim();
      if (!MAC_FORMS.some((form) => form.test(text)))
        ctx.addIssue({
          code: 'custom',
          path: typeof value === 'string' ? [] : [i],
          message: 'not a MAC address (expected six hex pairs like 52:54:00:12:34:56)',
        });
      return (text.toLowerCase().replace(/[:.-]/g, '').match(/../g) ?? []).join(':');
    });
  });

/** Parsed `address/prefix`, or undefined when it is not a CIDR. */
function parseCidr(text: string): { version: 4 | 6; network: bigint; prefix: number } | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  const version = match ? isIP(match[1]!) : 0;
  if (!match || (version !== 4 && version !== 6)) return undefined;
  const prefix = Number(match[2]);
  const bits = version === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const mask = ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { version, network: ipToBigInt(match[1]!) & mask, prefix };
}

/** An address (already checked with isIP) as a number, so ranges and prefixes are plain comparisons. */
function ipToBigInt(ip: string): bigint {
  if (isIP(ip) === 4) return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(part), 0n);
  let text = ip.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipToBigInt(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g || '0'}`), 0n);
}

function inCidr(ip: string, cidr: NonNullable<ReturnType<typeof parseCidr>>): boolean {
  if (isIP(ip) !== cidr.version) return false;
  const bits = cidr.version === 4 ? 32 : 128;
  return ipToBigInt(ip) >> BigInt(bits - cidr.prefix) === cidr.network >> BigInt(bits - cidr.prefix);
}

const cidrSchema = z
  .string()
  .refine((v) => parseCidr(v) !== undefined, 'not a CIDR (expected e.g. 10.20.0.0/24)');

/** One bare-metal node, with the field names of TripleO's nodes.json. */
export const machineSchema = z.strictObject({
  name: z
    .string()
    .regex(MACHINE_NAME, 'a machine name is letters, digits, _ . -, starting with a letter or digit'),
  mac: macsSchema,
  cpu: intField(1).optional(),
  memory: intField(1).optional(),
  disk: intField(1).optional(),
  arch: z.string().min(1).default('x86_64'),
  pm_type: z.string().min(1),
  // All-digit dotted names are mistyped IPv4 addresses (300.1.2.3), not hostnames.
  pm_addr: z
    .string()
    .refine(
      (v) => isIP(v) !== 0 || (HOSTNAME.test(v) && !/^[\d.]+$/.test(v)),
      'not an IP address or hostname',
    ),
  pm_port: intField(1, 65535).optional(),
  pm_user: z.string(),
  pm_password: secretRefSchema,
  ipmi_cipher_suite: intField(0, 17).optional(),
  capabilities: z.string().optional(),
  labels: z.array(z.string()).optional(),
});
export type Machine = z.output<typeof machineSchema>;

const networkSchema = z
  .strictObject({
    interface: z.string().optional(),
    bridge: z.string().optional(),
    namespace: z.string().optional(),
    cidr: cidrSchema.optional(),
    gateway: ipSchema.optional(),
    dhcp_range: z.tuple([ipSchema, ipSchema]).optional(),
    dns: z.array(ipSchema).optional(),
    vlans: z
      .array(z.strictObject({ id: intField(1, 4094), name: z.string().min(1), cidr: cidrSchema.optional() }))
      .optional(),
  })
  .superRefine((net, ctx) => {
    const cidr = net.cidr === undefined ? undefined : parseCidr(net.cidr);
    if (!cidr) return;
    if (net.gateway !== undefined && isIP(net.gateway) && !inCidr(net.gateway, cidr))
      ctx.addIssue({ code: 'custom', path: ['gateway'], message: `gateway is outside ${net.cidr}` });
    const [start, end] = net.dhcp_range ?? [];
    if (start === undefined || end === undefined || !isIP(start) || !isIP(end)) return;
    [start, end].forEach((ip, i) => {
      if (!inCidr(ip, cidr))
        ctx.addIssue({ code: 'custom', path: ['dhcp_range', i], message: `${ip} is outside ${net.cidr}` });
    });
    if (isIP(start) === isIP(end) && ipToBigInt(start) > ipToBigInt(end))
      ctx.addIssue({ code: 'custom', path: ['dhcp_range'], message: 'dhcp_range start is after its end' });
  });

const openstackSchema = z.strictObject({
  auth_url: z.url(),
  user: z.string().min(1),
  password: secretRefSchema,
  project: z.string().min(1),
  user_domain: z.string().default('Default'),
  project_domain: z.string().default('Default'),
  region: z.string().default('RegionOne'),
});

/**
 * How the `ipmi` driver talks to this site's BMCs; a cell's own arguments win, and a machine's
 * `ipmi_cipher_suite` wins over `cipher_suite`.
 */
const ipmiSchema = z.strictObject({
  /** ipmitool's `-C`: 3 (SHA1, AES) answers on most BMCs; 17 (SHA256) on newer ones. */
  cipher_suite: intField(0, 17).default(3),
  /** BMCs driven at once by one cell. */
  concurrency: intField(1, 256).default(16),
  /** The least time between two commands to one BMC (some BMCs stop answering when hurried). */
  min_interval: durationSchema(true).default(100),
  /** Tries of one command when the BMC answers busy or not in time. */
  attempts: intField(1, 10).default(3),
  /** ipmitool's `-N` (seconds per try) and `-R` (retransmits): an unreachable BMC costs about N × (R + 1). */
  timeout: intField(1, 60).default(1),
  retransmits: intField(0, 10).default(1),
});
export type IpmiSettings = z.output<typeof ipmiSchema>;
/** The defaults of the `ipmi` section, for a datacentre that has none. */
export const IPMI_DEFAULTS: IpmiSettings = ipmiSchema.parse({});

const imagesSchema = z.strictObject({
  elements: z.array(z.string()).default([]),
  extra_elements: z.array(z.string()).default([]),
  mirrors: z.record(z.string(), z.url()).default({}),
  env: z.record(z.string(), z.string()).default({}),
});

/** `datacentres/<dc>/datacentre.yaml`. `name` defaults to the folder name (filled in by the loader). */
export const datacentreSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    machines: z.array(machineSchema).default([]),
    network: networkSchema.optional(),
    openstack: openstackSchema.optional(),
    images: imagesSchema.optional(),
    ipmi: ipmiSchema.optional(),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((dc, ctx) => {
    // First machine seen per name / MAC / BMC endpoint, to name both in the message.
    const names = new Map<string, number>();
    const macs = new Map<string, string>();
    const bmcs = new Map<string, string>();
    dc.machines.forEach((m, i) => {
      const other = names.get(m.name);
      if (other !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['machines', i, 'name'],
          message: `duplicate machine name ${m.name} (also machines[${other}])`,
        });
      else names.set(m.name, i);
      m.mac.forEach((mac, j) => {
        const owner = macs.get(mac);
        if (owner !== undefined && owner !== m.name)
          ctx.addIssue({
            code: 'custom',
            path: ['machines', i, 'mac', j],
            message: `MAC ${mac} of ${m.name} is also used by ${owner}`,
          });
        else macs.set(mac, m.name);
      });
      const bmc = `${m.pm_addr.toLowerCase()}:${m.pm_port ?? 623}`;
      const sharer = bmcs.get(bmc);
      if (sharer !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['machines', i, 'pm_addr'],
          message: `${m.name} and ${sharer} share the BMC ${bmc}`,
        });
      else bmcs.set(bmc, m.name);
    });
  });
export type Datacentre = z.output<typeof datacentreSchema>;
/** What an operator writes (before defaults and normalisation). */
export type DatacentreInput = z.input<typeof datacentreSchema>;

/** JSON Schema of what an operator writes, for the datacentre editor's forms (refinements are not expressible). */
export function datacentreJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(datacentreSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
