import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { processAlive } from '../../../drivers/process-alive.ts';
import { Dnsmasq, DnsmasqError, type DnsmasqSettings } from '../../../drivers/pxe/dnsmasq.ts';
import { LabNetwork } from '../../../lab/net/lab-network.ts';

describe('Dnsmasq process', () => {
  let dir: string;
  let network: LabNetwork | undefined;
  let server: Dnsmasq | undefined;
  let settings: DnsmasqSettings;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-dnsmasq-'));
    await chmod(dir, 0o755);
    network = await LabNetwork.create();
    settings = {
      interface: 'br0',
      serverAddress: network.address,
      dhcp: { kind: 'static', network: network.network, netmask: network.netmask },
      ignoreUnknown: true,
      boot: { bios: 'pxelinux.0' },
    };
  });
  after(async () => {
    await server?.stop();
    await network?.delete();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts in the namespace, is found again by another process, reloads its hosts and stops by pid', async () => {
    server = await Dnsmasq.start({
      dir: path.join(dir, 'a'),
      namespace: network!.namespace,
      config: settings,
      hosts: [{ mac: '52:54:00:00:00:01', ip: network!.host(11), name: 'node-1' }],
    });
    assert.ok(server.alive());
    assert.equal(
      await readFile(server.files.hosts, 'utf8'),
      `52:54:00:00:00:01,${network!.host(11)},node-1\n`,
    );
    assert.match(await readFile(server.files.conf, 'utf8'), /^dhcp-hostsfile=.*\/a\/hosts$/m);

    const again = await Dnsmasq.load(path.join(dir, 'a'));
    assert.equal(again?.pid, server.pid);
    await again!.setHosts([
      { mac: '52:54:00:00:00:01', ip: network!.host(11), name: 'node-1' },
      { mac: '52:54:00:00:00:02', ip: network!.host(12), name: 'node-2' },
    ]);
    const log = await readFile(server.files.log, 'utf8');
    assert.equal(log.match(/read .*\/a\/hosts/g)?.length, 2, 'read at start and on SIGHUP');
    assert.ok(server.alive(), 'SIGHUP is a reload, not an end');

    const pid = server.pid;
    await server.stop();
    server = undefined;
    assert.equal(processAlive(pid), false);
    assert.equal(await Dnsmasq.load(path.join(dir, 'a')), undefined);
  });

  it("fails with dnsmasq's own words, and refuses a folder the unprivileged dnsmasq cannot reach", async () => {
    await assert.rejects(
      Dnsmasq.start({
        dir: path.join(dir, 'b'),
        namespace: network!.namespace,
        config: { ...settings, interface: 'nosuch0' },
      }),
      (error) => error instanceof DnsmasqError && /dnsmasq exited: .*nosuch0/.test(error.message),
    );
    const closed = path.join(dir, 'closed');
    await mkdir(closed, { mode: 0o700 });
    await assert.rejects(
      Dnsmasq.start({ dir: path.join(closed, 'c'), namespace: network!.namespace, config: settings }),
      /cannot enter .*closed \(mode 700\)/,
    );
  });
});
