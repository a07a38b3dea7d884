import path from 'node:path';
import { parseArgs } from 'node:util';
import { BmcFleet } from '../../../lab/bmc/bmc-fleet.ts';
import { StackbookError } from '../../stackbook-error.ts';
import { COMMON_OPTIONS, commonOptions, type CommonOptions } from '../cli-context.ts';
import { table } from './runs-command.ts';

export const LAB_USAGE =
  'stackbook lab up [--machines N] [--dc lab] | lab down [--dc lab] | lab status [--dc lab] [--json]';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Where a lab datacentre's simulated BMCs keep their state. */
function fleetDir(options: CommonOptions, dc: string): string {
  return path.join(options.data, 'lab', dc, 'bmcs');
}

/**
 * `stackbook lab`: the simulated datacentre on this machine. `up` starts one ipmi_sim BMC per machine on
 * loopback and writes `datacentres/<dc>/` (profile and secrets) to match; `down` stops them by pid;
 * `status` shows each BMC and its machine's power and boot device.
 */
export async function labCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, dc: { type: 'string' }, machines: { type: 'string' } },
  });
  if (values.help) return (console.log(LAB_USAGE), 0);
  const [action] = positionals;
  const dc = values.dc ?? 'lab';
  if (positionals.length !== 1 || !['up', 'down', 'status'].includes(action!) || !NAME.test(dc))
    throw new StackbookError('BAD_ARGUMENT', `usage: ${LAB_USAGE}`);
  const options = commonOptions(values);
  const dir = fleetDir(options, dc);
  const running = await BmcFleet.load(dir);

  if (action === 'up') {
    const count = Number(values.machines ?? running?.bmcs.length ?? 4);
    if (!Number.isInteger(count) || count < 1 || count > 256)
      throw new StackbookError('BAD_ARGUMENT', '--machines must be a whole number from 1 to 256');
    const alive = running && Object.values(running.alive());
    if (running && running.bmcs.length === count && alive!.every(Boolean)) {
      process.stdout.write(`lab ${dc}: ${count} simulated BMCs already up\n`);
      return 0;
    }
    await running?.stop();
    const machines = Array.from({ length: count }, (_, i) => ({
      name: `${dc}-node-${i}`,
      labels: [i === 0 ? 'control' : 'compute'],
    }));
    const fleet = await BmcFleet.start({ dir, machines });
    const dcDir = path.join(options.datacentres, dc);
    await fleet.writeDatacentre(dcDir, dc);
    process.stdout.write(
      `lab ${dc}: ${count} simulated BMCs up on 127.0.0.1 (ports ${fleet.bmcs.map((bmc) => bmc.port).join(', ')})\n` +
        `${path.join(dcDir, 'datacentre.yaml')} and secrets.env written\n`,
    );
    return 0;
  }
  if (action === 'down') {
    if (!running) {
      process.stdout.write(`lab ${dc}: not up\n`);
      return 0;
    }
    await running.stop();
    process.stdout.write(`lab ${dc}: ${running.bmcs.length} simulated BMCs stopped\n`);
    return 0;
  }
  const rows = await Promise.all(
    (running?.bmcs ?? []).map(async (bmc) => {
      const alive = running!.alive()[bmc.name]!;
      const state = await running!.state(bmc.name);
      return {
        name: bmc.name,
        port: bmc.port,
        pid: bmc.pid,
        bmc: alive ? 'up' : 'down',
        power: state.power,
        boot: state.boot,
      };
    }),
  );
  if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (!rows.length) process.stdout.write(`lab ${dc}: not up (stackbook lab up)\n`);
  else
    process.stdout.write(
      table([
        ['MACHINE', 'BMC', 'PORT', 'PID', 'POWER', 'BOOT'],
        ...rows.map((row) => [row.name, row.bmc, String(row.port), String(row.pid), row.power, row.boot]),
      ]),
    );
  return rows.length && rows.every((row) => row.bmc === 'up') ? 0 : 1;
}
