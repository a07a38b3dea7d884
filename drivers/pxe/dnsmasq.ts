import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startDaemon, stopDaemon } from '../exec.ts';
import { processAlive } from '../process-alive.ts';
import { dnsmasqConfig, dnsmasqHostsFile, type DnsmasqConfig, type DnsmasqHost } from './dnsmasq-config.ts';
import { followDnsmasqLog, parseDnsmasqLog, type DnsmasqLogEvent, type LogFollower } from './dnsmasq-log.ts';
import { inNamespace } from './netns.ts';

export * from './dnsmasq-config.ts';
export * from './dnsmasq-log.ts';

/** dnsmasq's settings without its files, which `Dnsmasq.start` places in its folder. */
export type DnsmasqSettings = Omit<DnsmasqConfig, 'hostsFile' | 'logFile' | 'leaseFile' | 'pidFile'>;

export interface DnsmasqStartOptions {
  /** dnsmasq's own folder: `dnsmasq.conf`, `hosts`, `leases`, `dnsmasq.log`, `output.log`, `dnsmasq.json`. */
  dir: string;
  config: DnsmasqSettings;
  /** The machines it knows at start; `setHosts` changes them without a restart. */
  hosts?: readonly DnsmasqHost[];
  /** Run inside this network namespace (`ip netns exec`), where `config.interface` lives. */
  namespace?: string;
  /** How long to wait for dnsmasq to serve (default 10 s). */
  timeoutMs?: number;
  program?: string;
}

/** dnsmasq failed to start, reload or parse its configuration; the message carries its own words. */
export class DnsmasqError extends Error {
  readonly code = 'DNSMASQ_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'DnsmasqError';
  }
}

export interface DnsmasqFiles {
  conf: string;
  hosts: string;
  leases: string;
  /** The DHCP (and TFTP) log that `events()` reads. */
  log: string;
  /** dnsmasq's standard output and error: start-up failures land here. */
  output: string;
  pid: string;
  state: string;
}

interface SavedState {
  pid: number;
  namespace?: string;
  config: DnsmasqSettings;
}

function filesIn(dir: string): DnsmasqFiles {
  const file = (name: string) => path.join(dir, name);
  return {
    conf: file('dnsmasq.conf'),
    hosts: file('hosts'),
    leases: file('leases'),
    log: file('dnsmasq.log'),
    output: file('output.log'),
    pid: file('dnsmasq.pid'),
    state: file('dnsmasq.json'),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Written beside, then renamed over: a reader (dnsmasq on SIGHUP) never sees half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: 0o644 });
  await rename(temporary, file);
}

/**
 * dnsmasq drops root after start-up and re-reads the hosts file (and serves TFTP files) as that user, so each
 * folder on the way must be open to others; refused here with a clear message rather than as a silent failure
 * at the first reload.
 */
async function assertReachable(dir: string, what: string): Promise<void> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0)
      throw new DnsmasqError(
        `dnsmasq runs as an unprivileged user, which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}) to read its ${what}`,
      );
    if (current === path.dirname(current)) return;
  }
}

/**
 * A dnsmasq serving DHCP (and PXE) on one interface, started, reloaded and stopped by pid. Its machines live
 * in a `dhcp-hostsfile`, so configuring or releasing a machine is a SIGHUP, never a restart.
 */
export class Dnsmasq {
  readonly files: DnsmasqFiles;

  private constructor(
    readonly dir: string,
    readonly pid: number,
    readonly config: DnsmasqSettings,
    readonly namespace: string | undefined,
  ) {
    this.files = filesIn(dir);
  }

  /** The configuration file's text for these settings in `dir` (for plans and dry runs). */
  static configText(dir: string, config: DnsmasqSettings): string {
    const files = filesIn(path.resolve(dir));
    return dnsmasqConfig({
      ...config,
      hostsFile: files.hosts,
      logFile: files.log,
      leaseFile: files.leases,
      pidFile: files.pid,
    });
  }

  /** Writes the configuration and hosts file, starts dnsmasq and answers once it serves. */
  static async start(options: DnsmasqStartOptions): Promise<Dnsmasq> {
    const dir = path.resolve(options.dir);
    const files = filesIn(dir);
    const conf = Dnsmasq.configText(dir, options.config);
    const hosts = dnsmasqHostsFile(options.hosts ?? []);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
    if (options.config.user !== 'root') {
      await assertReachable(dir, 'hosts file');
      if (options.config.tftpRoot) await assertReachable(options.config.tftpRoot, 'TFTP files');
    }
    await writeAtomically(files.conf, conf);
    await writeAtomically(files.hosts, hosts);
    // A fresh log for a fresh process, so events() reads only this one's.
    await rm(files.log, { force: true });
    await writeFile(files.output, '');

    const [file, args] = inNamespace(options.namespace, options.program ?? 'dnsmasq', [
      '--keep-in-foreground',
      `--conf-file=${files.conf}`,
    ]);
    const pid = await startDaemon(file, args, { logFile: files.output, cwd: dir });
    const server = new Dnsmasq(dir, pid, options.config, options.namespace);
    try {
      await server.#waitForLine(0, `read ${files.hosts}`, options.timeoutMs ?? 10_000);
    } catch (error) {
      await stopDaemon(pid);
      throw error;
    }
    const state: SavedState = {
      pid,
      config: options.config,
      ...(options.namespace ? { namespace: options.namespace } : {}),
    };
    await writeFile(files.state, JSON.stringify(state, null, 2));
    return server;
  }

  /** The dnsmasq another process started in `dir`, if it still runs. */
  static async load(dir: string): Promise<Dnsmasq | undefined> {
    const files = filesIn(path.resolve(dir));
    const state = await readFile(files.state, 'utf8')
      .then((text) => JSON.parse(text) as SavedState)
      .catch(() => undefined);
    if (!state) return undefined;
    // A pid reused by another program is not ours: its command line must name our configuration.
    const command = await readFile(`/proc/${state.pid}/cmdline`, 'utf8').catch(() => '');
    if (!processAlive(state.pid) || !command.split('\0').includes(`--conf-file=${files.conf}`))
      return undefined;
    return new Dnsmasq(path.resolve(dir), state.pid, state.config, state.namespace);
  }

  alive(): boolean {
    return processAlive(this.pid);
  }

  /** Replaces the known machines and has dnsmasq re-read them (SIGHUP); answers once it has. */
  async setHosts(hosts: readonly DnsmasqHost[]): Promise<void> {
    await writeAtomically(this.files.hosts, dnsmasqHostsFile(hosts));
    await this.reload();
  }

  /** SIGHUP: dnsmasq re-reads its hosts file (leases and sockets stay); answers once it has. */
  async reload(timeoutMs = 5000): Promise<void> {
    if (!this.alive()) throw new DnsmasqError(`dnsmasq (pid ${this.pid}) is not running`);
    const offset = await stat(this.files.log).then(
      (s) => s.size,
      () => 0,
    );
    process.kill(this.pid, 'SIGHUP');
    await this.#waitForLine(offset, `read ${this.files.hosts}`, timeoutMs);
  }

  /** Everything this dnsmasq logged so far, as events. */
  async events(): Promise<DnsmasqLogEvent[]> {
    const text = await readFile(this.files.log, 'utf8').catch(() => '');
    return parseDnsmasqLog(text, { tftpRoot: this.config.tftpRoot });
  }

  /** Hands over each DHCP/TFTP event as dnsmasq logs it, from the start of its log. */
  follow(onEvent: (event: DnsmasqLogEvent) => void): LogFollower {
    return followDnsmasqLog(this.files.log, onEvent, { tftpRoot: this.config.tftpRoot });
  }

  /** Stops dnsmasq by pid (TERM, then KILL). */
  async stop(): Promise<void> {
    await stopDaemon(this.pid);
    await rm(this.files.state, { force: true });
  }

  /** Waits until the log, from `offset`, has a line containing `text`; fails with dnsmasq's own words. */
  async #waitForLine(offset: number, text: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.#logHas(offset, text)) return;
      if (!this.alive()) {
        const output = (await readFile(this.files.output, 'utf8').catch(() => '')).trim();
        throw new DnsmasqError(`dnsmasq exited: ${output.split('\n').slice(-5).join(' / ') || 'no message'}`);
      }
      if (Date.now() > deadline)
        throw new DnsmasqError(`dnsmasq (pid ${this.pid}) did not log "${text}" within ${timeoutMs} ms`);
      await sleep(25);
    }
  }

  async #logHas(offset: number, text: string): Promise<boolean> {
    const handle = await open(this.files.log, 'r').catch(() => undefined);
    if (!handle) return false;
    try {
      const { size } = await handle.stat();
      if (size <= offset) return false;
      const buffer = Buffer.alloc(size - offset);
      await handle.read(buffer, 0, buffer.length, offset);
      return buffer.toString('utf8').includes(text);
    } finally {
      await handle.close();
    }
  }
}
