import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IpmiResult } from '../../../drivers/ipmi/ipmi-args.ts';
import { exec } from '../../../drivers/exec.ts';
import type { StackbookError } from '../../../server/stackbook-error.ts';
import { markdown } from '../../helpers/engine-fixture.ts';
import { ipmiSite, simulated } from '../../helpers/ipmi-site.ts';

type Site = Awaited<ReturnType<typeof ipmiSite>>;

/** Runs one ipmi cell in a new run; answers the step and its result. */
async function runCell(site: Site, body: string, attrs = '') {
  const run = await site.fx.create(markdown([`ipmi {name=c ${attrs}}`, body]));
  const done = await site.fx.engine.execute(run.id, { all: true }, 'tester');
  const [step] = await site.fx.store.listSteps(run.id);
  return { run: done, step: step!, result: step!.result as IpmiResult };
}

const outcome = (result: IpmiResult, name: string) => result.machines.find((m) => m.name === name)!;

describe('ipmi driver against simulated BMCs', () => {
  let site: Site;
  before(async () => {
    // `dud` stands for a machine that never powers on: its power supply has failed.
    site = await ipmiSite([...simulated(3, 'node', true, ['vm']), { name: 'dud', powerFault: true }]);
  });
  after(() => site.close());

  it('powers machines on and off, reading the state back from the BMC', async () => {
    const on = await runCell(site, 'action: power-on\nmachines: "{{ dc.machines }}"\nlabels: [vm]');
    assert.equal(on.step.status, 'succeeded', JSON.stringify(on.step.error));
    assert.deepEqual(
      on.result.machines.map((m) => [m.name, m.ok, m.power]),
      [
        ['node-0', true, 'on'],
        ['node-1', true, 'on'],
        ['node-2', true, 'on'],
      ],
    );
    for (const name of ['node-0', 'node-1', 'node-2'])
      assert.equal((await site.fleet.state(name)).power, 'on');

    const status = await runCell(site, 'action: power-status\nmachines: [node-1]');
    assert.equal(outcome(status.result, 'node-1').power, 'on');

    const off = await runCell(site, 'action: power-off\nmachines: [node-0]');
    assert.equal(outcome(off.result, 'node-0').power, 'off');
    assert.equal((await site.fleet.state('node-0')).power, 'off', 'the machine process is gone');
    assert.equal((await site.fleet.state('node-1')).power, 'on', 'the others stay on');
  });

  it('cycles and resets a machine: its process restarts and it ends powered on', async () => {
    await runCell(site, 'action: power-on\nmachines: [node-2]');
    const before = (await site.fleet.state('node-2')).machine.filter((line) =>
      line.startsWith('start'),
    ).length;
    const reset = await runCell(site, 'action: power-reset\nmachines: [node-2]');
    assert.equal(outcome(reset.result, 'node-2').power, 'on');
    let state = await site.fleet.state('node-2');
    assert.ok(state.chassis.includes('set reset 1'), state.chassis.join('\n'));
    assert.equal(state.machine.filter((line) => line.startsWith('start')).length, before + 1);

    const cycle = await runCell(site, 'action: power-cycle\nmachines: [node-2]');
    assert.equal(cycle.step.status, 'succeeded', JSON.stringify(cycle.step.error));
    assert.equal(outcome(cycle.result, 'node-2').power, 'on');
    state = await site.fleet.state('node-2');
    assert.equal(state.power, 'on');
    assert.ok(state.chassis.includes('set power 0'), 'the cycle powered it off first');
  });

  it('soft power off asks the machine to shut down and waits for it', async () => {
    await runCell(site, 'action: power-on\nmachines: [node-1]');
    const soft = await runCell(site, 'action: power-soft\nmachines: [node-1]\nwait_timeout: 20s');
    assert.equal(soft.step.status, 'succeeded', JSON.stringify(soft.step.error));
    assert.equal(outcome(soft.result, 'node-1').power, 'off');
    assert.ok((await site.fleet.state('node-1')).machine.some((line) => line === 'stop TERM'));
  });

  it('sets the boot device to PXE, persistently, and reads it back', async () => {
    const set = await runCell(
      site,
      'action: boot-device\ndevice: pxe\npersistent: true\nmachines: "{{ dc.machines }}"\nlabels: [vm]',
    );
    assert.equal(set.step.status, 'succeeded', JSON.stringify(set.step.error));
    for (const machine of set.result.machines) {
      assert.deepEqual([machine.boot_device, machine.persistent], ['pxe', true]);
      assert.equal((await site.fleet.state(machine.name)).boot, 'pxe');
    }
    const status = await runCell(site, 'action: boot-device-status\nmachines: [node-0]');
    assert.equal(outcome(status.result, 'node-0').boot_device, 'pxe');

    const disk = await runCell(site, 'action: boot-device\ndevice: disk\nmachines: [node-0]');
    assert.equal(outcome(disk.result, 'node-0').boot_device, 'disk');
    assert.equal((await site.fleet.state('node-0')).boot, 'default');
    const bios = await runCell(site, 'action: boot-device\ndevice: bios\nmachines: [node-0]');
    assert.equal(outcome(bios.result, 'node-0').boot_device, 'bios');
  });

  it("reads the BMC's identity", async () => {
    const info = await runCell(site, 'action: mc-info\nmachines: [node-0]');
    const mc = outcome(info.result, 'node-0').mc!;
    assert.equal(mc.ipmi_version, '2.0');
    assert.equal(mc.firmware_revision, '9.08');
    assert.match(mc.manufacturer_name!, /MontaVista/);
  });

  it('refuses a machine name the datacentre does not have, naming it', async () => {
    const unknown = await site.fx.create(
      markdown(['ipmi {name=c}', 'action: power-status\nmachines: [node-0, node-9]']),
    );
    const done = await site.fx.engine.execute(unknown.id, { all: true }, 'tester');
    assert.equal(done.status, 'failed');
    const [step] = await site.fx.store.listSteps(unknown.id);
    assert.match(step!.error!.message, /no machine named node-9/);
  });

  it('refuses bad arguments with the file, line and field', async () => {
    const run = await site.fx.create(markdown(['ipmi {name=c}', 'action: boot-device\nmachines: [node-0]']));
    await site.fx.engine.execute(run.id, { all: true }, 'tester');
    const [step] = await site.fx.store.listSteps(run.id);
    assert.equal(step!.status, 'failed');
    assert.equal(step!.error!.code, 'BAD_ARGUMENT');
    assert.match(step!.error!.message, /rb\.md:\d+: device: .*boot-device needs a device/);
  });

  it('fails a machine whose power never comes on, once the wait times out', async () => {
    const { step, result } = await runCell(site, 'action: power-on\nmachines: [dud]\nwait_timeout: 3s');
    assert.equal(step.status, 'failed');
    const dud = outcome(result, 'dud');
    assert.equal(dud.error!.kind, 'timeout');
    assert.match(dud.error!.message, /power is still off after 3 s/);
    assert.ok(dud.commands >= 3, 'it polled the power status');
    assert.deepEqual((await site.fleet.state('dud')).machine, ['power fault']);
    assert.ok(dud.duration_ms < 8000, `${dud.duration_ms} ms`);
  });

  it('classifies a cipher suite the BMC does not offer as unsupported', async () => {
    const { result } = await runCell(site, 'action: power-status\nmachines: [node-0]\ncipher_suite: 17');
    const node = outcome(result, 'node-0');
    assert.equal(node.error!.kind, 'unsupported');
    assert.match(node.error!.message, /invalid authentication algorithm/);
  });

  it('refuses machines given without their BMC details before contacting any BMC', async () => {
    const sent = (await site.fleet.state('node-0')).chassis.length;
    const run = await site.fx.create(
      markdown([
        'ipmi {name=c}',
        'action: power-off\nmachines:\n  - name: node-0\n  - { name: loose, pm_addr: "not an address!", pm_user: admin }',
      ]),
    );
    await site.fx.engine.execute(run.id, { all: true }, 'tester');
    const [step] = await site.fx.store.listSteps(run.id);
    assert.equal(step!.status, 'failed');
    assert.equal(step!.error!.code, 'BAD_ARGUMENT');
    assert.match(step!.error!.message, /machine node-0: pm_addr is missing/);
    assert.match(
      step!.error!.message,
      /machine loose: pm_addr not an address! is not an address or host name/,
    );
    assert.match(step!.error!.message, /machine loose: pm_password is missing/);
    assert.equal((await site.fleet.state('node-0')).chassis.length, sent, 'no BMC was contacted');
  });

  it('plans the exact ipmitool commands in a dry run, the password masked and never with -P', async () => {
    const sent = (await site.fleet.state('node-1')).chassis.length;
    const run = await site.fx.create(
      markdown([
        'ipmi {name=c}',
        'action: boot-device\ndevice: pxe\npersistent: true\nmachines: "{{ dc.machines }}"\nlabels: [vm]',
      ]),
      'dry-run',
    );
    await site.fx.engine.execute(run.id, { all: true }, 'tester');
    const [step] = await site.fx.store.listSteps(run.id);
    const plan = (step!.result as { plan: { kind: string; summary: string; command?: string[] }[] }).plan;
    const commands = plan.filter((action) => action.kind === 'exec');
    assert.equal(commands.length, 3);
    const bmc = site.fleet.bmc('node-1');
    const command = commands[1]!.command!;
    assert.deepEqual(command.slice(0, 9), [
      'ipmitool',
      '-I',
      'lanplus',
      '-H',
      '127.0.0.1',
      '-p',
      String(bmc.port),
      '-U',
      'admin',
    ]);
    // One ipmitool process per machine: the action and its read-back in one session, from the cell's command file.
    assert.deepEqual(command.slice(-3, -1), ['-v', 'exec']);
    const file = command.at(-1)!;
    assert.match(file, /\.stackbook\/ipmitool\/c\.commands$/);
    assert.ok(
      commands[1]!.summary.endsWith(
        `exec ${file} (${file}: 'echo stackbook-ipmi-command 1' 'chassis bootdev pxe options=persistent' 'echo stackbook-ipmi-command 2' 'chassis bootparam get 5')`,
      ),
      commands[1]!.summary,
    );
    assert.ok(command.includes('-E') && !command.includes('-P'));
    assert.deepEqual(command.slice(command.indexOf('-C'), command.indexOf('-C') + 6), [
      '-C',
      '3',
      '-N',
      '1',
      '-R',
      '1',
    ]);
    assert.match(commands[1]!.summary, /^node-1: IPMI_PASSWORD=\*{8} ipmitool /);
    assert.ok(
      plan.some((action) => /chassis bootparam get 5 go in one ipmitool process/.test(action.summary)),
    );
    assert.ok(!JSON.stringify(plan).includes(site.password));
    assert.equal((await site.fleet.state('node-1')).chassis.length, sent, 'nothing was sent to the BMC');
  });
});

/** A UDP port on loopback that nobody listens on (taken from the kernel, then let go). */
async function silentPort(): Promise<number> {
  const dgram = await import('node:dgram');
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe('ipmi driver: a fleet of 20 with bad BMCs among them', () => {
  let site: Site;
  const WRONG = 'WRONG_IPMI_PASSWORD';
  before(async () => {
    site = await ipmiSite(
      [
        ...simulated(20, 'node', false, ['fleet']),
        { name: 'slow' },
        { name: 'wrong-password' },
        { name: 'held' },
      ],
      {
        secretOf: { 'wrong-password': WRONG },
        extra: [
          {
            name: 'unreachable',
            mac: ['52:54:00:ee:00:02'],
            pm_type: 'ipmi',
            pm_addr: '127.0.0.1',
            pm_port: await silentPort(),
            pm_user: 'admin',
            pm_password: { secret: WRONG },
          },
        ],
        secrets: { [WRONG]: 'not-the-password' },
      },
    );
  });
  after(() => site.close());

  it('drives 20 BMCs in one cell, the password never on a command line', async () => {
    const cell = runCell(
      site,
      'action: boot-device\ndevice: pxe\nmachines: "{{ dc.machines }}"\nlabels: [fleet]',
    );
    // Sample the process table while the cell runs: ipmitool shows up, its password never does.
    let seen = 0;
    let settled = false;
    void cell.finally(() => (settled = true));
    while (!settled) {
      const ps = await exec('ps', ['-eo', 'args'], { capture: 1 << 20 });
      if (ps.stdout.includes('ipmitool')) seen++;
      assert.ok(!ps.stdout.includes(site.password), 'the BMC password is visible in ps');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const { run, step, result } = await cell;
    assert.ok(seen > 0, 'ps saw ipmitool running');
    assert.equal(step.status, 'succeeded', JSON.stringify(step.error));
    assert.equal(result.machines.length, 20);
    assert.equal(result.succeeded, 20);
    for (const machine of result.machines) {
      const state = await site.fleet.state(machine.name);
      assert.equal(state.boot, 'pxe');
      // One ipmitool process and session a machine: ipmitool's bootdev (a read, then the write), then the read-back.
      assert.equal(machine.commands, 1, machine.name);
      assert.deepEqual(state.chassis.slice(-3), ['get boot', 'set boot pxe', 'get boot']);
    }
    const file = path.join(site.fx.dir, 'data', 'runs', run.id, '.stackbook', 'ipmitool', 'c.commands');
    await assert.rejects(readFile(file), { code: 'ENOENT' }, 'the command file goes with the cell');
    // The step's output is one line a machine, not ipmitool's chatter or the batch's marks.
    const output = site.fx.events
      .filter((event) => event.run === run.id && (event.kind === 'stdout' || event.kind === 'stderr'))
      .map((event) => event.data)
      .join('');
    assert.equal(output.split('\n').filter(Boolean).length, 20, output);
    assert.doesNotMatch(output, /stackbook-ipmi-command|IANA/);
  });

  it('reads again on its own a state the batch did not bring back, without repeating the action', async () => {
    await site.fleet.setDelay('node-6', 3, { nextRead: true });
    const { step, result } = await runCell(site, 'action: power-on\nmachines: [node-6]');
    assert.equal(step.status, 'succeeded', JSON.stringify(step.error));
    const node = outcome(result, 'node-6');
    assert.equal(node.power, 'on');
    assert.ok(node.commands >= 2, `the power state was read again (${node.commands} ipmitool calls)`);
    const chassis = (await site.fleet.state('node-6')).chassis;
    assert.equal(chassis.filter((line) => line === 'set power 1').length, 1, chassis.join('\n'));
  });

  it('fails the wrong password, the unreachable port and the slow BMC each with its class, in bounded time; the rest succeed', async () => {
    await site.fleet.setDelay('slow', 3);
    const started = Date.now();
    const { step, result } = await runCell(
      site,
      'action: power-on\nmachines: [node-0, node-1, node-2, node-3, wrong-password, unreachable, slow]',
    );
    const elapsed = Date.now() - started;
    await site.fleet.setDelay('slow', undefined);
    assert.equal(step.status, 'failed');
    assert.equal(step.error!.code, 'MACHINES_FAILED');
    assert.match(
      step.error!.message,
      /^3 of 7 machines failed: wrong-password \(auth-failed\), unreachable \(unreachable\), slow \(timeout\)$/,
    );
    assert.equal(result.succeeded, 4, 'the good BMCs are not hidden by the bad ones');
    for (const name of ['node-0', 'node-1', 'node-2', 'node-3']) {
      assert.equal(outcome(result, name).power, 'on');
      assert.equal(outcome(result, name).commands, 1, 'power on and its power status in one session');
      assert.equal((await site.fleet.state(name)).power, 'on');
    }
    const wrong = outcome(result, 'wrong-password');
    assert.equal(wrong.error!.kind, 'auth-failed');
    assert.match(wrong.error!.message, /RAKP 2 HMAC is invalid/, 'ipmitool’s own message is kept');
    assert.ok(wrong.duration_ms < 3000, `a wrong password is known at once (${wrong.duration_ms} ms)`);
    const unreachable = outcome(result, 'unreachable');
    assert.equal(unreachable.error!.kind, 'unreachable');
    assert.match(unreachable.error!.message, /Unable to establish IPMI v2/);
    assert.ok(
      unreachable.duration_ms < 6000,
      `an unreachable BMC costs about 2 s (${unreachable.duration_ms} ms)`,
    );
    const slow = outcome(result, 'slow');
    assert.equal(slow.error!.kind, 'timeout');
    assert.equal(slow.commands, 3, 'a late answer is tried again, up to the attempts');
    assert.ok(slow.duration_ms < 20_000, `retries are bounded (${slow.duration_ms} ms)`);
    assert.ok(elapsed < 30_000, `the cell took ${elapsed} ms`);
  });

  it('keeps every secret value out of the SQLite files', async () => {
    const dataDir = path.join(site.fx.dir, 'data');
    const files = (await readdir(dataDir)).filter((file) => file.startsWith('stackbook.db'));
    assert.ok(files.length > 0);
    for (const file of files) {
      const bytes = await readFile(path.join(dataDir, file));
      for (const secret of [site.password, 'not-the-password'])
        assert.ok(!bytes.includes(Buffer.from(secret)), `${secret} found in ${file}`);
    }
  });

  it('leases each machine: a second run cannot drive a BMC another run is driving', async () => {
    await site.fleet.setDelay('held', 0.6);
    const first = await site.fx.create(
      markdown(['ipmi {name=c}', 'action: power-on\nmachines: [held, node-5]']),
    );
    const running = site.fx.engine.execute(first.id, { all: true }, 'tester');
    for (
      let i = 0;
      i < 200 && !(await site.fx.engine.leases.list()).some((lease) => lease.key === 'machine:held');
      i++
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await site.fx.create(markdown(['ipmi {name=d}', 'action: power-off\nmachines: [held]']));
    await assert.rejects(
      site.fx.engine.execute(second.id, { all: true }, 'tester'),
      (error: StackbookError) => {
        assert.equal(error.code, 'CONFLICT');
        assert.match(error.message, new RegExp(`machine:held.*${first.id}`));
        return true;
      },
    );
    assert.equal((await running).status, 'succeeded');
    await site.fleet.setDelay('held', undefined);
    assert.equal((await site.fleet.state('held')).power, 'on', 'the refused run sent nothing');
    assert.equal((await site.fx.engine.execute(second.id, { all: true }, 'tester')).status, 'succeeded');
    assert.equal((await site.fleet.state('held')).power, 'off');
  });
});
