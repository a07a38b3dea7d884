import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  installPxelinux,
  ipxeChainScript,
  ipxeScript,
  ipxeScriptPath,
  pxelinuxConfig,
  pxelinuxConfigPath,
  removeMachineBootConfig,
  writeDefaultBootConfigs,
  writeMachineBootConfig,
  type MachineBootConfig,
} from '../../../drivers/pxe/boot-configs.ts';
import { PxeValueError } from '../../../drivers/pxe/pxe-values.ts';

const NODE: MachineBootConfig = {
  name: 'node-1',
  mac: '52:54:00:AA:00:01',
  kernel: 'images/node-1/vmlinuz',
  initrd: 'images/node-1/initrd',
  commandLine: 'console=ttyS0,115200n8 root=/dev/sda1 ro',
  imageUrl: 'http://10.20.0.1:8080/images/overcloud-full.qcow2',
};

/** Every file below `dir`, relative. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('boot configs', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'sb-boot-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('names per-machine files by MAC the way pxelinux and iPXE look for them', () => {
    assert.equal(pxelinuxConfigPath('52:54:00:AA:00:01'), 'pxelinux.cfg/01-52-54-00-aa-00-01');
    assert.equal(ipxeScriptPath('52-54-00-aa-00-01'), 'ipxe/52-54-00-aa-00-01.ipxe');
    assert.match(ipxeChainScript(), /^chain --autofree ipxe\/\$\{netX\/mac:hexhyp\}\.ipxe \|\| goto local$/m);
  });

  it('boots the kernel and initrd with the command line, the image URL and BOOTIF', () => {
    assert.equal(
      pxelinuxConfig(NODE, '52:54:00:aa:00:01'),
      [
        '# stackbook: node-1 (52:54:00:aa:00:01)',
        'DEFAULT netboot',
        'PROMPT 0',
        'TIMEOUT 0',
        'LABEL netboot',
        '  KERNEL images/node-1/vmlinuz',
        '  INITRD images/node-1/initrd',
        '  APPEND console=ttyS0,115200n8 root=/dev/sda1 ro image_url=http://10.20.0.1:8080/images/overcloud-full.qcow2 BOOTIF=01-52-54-00-aa-00-01',
        '',
      ].join('\n'),
    );
    const script = ipxeScript(NODE, '52:54:00:aa:00:01');
    assert.match(script, /^#!ipxe\n/);
    assert.match(
      script,
      /^kernel --name kernel \/images\/node-1\/vmlinuz initrd=initrd console=ttyS0,115200n8 root=\/dev\/sda1 ro image_url=http:\/\/10\.20\.0\.1:8080\/images\/overcloud-full\.qcow2 BOOTIF=01-52-54-00-aa-00-01 \|\| goto failed$/m,
    );
    assert.match(script, /^initrd --name initrd \/images\/node-1\/initrd \|\| goto failed$/m);
    assert.match(script, /^boot \|\| goto failed$/m);
    const remote = ipxeScript(
      { ...NODE, kernel: 'http://10.20.0.1:8080/k', initrd: undefined },
      '52:54:00:aa:00:01',
    );
    assert.match(remote, /^kernel --name kernel http:\/\/10\.20\.0\.1:8080\/k console=/m);
    assert.doesNotMatch(remote, /initrd/);
  });

  it('writes the local-disk defaults and a machine’s files, and removes them on release', async () => {
    assert.deepEqual(await writeDefaultBootConfigs(root), [
      'pxelinux.cfg/default',
      'boot.ipxe',
      'ipxe/default.ipxe',
    ]);
    const pxelinuxDefault = await readFile(path.join(root, 'pxelinux.cfg/default'), 'utf8');
    assert.match(pxelinuxDefault, /^DEFAULT local$/m);
    assert.match(pxelinuxDefault, /^LABEL local\n {2}LOCALBOOT 0$/m);
    assert.doesNotMatch(pxelinuxDefault, /KERNEL/);
    const ipxeDefault = await readFile(path.join(root, 'ipxe/default.ipxe'), 'utf8');
    assert.match(ipxeDefault, /^exit$/m, 'back to the firmware, which boots the disk');
    assert.doesNotMatch(ipxeDefault, /kernel|chain/);

    const written = await writeMachineBootConfig(root, {
      ...NODE,
      mac: ['52:54:00:aa:00:01', '52:54:00:aa:01:01'],
    });
    assert.deepEqual(written, [
      'pxelinux.cfg/01-52-54-00-aa-00-01',
      'ipxe/52-54-00-aa-00-01.ipxe',
      'pxelinux.cfg/01-52-54-00-aa-01-01',
      'ipxe/52-54-00-aa-01-01.ipxe',
    ]);
    assert.match(
      await readFile(path.join(root, 'ipxe/52-54-00-aa-01-01.ipxe'), 'utf8'),
      /BOOTIF=01-52-54-00-aa-01-01 /,
      'each NIC names itself',
    );
    await writeMachineBootConfig(root, { ...NODE, name: 'node-2', mac: '52:54:00:aa:00:02' });
    assert.equal((await files(root)).length, 3 + 4 + 2);

    assert.deepEqual(
      await removeMachineBootConfig(root, { mac: ['52:54:00:aa:00:01', '52:54:00:aa:01:01'] }),
      written,
    );
    assert.deepEqual(await files(root), [
      'boot.ipxe',
      'ipxe/52-54-00-aa-00-02.ipxe',
      'ipxe/default.ipxe',
      'pxelinux.cfg/01-52-54-00-aa-00-02',
      'pxelinux.cfg/default',
    ]);
    assert.deepEqual(
      await removeMachineBootConfig(root, { mac: '52:54:00:aa:00:01' }),
      ['pxelinux.cfg/01-52-54-00-aa-00-01', 'ipxe/52-54-00-aa-00-01.ipxe'],
      'releasing twice is harmless',
    );
  });

  it('refuses names, paths and command lines that could add a line or a command, writing nothing', async () => {
    const attempts: [string, Partial<MachineBootConfig>][] = [
      ['commandLine', { commandLine: 'quiet\n  KERNEL evil' }],
      ['commandLine', { commandLine: 'quiet || shell' }],
      ['commandLine', { commandLine: 'quiet && chain http://evil/x' }],
      ['commandLine', { commandLine: 'x=${net0/ip}' }],
      ['commandLine', { commandLine: 'quiet # comment' }],
      ['commandLine', { commandLine: 'a'.repeat(2100) }],
      ['name', { name: 'node-1\nLABEL evil' }],
      ['name', { name: 'node 1' }],
      ['kernel', { kernel: '../../etc/shadow' }],
      ['kernel', { kernel: '/etc/shadow' }],
      ['kernel', { kernel: 'images/vmlinuz initrd=evil' }],
      ['kernel', { kernel: 'file:///etc/shadow' }],
      ['initrd', { initrd: 'http://x/i || shell' }],
      ['imageUrl', { imageUrl: 'http://x/image.qcow2?a=1&b=2' }],
      ['imageUrl', { imageUrl: 'http://x/$(reboot)' }],
      ['mac', { mac: '52:54:00:aa:00:01\nDEFAULT evil' }],
      ['mac[1]', { mac: ['52:54:00:aa:00:05', 'nope'] }],
    ];
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-boot-bad-'));
    try {
      for (const [field, change] of attempts) {
        await assert.rejects(
          writeMachineBootConfig(dir, { ...NODE, ...change }),
          (error) => error instanceof PxeValueError && error.field === field,
          field,
        );
      }
      assert.deepEqual(await files(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("installs Debian's pxelinux.0 and ldlinux.c32", async () => {
    assert.deepEqual(await installPxelinux(root), ['pxelinux.0', 'ldlinux.c32']);
    const loader = await readFile(path.join(root, 'pxelinux.0'));
    assert.ok(loader.length > 10_000);
  });
});
