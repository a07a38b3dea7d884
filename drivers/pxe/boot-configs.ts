import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  assertBootSource,
  assertCommandLine,
  assertMachineName,
  assertUrl,
  macWithDashes,
  normaliseMac,
} from './pxe-values.ts';

/** The iPXE script DHCP hands iPXE clients (`BootFiles.ipxe`): it chains each machine's own by MAC. */
export const IPXE_CHAIN_SCRIPT = 'boot.ipxe';
export const PXELINUX_DEFAULT = 'pxelinux.cfg/default';
export const IPXE_DEFAULT = 'ipxe/default.ipxe';

/** What one machine netboots, from a cell's arguments. */
export interface MachineBootConfig {
  /** The machine's name, shown on its console. */
  name: string;
  /** Its MAC, or all of them (a file per MAC, each naming its own as BOOTIF). */
  mac: string | readonly string[];
  /** A path inside the boot root (`images/node-1/vmlinuz`) or an http(s)/tftp URL (iPXE and lpxelinux only). */
  kernel: string;
  initrd?: string;
  /** The kernel command line; BOOTIF is added. */
  commandLine?: string;
  /** The image a deploy ramdisk writes to disk, passed on the command line as `image_url=URL`. */
  imageUrl?: string;
}

/** `pxelinux.cfg/01-52-54-00-12-34-56`: where pxelinux looks first for a client with this MAC (ARP type 1). */
export function pxelinuxConfigPath(mac: string): string {
  return `pxelinux.cfg/01-${macWithDashes(mac)}`;
}

/** `ipxe/52-54-00-12-34-56.ipxe`: what `boot.ipxe` chains for this MAC (iPXE's `${netX/mac:hexhyp}`). */
export function ipxeScriptPath(mac: string): string {
  return `ipxe/${macWithDashes(mac)}.ipxe`;
}

interface Checked {
  name: string;
  kernel: string;
  initrd?: string;
  commandLine: string;
}

function check(machine: MachineBootConfig, mac: string): Checked {
  const name = assertMachineName(machine.name, 'name');
  const kernel = assertBootSource(machine.kernel, 'kernel');
  const initrd = machine.initrd === undefined ? undefined : assertBootSource(machine.initrd, 'initrd');
  const words = [
    machine.commandLine === undefined ? '' : assertCommandLine(machine.commandLine, 'commandLine').trim(),
    machine.imageUrl === undefined ? '' : `image_url=${assertUrl(machine.imageUrl, 'imageUrl')}`,
    `BOOTIF=01-${macWithDashes(mac)}`,
  ];
  const commandLine = assertCommandLine(words.filter(Boolean).join(' '), 'commandLine');
  return { name, kernel, ...(initrd ? { initrd } : {}), commandLine };
}

/** The pxelinux configuration that boots `machine` through the NIC with this MAC, at once and without a menu. */
export function pxelinuxConfig(machine: MachineBootConfig, mac: string): string {
  const normal = normaliseMac(mac);
  const { name, kernel, initrd, commandLine } = check(machine, normal);
  return [
    `# stackbook: ${name} (${normal})`,
    'DEFAULT netboot',
    'PROMPT 0',
    'TIMEOUT 0',
    'LABEL netboot',
    `  KERNEL ${kernel}`,
    ...(initrd ? [`  INITRD ${initrd}`] : []),
    `  APPEND ${commandLine}`,
    '',
  ].join('\n');
}

/**
 * iPXE's reference for a boot file: a boot-root path becomes `/path`, which iPXE resolves against the URI of
 * the script itself (tftp://SERVER/ipxe/….ipxe), so the same server serves it.
 */
function ipxeSource(source: string): string {
  return /^[a-z]+:\/\//i.test(source) ? source : `/${source}`;
}

/** The iPXE script that boots `machine` through the NIC with this MAC; a failure retries after 10 s. */
export function ipxeScript(machine: MachineBootConfig, mac: string): string {
  const normal = normaliseMac(mac);
  const { name, kernel, initrd, commandLine } = check(machine, normal);
  return [
    '#!ipxe',
    `# stackbook: ${name} (${normal})`,
    `echo stackbook: netbooting ${name}`,
    // Named images, and initrd= on the command line, so EFI-stub kernels find their initrd too.
    `kernel --name kernel ${ipxeSource(kernel)} ${initrd ? 'initrd=initrd ' : ''}${commandLine} || goto failed`,
    ...(initrd ? [`initrd --name initrd ${ipxeSource(initrd)} || goto failed`] : []),
    'boot || goto failed',
    ':failed',
    `echo stackbook: netboot of ${name} failed, trying again in 10 seconds`,
    'sleep 10',
    'reboot',
    '',
  ].join('\n');
}

/** pxelinux's fallback: a machine without a configuration of its own boots from its local disk. */
export function pxelinuxDefault(): string {
  return [
    '# stackbook: machines without a configuration of their own boot from their local disk.',
    'DEFAULT local',
    'PROMPT 0',
    'TIMEOUT 0',
    'LABEL local',
    '  LOCALBOOT 0',
    '',
  ].join('\n');
}

/** `boot.ipxe`: the machine's own script by MAC, or the default. */
export function ipxeChainScript(): string {
  return [
    '#!ipxe',
    "# stackbook: each machine's script is chosen by the MAC of the NIC iPXE booted from.",
    'chain --autofree ipxe/${netX/mac:hexhyp}.ipxe || goto local',
    ':local',
    `chain --autofree ${IPXE_DEFAULT} || exit`,
    '',
  ].join('\n');
}

/** iPXE's fallback: back to the firmware, which boots the next device (the local disk). */
export function ipxeDefault(): string {
  return [
    '#!ipxe',
    'echo stackbook: no netboot configuration for ${netX/mac}, booting from the local disk',
    'exit',
    '',
  ].join('\n');
}

/** Written beside, then renamed over: a TFTP client never reads half a file. */
async function put(root: string, file: string, text: string): Promise<string> {
  const target = path.join(root, file);
  await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  const temporary = `${target}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: 0o644 });
  await rename(temporary, target);
  return file;
}

/** The fallbacks for machines without their own files: `pxelinux.cfg/default`, `boot.ipxe`, `ipxe/default.ipxe`. */
export async function writeDefaultBootConfigs(root: string): Promise<string[]> {
  return [
    await put(root, PXELINUX_DEFAULT, pxelinuxDefault()),
    await put(root, IPXE_CHAIN_SCRIPT, ipxeChainScript()),
    await put(root, IPXE_DEFAULT, ipxeDefault()),
  ];
}

function macsOf(machine: Pick<MachineBootConfig, 'mac'>): string[] {
  const list = typeof machine.mac === 'string' ? [machine.mac] : [...machine.mac];
  return list.map((mac, i) => normaliseMac(mac, list.length > 1 ? `mac[${i}]` : 'mac'));
}

/** Writes the machine's pxelinux and iPXE files for each of its MACs; answers them relative to `root`. */
export async function writeMachineBootConfig(root: string, machine: MachineBootConfig): Promise<string[]> {
  const macs = macsOf(machine);
  // Everything is generated (and so checked) before anything is written.
  const files = macs.flatMap((mac) => [
    [pxelinuxConfigPath(mac), pxelinuxConfig(machine, mac)],
    [ipxeScriptPath(mac), ipxeScript(machine, mac)],
  ]);
  const written: string[] = [];
  for (const [file, text] of files) written.push(await put(root, file!, text!));
  return written;
}

/** Removes a released machine's files, so it falls back to the local-disk default; answers those removed. */
export async function removeMachineBootConfig(
  root: string,
  machine: Pick<MachineBootConfig, 'mac'>,
): Promise<string[]> {
  const files = macsOf(machine).flatMap((mac) => [pxelinuxConfigPath(mac), ipxeScriptPath(mac)]);
  for (const file of files) await rm(path.join(root, file), { force: true });
  return files;
}

/** Where Debian's pxelinux and syslinux-common packages put the BIOS loader and its library. */
export const PXELINUX_FILES: Record<string, string> = {
  'pxelinux.0': '/usr/lib/PXELINUX/pxelinux.0',
  'ldlinux.c32': '/usr/lib/syslinux/modules/bios/ldlinux.c32',
};

/** Copies pxelinux.0 and ldlinux.c32 (which pxelinux fetches next) into the boot root. */
export async function installPxelinux(root: string, files = PXELINUX_FILES): Promise<string[]> {
  await mkdir(root, { recursive: true });
  for (const [name, source] of Object.entries(files)) await copyFile(source, path.join(root, name));
  return Object.keys(files);
}
