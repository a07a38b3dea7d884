import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { processAlive } from '../../../drivers/process-alive.ts';
import { PxeService } from '../../../drivers/pxe/pxe-service.ts';
import { LabNetwork } from '../../../lab/net/lab-network.ts';
import { QemuVm } from '../../../lab/net/qemu-vm.ts';
import { engineFixture, markdown } from '../../helpers/engine-fixture.ts';

const KNOWN = '52:54:00:5b:10:01';
const UNKNOWN = '52:54:00:5b:10:99';

// The pxe driver end to end: a runbook brings up stackbook's TFTP server and dnsmasq in a network namespace
// made here, configures one machine, and a qemu VM with that machine's MAC netboots from it while another
// VM, unknown, gets nothing; the DHCP and TFTP events land on the run, per machine.
describe('pxe driver: a qemu VM netboots from a runbook', () => {
  let network: LabNetwork;
  let fx: Awaited<ReturnType<typeof engineFixture>>;
  let files: string;
  const vms: QemuVm[] = [];

  before(async () => {
    network = await LabNetwork.create();
    files = await mkdtemp(path.join(os.tmpdir(), 'sb-pxe-files-'));
    // Not a Linux kernel: what is proven is that the machine fetches it.
    await writeFile(path.join(files, 'vmlinuz'), randomBytes(512 * 1024));
    await writeFile(path.join(files, 'initrd.img'), randomBytes(128 * 1024));
    const profile = {
      name: 'pxedc',
      machines: [
        {
          name: 'node-1',
          mac: [KNOWN],
          pm_type: 'ipmi',
          pm_addr: '127.0.0.1',
          pm_port: 6230,
          pm_user: 'admin',
          pm_password: { secret: 'PXE_IPMI_PASSWORD' },
        },
      ],
      network: {
        namespace: network.namespace,
        bridge: network.bridge,
        cidr: `${network.network}/24`,
        dhcp_range: [network.host(100), network.host(150)],
      },
    };
    fx = await engineFixture({}, { yaml: stringify(profile), secrets: { PXE_IPMI_PASSWORD: 'unused-here' } });
  });

  after(async () => {
    for (const vm of vms) await vm.stop();
    const service = fx && (await PxeService.load(path.join(fx.dir, 'data', 'sites', 'pxedc')));
    await service?.stop();
    await network?.delete();
    await fx?.close();
    await rm(files, { recursive: true, force: true });
  });

  const RUNBOOK = () =>
    markdown(
      ['pxe {name=serve}', 'action: serve\nrouter_advertisements: true'],
      [
        'pxe {name=configure needs=[serve]}',
        `action: configure-machines\nmachines: [node-1]\nkernel: ${files}/vmlinuz\ninitrd: ${files}/initrd.img\ncommand_line: console=ttyS0`,
      ],
      ['pxe {name=watch needs=[configure]}', 'action: wait-boot\nmachines: [node-1]\ntimeout: 2m'],
      ['pxe {name=probe needs=[serve]}', 'action: probe-dhcp'],
      ['pxe {name=status}', 'action: status'],
      ['pxe {name=release}', 'action: release-machines\nmachines: [node-1]'],
      ['pxe {name=stop}', 'action: stop'],
    );

  it('serves, configures, watches the netboot, probes, releases and stops', async () => {
    const run = await fx.create(RUNBOOK());
    const exec = async (cell: string) => {
      await fx.engine.execute(run.id, { cells: [cell] }, 'tester');
      const step = (await fx.store.listSteps(run.id)).filter((s) => s.cell === cell).at(-1)!;
      assert.equal(step.status, 'succeeded', `${cell}: ${JSON.stringify(step.error)}`);
      return step.result as Record<string, unknown>;
    };
    const served = await exec('serve');
    assert.equal(served.address, network.address);
    assert.equal(served.interface, 'br0');
    const tftpPid = (served.tftp as { pid: number }).pid;
    assert.ok(processAlive(tftpPid));

    const configured = await exec('configure');
    const [machine] = configured.machines as { name: string; files: string[] }[];
    assert.deepEqual(machine!.files, ['pxelinux.cfg/01-52-54-00-5b-10-01', 'ipxe/52-54-00-5b-10-01.ipxe']);

    // Power on two machines: the configured one and a stranger.
    const vmDir = path.join(files, 'vms');
    for (const [mac, tap] of [
      [KNOWN, await network.addTap('tap0')],
      [UNKNOWN, await network.addTap('tap1')],
    ] as const)
      vms.push(await QemuVm.start({ dir: path.join(vmDir, tap), tap, namespace: network.namespace, mac }));

    const started = Date.now();
    const watched = await exec('watch');
    const [booted] = watched.machines as {
      name: string;
      ok: boolean;
      ip: string;
      dhcp: string[];
      fetched: string[];
    }[];
    assert.equal(booted!.ok, true);
    assert.ok(booted!.ip.startsWith(`${network.subnet}.`));
    assert.ok(booted!.dhcp.includes('DHCPACK'), booted!.dhcp.join(' '));
    assert.ok(booted!.fetched.some((file) => file.endsWith('/vmlinuz')));
    assert.ok(booted!.fetched.some((file) => file.endsWith('/initrd.img')));
    assert.ok(
      booted!.fetched.some((file) =>
        /^(pxelinux\.cfg\/01-52-54-00-5b-10-01|ipxe\/52-54-00-5b-10-01\.ipxe)$/.test(file),
      ),
      `its own boot config: ${booted!.fetched.join(', ')}`,
    );
    console.log(`netboot watched for ${Date.now() - started} ms: ${booted!.fetched.join(' → ')}`);

    // The run's record says it per machine, in order.
    const output = fx.events
      .filter((event) => event.kind === 'stdout')
      .map((event) => event.data)
      .join('');
    const lines = output.split('\n').filter((line) => line.startsWith('node-1: '));
    const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
    assert.ok(at(/DHCPACK/) >= 0 && at(/vmlinuz: sent/) > at(/DHCPACK/), lines.join('\n'));
    assert.ok(fx.events.some((event) => event.kind === 'progress' && event.data.includes('"node-1"')));

    // The stranger asked and was ignored: nothing it could boot.
    const service = (await PxeService.load(path.join(fx.dir, 'data', 'sites', 'pxedc')))!;
    const log = await readFile(service.dnsmasq.files.log, 'utf8');
    assert.match(log, new RegExp(`${UNKNOWN}.*(ignored|no address)`, 'i'));
    assert.doesNotMatch(log, new RegExp(`DHCPACK.*${UNKNOWN}`, 'i'));

    const probed = await exec('probe');
    assert.equal(probed.foreign, 0);
    assert.ok(
      (probed.offers as { serverId?: string }[]).every((offer) => offer.serverId === network.address),
    );

    const status = await exec('status');
    assert.equal(status.running, true);
    assert.deepEqual(status.configured, ['node-1']);

    await exec('release');
    assert.deepEqual(
      Object.keys((await PxeService.load(path.join(fx.dir, 'data', 'sites', 'pxedc')))!.machines),
      [],
    );
    const dnsmasqPid = service.dnsmasq.pid;
    await exec('stop');
    assert.ok(!processAlive(tftpPid) && !processAlive(dnsmasqPid), 'both daemons stopped by pid');
  });
});
