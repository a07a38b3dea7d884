import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDaemon, stopDaemon } from '../exec.ts';
import { processAlive } from '../process-alive.ts';
import { writeFileAtomic } from '../../server/runbook/write-file-atomic.ts';
import {
  installPxelinux,
  removeMachineBootConfig,
  writeDefaultBootConfigs,
  writeMachineBootConfig,
  type MachineBootConfig,
} from './boot-configs.ts';
import { Dnsmasq, type DnsmasqHost, type DnsmasqSettings } from './dnsmasq.ts';
import { inNamespace } from './netns.ts';
import { dhcpHostname, normaliseMac } from './pxe-values.ts';

const CLI = fileURLToPath(new URL('../../server/cli/bin.js', import.meta.url));

/** Where a datacentre's PXE service answers. */
export interface PxeEndpoint {
  interface: string;
  namespace?: string;
  address: string;
  netmask: string;
  /** The subnet's address. */
  network: string;
}

/** A machine the service boots, and from where in its logs to look for it. */
export interface ConfiguredMachine {
  macs: string[];
  kernel: string;
  initrd?: string;
  /** Sizes of the DHCP log and the TFTP events file when it was configured: its boot comes after. */
  from: { dhcp: number; tftp: number };
}

interface State {
  endpoint: PxeEndpoint;
  mode: 'range' | 'proxy';
  tftp: { pid: number; port: number };
  machines: Record<string, ConfiguredMachine>;
}

async function sizeOf(file: string): Promise<number> {
  return (await stat(file).catch(() => undefined))?.size ?? 0;
}

/**
 * A datacentre's PXE service: stackbook's TFTP server (`stackbook tftp-serve`, a daemon) and dnsmasq for
 * DHCP, both in the datacentre's network namespace when it has one, with the boot files of the machines it
 * is told to boot. Its state lives in `<site>/pxe/`, so later runs (and other processes) find it; its daemons
 * are stopped by pid.
 */
export class PxeService {
  private constructor(
    readonly dir: string,
    private state: State,
    readonly dnsmasq: Dnsmasq,
  ) {}

  static files(siteDir: string) {
    const dir = path.join(siteDir, 'pxe');
    return {
      dir,
      state: path.join(dir, 'state.json'),
      root: path.join(dir, 'boot'),
      tftpEvents: path.join(dir, 'tftp-events.jsonl'),
      tftpLog: path.join(dir, 'tftp.log'),
      dnsmasq: path.join(dir, 'dnsmasq'),
    };
  }

  get endpoint(): PxeEndpoint {
    return this.state.endpoint;
  }
  get mode(): 'range' | 'proxy' {
    return this.state.mode;
  }
  get tftp(): { pid: number; port: number } {
    return this.state.tftp;
  }
  get machines(): Readonly<Record<string, ConfiguredMachine>> {
    return this.state.machines;
  }
  get paths() {
    return PxeService.files(path.dirname(this.dir));
  }

  /** Starts TFTP and DHCP on `endpoint`, with default boot files that boot unknown machines from disk. */
  static async start(
    siteDir: string,
    options: {
      endpoint: PxeEndpoint;
      mode: 'range' | 'proxy';
      range?: [string, string];
      ignoreUnknown: boolean;
      routerAdvertisements: boolean;
      tftpPort: number;
    },
  ): Promise<PxeService> {
    const files = PxeService.files(siteDir);
    await mkdir(files.root, { recursive: true });
    await installPxelinux(files.root);
    await writeDefaultBootConfigs(files.root);
    await rm(files.tftpEvents, { force: true });
    const { endpoint } = options;
    const [file, args] = inNamespace(endpoint.namespace, process.execPath, [
      CLI,
      'tftp-serve',
      '--root',
      files.root,
      '--address',
      endpoint.address,
      '--port',
      String(options.tftpPort),
      '--events',
      files.tftpEvents,
    ]);
    await rm(files.tftpLog, { force: true });
    const tftpPid = await startDaemon(file, args, { logFile: files.tftpLog });
    try {
      await waitForListening(tftpPid, files.tftpLog);
      const settings: DnsmasqSettings = {
        interface: endpoint.interface,
        serverAddress: endpoint.address,
        dhcp:
          options.mode === 'proxy'
            ? { kind: 'proxy', network: endpoint.network, netmask: endpoint.netmask }
            : { kind: 'range', start: options.range![0], end: options.range![1], netmask: endpoint.netmask },
        boot: { bios: 'pxelinux.0', ipxe: 'boot.ipxe' },
        ignoreUnknown: options.ignoreUnknown,
        routerAdvertisements: options.routerAdvertisements,
        // The files under the data folder are private to the user running stackbook.
        user: 'root',
      };
      const dnsmasq = await Dnsmasq.start({
        dir: files.dnsmasq,
        config: settings,
        hosts: [],
        ...(endpoint.namespace ? { namespace: endpoint.namespace } : {}),
      });
      const service = new PxeService(
        files.dir,
        { endpoint, mode: options.mode, tftp: { pid: tftpPid, port: options.tftpPort }, machines: {} },
        dnsmasq,
      );
      await service.#save();
      return service;
    } catch (error) {
      await stopDaemon(tftpPid);
      throw error;
    }
  }

  /** The service started in this site by this or another process, if its state is there. */
  static async load(siteDir: string): Promise<PxeService | undefined> {
    const files = PxeService.files(siteDir);
    const text = await readFile(files.state, 'utf8').catch(() => undefined);
    const dnsmasq = text === undefined ? undefined : await Dnsmasq.load(files.dnsmasq);
    if (!text || !dnsmasq) return undefined;
    return new PxeService(files.dir, JSON.parse(text) as State, dnsmasq);
  }

  /** Whether both daemons still run. */
  alive(): { tftp: boolean; dhcp: boolean } {
    return { tftp: processAlive(this.state.tftp.pid), dhcp: this.dnsmasq.alive() };
  }

  /**
   * Boots `machine` with this kernel and initrd from now on: copies them into the boot root (once per
   * content), writes its per-MAC pxelinux and iPXE files, and makes dnsmasq know its MACs (a reload).
   */
  async configure(
    machines: readonly { name: string; macs: string[] }[],
    boot: { kernel: string; initrd?: string; commandLine?: string; imageUrl?: string },
  ): Promise<Record<string, string[]>> {
    const { root, tftpEvents } = this.paths;
    const kernel = await this.#install(boot.kernel);
    const initrd = boot.initrd === undefined ? undefined : await this.#install(boot.initrd);
    const from = { dhcp: await sizeOf(this.dnsmasq.files.log), tftp: await sizeOf(tftpEvents) };
    const written: Record<string, string[]> = {};
    for (const machine of machines) {
      const config: MachineBootConfig = {
        name: machine.name,
        mac: machine.macs,
        kernel,
        ...(initrd ? { initrd } : {}),
        ...(boot.commandLine ? { commandLine: boot.commandLine } : {}),
        ...(boot.imageUrl ? { imageUrl: boot.imageUrl } : {}),
      };
      written[machine.name] = await writeMachineBootConfig(root, config);
      this.state.machines[machine.name] = { macs: machine.macs, kernel, ...(initrd ? { initrd } : {}), from };
    }
    await this.#publishHosts();
    return written;
  }

  /** Forgets machines: their boot files go, and dnsmasq no longer answers them. */
  async release(names: readonly string[]): Promise<string[]> {
    const released: string[] = [];
    for (const name of names) {
      const machine = this.state.machines[name];
      if (!machine) continue;
      await removeMachineBootConfig(this.paths.root, { mac: machine.macs });
      delete this.state.machines[name];
      released.push(name);
    }
    await this.#publishHosts();
    return released;
  }

  /** Stops TFTP and DHCP by pid and forgets the service's state (the boot files stay for a later start). */
  async stop(): Promise<void> {
    await stopDaemon(this.state.tftp.pid);
    await this.dnsmasq.stop();
    await rm(this.paths.state, { force: true });
  }

  async #publishHosts(): Promise<void> {
    const hosts: DnsmasqHost[] = Object.entries(this.state.machines).flatMap(([name, machine]) => {
      const hostname = dhcpHostname(name);
      return machine.macs.map((mac) => ({ mac, ...(hostname ? { name: hostname } : {}) }));
    });
    await this.dnsmasq.setHosts(hosts);
    await this.#save();
  }

  /** Puts a host file into the boot root under a name made of its content, so machines share one copy. */
  async #install(source: string): Promise<string> {
    const hash = createHash('sha256');
    hash.update(await readFile(source));
    const relative = `images/${hash.digest('hex').slice(0, 16)}/${path.basename(source)}`;
    const target = path.join(this.paths.root, relative);
    if (!(await stat(target).catch(() => undefined))) {
      await mkdir(path.dirname(target), { recursive: true });
      // Under a temporary name first: a machine never fetches half a kernel.
      await copyFile(source, `${target}.part`);
      await rename(`${target}.part`, target);
    }
    return relative;
  }

  async #save(): Promise<void> {
    await writeFileAtomic(this.paths.state, JSON.stringify(this.state, null, 2));
  }
}

/** The MACs of a machine record, normalised. */
export function macsOf(mac: string | readonly string[]): string[] {
  return (typeof mac === 'string' ? [mac] : [...mac]).map((value) => normaliseMac(value, 'mac'));
}

/** Waits for the TFTP daemon to say it listens; its log says why when it does not. */
async function waitForListening(pid: number, log: string): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    const text = await readFile(log, 'utf8').catch(() => '');
    if (/listening on /.test(text)) return;
    if (!processAlive(pid))
      throw new Error(`the TFTP server did not start: ${text.trim().split('\n').slice(-3).join(' ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the TFTP server did not start within 15 s');
}
