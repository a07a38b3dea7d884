import { setTimeout as sleep } from 'node:timers/promises';
import type { DriverContext } from '../types.ts';
import type { BootDevice, IpmiAction, IpmiArgs, MachineOutcome } from './ipmi-args.ts';
import type { IpmiConnection, IpmiPolicy } from './ipmi-connection.ts';
import { IpmiFailure } from './ipmi-failure.ts';
import { runIpmitool } from './ipmitool.ts';

/** One machine's share of a cell: its BMC, the settled policy, and where its progress goes. */
export interface MachineTask {
  ctx: DriverContext;
  connection: IpmiConnection;
  policy: IpmiPolicy;
  tally: { commands: number };
  /** Says what the machine is doing now (its status line and grid cell). */
  say(message: string): void;
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

/** Polls the power state until it is `target`, or fails with a timeout after `timeoutMs`. */
async function waitForPower(
  task: MachineTask,
  target: 'on' | 'off',
  timeoutMs: number,
): Promise<'on' | 'off'> {
  const deadline = Date.now() + timeoutMs;
  for (let poll = 0; ; poll++) {
    const state = parsePowerStatus(
      await runIpmitool(task.ctx, task.connection, ['power', 'status'], task.policy, task.tally),
    );
    if (state === target) return state;
    const pause = POLL_MS[Math.min(poll, POLL_MS.length - 1)]!;
    if (Date.now() + pause > deadline)
      throw new IpmiFailure('timeout', `power is still ${state} after ${Math.round(timeoutMs / 1000)} s`);
    task.say(`waiting for power ${target}`);
    await sleep(pause, undefined, { signal: task.ctx.signal });
  }
}

/** Does one action on one machine and reads back its effect; throws IpmiFailure. */
export async function performAction(task: MachineTask, args: IpmiArgs): Promise<Found> {
  const run = (command: string[]) => runIpmitool(task.ctx, task.connection, command, task.policy, task.tally);
  const command = actionCommand(args);
  task.say(command.join(' '));
  const stdout = await run(command);
  switch (args.action) {
    case 'power-status':
      return { power: parsePowerStatus(stdout) };
    case 'boot-device-status':
      return parseBootParam(stdout);
    case 'mc-info':
      return { mc: parseMcInfo(stdout) };
    case 'boot-device': {
      task.say('reading the boot device back');
      const found = parseBootParam(await run(['chassis', 'bootparam', 'get', '5']));
      if (found.boot_device !== (args.device as BootDevice))
        throw new IpmiFailure(
          'bmc-error',
          `the BMC reports boot device ${found.boot_device} after setting ${args.device}`,
        );
      // Simple BMCs keep the device but not the flags: report what was asked for.
      return { boot_device: found.boot_device, persistent: args.persistent, efiboot: args.efiboot };
    }
    default: {
      const target = POWER_TARGET[args.action]!;
      if (!args.wait) return {};
      return { power: await waitForPower(task, target, task.policy.waitTimeoutMs) };
    }
  }
}
