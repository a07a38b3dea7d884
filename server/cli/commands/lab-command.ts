import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BmcFleet, macOf, type SimulatedMachine } from '../../../lab/bmc/bmc-fleet.ts';
import { LabNetwork, namespaceNames } from '../../../lab/net/lab-network.ts';
import { prepareVmFolder, vmCommand } from '../../../lab/net/qemu-vm.ts';
import { StackbookError } from '../../stackbook-error.ts';
import { COMMON_OPTIONS, commonOptions, type CommonOptions } from '../cli-context.ts';
import { table } from './runs-command.ts';

export const LAB_USAGE =
  'stackbook lab up [--machines N] [--vms] [--dc lab] | lab down [--dc lab] | lab status [--dc lab] [--json]';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Where a lab datacentre's simulated BMCs keep their state. */
function fleetDir(options: CommonOptions, dc: string): string {
  return path.join(options.data, 'lab', dc, 'bmcs');
}

/** What `lab up --vms` made besides the BMCs: the provisioning network the VMs are plugged into. */
interface LabWire {
  namespace: string;
  subnet: string;
}

function wireFile(options: CommonOptions, dc: string): string {
  return path.join(options.data, 'lab', dc, 'network.json');
}

async function loadWire(options: CommonOptions, dc: string): Promise<LabWire | undefined> {
  const text = await readFile(wireFile(options, dc), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as LabWire);
}

/**
 * Deletes the lab's network namespace (stopping what still runs in it, the PXE service among them); answers
 * what it deleted.
 */
async function removeWire(options: CommonOptions, dc: string): Promise<LabWire | undefined> {
  const wire = await loadWire(options, dc);
  if (!wire) return undefined;
  if ((await namespaceNames()).includes(wire.namespace))
    await LabNetwork.attach(wire.namespace, wire.subnet).delete();
  await rm(wireFile(options, dc), { force: true });
  return wire;
}

/**
 * Machines that are qemu VMs: a network namespace with a bridge (the provisioning network, no route out),
 * one tap per machine, and each machine's BMC starts its VM (NIC first in the boot order, iPXE ROM) when it
 * powers on. The boot files are stand-ins until an image build makes a deploy ramdisk: what the lab proves is
 * the netboot itself (DHCP, the machine's boot configuration, kernel and initrd over stackbook's TFTP).
 */
async function prepareVms(options: CommonOptions, dc: string, machines: SimulatedMachine[]) {
  if (process.getuid?.() !== 0)
    throw new StackbookError('BAD_ARGUMENT', 'lab up --vms makes a network namespace: run it as root');
  const labDir = path.join(options.data, 'lab', dc);
  const network = await LabNetwork.create({ namespace: `sb-lab-${dc}`.slice(0, 32) });
  const wire: LabWire = { namespace: network.namespace, subnet: network.subnet };
  await mkdir(labDir, { recursive: true });
  await writeFile(wireFile(options, dc), JSON.stringify(wire));
  for (const [index, machine] of machines.entries()) {
    const tap = await network.addTap(`tap${index}`);
    const dir = await prepareVmFolder(path.join(labDir, 'vms', machine.name));
    const mac = macOf(index, '52:54:00:5c');
    const [file, args] = vmCommand({ dir, tap, namespace: network.namespace, mac });
    Object.assign(machine, { mac: [mac], command: [file, ...args] });
  }
  const images = path.join(labDir, 'images');
  await mkdir(images, { recursive: true });
  const kernel = path.join(images, 'lab.kernel');
  const initrd = path.join(images, 'lab.initramfs');
  await writeFile(kernel, randomBytes(256 * 1024));
  await writeFile(initrd, randomBytes(64 * 1024));
  return {
    network,
    profile: {
      network: {
        namespace: network.namespace,
        bridge: network.bridge,
        cidr: `${network.network}/${network.prefixLength}`,
        gateway: network.address,
        dhcp_range: [network.host(100), network.host(199)] as [string, string],
      },
    },
    /** `datacentres/<dc>/runbooks/pxe-netboot.md`: the lab's boot files, and no 13 s IPv6 wait in iPXE. */
    overlay: [
      '---',
      'id: pxe-netboot',
      '# Written by stackbook lab up --vms: stand-in boot files (the lab proves the netboot, not the kernel).',
      'params:',
      `  kernel: ${JSON.stringify(kernel)}`,
      `  initrd: ${JSON.stringify(initrd)}`,
      '  router_advertisements: true',
      '---',
      '',
    ].join('\n'),
  };
}

/**
 * `stackbook lab`: the simulated datacentre on this machine. `up` starts one ipmi_sim BMC per machine on
 * loopback and writes `datacentres/<dc>/` (profile and secrets) to match; with `--vms` each machine is a
 * qemu VM on a provisioning network of its own that the `pxe-netboot` runbook can netboot. `down` stops
 * them by pid (and deletes that network); `status` shows each BMC and its machine's power and boot device.
 */
export async function labCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      dc: { type: 'string' },
      machines: { type: 'string' },
      vms: { type: 'boolean' },
    },
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
    const vms = values.vms === true;
    const wire = await loadWire(options, dc);
    const wireUp = wire !== undefined && (await namespaceNames()).includes(wire.namespace);
    const alive = running && Object.values(running.alive());
    if (running && running.bmcs.length === count && alive!.every(Boolean) && vms === wireUp) {
      process.stdout.write(`lab ${dc}: ${count} simulated BMCs${vms ? ' and VMs' : ''} already up\n`);
      return 0;
    }
    await running?.stop();
    await removeWire(options, dc);
    const machines: SimulatedMachine[] = Array.from({ length: count }, (_, i) => ({
      name: `${dc}-node-${i}`,
      labels: [i === 0 ? 'control' : 'compute'],
    }));
    const dcDir = path.join(options.datacentres, dc);
    const overlayFile = path.join(dcDir, 'runbooks', 'pxe-netboot.md');
    try {
      const withVms = vms ? await prepareVms(options, dc, machines) : undefined;
      const fleet = await BmcFleet.start({ dir, machines });
      await fleet.writeDatacentre(dcDir, dc, withVms?.profile ?? {});
      if (withVms) {
        await mkdir(path.dirname(overlayFile), { recursive: true });
        await writeFile(overlayFile, withVms.overlay);
      } else if ((await readFile(overlayFile, 'utf8').catch(() => '')).includes('stackbook lab up --vms')) {
        await rm(overlayFile);
      }
      process.stdout.write(
        `lab ${dc}: ${count} simulated BMCs up on 127.0.0.1 (ports ${fleet.bmcs.map((bmc) => bmc.port).join(', ')})\n` +
          (withVms
            ? `each machine a qemu VM on ${withVms.network.bridge} (${withVms.network.network}/24) in network namespace ${withVms.network.namespace}, started by its BMC at power on\n`
            : '') +
          `${path.join(dcDir, 'datacentre.yaml')} and secrets.env written\n`,
      );
    } catch (error) {
      await removeWire(options, dc);
      throw error;
    }
    return 0;
  }
  if (action === 'down') {
    if (!running) {
      await removeWire(options, dc);
      process.stdout.write(`lab ${dc}: not up\n`);
      return 0;
    }
    await running.stop();
    const wire = await removeWire(options, dc);
    process.stdout.write(
      `lab ${dc}: ${running.bmcs.length} simulated BMCs stopped${wire ? `, network namespace ${wire.namespace} deleted` : ''}\n`,
    );
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
