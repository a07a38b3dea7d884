import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exec } from '../../../drivers/exec.ts';
import { processAlive } from '../../../drivers/process-alive.ts';
import { BmcFleet, type SimulatedBmc } from '../../../lab/bmc/bmc-fleet.ts';
import { loadDatacentre } from '../../../server/runbook/load-datacentre.ts';
import { resolveSecrets } from '../../../server/runbook/secrets.ts';

/** The real ipmitool against one simulated BMC. */
function ipmitool(bmc: SimulatedBmc, ...command: string[]) {
  const args = ['-I', 'lanplus', '-C', '3', '-H', bmc.address, '-p', String(bmc.port), '-U', bmc.user, '-E'];
  return exec('ipmitool', [...args, ...command], { env: { IPMI_PASSWORD: bmc.password }, capture: 1 << 16 });
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`timed out waiting until ${what}`);
}

describe('BmcFleet', () => {
  let dir: string;
  let fleet: BmcFleet;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-fleet-'));
    fleet = await BmcFleet.start({
      dir: path.join(dir, 'bmcs'),
      machines: [
        {
          name: 'vm-0',
          command: ['sh', '-c', 'echo "booting from $STACKBOOK_BOOT_DEVICE"; exec sleep 3600'],
        },
        { name: 'vm-1', user: 'root', password: 'calvin-1', labels: ['compute'] },
        { name: 'vm-2' },
      ],
    });
  });
  after(async () => {
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts one ipmi_sim per machine, each alone on its own loopback port', async () => {
    const ports = fleet.bmcs.map((bmc) => bmc.port);
    assert.equal(new Set(ports).size, 3);
    assert.deepEqual(Object.values(fleet.alive()), [true, true, true]);
    const info = await ipmitool(fleet.bmc('vm-1'), 'mc', 'info');
    assert.equal(info.exitCode, 0, info.stderr);
    assert.match(info.stdout, /IPMI Version\s+: 2\.0/);
    const again = await BmcFleet.load(path.join(dir, 'bmcs'));
    assert.deepEqual(
      again?.bmcs.map((bmc) => [bmc.name, bmc.port, bmc.pid]),
      fleet.bmcs.map((bmc) => [bmc.name, bmc.port, bmc.pid]),
      'another process finds the running fleet',
    );
  });

  it('keeps power and boot device, and starts and stops the machine process with the power', async () => {
    const vm = fleet.bmc('vm-0');
    assert.equal((await ipmitool(vm, 'chassis', 'bootdev', 'pxe')).exitCode, 0);
    assert.equal((await fleet.state('vm-0')).boot, 'pxe');
    assert.equal((await ipmitool(vm, 'power', 'on')).exitCode, 0);
    await until(async () => (await fleet.state('vm-0')).power === 'on', 'vm-0 runs');
    const console = path.join(vm.dir, 'console.log');
    await until(
      async () => (await readFile(console, 'utf8').catch(() => '')).includes('booting from pxe'),
      'the machine sees its boot device',
    );
    const pid = Number(await readFile(path.join(vm.dir, 'machine.pid'), 'utf8'));
    assert.ok(processAlive(pid));
    assert.match((await ipmitool(vm, 'power', 'status')).stdout, /Chassis Power is on/);
    assert.equal((await ipmitool(vm, 'power', 'off')).exitCode, 0);
    await until(() => !processAlive(pid), 'the machine process is stopped');
    assert.match((await ipmitool(vm, 'power', 'status')).stdout, /Chassis Power is off/);
  });

  it('refuses a wrong password as a real BMC does', async () => {
    const wrong = await ipmitool({ ...fleet.bmc('vm-1'), password: 'wrong-one' }, 'power', 'status');
    assert.equal(wrong.exitCode, 1);
    assert.match(wrong.stderr, /Unable to establish IPMI v2/);
  });

  it('writes a datacentre profile that loads, with its password as a secret', async () => {
    const dcDir = path.join(dir, 'datacentres', 'sim');
    await assert.rejects(fleet.writeDatacentre(dcDir, 'sim'), /several passwords/);
    const uniform = await BmcFleet.start({
      dir: path.join(dir, 'uniform'),
      machines: [{ name: 'a' }, { name: 'b' }],
    });
    try {
      await uniform.writeDatacentre(dcDir, 'sim');
      const loaded = await loadDatacentre('sim', path.join(dir, 'datacentres'));
      assert.deepEqual(
        loaded.profile.machines.map((machine) => [machine.name, machine.pm_port, machine.pm_password.secret]),
        uniform.bmcs.map((bmc) => [bmc.name, bmc.port, 'SIM_IPMI_PASSWORD']),
      );
      const secrets = await resolveSecrets(loaded, ['SIM_IPMI_PASSWORD'], {});
      assert.equal(secrets.get('SIM_IPMI_PASSWORD'), uniform.bmcs[0]!.password);
      assert.ok(
        !(await readFile(path.join(dcDir, 'datacentre.yaml'), 'utf8')).includes(uniform.bmcs[0]!.password),
      );
    } finally {
      await uniform.stop();
    }
    assert.deepEqual(Object.values(uniform.alive()), [false, false], 'stop ends every ipmi_sim');
  });
});
