import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { BmcFleet, type SimulatedMachine } from '../../lab/bmc/bmc-fleet.ts';
import type { DatacentreInput } from '../../server/runbook/datacentre-schema.ts';
import { engineFixture } from './engine-fixture.ts';

export const FLEET_SECRET = 'LAB_IPMI_PASSWORD';

/**
 * A datacentre whose machines sit behind real simulated BMCs (ipmi_sim) on loopback, and an engine with a
 * real SQLite store over it. `extra` adds machines by hand (a wrong password, a port nobody answers on), with
 * their own secrets.
 */
export async function ipmiSite(
  machines: SimulatedMachine[],
  options: {
    extra?: NonNullable<DatacentreInput['machines']>;
    secrets?: Record<string, string>;
    /** Machines of the fleet whose datacentre entry names another secret (a wrong password). */
    secretOf?: Record<string, string>;
    ipmi?: DatacentreInput['ipmi'];
  } = {},
) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-ipmi-'));
  const fleet = await BmcFleet.start({ dir: path.join(dir, 'bmcs'), machines });
  try {
    const profile: DatacentreInput = {
      name: 'testdc',
      machines: [
        ...fleet.machines(FLEET_SECRET).map((machine) => {
          const secret = options.secretOf?.[machine.name];
          return secret ? { ...machine, pm_password: { secret } } : machine;
        }),
        ...(options.extra ?? []),
      ],
      ...(options.ipmi ? { ipmi: options.ipmi } : {}),
    };
    const password = fleet.bmcs[0]!.password;
    const fx = await engineFixture(
      {},
      { yaml: stringify(profile), secrets: { [FLEET_SECRET]: password, ...options.secrets } },
    );
    return {
      fleet,
      fx,
      password,
      async close() {
        await fleet.stop();
        await fx.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await fleet.stop();
    throw error;
  }
}

/** Simulated machines `prefix-0`… with a process standing for each while it is powered on. */
export function simulated(
  count: number,
  prefix = 'node',
  withProcess = false,
  labels: string[] = [],
): SimulatedMachine[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${i}`,
    labels,
    ...(withProcess ? { command: ['sleep', '3600'] } : {}),
  }));
}
