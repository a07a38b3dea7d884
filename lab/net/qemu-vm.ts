import { mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startDaemon, stopDaemon } from '../../drivers/exec.ts';
import { processAlive } from '../../drivers/process-alive.ts';
import { inNamespace } from '../../drivers/pxe/netns.ts';
import { assertInterfaceName, normaliseMac } from '../../drivers/pxe/pxe-values.ts';

/** qemu splits option values on commas; a path holding one would change the option. */
const QEMU_PATH = /^\/[A-Za-z0-9_.+/-]*$/;

export interface VmOptions {
  /** The VM's folder: `console.log` (serial), `qemu.log` (qemu's own output), `sercon`. */
  dir: string;
  /** The tap device its NIC uses, inside `namespace` (see `LabNetwork.addTap`). */
  tap: string;
  namespace?: string;
  mac: string;
  /** MiB of memory (default 256). */
  memory?: number;
  /** NIC first in the boot order with its iPXE ROM (default); false: no network boot at all. */
  netboot?: boolean;
  /** Mirror the firmware's screen (SeaBIOS, iPXE, pxelinux) to the serial log (default true). */
  firmwareOnSerial?: boolean;
  program?: string;
}

function qemuPath(file: string): string {
  if (!QEMU_PATH.test(file)) throw new Error(`qemu cannot take this path in an option: ${file}`);
  return file;
}

/**
 * The qemu command line for a lab machine (the LAB-NOTES flags): TCG (the iPXE ROM fails under KVM), no
 * display, no default devices, no reboot (a failed boot ends the process), serial to a file, one virtio NIC on
 * a tap with the given MAC. A BMC's `chassis_control` can start this same command.
 */
export function vmCommand(options: VmOptions): [string, string[]] {
  const dir = qemuPath(path.resolve(options.dir));
  const args = [
    '-accel',
    'tcg',
    '-m',
    String(options.memory ?? 256),
    '-display',
    'none',
    '-nodefaults',
    '-no-reboot',
    '-serial',
    `file:${path.join(dir, 'console.log')}`,
    '-netdev',
    `tap,id=n0,ifname=${assertInterfaceName(options.tap, 'tap')},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=n0,mac=${normaliseMac(options.mac)}${options.netboot === false ? ',romfile=' : ',bootindex=1'}`,
  ];
  if (options.firmwareOnSerial !== false) {
    // SeaBIOS copies its screen to the serial port named in etc/sercon-port (0x3f8, little-endian).
    args.push('-fw_cfg', `name=etc/sercon-port,file=${path.join(dir, 'sercon')}`);
  }
  return inNamespace(options.namespace, options.program ?? 'qemu-system-x86_64', args);
}

/**
 * Makes a VM's folder ready for `vmCommand`'s command line (the firmware's serial-console file), without a
 * console log from an earlier boot. For a VM started later by someone else, e.g. a simulated BMC.
 */
export async function prepareVmFolder(folder: string): Promise<string> {
  const dir = path.resolve(folder);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'sercon'), Buffer.from([0xf8, 0x03]));
  await rm(path.join(dir, 'console.log'), { force: true });
  return dir;
}

/** Whether process `pid` has a tun descriptor attached to `tap` (the kernel names it in the fd's fdinfo). */
async function holdsTap(pid: number, tap: string): Promise<boolean> {
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) !== '/dev/net/tun') continue;
    const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
    if (info.split('\n').includes(`iff:\t${tap}`)) return true;
  }
  return false;
}

/** A lab machine: qemu started by pid, with its serial console in a file. */
export class QemuVm {
  private constructor(
    readonly pid: number,
    readonly dir: string,
    readonly mac: string,
  ) {}

  get consoleLog(): string {
    return path.join(this.dir, 'console.log');
  }

  /** Starts qemu and answers once it has attached to its tap, or fails with qemu's words. */
  static async start(options: VmOptions): Promise<QemuVm> {
    const dir = await prepareVmFolder(options.dir);
    const [file, args] = vmCommand({ ...options, dir });
    const log = path.join(dir, 'qemu.log');
    const pid = await startDaemon(file, args, { logFile: log, cwd: dir });
    const vm = new QemuVm(pid, dir, normaliseMac(options.mac));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (!processAlive(pid)) {
        const output = (await readFile(log, 'utf8').catch(() => '')).trim();
        throw new Error(`qemu exited: ${output.split('\n').slice(-3).join(' / ') || 'no message'}`);
      }
      if (await holdsTap(pid, options.tap)) return vm;
      if (Date.now() > deadline) {
        await stopDaemon(pid);
        throw new Error(`qemu (pid ${pid}) did not open ${options.tap} within 10 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  alive(): boolean {
    return processAlive(this.pid);
  }

  /** The serial console so far, without the terminal's escape sequences and carriage returns. */
  async console(): Promise<string> {
    const text = await readFile(this.consoleLog, 'utf8').catch(() => '');
    // eslint-disable-next-line no-control-regex
    return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  }

  async stop(): Promise<void> {
    await stopDaemon(this.pid);
  }
}
