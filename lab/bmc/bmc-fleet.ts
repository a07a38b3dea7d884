import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { chmod, mkdir, readFile, readlink, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startDaemon, stopDaemon } from '../../drivers/exec.ts';
import { fanOut } from '../../drivers/fan-out.ts';
import { processAlive } from '../../drivers/process-alive.ts';
import type { DatacentreInput } from '../../server/runbook/datacentre-schema.ts';
import { shellQuote } from '../../server/runbook/templates.ts';

const CHASSIS_CONTROL = fileURLToPath(new URL('./chassis-control.sh', import.meta.url));
const FLEET_FILE = 'fleet.json';
/** The BMC of an IPMI 2.0 machine as OpenIPMI's simulator knows it (see LAB-NOTES). */
const EMU = [
  'mc_setbmc 0x20',
  'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr',
  'sel_enable 0x20 1000 0x0a',
  'mc_enable 0x20',
  '',
].join('\n');
const LOGIN = /^[A-Za-z0-9_.-]{1,16}$/;

/** A machine to simulate: its BMC's login and, optionally, the program that stands for it while powered on. */
export interface SimulatedMachine {
  name: string;
  user?: string;
  /** Letters, digits, `_.-`, at most 16 (IPMI's limit); default: a random one shared by the fleet. */
  password?: string;
  mac?: string[];
  labels?: string[];
  /** Started when the machine powers on (with STACKBOOK_BOOT_DEVICE set), stopped when it powers off. */
  command?: string[];
  /** A failed power supply: the BMC accepts power on, and the machine stays off. */
  powerFault?: boolean;
}

/** One running simulated BMC. */
export interface SimulatedBmc {
  name: string;
  address: string;
  port: number;
  pid: number;
  /** Its state folder: power, boot, chassis.log, machine.log, console.log. */
  dir: string;
  user: string;
  password: string;
  mac: string[];
  labels: string[];
}

export interface FleetOptions {
  /** Where the fleet keeps its state (one folder per machine, and fleet.json). */
  dir: string;
  machines: SimulatedMachine[];
  address?: string;
}

/** A free UDP port on `address`, as the kernel hands out for port 0. */
async function freeUdpPort(address: string): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, resolve);
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** The inodes of the UDP sockets bound to `port` (IPv4), from /proc/net/udp. */
async function udpSocketInodes(port: number): Promise<string[]> {
  const table = await readFile('/proc/net/udp', 'utf8');
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1]?.endsWith(`:${hex}`))
    .map((fields) => fields[9]!);
}

async function socketInodesOf(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const dir = `/proc/${pid}/fd`;
  for (const fd of await readdir(dir).catch(() => [])) {
    const target = await readlink(path.join(dir, fd)).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]!);
  }
  return inodes;
}

/**
 * Waits until `pid` listens on `port` alone. ipmi_sim shares a port already in use without a word, so a
 * port someone else took in the meantime is found here, not by a BMC that answers for two machines.
 */
async function listensAlone(pid: number, port: number): Promise<boolean> {
  for (let tries = 0; tries < 150; tries++) {
    if (!processAlive(pid)) return false;
    const bound = await udpSocketInodes(port);
    const ours = await socketInodesOf(pid);
    if (bound.some((inode) => ours.has(inode))) return bound.length === 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

function lanConf(bmc: SimulatedBmc): string {
  const guid = randomBytes(16).toString('hex');
  const auths = 'none md2 md5 straight';
  return [
    `name "${bmc.name}"`,
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr ${bmc.address} ${bmc.port}`,
    '    priv_limit admin',
    ...['callback', 'user', 'operator', 'admin'].map((level) => `    allowed_auths_${level} ${auths}`),
    `    guid ${guid}`,
    '  endlan',
    // ipmi_sim runs `sh -c "<this> get power"` for every chassis request. That shell sources the program
    // through a function, whose arguments become the program's (`<dir> get power`), instead of starting a
    // second shell for it: one process per request, not two.
    `  chassis_control "sb_chassis() { . ${shellQuote(CHASSIS_CONTROL)}; }; sb_chassis ${shellQuote(bmc.dir)}"`,
    `  user 2 true "${bmc.user}" "${bmc.password}" admin 10 ${auths}`,
    '',
  ].join('\n');
}

/** A MAC in QEMU's range for the i-th machine of a fleet; `prefix` (four octets) tells fleets apart. */
export function macOf(index: number, prefix = '52:54:00:5b'): string {
  return `${prefix}:${((index >> 8) & 0xff).toString(16).padStart(2, '0')}:${(index & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * Simulated BMCs: one OpenIPMI `ipmi_sim` per machine on its own loopback UDP port, whose chassis keeps
 * power and boot device in files and starts and stops the machine's process. The real ipmitool drives them
 * as it drives a datacentre's BMCs. State survives this process: `BmcFleet.load(dir)` finds a running fleet.
 */
export class BmcFleet {
  private constructor(
    readonly dir: string,
    readonly bmcs: SimulatedBmc[],
  ) {}

  static async start(options: FleetOptions): Promise<BmcFleet> {
    const address = options.address ?? '127.0.0.1';
    const shared = randomBytes(9).toString('base64url');
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    const seen = new Set<string>();
    for (const machine of options.machines) {
      if (seen.has(machine.name)) throw new Error(`machine ${machine.name} is named twice`);
      seen.add(machine.name);
      for (const login of [machine.user, machine.password])
        if (login !== undefined && !LOGIN.test(login))
          throw new Error(`machine ${machine.name}: a BMC user or password is 1-16 of A-Z a-z 0-9 _ . -`);
    }
    const bmcs: SimulatedBmc[] = [];
    const fleet = new BmcFleet(options.dir, bmcs);
    try {
      await fanOut(options.machines, 8, async (machine, index) => {
        bmcs.push(await startBmc(options.dir, address, machine, index, machine.password ?? shared));
      });
      bmcs.sort(
        (a, b) =>
          options.machines.findIndex((m) => m.name === a.name) -
          options.machines.findIndex((m) => m.name === b.name),
      );
      await fleet.#save();
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    return fleet;
  }

  /** The fleet started in `dir` by this or another process, if any. */
  static async load(dir: string): Promise<BmcFleet | undefined> {
    try {
      const bmcs = JSON.parse(await readFile(path.join(dir, FLEET_FILE), 'utf8')) as SimulatedBmc[];
      return new BmcFleet(dir, bmcs);
    } catch {
      return undefined;
    }
  }

  bmc(name: string): SimulatedBmc {
    const bmc = this.bmcs.find((candidate) => candidate.name === name);
    if (!bmc) throw new Error(`no simulated BMC for ${name}`);
    return bmc;
  }

  /** Whether each BMC's ipmi_sim still runs. */
  alive(): Record<string, boolean> {
    return Object.fromEntries(this.bmcs.map((bmc) => [bmc.name, processAlive(bmc.pid)]));
  }

  /** A machine as its chassis sees it: power, next boot device, and the chassis commands it was sent. */
  async state(
    name: string,
  ): Promise<{ power: 'on' | 'off'; boot: string; chassis: string[]; machine: string[] }> {
    const dir = this.bmc(name).dir;
    const read = (file: string) => readFile(path.join(dir, file), 'utf8').catch(() => '');
    const pid = Number((await read('machine.pid')).trim());
    const hasMachine = (await read('machine')) !== '';
    const power = hasMachine ? pid > 0 && processAlive(pid) : (await read('power')).trim() === '1';
    const lines = (text: string) => text.split('\n').filter(Boolean);
    return {
      power: power ? 'on' : 'off',
      boot: (await read('boot')).trim() || 'default',
      chassis: lines(await read('chassis.log')),
      machine: lines(await read('machine.log')),
    };
  }

  /**
   * Makes a BMC answer its chassis requests only after `seconds` (a busy or distant BMC); undefined makes it
   * prompt again. `nextRead` slows only the next read of power or boot device (a BMC that hiccups once).
   */
  async setDelay(
    name: string,
    seconds: number | undefined,
    options: { nextRead?: boolean } = {},
  ): Promise<void> {
    const file = path.join(this.bmc(name).dir, 'delay');
    if (seconds === undefined) await rm(file, { force: true });
    else await writeFile(file, options.nextRead ? `${seconds} get once\n` : `${seconds}\n`);
  }

  /**
   * The fleet as a datacentre's machines, in TripleO's nodes.json fields; the password is the secret
   * `secretName` (see `secrets()`).
   */
  machines(secretName: string): NonNullable<DatacentreInput['machines']> {
    return this.bmcs.map((bmc) => ({
      name: bmc.name,
      mac: bmc.mac,
      arch: 'x86_64',
      pm_type: 'ipmi',
      pm_addr: bmc.address,
      pm_port: bmc.port,
      pm_user: bmc.user,
      pm_password: { secret: secretName },
      ...(bmc.labels.length ? { labels: bmc.labels } : {}),
    }));
  }

  /** `secrets.env` lines for `machines(secretName)`: one secret when the fleet shares one password. */
  secrets(secretName: string): string {
    const passwords = new Set(this.bmcs.map((bmc) => bmc.password));
    if (passwords.size > 1)
      throw new Error('the fleet has several passwords: give each machine its own secret');
    return `${secretName}=${[...passwords][0] ?? ''}\n`;
  }

  /** Writes `<dir>/datacentre.yaml` and `<dir>/secrets.env` for a datacentre made of this fleet. */
  async writeDatacentre(dir: string, name: string, extra: Partial<DatacentreInput> = {}): Promise<void> {
    const secret = `${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_IPMI_PASSWORD`;
    await mkdir(dir, { recursive: true });
    const profile: DatacentreInput = {
      name,
      description: `${this.bmcs.length} simulated machines behind ipmi_sim BMCs on loopback`,
      ...extra,
      machines: this.machines(secret),
    };
    const header =
      '# Written by stackbook lab: simulated BMCs (ipmi_sim) on loopback. Regenerated on `lab up`.\n';
    await writeFile(path.join(dir, 'datacentre.yaml'), header + stringify(profile));
    await writeFile(path.join(dir, 'secrets.env'), this.secrets(secret), { mode: 0o600 });
  }

  /** Stops every BMC and the machine processes they started, by pid. */
  async stop(): Promise<void> {
    await Promise.all(
      this.bmcs.map(async (bmc) => {
        await stopDaemon(bmc.pid);
        const pid = Number(
          (await readFile(path.join(bmc.dir, 'machine.pid'), 'utf8').catch(() => '')).trim(),
        );
        if (pid > 0) await stopDaemon(pid);
      }),
    );
    await rm(path.join(this.dir, FLEET_FILE), { force: true });
  }

  async #save(): Promise<void> {
    await writeFile(path.join(this.dir, FLEET_FILE), JSON.stringify(this.bmcs, null, 2), { mode: 0o600 });
  }
}

async function startBmc(
  root: string,
  address: string,
  machine: SimulatedMachine,
  index: number,
  password: string,
): Promise<SimulatedBmc> {
  const dir = path.join(root, machine.name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'sim'), { recursive: true, mode: 0o700 });
  await writeFile(path.join(dir, 'bmc.emu'), EMU);
  await writeFile(path.join(dir, 'power'), '0\n');
  await writeFile(path.join(dir, 'boot'), 'default\n');
  if (machine.powerFault) await writeFile(path.join(dir, 'power-fault'), '');
  if (machine.command?.length) {
    await writeFile(
      path.join(dir, 'machine'),
      `#!/bin/sh\nexec ${machine.command.map(shellQuote).join(' ')}\n`,
    );
    await chmod(path.join(dir, 'machine'), 0o700);
  }
  for (let tries = 0; ; tries++) {
    const bmc: SimulatedBmc = {
      name: machine.name,
      address,
      port: await freeUdpPort(address),
      pid: 0,
      dir,
      user: machine.user ?? 'admin',
      password,
      mac: machine.mac ?? [macOf(index)],
      labels: machine.labels ?? [],
    };
    await writeFile(path.join(dir, 'lan.conf'), lanConf(bmc), { mode: 0o600 });
    bmc.pid = await startDaemon('ipmi_sim', ['-c', 'lan.conf', '-f', 'bmc.emu', '-s', 'sim', '-n'], {
      cwd: dir,
      logFile: path.join(dir, 'ipmi_sim.log'),
    });
    if (await listensAlone(bmc.pid, bmc.port)) return bmc;
    await stopDaemon(bmc.pid);
    if (tries >= 4) throw new Error(`ipmi_sim for ${machine.name} did not start (see ${dir}/ipmi_sim.log)`);
  }
}
