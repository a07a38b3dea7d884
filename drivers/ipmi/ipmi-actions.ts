import { setTimeout as sleep } from 'node:timers/promises';
import type { BootDevice, IpmiAction, IpmiArgs, MachineOutcome } from './ipmi-args.ts';
import { IpmiFailure } from './ipmi-failure.ts';
import { runIpmitoolBatch, type Batch } from './ipmitool-batch.ts';
import { runIpmitool, type IpmitoolTarget } from './ipmitool.ts';

/** One machine's share of a cell: its BMC, the settled policy, and where its progress goes. */
export interface MachineTask extends IpmitoolTarget {
  /** Says what the machine is doing now (its status line and grid cell). */
  say(message: string): void;
  /** The cell's action and confirming read in one command file, when the action has such a read. */
  batch?: Batch;
}

type Found = Omit<MachineOutcome, 'name' | 'ok' | 'error' | 'commands' | 'duration_ms'>;

/** The ipmitool command of an action that changes something (status reads are built where they are read). */
export function actionCommand(
  args: Pick<IpmiArgs, 'action' | 'device' | 'persistent' | 'efiboot'>,
): string[] {
  switch (args.action) {
    case 'power-status':
      return ['power', 'status'];
    case 'power-on':
      return ['power', 'on'];
    case 'power-off':
      return ['power', 'off'];
    case 'power-cycle':
      return ['power', 'cycle'];
    case 'power-reset':
      return ['power', 'reset'];
    case 'power-soft':
      return ['power', 'soft'];
    case 'boot-device': {
      const options = [args.persistent && 'persistent', args.efiboot && 'efiboot'].filter(Boolean);
      return [
        'chassis',
        'bootdev',
        args.device!,
        ...(options.length ? [`options=${options.join(',')}`] : []),
      ];
    }
    case 'boot-device-status':
      return ['chassis', 'bootparam', 'get', '5'];
    case 'mc-info':
      return ['mc', 'info'];
  }
}

/** The power state each power action leads to; what a wait polls for. */
const POWER_TARGET: Partial<Record<IpmiAction, 'on' | 'off'>> = {
  'power-on': 'on',
  'power-off': 'off',
  'power-cycle': 'on',
  'power-reset': 'on',
  'power-soft': 'off',
};

export const POWER_STATUS = ['power', 'status'];
export const BOOT_PARAM_GET = ['chassis', 'bootparam', 'get', '5'];

/**
 * The read that confirms an action's effect, sent in the same ipmitool session right after it: the boot
 * device read back, or the power state a power action waits for. None for reads, nor for power actions
 * told not to wait.
 */
export function confirmingRead(args: Pick<IpmiArgs, 'action' | 'wait'>): string[] | undefined {
  if (args.action === 'boot-device') return BOOT_PARAM_GET;
  if (POWER_TARGET[args.action] && args.wait) return POWER_STATUS;
  return undefined;
}

/** The power state a power action leads to, if the action is one. */
export function powerTarget(action: IpmiAction): 'on' | 'off' | undefined {
  return POWER_TARGET[action];
}

/** `Chassis Power is on` → on. */
export function parsePowerStatus(stdout: string): 'on' | 'off' {
  const match = /Chassis Power is (on|off)/i.exec(stdout);
  if (!match)
    throw new IpmiFailure('bmc-error', `unexpected power status answer: ${stdout.trim() || '(empty)'}`);
  return match[1]!.toLowerCase() as 'on' | 'off';
}

const SELECTORS: [RegExp, string][] = [
  [/Force PXE/i, 'pxe'],
  [/Hard-?Drive/i, 'disk'],
  [/BIOS Setup/i, 'bios'],
  [/CD\/DVD/i, 'cdrom'],
  [/No override/i, 'none'],
];

/** The boot flags of `chassis bootparam get 5`: device, whether they persist, UEFI or legacy. */
export function parseBootParam(stdout: string): {
  boot_device: string;
  persistent: boolean;
  efiboot: boolean;
} {
  const selector = /Boot Device Selector\s*:\s*(.+)/.exec(stdout)?.[1]?.trim();
  if (!selector)
    throw new IpmiFailure(
      'bmc-error',
      `no boot device selector in the answer: ${stdout.trim() || '(empty)'}`,
    );
  return {
    boot_device: SELECTORS.find(([pattern]) => pattern.test(selector))?.[1] ?? selector,
    persistent: /Options apply to all future boots/i.test(stdout),
    efiboot: /BIOS EFI boot/i.test(stdout),
  };
}

/** `Firmware Revision : 9.08` → { firmware_revision: '9.08' }; lists below a heading are skipped. */
export function parseMcInfo(stdout: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const match = /^(\S[^:]*?)\s*:\s*(\S.*)$/.exec(line);
    if (match) info[match[1]!.toLowerCase().replace(/[^a-z0-9]+/g, '_')] = match[2]!.trim();
  }
  return info;
}

const POLL_MS = [250, 500, 1000, 2000];

/**
 * Polls the power state, one ipmitool call each time, until it is `target`; fails with a timeout after
 * `timeoutMs`. `seen` is a state already read (by the action's own session): the first poll then waits.
 */
async function waitForPower(
  task: MachineTask,
  target: 'on' | 'off',
  timeoutMs: number,
  seen: 'on' | 'off' | undefined,
): Promise<'on' | 'off'> {
  const deadline = Date.now() + timeoutMs;
  let state = seen;
  for (let pauses = 0; ;) {
    if (state !== undefined) {
      const pause = POLL_MS[Math.min(pauses++, POLL_MS.length - 1)]!;
      if (Date.now() + pause > deadline)
        throw new IpmiFailure('timeout', `power is still ${state} after ${Math.round(timeoutMs / 1000)} s`);
      task.say(`waiting for power ${target}`);
      await sleep(pause, undefined, { signal: task.ctx.signal });
    }
    state = parsePowerStatus(await runIpmitool(task, POWER_STATUS));
    if (state === target) return state;
  }
}

/**
 * Does one action on one machine and reads back its effect; throws IpmiFailure. An action with a confirming
 * read sends both in one ipmitool session; a read the session did not bring back is done again on its own.
 */
export async function performAction(task: MachineTask, args: IpmiArgs): Promise<Found> {
  const command = actionCommand(args);
  const read = confirmingRead(args);
  if (!read) {
    task.say(command.join(' '));
    const stdout = await runIpmitool(task, command);
    switch (args.action) {
      case 'power-status':
        return { power: parsePowerStatus(stdout) };
      case 'boot-device-status':
        return parseBootParam(stdout);
      case 'mc-info':
        return { mc: parseMcInfo(stdout) };
      default:
        return {};
    }
  }
  if (!task.batch) throw new Error(`${args.action} needs the command file of its batch`);
  task.say(`${command.join(' ')}; ${read.join(' ')}`);
  const [answer] = await runIpmitoolBatch(task, task.batch);
  if (args.action === 'boot-device') {
    const found = parseBootParam(answer ?? (await runIpmitool(task, read)));
    if (found.boot_device !== (args.device as BootDevice))
      throw new IpmiFailure(
        'bmc-error',
        `the BMC reports boot device ${found.boot_device} after setting ${args.device}`,
      );
    // Simple BMCs keep the device but not the flags: report what was asked for.
    return { boot_device: found.boot_device, persistent: args.persistent, efiboot: args.efiboot };
  }
  const target = POWER_TARGET[args.action]!;
  const seen = answer === undefined ? undefined : parsePowerStatus(answer);
  if (seen === target) return { power: seen };
  return { power: await waitForPower(task, target, task.policy.waitTimeoutMs, seen) };
}
