import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { processAlive } from '../../../drivers/process-alive.ts';
import { cliSandbox } from '../../helpers/cli.ts';

interface LabRow {
  name: string;
  port: number;
  pid: number;
  bmc: string;
  power: string;
  boot: string;
}

describe('stackbook lab and an ipmi runbook from the CLI', () => {
  let sb: Awaited<ReturnType<typeof cliSandbox>>;
  before(async () => {
    sb = await cliSandbox();
  });
  after(async () => {
    await sb.run(['lab', 'down']);
    await sb.close();
  });

  it('brings up simulated BMCs and writes the lab datacentre', async () => {
    const up = await sb.run(['lab', 'up', '--machines', '3']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /lab lab: 3 simulated BMCs up on 127\.0\.0\.1/);
    const profile = await readFile(path.join(sb.datacentres, 'lab', 'datacentre.yaml'), 'utf8');
    assert.match(profile, /name: lab-node-2/);
    assert.match(profile, /secret: LAB_IPMI_PASSWORD/);
    const rows = await sb.json<LabRow[]>(['lab', 'status']);
    assert.deepEqual(
      rows.map((row) => [row.name, row.bmc, row.power, row.boot]),
      [
        ['lab-node-0', 'up', 'off', 'default'],
        ['lab-node-1', 'up', 'off', 'default'],
        ['lab-node-2', 'up', 'off', 'default'],
      ],
    );
    const again = await sb.run(['lab', 'up']);
    assert.match(again.stdout, /already up/);
    assert.deepEqual(
      (await sb.json<LabRow[]>(['lab', 'status'])).map((row) => row.pid),
      rows.map((row) => row.pid),
      'a second up keeps the running BMCs',
    );
  });

  it('runs netboot-first and power-on against the fleet, with a result per machine', async () => {
    const run = await sb.run(['run', 'netboot-machines', '--dc', 'lab']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const name of ['lab-node-0', 'lab-node-1', 'lab-node-2']) {
      assert.match(run.stdout, new RegExp(`\\[netboot-first\\] ${name}: ok boot pxe \\(persistent\\)`));
      assert.match(run.stdout, new RegExp(`\\[power-on\\] ${name}: ok power on`));
    }
    const [latest] = await sb.json<{ id: string }[]>(['runs']);
    const shown = await sb.json<{
      steps: {
        cell: string;
        status: string;
        result: { machines: { name: string; ok: boolean; power?: string }[] };
      }[];
    }>(['show', latest!.id]);
    const powerOn = shown.steps.find((step) => step.cell === 'power-on')!;
    assert.deepEqual(
      powerOn.result.machines.map((machine) => [machine.name, machine.ok, machine.power]),
      [
        ['lab-node-0', true, 'on'],
        ['lab-node-1', true, 'on'],
        ['lab-node-2', true, 'on'],
      ],
    );
    const rows = await sb.json<LabRow[]>(['lab', 'status']);
    assert.deepEqual(
      rows.map((row) => [row.power, row.boot]),
      [
        ['on', 'pxe'],
        ['on', 'pxe'],
        ['on', 'pxe'],
      ],
    );
  });

  it('stops every BMC by pid', async () => {
    const rows = await sb.json<LabRow[]>(['lab', 'status']);
    const down = await sb.run(['lab', 'down']);
    assert.equal(down.code, 0);
    assert.match(down.stdout, /3 simulated BMCs stopped/);
    for (const row of rows) assert.equal(processAlive(row.pid), false, `${row.name}'s ipmi_sim still runs`);
    const status = await sb.run(['lab', 'status']);
    assert.equal(status.code, 1);
    assert.match(status.stdout, /not up/);
  });
});
