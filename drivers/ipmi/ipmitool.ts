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

/** When each BMC may next be sent a session: shared by every cell of this process. */
const nextSessionAt = new Map<string, number>();

/**
 * Waits until `minIntervalMs` has passed since the last ipmitool session with this BMC began, and claims
 * the slot. The interval spaces sessions (ipmitool processes), as Ironic's `min_command_interval` spaces
 * its ipmitool calls; the requests inside one session follow one another as the BMC answers.
 */
async function throttle(
  connection: IpmiConnection,
  minIntervalMs: number,
  signal: AbortSignal,
): Promise<void> {
  const key = `${connection.address}:${connection.port}`;
  const now = Date.now();
  const at = Math.max(now, nextSessionAt.get(key) ?? 0);
  nextSessionAt.set(key, at + minIntervalMs);
  if (at > now) await sleep(at - now, undefined, { signal });
}

/** One BMC and how to talk to it: what every ipmitool call of a machine needs. */
export interface IpmitoolTarget {
  ctx: DriverContext;
  connection: IpmiConnection;
  policy: IpmiPolicy;
  /** Counts every ipmitool invocation, retries and polls included. */
  tally: { commands: number };
}

/** One ipmitool process: its output, and its failure classified (never retried here). */
export async function invoke(
  target: IpmitoolTarget,
  command: readonly string[],
  options: {
    commands: number;
    fullRegistry: boolean;
    /** Lines of standard output that are not ipmitool's (a batch's marks), left out of a failure's message. */
    notMessage?: RegExp;
  },
): Promise<{ stdout: string; failure?: IpmiFailure }> {
  const { ctx, connection, policy } = target;
  const password = ctx.secret(connection.passwordSecret);
  const home: Record<string, string> = options.fullRegistry ? {} : { HOME: await ipmitoolHome(ctx.workdir) };
  // Each command of a batch may use up ipmitool's own timeouts.
  const hardLimit =
    policy.timeout * (policy.retransmits + 1) * 1000 * 2 * options.commands + HARD_LIMIT_MARGIN_MS;
  await throttle(connection, policy.min_interval, ctx.signal);
  target.tally.commands++;
  const outcome = await ctx.exec(IPMITOOL, ipmitoolArgs(connection, command, policy), {
    env: { IPMI_PASSWORD: password, ...home },
    signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(hardLimit)]),
    // ipmitool's output is read here, not streamed to the step: each machine gets its own line instead.
    onOutput: undefined,
    capture: 64 * 1024,
  });
  if (ctx.signal.aborted) throw ctx.signal.reason;
  if (outcome.exitCode === 0 && !outcome.aborted) return { stdout: outcome.stdout };
  const failure = outcome.aborted
    ? new IpmiFailure('timeout', `ipmitool did not finish within ${Math.round(hardLimit / 1000)} s`, true)
    : classifyIpmitool(
        outcome.stderr,
        options.notMessage ? outcome.stdout.replace(options.notMessage, '') : outcome.stdout,
      );
  return { stdout: outcome.stdout, failure };
}

/**
 * Runs `attempt` until it succeeds or fails for good: an IpmiFailure that is retryable (a busy BMC, a late
 * answer) is tried again after a backoff, up to `attempts` tries in all.
 */
export async function retrying<T>(
  target: IpmitoolTarget,
  attempt: (tries: number) => Promise<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt(tries);
    } catch (error) {
      if (!(error instanceof IpmiFailure) || !error.retryable) throw error;
      if (tries >= target.policy.attempts)
        throw new IpmiFailure(error.kind, `${error.message} (${tries} tries)`, true);
      const pause = BACKOFF_MS[Math.min(tries - 1, BACKOFF_MS.length - 1)]!;
      await sleep(pause, undefined, { signal: target.ctx.signal });
    }
  }
}

/** One command in one ipmitool process; its output, or its failure thrown. */
export async function once(target: IpmitoolTarget, command: readonly string[]): Promise<string> {
  // `mc info` names the vendor from the full registry; everything else starts faster without it.
  const fullRegistry = command[0] === 'mc';
  const { stdout, failure } = await invoke(target, command, { commands: 1, fullRegistry });
  if (failure) throw failure;
  return stdout;
}

/**
 * Runs one ipmitool command against one BMC (Ironic's `_exec_ipmitool`): sessions with one BMC spaced by at
 * least a minimum interval, retries with backoff for busy or late answers up to `attempts`, a failure
 * classified from ipmitool's own message.
 */
export function runIpmitool(target: IpmitoolTarget, command: readonly string[]): Promise<string> {
  return retrying(target, () => once(target, command));
}
