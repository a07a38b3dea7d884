/**
 * Issue 5's benchmark: boot device PXE then power on across 64 simulated BMCs (ipmi_sim on loopback).
 * stackbook's wall time (two ipmi cells run by the engine: each machine gets `chassis bootdev pxe`, the boot
 * device read back, `power on` and a power status poll) against, in the same run, (a) a sequential shell
 * loop of the same four ipmitool commands per machine and (b) the ideal: one call of each command's
 * latency × ⌈64 / concurrency⌉. Targets: ≥ 10× faster than the loop, ≤ 1.5× the ideal.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { defaultRegistry } from '../drivers/default-registry.ts';
import { ipmitoolHome } from '../drivers/ipmi/ipmitool-home.ts';
import { BmcFleet } from '../lab/bmc/bmc-fleet.ts';
import { Engine } from '../server/engine/engine.ts';
import { loadDatacentre } from '../server/runbook/load-datacentre.ts';
import { parseRunbook } from '../server/runbook/parse-runbook.ts';
import { Store } from '../server/store/store.ts';

const MACHINES = 64;
const CONCURRENCY = 16;
const ROUNDS = 3;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const RUNBOOK = `# Netboot

\`\`\`ipmi {name=netboot-first}
action: boot-device
device: pxe
persistent: true
machines: "{{ dc.machines }}"
\`\`\`

\`\`\`ipmi {name=power-on needs=[netboot-first]}
action: power-on
machines: "{{ dc.machines }}"
\`\`\`
`;

/** The commands stackbook sends each machine, in order (what its dry-run plan lists). */
const COMMANDS = [
  ['chassis', 'bootdev', 'pxe', 'options=persistent'],
  ['chassis', 'bootparam', 'get', '5'],
  ['power', 'on'],
  ['power', 'status'],
];

export async function ipmiFanout(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-bench-ipmi-'));
  const fleet = await BmcFleet.start({
    dir: path.join(dir, 'bmcs'),
    machines: Array.from({ length: MACHINES }, (_, i) => ({ name: `node-${i}` })),
  });
  const store = await Store.open(path.join(dir, 'data', 'stackbook.db'));
  try {
    const password = fleet.bmcs[0]!.password;
    const base = (bmc: (typeof fleet.bmcs)[number]) => [
      ...['-I', 'lanplus', '-H', bmc.address, '-p', String(bmc.port), '-U', bmc.user, '-E'],
      ...['-C', '3', '-N', '1', '-R', '1'],
    ];
    // The loop and the single calls run ipmitool exactly as the driver does, its small registry included.
    const env = { IPMI_PASSWORD: password, HOME: await ipmitoolHome(dir) };
    const plain: number[] = [];
    for (let i = 0; i < 15; i++) {
      const started = performance.now();
      await execa('ipmitool', [...base(fleet.bmcs[0]!), 'power', 'status'], {
        env: { IPMI_PASSWORD: password },
      });
      plain.push(performance.now() - started);
    }
    const powerOffAll = () =>
      Promise.all(fleet.bmcs.map((bmc) => execa('ipmitool', [...base(bmc), 'power', 'off'], { env })));

    // (b) One call of each command, against an idle BMC: the median of 15.
    const latency: number[] = [];
    for (const command of COMMANDS) {
      const times: number[] = [];
      for (let i = 0; i < 15; i++) {
        const started = performance.now();
        await execa('ipmitool', [...base(fleet.bmcs[0]!), ...command], { env });
        times.push(performance.now() - started);
      }
      latency.push(median(times));
    }
    const waves = Math.ceil(MACHINES / CONCURRENCY);
    const ideal = latency.reduce((sum, ms) => sum + ms, 0) * waves;

    // (a) The same commands, one machine after another, from a shell loop.
    const loopScript = path.join(dir, 'loop.sh');
    const ports = fleet.bmcs.map((bmc) => bmc.port).join(' ');
    const calls = COMMANDS.map(
      (command) =>
        `  ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U admin -E -C 3 -N 1 -R 1 ${command.join(' ')} >/dev/null`,
    );
    // `times` prints the CPU its children (the ipmitool processes) used: what this machine must spend anyway.
    await writeFile(loopScript, `set -e\nfor port in ${ports}; do\n${calls.join('\n')}\ndone\ntimes\n`);

    const drivers = defaultRegistry();
    const engine = new Engine({
      store,
      drivers,
      dataDir: path.join(dir, 'data'),
      env: { LAB_IPMI_PASSWORD: password },
    });
    const runbook = parseRunbook(RUNBOOK, path.join(dir, 'netboot.md'), drivers);
    const stackbook = async (minInterval: number) => {
      const dcDir = path.join(dir, `dc-${minInterval}`);
      await mkdir(dcDir, { recursive: true });
      const profile = {
        name: 'bench',
        machines: fleet.machines('LAB_IPMI_PASSWORD'),
        ipmi: { concurrency: CONCURRENCY, min_interval: `${minInterval}ms` },
      };
      await writeFile(path.join(dcDir, 'datacentre.yaml'), stringify(profile));
      const datacentre = await loadDatacentre(dcDir, dir);
      const run = await engine.createRun({ runbook, datacentre, mode: 'live', by: 'bench' });
      const started = performance.now();
      const done = await engine.execute(run.id, { all: true }, 'bench');
      const elapsed = performance.now() - started;
      if (done.status !== 'succeeded') throw new Error(`the benchmark run ${done.status}`);
      return elapsed;
    };

    const times = {
      loop: [] as number[],
      zero: [] as number[],
      standard: [] as number[],
      cpu: [] as number[],
    };
    for (let round = 0; round < ROUNDS; round++) {
      await powerOffAll();
      const started = performance.now();
      const loopRun = await execa('bash', [loopScript], { env });
      times.loop.push(performance.now() - started);
      // The second line of `times`: children's user and system time, e.g. "0m6.250s 0m9.870s".
      const [user = 0, system = 0] = [
        ...(loopRun.stdout.trim().split('\n').at(-1) ?? '').matchAll(/(\d+)m([\d.]+)s/g),
      ].map((match) => Number(match[1]) * 60_000 + Number(match[2]) * 1000);
      times.cpu.push(user + system);
      await powerOffAll();
      times.zero.push(await stackbook(0));
      await powerOffAll();
      times.standard.push(await stackbook(100));
    }
    const loop = median(times.loop);
    const fast = median(times.zero);
    const standard = median(times.standard);
    // However many run at once, this machine cannot do the calls faster than their CPU time over its cores.
    const cores = os.availableParallelism();
    const cpuBound = median(times.cpu) / cores;
    console.log(
      `IPMI fan-out: boot device PXE + power on, ${MACHINES} simulated BMCs, ${CONCURRENCY} at a time (median of ${ROUNDS})`,
    );
    console.log(
      `  one call: ${COMMANDS.map((command, i) => `${command.slice(0, 2).join(' ')} ${latency[i]!.toFixed(0)} ms`).join(', ')}`,
    );
    console.log(
      `  (plain ipmitool, reading the full IANA registry: power status ${median(plain).toFixed(0)} ms)`,
    );
    console.log(`  (a) sequential shell loop, 4 calls a machine   ${loop.toFixed(0)} ms`);
    console.log(`  (b) ideal: one call each × ${waves} waves            ${ideal.toFixed(0)} ms`);
    console.log(
      `  (c) CPU bound: the loop's ipmitool used ${(median(times.cpu) / 1000).toFixed(1)} s of CPU; over ${cores} cores ${cpuBound.toFixed(0)} ms`,
    );
    console.log(
      `  stackbook, min_interval 0 ms                   ${fast.toFixed(0)} ms: ${(loop / fast).toFixed(1)}× faster than the loop (target ≥ 10×), ${(fast / ideal).toFixed(2)}× the ideal (target ≤ 1.5×)`,
    );
    console.log(
      `  stackbook, min_interval 100 ms (the default)   ${standard.toFixed(0)} ms: ${(loop / standard).toFixed(1)}× faster than the loop, ${(standard / ideal).toFixed(2)}× the ideal`,
    );
  } finally {
    await store.close();
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
