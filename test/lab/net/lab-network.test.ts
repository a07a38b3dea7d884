import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exec, startDaemon } from '../../../drivers/exec.ts';
import { processAlive } from '../../../drivers/process-alive.ts';
import { ipJson } from '../../../drivers/pxe/netns.ts';
import { LabNetwork, namespaceNames } from '../../../lab/net/lab-network.ts';
import { QemuVm, vmCommand } from '../../../lab/net/qemu-vm.ts';

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('LabNetwork', () => {
  let dir: string;
  let network: LabNetwork | undefined;
  let vm: QemuVm | undefined;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-labnet-'));
  });
  after(async () => {
    await vm?.stop();
    await network?.delete();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a namespace with a bridge, taps and peers on it, all gone with it', async () => {
    network = await LabNetwork.create({ subnet: '10.123.45' });
    assert.equal(network.address, '10.123.45.1');
    assert.equal(network.network, '10.123.45.0');
    const addresses = await ipJson<{ ifname: string; addr_info: { local: string; prefixlen: number }[] }[]>(
      ['addr', 'show', 'dev', 'br0'],
      { namespace: network.namespace },
    );
    assert.deepEqual(
      addresses[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`).filter((a) => !a.startsWith('fe80')),
      ['10.123.45.1/24', 'fd5b:123:45::1/64'],
    );
    const tap = await network.addTap();
    const peer = await network.addPeer('other', { host: 7, mac: '52:54:00:12:34:56' });
    assert.equal(peer.mac, '52:54:00:12:34:56');
    const links = await ipJson<{ ifname: string; master?: string }[]>(['link', 'show'], {
      namespace: network.namespace,
    });
    assert.equal(links.find((link) => link.ifname === tap)?.master, 'br0');
    assert.equal(links.filter((link) => link.master === 'br0').length, 2);

    // The peer is a machine on the bridge's wire: it reaches the bridge's address, and nothing else exists.
    const send = await exec(
      'ip',
      ['netns', 'exec', peer.namespace, process.execPath, '-e', SEND_UDP, network.address],
      {
        capture: 4096,
      },
    );
    assert.equal(send.exitCode, 0, send.stderr);
    const [bridge] = await ipJson<{ address: string }[]>(['link', 'show', 'dev', 'br0'], {
      namespace: network.namespace,
    });
    await until(
      async () => {
        const neighbours = await ipJson<{ dst: string; lladdr?: string }[]>(['neigh', 'show'], {
          namespace: peer.namespace,
        });
        return neighbours.some((entry) => entry.dst === network!.address && entry.lladdr === bridge?.address);
      },
      'the peer resolves the bridge by ARP',
      5000,
    );
    const routes = await ipJson<{ dst: string }[]>(['route', 'show'], { namespace: network.namespace });
    assert.deepEqual(
      routes.map((route) => route.dst),
      ['10.123.45.0/24'],
      'no way out of the namespace',
    );

    // A process someone forgot inside is stopped when the network goes.
    const leftover = await startDaemon('ip', ['netns', 'exec', network.namespace, 'sleep', '600'], {
      logFile: path.join(dir, 'sleep.log'),
    });
    await network.delete();
    await until(() => !processAlive(leftover), 'the leftover process is stopped');
    const names = await namespaceNames();
    assert.ok(!names.includes(network.namespace));
    assert.ok(!names.includes(peer.namespace));
    network = undefined;
  });

  it('starts a qemu VM (TCG) on a tap with its MAC and stops it by pid', async () => {
    network = await LabNetwork.create();
    const tap = await network.addTap('tap7');
    const [file, args] = vmCommand({
      dir: '/srv/vm',
      tap,
      namespace: network.namespace,
      mac: '52:54:00:AB:CD:EF',
    });
    assert.equal(file, 'ip');
    assert.deepEqual(args.slice(0, 4), ['netns', 'exec', network.namespace, 'qemu-system-x86_64']);
    for (const flag of ['-accel tcg', '-nodefaults', '-no-reboot', '-display none'])
      assert.ok(args.join(' ').includes(flag), flag);
    assert.ok(args.includes('virtio-net-pci,netdev=n0,mac=52:54:00:ab:cd:ef,bootindex=1'));
    assert.throws(
      () => vmCommand({ dir: '/srv/vm,x', tap, mac: '52:54:00:ab:cd:ef' }),
      /cannot take this path/,
    );

    vm = await QemuVm.start({
      dir: path.join(dir, 'vm'),
      tap,
      namespace: network.namespace,
      mac: '52:54:00:ab:cd:ef',
    });
    assert.ok(vm.alive());
    await until(
      async () => (await vm!.console()).includes('iPXE'),
      'the firmware shows iPXE on the serial console',
      60_000,
    );
    assert.match(await vm.console(), /SeaBIOS/);
    await assert.rejects(
      QemuVm.start({
        dir: path.join(dir, 'vm2'),
        tap,
        namespace: network.namespace,
        mac: '52:54:00:ab:cd:01',
      }),
      /qemu exited: .*tap7.*busy/,
      'a tap serves one VM',
    );
    assert.match(await readFile(path.join(dir, 'vm2', 'qemu.log'), 'utf8'), /busy/);
    const pid = vm.pid;
    await vm.stop();
    assert.equal(processAlive(pid), false);
    vm = undefined;
    await network.delete();
    network = undefined;
  });
});

/** A UDP datagram to the address's discard port, which makes the kernel resolve it by ARP first. */
const SEND_UDP = `
const s = require('node:dgram').createSocket('udp4');
s.send(Buffer.from('x'), 9, process.argv[1], (error) => { s.close(); process.exit(error ? 1 : 0); });
`;
