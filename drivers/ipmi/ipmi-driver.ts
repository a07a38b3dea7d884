import { rm } from 'node:fs/promises';
import { IPMI_DEFAULTS } from '../../server/runbook/datacentre-schema.ts';
import { StackbookError } from '../../server/stackbook-error.ts';
import { fanOut } from '../fan-out.ts';
import { findProgram } from '../find-program.ts';
import { resolveTargets, targetNames } from '../machine-targets.ts';
import type { Driver, DriverContext, MachineProgress, PlannedAction } from '../types.ts';
import { actionCommand, confirmingRead, performAction, POWER_STATUS, powerTarget } from './ipmi-actions.ts';
import {
  ipmiArgsSchema,
  ipmiResultSchema,
  type IpmiArgs,
  type IpmiResult,
  type MachineOutcome,
} from './ipmi-args.ts';
import { parseConnection, type IpmiConnection, type IpmiPolicy } from './ipmi-connection.ts';
import { IpmiFailure } from './ipmi-failure.ts';
import { batchFile, describeBatch, writeBatchFile } from './ipmitool-batch.ts';
import { describeCommand, IPMITOOL, ipmitoolArgs } from './ipmitool.ts';

/** The datacentre's `ipmi` section with the cell's own settings over it. */
function policyOf(args: IpmiArgs, ctx: DriverContext): IpmiPolicy {
  const settings = { ...IPMI_DEFAULTS, ...ctx.datacentre.ipmi };
  return {
    ...settings,
    concurrency: args.concurrency ?? settings.concurrency,
    min_interval: args.min_interval ?? settings.min_interval,
    attempts: args.attempts ?? settings.attempts,
    cipher_suite: args.cipher_suite ?? settings.cipher_suite,
    waitTimeoutMs: args.wait_timeout ?? (args.action === 'power-soft' ? 300_000 : 60_000),
  };
}

/** Every target's connection; the problems of all machines at once, each naming the machine and field. */
function connectionsOf(args: IpmiArgs, ctx: DriverContext, policy: IpmiPolicy): IpmiConnection[] {
  const targets = resolveTargets(args.machines, args.labels, ctx.datacentre);
  const parsed = targets.map((machine) => parseConnection(machine, policy, args.cipher_suite));
  const problems = parsed.flatMap((entry) => (Array.isArray(entry) ? entry : []));
  if (problems.length)
    throw new StackbookError(
      'BAD_ARGUMENT',
      problems.map((p) => `machine ${p.machine}: ${p.field} ${p.message}`).join('; '),
      { details: { field: 'machines', problems } },
    );
  return parsed as IpmiConnection[];
}

/** What a step may do after its first ipmitool call, as plain words for the plan. */
function followUps(args: IpmiArgs, policy: IpmiPolicy): string[] {
  const read = confirmingRead(args);
  if (!read) return [];
  const action = actionCommand(args).join(' ');
  const notes = [
    `each machine's ${action} and ${read.join(' ')} go in one ipmitool process and session (exec of the cell's command file, removed when the cell ends); a read that fails there is done again on its own, and a BMC that answers the batch busy or late gets ${action} alone on its later tries`,
  ];
  const target = powerTarget(args.action);
  if (target)
    notes.push(
      `while the power is not ${target} yet: ${POWER_STATUS.join(' ')} again, one ipmitool call each time, for at most ${Math.round(policy.waitTimeoutMs / 1000)} s`,
    );
  return notes;
}

/**
 * `ipmi` cells: power and boot device of many machines through their BMCs, with the real ipmitool (as
 * Ironic's ipmitool driver does). Machines are driven a bounded number at a time; each gets its own outcome,
 * and the cell fails only after all are done, naming those that failed.
 */
export const ipmiDriver: Driver<IpmiArgs, IpmiResult> = {
  name: 'ipmi',
  summary: 'Power and boot device of machines through their BMCs (ipmitool), many at once',
  body: 'yaml',
  args: ipmiArgsSchema,
  result: ipmiResultSchema,
  leases: (args) => targetNames(args.machines, args.labels).map((name) => `machine:${name}`),

  async validate(args, ctx) {
    const connections = connectionsOf(args, ctx, policyOf(args, ctx));
    for (const connection of connections) ctx.secret(connection.passwordSecret);
    if (!(await findProgram(IPMITOOL)))
      throw new StackbookError(
        'DRIVER_ERROR',
        'ipmitool is not installed (Debian: apt-get install ipmitool)',
      );
  },

  plan(args, ctx) {
    const policy = policyOf(args, ctx);
    const command = actionCommand(args);
    const read = confirmingRead(args);
    const file = batchFile(ctx.workdir, ctx.cellName);
    const actions: PlannedAction[] = connectionsOf(args, ctx, policy).map((connection) =>
      read
        ? {
            kind: 'exec',
            summary: `${connection.machine}: ${describeBatch(connection, file, [command, read], policy)}`,
            command: [IPMITOOL, ...ipmitoolArgs(connection, ['exec', file], policy)],
          }
        : {
            kind: 'exec',
            summary: `${connection.machine}: ${describeCommand(connection, command, policy)}`,
            command: [IPMITOOL, ...ipmitoolArgs(connection, command, policy)],
          },
    );
    const notes = [
      ...followUps(args, policy),
      `${policy.concurrency} BMCs at a time, ipmitool sessions with one BMC ${policy.min_interval} ms apart, up to ${policy.attempts} tries`,
    ];
    return [...actions, ...notes.map((summary) => ({ kind: 'note' as const, summary }))];
  },

  async run(args, ctx) {
    const policy = policyOf(args, ctx);
    const connections = connectionsOf(args, ctx, policy);
    const total = connections.length;
    let done = 0;
    const report = (machines: Record<string, MachineProgress>) =>
      ctx.progress({ done, total, unit: 'machines', label: args.action, machines });
    report(Object.fromEntries(connections.map((c) => [c.machine, { state: 'queued' }])));
    const read = confirmingRead(args);
    const batch = read && (await writeBatchFile(ctx.workdir, ctx.cellName, [actionCommand(args), read]));
    let outcomes: MachineOutcome[];
    try {
      outcomes = await fanOut(
        connections,
        policy.concurrency,
        async (connection): Promise<MachineOutcome> => {
          const name = connection.machine;
          const started = Date.now();
          const tally = { commands: 0 };
          const say = (message: string) => report({ [name]: { state: 'running', message } });
          try {
            const found = await performAction({ ctx, connection, policy, tally, say, batch }, args);
            done++;
            const outcome = {
              name,
              ok: true,
              ...found,
              commands: tally.commands,
              duration_ms: Date.now() - started,
            };
            report({ [name]: { state: 'succeeded', message: summarise(outcome) } });
            await ctx.log('stdout', `${name}: ok ${summarise(outcome)}\n`);
            return outcome;
          } catch (error) {
            if (ctx.signal.aborted) throw ctx.signal.reason;
            const failure =
              error instanceof IpmiFailure ? error : new IpmiFailure('bmc-error', (error as Error).message);
            done++;
            report({ [name]: { state: 'failed', error: `${failure.kind}: ${failure.message}` } });
            await ctx.log('stderr', `${name}: FAILED ${failure.kind}: ${failure.message}\n`);
            return {
              name,
              ok: false,
              error: { kind: failure.kind, message: failure.message },
              commands: tally.commands,
              duration_ms: Date.now() - started,
            };
          }
        },
        ctx.signal,
      );
    } finally {
      if (batch) await rm(batch.file, { force: true });
    }
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const failed = outcomes.filter((outcome) => !outcome.ok);
    const result: IpmiResult = {
      action: args.action,
      machines: outcomes,
      succeeded: total - failed.length,
      failed: failed.length,
    };
    if (failed.length) {
      const names = failed.map((outcome) => `${outcome.name} (${outcome.error!.kind})`).join(', ');
      throw new StackbookError('MACHINES_FAILED', `${failed.length} of ${total} machines failed: ${names}`, {
        result,
        details: { failed: failed.map((outcome) => ({ machine: outcome.name, ...outcome.error })) },
      });
    }
    return result;
  },
};

/** What a machine ended up as, in a few words. */
function summarise(outcome: MachineOutcome): string {
  const parts = [
    outcome.power && `power ${outcome.power}`,
    outcome.boot_device && `boot ${outcome.boot_device}${outcome.persistent ? ' (persistent)' : ''}`,
    outcome.mc && `${outcome.mc.manufacturer_name ?? 'BMC'} firmware ${outcome.mc.firmware_revision ?? '?'}`,
  ].filter(Boolean);
  return parts.join(', ');
}
