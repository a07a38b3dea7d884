import { z } from 'zod';
import { secretRefSchema } from '../../server/runbook/datacentre-schema.ts';
import { durationSchema } from '../../server/runbook/duration.ts';
import { machineTargets } from '../machine-targets.ts';

export const IPMI_ACTIONS = [
  'power-status',
  'power-on',
  'power-off',
  'power-cycle',
  'power-reset',
  'power-soft',
  'boot-device',
  'boot-device-status',
  'mc-info',
] as const;
export type IpmiAction = (typeof IPMI_ACTIONS)[number];

export const BOOT_DEVICES = ['pxe', 'disk', 'bios', 'cdrom'] as const;
export type BootDevice = (typeof BOOT_DEVICES)[number];

/**
 * A machine as the datacentre profile has it (`{{ dc.machines }}` gives a list of these): the fields the
 * driver reads are checked, the rest (mac, cpu…) pass through.
 */
export const machineRecordSchema = z.looseObject({
  name: z.string().min(1),
  pm_type: z.string().optional(),
  pm_addr: z.string().optional(),
  pm_port: z.number().int().optional(),
  pm_user: z.string().optional(),
  pm_password: secretRefSchema.optional(),
  ipmi_cipher_suite: z.number().int().optional(),
  labels: z.array(z.string()).optional(),
});
export type MachineRecord = z.infer<typeof machineRecordSchema>;

const POWER_ACTIONS: readonly IpmiAction[] = [
  'power-on',
  'power-off',
  'power-cycle',
  'power-reset',
  'power-soft',
];

export const ipmiArgsSchema = z
  .strictObject({
    action: z.enum(IPMI_ACTIONS),
    /** The targets: machine records (`{{ dc.machines }}`) or machine names from the datacentre. */
    machines: machineTargets(machineRecordSchema),
    /** Keeps only the machines that carry every one of these labels. */
    labels: z.array(z.string().min(1)).optional(),
    /** `boot-device`: where the machines boot next. */
    device: z.enum(BOOT_DEVICES).optional(),
    /** `boot-device`: for every later boot, not just the next one. */
    persistent: z.boolean().default(false),
    /** `boot-device`: UEFI rather than legacy BIOS boot. */
    efiboot: z.boolean().default(false),
    /** Power actions: poll until the BMC reports the new state (default: yes). */
    wait: z.boolean().default(true),
    /** How long a power action waits for the new state (default 60 s; 5 min for a soft power off). */
    wait_timeout: durationSchema().optional(),
    /** These override the datacentre's `ipmi` section for this cell. */
    concurrency: z.number().int().min(1).max(256).optional(),
    min_interval: durationSchema(true).optional(),
    attempts: z.number().int().min(1).max(10).optional(),
    cipher_suite: z.number().int().min(0).max(17).optional(),
  })
  .superRefine((args, ctx) => {
    if (args.action === 'boot-device' && !args.device)
      ctx.addIssue({
        code: 'custom',
        path: ['device'],
        message: `boot-device needs a device (${BOOT_DEVICES.join(', ')})`,
      });
    if (args.action !== 'boot-device') {
      for (const field of ['device', 'persistent', 'efiboot'] as const) {
        if (field === 'device' ? args.device !== undefined : args[field])
          ctx.addIssue({ code: 'custom', path: [field], message: `${field} applies to boot-device only` });
      }
    }
    if (args.wait_timeout !== undefined && !POWER_ACTIONS.includes(args.action))
      ctx.addIssue({
        code: 'custom',
        path: ['wait_timeout'],
        message: 'wait_timeout applies to power actions only',
      });
  });
export type IpmiArgs = z.output<typeof ipmiArgsSchema>;

/** What the driver did on one machine. */
export const machineOutcomeSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  /** The power state read back (power actions and power-status). */
  power: z.enum(['on', 'off']).optional(),
  /** The boot device read back or set: pxe, disk, bios, cdrom, or none (no override). */
  boot_device: z.string().optional(),
  persistent: z.boolean().optional(),
  efiboot: z.boolean().optional(),
  /** mc-info: the BMC's identity (device_id, firmware_revision, manufacturer_name, …). */
  mc: z.record(z.string(), z.string()).optional(),
  /** Why it failed: a class and ipmitool's own message. */
  error: z
    .object({
      kind: z.enum(['auth-failed', 'unreachable', 'unsupported', 'timeout', 'bmc-error']),
      message: z.string(),
    })
    .optional(),
  /** ipmitool invocations, retries and polls included. */
  commands: z.number().int(),
  duration_ms: z.number().int(),
});
export type MachineOutcome = z.infer<typeof machineOutcomeSchema>;

export const ipmiResultSchema = z.object({
  action: z.enum(IPMI_ACTIONS),
  machines: z.array(machineOutcomeSchema),
  succeeded: z.number().int(),
  failed: z.number().int(),
});
export type IpmiResult = z.infer<typeof ipmiResultSchema>;
