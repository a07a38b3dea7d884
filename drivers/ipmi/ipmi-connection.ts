import { isIP } from 'node:net';
import type { Datacentre, IpmiSettings } from '../../server/runbook/datacentre-schema.ts';
import { StackbookError } from '../../server/stackbook-error.ts';
import type { IpmiArgs, MachineRecord } from './ipmi-args.ts';

/** Everything needed to reach one BMC, parsed once (Ironic's `_parse_driver_info`). */
export interface IpmiConnection {
  machine: string;
  address: string;
  port: number;
  user: string;
  /** The name of the secret that holds the password; its value is read only when a command runs. */
  passwordSecret: string;
  cipherSuite: number;
}

/** What a cell's arguments and the datacentre's `ipmi` section settle to. */
export interface IpmiPolicy extends IpmiSettings {
  waitTimeoutMs: number;
}

const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** One problem with one machine's connection details. */
export interface ConnectionProblem {
  machine: string;
  field: string;
  message: string;
}

/** A machine's connection, or the problems that stop it being one. Never contacts the BMC. */
export function parseConnection(
  machine: MachineRecord,
  settings: Pick<IpmiSettings, 'cipher_suite'>,
  override?: number,
): IpmiConnection | ConnectionProblem[] {
  const problems: ConnectionProblem[] = [];
  const problem = (field: string, message: string) =>
    problems.push({ machine: machine.name, field, message });
  if (machine.pm_type !== undefined && !/ipmi/i.test(machine.pm_type))
    problem('pm_type', `is ${machine.pm_type}; the ipmi driver drives machines whose pm_type is ipmi`);
  const address = machine.pm_addr ?? '';
  if (!address) problem('pm_addr', 'is missing: the BMC address is needed');
  else if (isIP(address) === 0 && !HOST.test(address))
    problem('pm_addr', `${address} is not an address or host name`);
  const port = machine.pm_port ?? 623;
  if (port < 1 || port > 65535) problem('pm_port', `${port} is not a UDP port`);
  if (machine.pm_user === undefined) problem('pm_user', 'is missing');
  if (!machine.pm_password) problem('pm_password', 'is missing: write { secret: NAME }');
  if (problems.length) return problems;
  return {
    machine: machine.name,
    address,
    port,
    user: machine.pm_user!,
    passwordSecret: machine.pm_password!.secret,
    cipherSuite: machine.ipmi_cipher_suite ?? override ?? settings.cipher_suite,
  };
}

/**
 * The machines a cell targets: records as given, names looked up in the datacentre, then narrowed to those
 * carrying every label asked for. An unknown name is an error naming it.
 */
export function resolveTargets(
  args: Pick<IpmiArgs, 'machines' | 'labels'>,
  datacentre: Datacentre,
): MachineRecord[] {
  const known = new Map(datacentre.machines.map((machine) => [machine.name, machine as MachineRecord]));
  const unknown: string[] = [];
  const records = args.machines.flatMap((entry) => {
    if (typeof entry !== 'string') return [entry];
    const found = known.get(entry);
    if (!found) unknown.push(entry);
    return found ? [found] : [];
  });
  if (unknown.length)
    throw new StackbookError(
      'BAD_ARGUMENT',
      `no machine named ${unknown.join(', ')} in datacentre ${datacentre.name ?? ''}`.trimEnd(),
      { details: { field: 'machines', unknown } },
    );
  const labels = args.labels ?? [];
  const selected = records.filter((machine) => labels.every((label) => machine.labels?.includes(label)));
  const seen = new Set<string>();
  for (const machine of selected) {
    if (seen.has(machine.name))
      throw new StackbookError('BAD_ARGUMENT', `machine ${machine.name} is named twice`, {
        details: { field: 'machines' },
      });
    seen.add(machine.name);
  }
  return selected;
}

/** The names a cell's arguments can be seen to target without the datacentre: for leases. */
export function targetNames(args: Pick<IpmiArgs, 'machines' | 'labels'>): string[] {
  const labels = args.labels ?? [];
  return args.machines.flatMap((entry) => {
    if (typeof entry === 'string') return [entry];
    return labels.every((label) => entry.labels?.includes(label)) ? [entry.name] : [];
  });
}
