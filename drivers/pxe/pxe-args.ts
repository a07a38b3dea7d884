import { z } from 'zod';
import { durationSchema } from '../../server/runbook/duration.ts';
import { machineTargets } from '../machine-targets.ts';

/** A machine as the datacentre has it: the PXE driver reads its name, MACs and labels. */
export const pxeMachineSchema = z.looseObject({
  name: z.string().min(1),
  mac: z.union([z.string(), z.array(z.string())]),
  labels: z.array(z.string()).optional(),
});
export type PxeMachine = z.infer<typeof pxeMachineSchema>;

const targets = {
  /** Machine records (`{{ dc.machines }}`) or names from the datacentre. */
  machines: machineTargets(pxeMachineSchema),
  labels: z.array(z.string().min(1)).optional(),
};

/** Where the PXE service answers; defaults come from the datacentre's `network`. */
const where = {
  /** The interface (a bridge or NIC) on the provisioning network; default `network.bridge`, else `network.interface`. */
  interface: z.string().min(1).optional(),
  /** The network namespace it lives in; default `network.namespace`. */
  namespace: z.string().min(1).optional(),
};

export const pxeArgsSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('serve'),
    ...where,
    /** Our IPv4 address on the interface (the boot server); default the interface's own, in `network.cidr`. */
    address: z.string().optional(),
    /** `range`: we hand out addresses (`dhcp_range`); `proxy`: the network's DHCP does, we only add boot files. */
    mode: z.enum(['range', 'proxy']).default('range'),
    dhcp_range: z.tuple([z.string(), z.string()]).optional(),
    /** Answer only machines configured for PXE (default yes): an unknown machine gets nothing. */
    ignore_unknown: z.boolean().default(true),
    /** IPv6 router advertisements (lifetime 0), so iPXE does not wait ~13 s for IPv6. */
    router_advertisements: z.boolean().default(false),
    tftp_port: z.number().int().min(1).max(65535).default(69),
  }),
  z.strictObject({
    action: z.literal('configure-machines'),
    ...targets,
    /** The kernel and initrd on this host (an image-build cell's output), copied into the boot root. */
    kernel: z.string().min(1),
    initrd: z.string().min(1).optional(),
    command_line: z.string().optional(),
    /** The image the deploy ramdisk writes to disk, passed as `image_url=` on the command line. */
    image_url: z.string().optional(),
  }),
  z.strictObject({ action: z.literal('release-machines'), ...targets }),
  z.strictObject({
    action: z.literal('wait-boot'),
    ...targets,
    /** How long to wait for every machine to fetch its kernel (and initrd) over TFTP (default 5 min). */
    timeout: durationSchema().optional(),
  }),
  z.strictObject({ action: z.literal('status') }),
  z.strictObject({ action: z.literal('stop') }),
  z.strictObject({
    action: z.literal('probe-dhcp'),
    ...where,
    /** How long to listen for offers (default 6 s). */
    timeout: durationSchema().optional(),
    /** Other DHCP servers' addresses that may answer (default none: ours only). */
    allow: z.array(z.string()).default([]),
  }),
]);
export type PxeArgs = z.output<typeof pxeArgsSchema>;

/** What one machine did; fan-out results list these so the notebook shows a grid. */
const outcome = z.looseObject({
  name: z.string(),
  ok: z.boolean(),
  error: z.object({ kind: z.string(), message: z.string() }).optional(),
});

/** Every action answers its name and what it found; fan-out actions a `machines` list. */
export const pxeResultSchema = z.looseObject({
  action: z.string(),
  machines: z.array(outcome).optional(),
});
export type PxeResult = z.infer<typeof pxeResultSchema>;
