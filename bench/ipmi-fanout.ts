/**
 * Issue 5's benchmark: boot device PXE then power on across 64 simulated BMCs (ipmi_sim on loopback).
 * stackbook's wall time (two ipmi cells run by the engine; each machine gets `chassis bootdev pxe`, the boot
 * device read back, `power on` and `power status`, each action and its read in one ipmitool session) against,
 * in the same run, (a) a sequential shell loop of the same four ipmitool commands per machine, one process
 * each, and (b) the ideal: one call of each command's latency × ⌈64 / concurrency⌉. Targets: ≥ 10× faster
 * than the loop, ≤ 1.5× the ideal. Everything here shares the machine's cores, the simulated BMCs included,
 * so the CPU each party used is measured too, and with it (c) the least time any run of these cells can take
 * on this machine.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { defaultRegistry } from '../drivers/default-registry.ts';
import { fanOut } from '../drivers/fan-out.ts';
import { ipmitoolHome } from '../drivers/ipmi/ipmitool-home.ts';
import { BmcFleet } from '../lab/bmc/bmc-fleet.ts';
import { processCpu } from './process-cpu.ts';
import { Engine } from '../server/engine/engine.ts';
import { loadDatacentre } from '../server/runbook/load-datacentre.ts';
import type { IpmiResult } from '../drivers/ipmi/ipmi-args.ts';
import { parseRunbook } from '../server/runbook/parse-runbook.ts';
import { Store } from '../server/store/store.ts';

const MACHINES = 64;
const CONCURRENCY = 16;
const ROUNDS = 3;
/** (d): how long a BMC that is not on loopback takes to answer a chassis request. */
const BMC_DELAY_S = 0.1;
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

/** CPU seconds used so far by each party: this process, the processes it started, the simulated BMCs. */
function cpuNow(fleet: BmcFleet) {
  const node = process.cpuUsage();
  return {
    node: (node.user + node.system) / 1e6,
    children: processCpu('self', 'children') ?? 0,
    // Each ipmi_sim with the chassis programs it ran (it waits for them).
    bmcs: fleet.bmcs.reduce(
      (sum, bmc) => sum + (processCpu(bmc.pid) ?? 0) + (processCpu(bmc.pid, 'children') ?? 0),
      0,
    ),
  };
}

function cpuSince(fleet: BmcFleet, start: ReturnType<typeof cpuNow>) {
  const now = cpuNow(fleet);
  return {
    node: now.node - start.node,
    children: now.children - start.children,
    bmcs: now.bmcs - start.bmcs,
  };
}

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
    // Between rounds, not measured: a few at a time and tried again, since 64 at once on a busy machine
    // outrun ipmitool's 1 s timeout.
    const powerOffAll = () =>
      fanOut(fleet.bmcs, 8, async (bmc) => {
        for (let attempt = 1; ; attempt++) {
          const off = await execa('ipmitool', [...base(bmc), 'power', 'off'], { env, reject: false });
          if (off.exitCode === 0) return;
          if (attempt === 5) throw new Error(`${bmc.name}: power off failed: ${off.stderr}`);
        }
      });

    // (b) One call of each command, against an idle BMC: the median of 15. Their CPU, per call, is what
    // every ipmitool process costs this machine, however it is started.
    /** Each command's median latency over `samples` calls to one BMC, one call after another. */
    const callLatencies = async (samples: number) => {
      const latencies: number[] = [];
      for (const command of COMMANDS) {
        const times: number[] = [];
        for (let i = 0; i < samples; i++) {
          const started = performance.now();
          await execa('ipmitool', [...base(fleet.bmcs[0]!), ...command], { env });
          times.push(performance.now() - started);
        }
        latencies.push(median(times));
      }
      return latencies;
    };
    const single = cpuNow(fleet);
    const latency = await callLatencies(15);
    const singleCpu = cpuSince(fleet, single);
    const callCpu = singleCpu.children / (15 * COMMANDS.length);
    const waves = Math.ceil(MACHINES / CONCURRENCY);
    const ideal = latency.reduce((sum, ms) => sum + ms, 0) * waves;

    // (a) The same commands, one machine after another, from a shell loop.
    const loopScript = path.join(dir, 'loop.sh');
    const ports = fleet.bmcs.map((bmc) => bmc.port).join(' ');
    const loopCalls = COMMANDS.map(
      (command) =>
        `  ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U admin -E -C 3 -N 1 -R 1 ${command.join(' ')} >/dev/null`,
    );
    await writeFile(loopScript, `set -e\nfor port in ${ports}; do\n${loopCalls.join('\n')}\ndone\n`);

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
      const cpu = cpuNow(fleet);
      const started = performance.now();
      const done = await engine.execute(run.id, { all: true }, 'bench');
      const elapsed = performance.now() - started;
      const used = cpuSince(fleet, cpu);
      const steps = await store.listSteps(run.id);
      if (done.status !== 'succeeded') {
        const errors = steps.map((step) => `${step.cell}: ${step.error?.message ?? step.status}`);
        throw new Error(`the benchmark run ${done.status}: ${errors.join('; ')}`);
      }
      const calls = steps
        .flatMap((step) => (step.result as IpmiResult).machines)
        .reduce((sum, machine) => sum + machine.commands, 0);
      return { elapsed, used, calls };
    };

    type Cpu = ReturnType<typeof cpuSince>;
    const times = { loop: [] as number[], zero: [] as number[], standard: [] as number[] };
    const cpu = { loop: [] as Cpu[], standard: [] as Cpu[] };
    let invocations = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await powerOffAll();
      const before = cpuNow(fleet);
      const started = performance.now();
      await execa('bash', [loopScript], { env });
      times.loop.push(performance.now() - started);
      cpu.loop.push(cpuSince(fleet, before));
      await powerOffAll();
      times.zero.push((await stackbook(0)).elapsed);
      await powerOffAll();
      const standard = await stackbook(100);
      times.standard.push(standard.elapsed);
      cpu.standard.push(standard.used);
      invocations = standard.calls;
    }
    const loop = median(times.loop);
    const fast = median(times.zero);
    const standard = median(times.standard);
    const cpuOf = (runs: Cpu[], key: keyof Cpu) => median(runs.map((run) => run[key]));
    const cores = os.availableParallelism();
    const ours = {
      node: cpuOf(cpu.standard, 'node'),
      ipmitool: cpuOf(cpu.standard, 'children'),
      bmcs: cpuOf(cpu.standard, 'bmcs'),
    };
    const oursTotal = ours.node + ours.ipmitool + ours.bmcs;
    // (c) However the work is spread, this machine's cores must do it: the simulated BMCs' share (theirs in
    // stackbook's run) and, for any client, at least one ipmitool process per machine and cell.
    const processes = MACHINES * 2;
    const floor = ((ours.bmcs + processes * callCpu) / cores) * 1000;
    const s = (seconds: number) => `${seconds.toFixed(2)} s`;
    console.log(
      `IPMI fan-out: boot device PXE + power on, ${MACHINES} simulated BMCs, ${CONCURRENCY} at a time (median of ${ROUNDS})`,
    );
    console.log(
      `  one call: ${COMMANDS.map((command, i) => `${command.slice(0, 2).join(' ')} ${latency[i]!.toFixed(0)} ms`).join(', ')}; CPU per call: ipmitool ${(callCpu * 1000).toFixed(1)} ms, BMC ${((singleCpu.bmcs / (15 * COMMANDS.length)) * 1000).toFixed(1)} ms`,
    );
    console.log(
      `  (plain ipmitool, reading the full IANA registry: power status ${median(plain).toFixed(0)} ms)`,
    );
    console.log(
      `  (a) sequential shell loop, 4 calls a machine   ${loop.toFixed(0)} ms (CPU: bash + ipmitool ${s(cpuOf(cpu.loop, 'children'))}, BMCs ${s(cpuOf(cpu.loop, 'bmcs'))})`,
    );
    console.log(`  (b) ideal: one call each × ${waves} waves            ${ideal.toFixed(0)} ms`);
    console.log(
      `  stackbook, min_interval 0 ms                   ${fast.toFixed(0)} ms: ${(loop / fast).toFixed(1)}× faster than the loop (target ≥ 10×), ${(fast / ideal).toFixed(2)}× the ideal (target ≤ 1.5×)`,
    );
    console.log(
      `  stackbook, min_interval 100 ms (the default)   ${standard.toFixed(0)} ms: ${(loop / standard).toFixed(1)}× faster than the loop, ${(standard / ideal).toFixed(2)}× the ideal`,
    );
    console.log(
      `    its CPU: node ${s(ours.node)} + ipmitool ${s(ours.ipmitool)} (${invocations} calls) + BMCs ${s(ours.bmcs)} = ${s(oursTotal)}; over ${cores} cores ≥ ${((oursTotal / cores) * 1000).toFixed(0)} ms`,
    );
    console.log(
      `  (c) CPU floor: the BMCs' ${s(ours.bmcs)} + ${processes} ipmitool processes (one per machine and cell) × ${(callCpu * 1000).toFixed(1)} ms, over ${cores} cores: no run of these cells takes less than ${floor.toFixed(0)} ms here, so at best ${(loop / floor).toFixed(1)}× faster than the loop and ${(floor / ideal).toFixed(2)}× the ideal`,
    );

    // (d) The same, with BMCs that take a real BMC's time: each chassis request answered after 100 ms
    // (a BMC's firmware reading its power controller), where ipmi_sim on loopback answers at once and this
    // machine's 2 cores become the limit. One round: the loop alone takes most of a minute.
    await Promise.all(fleet.bmcs.map((bmc) => fleet.setDelay(bmc.name, BMC_DELAY_S)));
    const slowLatency = await callLatencies(3);
    const slowIdeal = slowLatency.reduce((sum, ms) => sum + ms, 0) * waves;
    await powerOffAll();
    const slowStarted = performance.now();
    await execa('bash', [loopScript], { env });
    const slowLoop = performance.now() - slowStarted;
    await powerOffAll();
    const slow = (await stackbook(100)).elapsed;
    console.log(
      `  (d) BMCs answering each chassis request after ${BMC_DELAY_S * 1000} ms, as real BMCs take their time (one round):`,
    );
    console.log(
      `      one call: ${COMMANDS.map((command, i) => `${command.slice(0, 2).join(' ')} ${slowLatency[i]!.toFixed(0)} ms`).join(', ')}; loop ${slowLoop.toFixed(0)} ms; ideal ${slowIdeal.toFixed(0)} ms`,
    );
    console.log(
      `      stackbook, min_interval 100 ms ${slow.toFixed(0)} ms: ${(slowLoop / slow).toFixed(1)}× faster than the loop (target ≥ 10×), ${(slow / slowIdeal).toFixed(2)}× the ideal (target ≤ 1.5×)`,
    );
  } finally {
    await store.close();
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
