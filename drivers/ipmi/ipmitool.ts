import { setTimeout as sleep } from 'node:timers/promises';
import { MASK } from '../scrubber.ts';
import type { DriverContext } from '../types.ts';
import type { IpmiConnection, IpmiPolicy } from './ipmi-connection.ts';
import { classifyIpmitool, IpmiFailure } from './ipmi-failure.ts';
import { ipmitoolHome } from './ipmitool-home.ts';

export const IPMITOOL = 'ipmitool';
/** ipmitool is killed if one call takes longer than its own timeouts allow, plus this margin. */
const HARD_LIMIT_MARGIN_MS = 5000;
const BACKOFF_MS = [500, 1000, 2000, 4000];

/**
 * ipmitool's arguments for one command. The password is never among them: `-E` reads it from the
 * IPMI_PASSWORD environment variable, so `ps` never shows it. `-v` makes failures say why (a wrong password
 * from an unreachable BMC); its chatter is dropped when the message is read.
 */
export function ipmitoolArgs(
  connection: IpmiConnection,
  command: readonly string[],
  policy: Pick<IpmiPolicy, 'timeout' | 'retransmits'>,
): string[] {
  return [
    '-I',
    'lanplus',
    '-H',
    connection.address,
    '-p',
    String(connection.port),
    '-U',
    connection.user,
    '-E',
    '-C',
    String(connection.cipherSuite),
    '-N',
    String(policy.timeout),
    '-R',
    String(policy.retransmits),
    '-v',
    ...command,
  ];
}

/** The command as a reader would type it, the password shown masked. */
export function describeCommand(
  connection: IpmiConnection,
  command: readonly string[],
  policy: Pick<IpmiPolicy, 'timeout' | 'retransmits'>,
): string {
  return `IPMI_PASSWORD=${MASK} ${[IPMITOOL, ...ipmitoolArgs(connection, command, policy)].join(' ')}`;
}

/** When each BMC may next be sent a command: shared by every cell of this process. */
const nextCommandAt = new Map<string, number>();

/** Waits until `minIntervalMs` has passed since the last command to this BMC, and claims the slot. */
async function throttle(
  connection: IpmiConnection,
  minIntervalMs: number,
  signal: AbortSignal,
): Promise<void> {
  const key = `${connection.address}:${connection.port}`;
  const now = Date.now();
  const at = Math.max(now, nextCommandAt.get(key) ?? 0);
  nextCommandAt.set(key, at + minIntervalMs);
  if (at > now) await sleep(at - now, undefined, { signal });
}

/**
 * Runs one ipmitool command against one BMC (Ironic's `_exec_ipmitool`): commands to one BMC spaced by
 * at least a minimum interval, retries with backoff for busy or late answers up to `attempts`, a failure
 * classified from ipmitool's own message.
 */
export async function runIpmitool(
  ctx: DriverContext,
  connection: IpmiConnection,
  command: readonly string[],
  policy: IpmiPolicy,
  /** Counts every ipmitool invocation, retries included. */
  tally: { commands: number },
): Promise<string> {
  const password = ctx.secret(connection.passwordSecret);
  // `mc info` names the vendor from the full registry; everything else starts faster without it.
  const home: Record<string, string> = command[0] === 'mc' ? {} : { HOME: await ipmitoolHome(ctx.workdir) };
  const hardLimit = policy.timeout * (policy.retransmits + 1) * 1000 * 2 + HARD_LIMIT_MARGIN_MS;
  for (let attempt = 1; ; attempt++) {
    await throttle(connection, policy.min_interval, ctx.signal);
    tally.commands++;
    const limit = AbortSignal.any([ctx.signal, AbortSignal.timeout(hardLimit)]);
    const outcome = await ctx.exec(IPMITOOL, ipmitoolArgs(connection, command, policy), {
      env: { IPMI_PASSWORD: password, ...home },
      signal: limit,
      onOutput: undefined,
      capture: 64 * 1024,
    });
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (outcome.exitCode === 0 && !outcome.aborted) return outcome.stdout;
    const failure = outcome.aborted
      ? new IpmiFailure('timeout', `ipmitool did not finish within ${Math.round(hardLimit / 1000)} s`, true)
      : classifyIpmitool(outcome.stderr, outcome.stdout);
    if (!failure.retryable) throw failure;
    if (attempt >= policy.attempts)
      throw new IpmiFailure(failure.kind, `${failure.message} (${attempt} tries)`, true);
    await sleep(BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)]!, undefined, { signal: ctx.signal });
  }
}
