import { isIP } from 'node:net';
import type { IpmiSettings } from '../../server/runbook/datacentre-schema.ts';
import type { MachineRecord } from './ipmi-args.ts';

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
