import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { processAlive } from '../../drivers/process-alive.ts';
import { namespaceNames } from '../../lab/net/lab-network.ts';
import { cliSandbox } from '../helpers/cli.ts';

interface Step {
  cell: string;
  status: string;
  result: { machines: { name: string; ok: boolean; ip?: string; fetched?: string[] }[] };
}

// The shipped pxe-netboot runbook from the CLI against `stackbook lab up --vms`: each simulated machine is a
// qemu VM that its BMC (ipmi_sim) starts at power on; stackbook serves DHCP and TFTP on the lab's
// provisioning network; every VM netboots its kernel and initrd from it.
describe('runbook pxe-netboot on the lab with VMs', () => {
  let sb: Awaited<ReturnType<typeof cliSandbox>>;
  const machines = ['vmlab-node-0', 'vmlab-node-1'];
  const labDir = () => path.join(sb.dir, 'data', 'lab', 'vmlab');

  before(async () => {
    sb = await cliSandbox();
  });
  after(async () => {
    await sb.run(['lab', 'down', '--dc', 'vmlab']);
    await sb.close();
  });

  it('brings up BMCs whose machines are VMs on a provisioning network, with the profile and overlay', async () => {
    const up = await sb.run(['lab', 'up', '--vms', '--machines', '2', '--dc', 'vmlab']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(
      up.stdout,
      /each machine a qemu VM on br0 \(10\.\d+\.\d+\.0\/24\) in network namespace sb-lab-vmlab/,
    );
    assert.ok((await namespaceNames()).includes('sb-lab-vmlab'));
    const profile = await readFile(path.join(sb.datacentres, 'vmlab', 'datacentre.yaml'), 'utf8');
    assert.match(profile, /namespace: sb-lab-vmlab/);
    assert.match(profile, /52:54:00:5c:00:01/);
    const overlay = await readFile(path.join(sb.datacentres, 'vmlab', 'runbooks', 'pxe-netboot.md'), 'utf8');
    assert.match(overlay, /kernel: ".*\/lab\/vmlab\/images\/lab\.kernel"/);
    const again = await sb.run(['lab', 'up', '--vms', '--dc', 'vmlab']);
    assert.match(again.stdout, /2 simulated BMCs and VMs already up/);
  });

  it('netboots every machine: DHCP from stackbook, then its own config, kernel and initrd over TFTP', async () => {
    const run = await sb.run(['run', 'pxe-netboot', '--dc', 'vmlab']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const name of machines) {
      const lines = run.stdout.split('\n').filter((line) => line.startsWith(`[netbooted] ${name}: `));
      const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
      assert.ok(at(/DHCPACK 10\./) >= 0, lines.join('\n'));
      assert.ok(at(/ipxe\/52-54-00-5c-00-0\d\.ipxe: sent/) > at(/DHCPACK/), lines.join('\n'));
      assert.ok(at(/lab\.kernel: sent 262,144 B/) > at(/\.ipxe: sent/), lines.join('\n'));
      assert.ok(at(/lab\.initramfs: sent 65,536 B/) >= 0, lines.join('\n'));
      assert.match(run.stdout, new RegExp(`\\[power-on\\] ${name}: ok power on`));
    }
    assert.match(run.stdout, /\[no-rogue-dhcp\] no DHCP server answered a stranger's DHCPDISCOVER on br0/);
    assert.match(run.stdout, /\[boot-local\] released vmlab-node-0, vmlab-node-1/);

    const [latest] = await sb.json<{ id: string }[]>(['runs']);
    const shown = await sb.json<{ status: string; steps: Step[] }>(['show', latest!.id]);
    assert.equal(shown.status, 'succeeded');
    const netbooted = shown.steps.find((step) => step.cell === 'netbooted')!;
    assert.deepEqual(
      netbooted.result.machines.map((machine) => [machine.name, machine.ok]),
      machines.map((name) => [name, true]),
    );
    for (const machine of netbooted.result.machines)
      assert.ok(machine.fetched!.some((file) => file.endsWith('/lab.kernel')));

    // The BMCs started the VMs (boot device PXE) and still report them on.
    const rows = await sb.json<{ name: string; power: string; boot: string }[]>([
      'lab',
      'status',
      '--dc',
      'vmlab',
    ]);
    assert.deepEqual(
      rows.map((row) => [row.name, row.power, row.boot]),
      machines.map((name) => [name, 'on', 'pxe']),
    );
    for (const name of machines) {
      const log = await readFile(path.join(labDir(), 'bmcs', name, 'machine.log'), 'utf8');
      assert.match(log, /^start pxe$/m);
    }
  });

  it('lab down stops the BMCs and their VMs by pid and deletes the network', async () => {
    const pids = await Promise.all(
      machines.map(async (name) =>
        Number((await readFile(path.join(labDir(), 'bmcs', name, 'machine.pid'), 'utf8')).trim()),
      ),
    );
    const down = await sb.run(['lab', 'down', '--dc', 'vmlab']);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /network namespace sb-lab-vmlab deleted/);
    assert.ok(!(await namespaceNames()).includes('sb-lab-vmlab'));
    for (const pid of pids) assert.equal(processAlive(pid), false, `VM ${pid} still runs`);
  });
});
