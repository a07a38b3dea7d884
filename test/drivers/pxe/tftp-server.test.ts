import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exec } from '../../../drivers/exec.ts';
import { TftpServer, type TftpTransfer } from '../../../drivers/pxe/tftp-server.ts';
import { rawGet, rawSocket, requestPacket } from '../../helpers/tftp-client.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** 34 MiB: more than 65535 blocks of 512 bytes, so a 512-byte transfer rolls its block number over. */
const LARGE = 34 * 1024 * 1024;

interface Site {
  dir: string;
  root: string;
  files: Record<string, Buffer>;
}

async function makeSite(): Promise<Site> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-tftp-'));
  const root = path.join(dir, 'root');
  await mkdir(path.join(root, 'pxelinux.cfg'), { recursive: true });
  const files: Record<string, Buffer> = {
    'small.txt': Buffer.from('hello from stackbook\n'),
    'empty.bin': Buffer.alloc(0),
    'exact.bin': randomBytes(1468 * 8),
    'medium.bin': randomBytes(3 * 1024 * 1024 + 77),
    'large.bin': randomBytes(LARGE),
    'pxelinux.cfg/default': Buffer.from('DEFAULT local\nLABEL local\n  LOCALBOOT 0\r\n'),
  };
  for (const [name, data] of Object.entries(files)) await writeFile(path.join(root, name), data);
  await writeFile(path.join(dir, 'secret.txt'), 'outside the root\n');
  await symlink(path.join(dir, 'secret.txt'), path.join(root, 'link-out'));
  await symlink('/etc/passwd', path.join(root, 'link-passwd'));
  await symlink('small.txt', path.join(root, 'link-in'));
  return { dir, root, files };
}

async function curl(args: string[]) {
  return exec('curl', ['--silent', '--show-error', '--max-time', '60', ...args], { capture: 4096 });
}

/** The local addresses (hex ip:port) of this process's UDP sockets, from /proc/net/udp{,6}. */
async function ownUdpSockets(): Promise<{ local: string; remote: string }[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]!);
  }
  const sockets: { local: string; remote: string }[] = [];
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of (await readFile(table, 'utf8')).split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && inodes.has(fields[9]!))
        sockets.push({ local: fields[1]!, remote: fields[2]! });
    }
  }
  return sockets;
}

async function eventually<T>(find: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('TftpServer', () => {
  let site: Site;
  let server: TftpServer;
  const events: TftpTransfer[] = [];
  const url = (file: string) => `tftp://127.0.0.1:${server.port}/${file}`;
  const eventFor = (file: string, outcome?: TftpTransfer['outcome']) =>
    eventually(() => events.find((e) => e.file === file && (!outcome || e.outcome === outcome)));

  before(async () => {
    site = await makeSite();
    server = await TftpServer.start({
      root: site.root,
      address: '127.0.0.1',
      port: 0,
      onTransfer: (transfer) => events.push(transfer),
    });
  });
  after(async () => {
    await server.close();
    await rm(site.dir, { recursive: true, force: true });
  });

  /** The server still answers: a small file arrives whole. */
  async function stillServes() {
    const out = path.join(site.dir, `check-${randomBytes(4).toString('hex')}`);
    const result = await curl(['-o', out, url('small.txt')]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(await readFile(out), site.files['small.txt']);
  }

  it('binds the chosen address and a free port', () => {
    assert.equal(server.address, '127.0.0.1');
    assert.ok(server.port > 0);
  });

  for (const blksize of [512, 1468, 8192]) {
    it(`serves files to curl with blksize ${blksize}`, async () => {
      // Not empty.bin: curl refuses the OACK's `tsize 0` (tftpd-hpa's too), and that tells nothing of ours.
      for (const name of ['small.txt', 'exact.bin', 'medium.bin']) {
        const out = path.join(site.dir, `curl-${blksize}-${name.replace('/', '_')}`);
        const result = await curl(['--tftp-blksize', String(blksize), '-o', out, url(name)]);
        assert.equal(result.exitCode, 0, `${name}: ${result.stderr}`);
        assert.equal(sha256(await readFile(out)), sha256(site.files[name]!), name);
      }
    });
  }

  it('serves a file larger than 65535 blocks to curl (blksize 1468) and reports it', async () => {
    const out = path.join(site.dir, 'curl-large');
    const result = await curl(['--tftp-blksize', '1468', '-o', out, url('large.bin')]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(sha256(await readFile(out)), sha256(site.files['large.bin']!));
    const event = await eventFor('large.bin', 'sent');
    assert.match(event.client, /^127\.0\.0\.1:\d+$/);
    assert.equal(event.bytes, LARGE);
    assert.equal(event.size, LARGE);
    assert.equal(event.blksize, 1468);
    assert.equal(event.windowsize, 1);
    assert.ok(event.durationMs > 0 && event.durationMs < 60_000, `duration ${event.durationMs}`);
    assert.equal(event.error, undefined);
  });

  it('serves tftp-hpa (512-byte blocks, no options) past block 65535, and netascii', async () => {
    const out = path.join(site.dir, 'hpa-large');
    const binary = await exec(
      'tftp',
      ['-m', 'binary', '127.0.0.1', String(server.port), '-c', 'get', 'large.bin', out],
      {
        capture: 4096,
        cwd: site.dir,
      },
    );
    assert.equal(binary.exitCode, 0, binary.stdout + binary.stderr);
    assert.equal(
      sha256(await readFile(out)),
      sha256(site.files['large.bin']!),
      'block numbers rolled over to 0',
    );
    const event = await eventually(() => events.find((e) => e.file === 'large.bin' && e.blksize === 512));
    assert.equal(event.outcome, 'sent');
    assert.equal(event.bytes, LARGE);

    // netascii (tftp-hpa's default mode): lines go out as CR LF and come back as they were.
    const text = path.join(site.dir, 'hpa-default');
    const ascii = await exec(
      'tftp',
      ['127.0.0.1', String(server.port), '-c', 'get', 'pxelinux.cfg/default', text],
      {
        capture: 4096,
        cwd: site.dir,
      },
    );
    assert.equal(ascii.exitCode, 0, ascii.stdout + ascii.stderr);
    assert.deepEqual(await readFile(text), site.files['pxelinux.cfg/default']);
  });

  it('answers File not found for a missing file (curl exits 68) and keeps serving', async () => {
    for (const name of ['pxelinux.cfg/01-52-54-00-12-34-56', 'pxelinux.cfg/C0A80001', 'no-such-dir/x']) {
      const result = await curl(['-o', path.join(site.dir, 'missing'), url(name)]);
      assert.equal(result.exitCode, 68, result.stderr);
      const event = await eventFor(name);
      assert.equal(event.outcome, 'not-found');
      assert.equal(event.bytes, 0);
    }
    await stillServes();
  });

  it('refuses paths out of the root: .., absolute names and symlinks leading out', async () => {
    const refused = [
      '../secret.txt',
      'pxelinux.cfg/../../secret.txt',
      '/etc/passwd',
      'link-out',
      'link-passwd',
    ];
    for (const name of refused) {
      const out = path.join(site.dir, 'refused');
      await rm(out, { force: true });
      const result = await curl(['--path-as-is', '-o', out, `tftp://127.0.0.1:${server.port}/${name}`]);
      assert.equal(result.exitCode, 69, `${name}: curl exit ${result.exitCode} ${result.stderr}`);
      const written = await readFile(out, 'utf8').catch(() => '');
      assert.doesNotMatch(written, /outside the root|root:/, name);
      // Raw requests too, so curl's own path handling is not what refused them.
      const reply = await rawGet(server.port, name);
      assert.equal(reply.error?.code, 2, `${name}: ${JSON.stringify(reply.error)}`);
      assert.equal(reply.data.length, 0);
    }
    for (const name of refused)
      assert.ok(
        events.some((e) => e.file === name && e.outcome === 'denied'),
        `${name} reported denied`,
      );
    // A symlink that stays inside the root is followed.
    const inside = await rawGet(server.port, 'link-in');
    assert.deepEqual(inside.data, site.files['small.txt']);
    // A directory is not a file.
    assert.equal((await rawGet(server.port, 'pxelinux.cfg')).error?.code, 2);
    await stillServes();
  });

  it('refuses uploads', async () => {
    const source = path.join(site.dir, 'upload.txt');
    await writeFile(source, 'an upload\n');
    const result = await curl(['-T', source, url('uploaded.txt')]);
    assert.notEqual(result.exitCode, 0);
    assert.equal(result.exitCode, 69, result.stderr);
    await assert.rejects(readFile(path.join(site.root, 'uploaded.txt')));
    // Not even over an existing file.
    const over = await curl(['-T', source, url('small.txt')]);
    assert.equal(over.exitCode, 69);
    assert.deepEqual(await readFile(path.join(site.root, 'small.txt')), site.files['small.txt']);
    const event = await eventFor('uploaded.txt');
    assert.equal(event.outcome, 'denied');
    await stillServes();
  });

  it('refuses malformed packets and keeps serving', async () => {
    const client = await rawSocket();
    const before = events.length;
    const garbage: Buffer[] = [
      Buffer.from([0]),
      Buffer.from([0, 1]),
      Buffer.from([0, 1, 0x61]),
      Buffer.from([0, 1, 0x61, 0]),
      Buffer.from('\0\x01small.txt\0octet', 'latin1'),
      Buffer.from([0, 9, 0x61, 0, 0x62, 0]),
      Buffer.from([0, 3, 0, 1, 1, 2, 3]),
      Buffer.from([0, 4, 0, 1]),
      requestPacket(1, 'small.txt', 'mail'),
      requestPacket(1, 'small.txt', 'octet', { blksize: 'abc' }),
      requestPacket(1, 'small.txt', 'octet', { blksize: 4 }),
      requestPacket(1, 'small.txt', 'octet', { windowsize: 0 }),
      requestPacket(1, 'small.txt', 'octet', { blksize: '512' }).subarray(0, 20),
      requestPacket(1, 'x'.repeat(600)),
      requestPacket(1, 'caf\u00e9.txt'),
      ...Array.from({ length: 50 }, (_, i) => randomBytes(1 + ((i * 37) % 700))),
    ];
    let answered = 0;
    for (const packet of garbage) {
      await client.send(packet, server.port);
      const reply = await client.reply(300);
      if (reply) {
        answered++;
        assert.equal(reply.op, 5, `answer to ${packet.subarray(0, 16).toString('hex')}`);
      }
    }
    await client.close();
    assert.ok(answered >= 14, `${answered} malformed packets answered with an ERROR`);
    const refusals = events.slice(before);
    assert.ok(refusals.length >= 14);
    assert.ok(refusals.every((e) => e.outcome !== 'sent' && e.bytes === 0));
    await stillServes();
  });

  it('negotiates a window that would overflow the socket buffer down, and completes', async () => {
    const asked = { blksize: 8192, windowsize: 16, tsize: 0 };
    const got = await rawGet(server.port, 'medium.bin', asked, { timeoutMs: 20_000 });
    assert.equal(got.error, undefined);
    assert.equal(got.oack?.blksize, '8192');
    assert.equal(got.oack?.tsize, String(site.files['medium.bin']!.length));
    const windowsize = Number(got.oack?.windowsize);
    assert.ok(windowsize >= 2 && windowsize < 16, `windowsize ${windowsize}`);
    assert.ok(windowsize * 8192 <= 64 * 1024);
    assert.equal(sha256(got.data), sha256(site.files['medium.bin']!));
    // One ACK per window: a window that overflowed would have been resent block by block.
    const blocks = Math.floor(site.files['medium.bin']!.length / 8192) + 1;
    assert.ok(got.packets <= blocks + windowsize, `${got.packets} packets for ${blocks} blocks`);
    const event = await eventually(() =>
      events.find((e) => e.file === 'medium.bin' && e.windowsize === windowsize),
    );
    assert.equal(event.outcome, 'sent');
    assert.equal(event.blksize, 8192);
  });

  it('honours windowsize, timeout and case-insensitive option names; blksize is capped at 65464', async () => {
    const got = await rawGet(server.port, 'large.bin', {
      BlkSize: 1468,
      WINDOWSIZE: 4,
      timeout: 3,
      tsize: 0,
    });
    assert.deepEqual(got.oack, { blksize: '1468', tsize: String(LARGE), timeout: '3', windowsize: '4' });
    assert.equal(sha256(got.data), sha256(site.files['large.bin']!));
    // blksize upper bound is RFC 2348's; a request outside 8..65464 is refused with error 8.
    const big = await rawGet(server.port, 'medium.bin', { blksize: 65464 });
    assert.equal(big.oack?.blksize, '65464');
    assert.equal(sha256(big.data), sha256(site.files['medium.bin']!));
    // An empty file (curl refuses its `tsize 0`) is one empty block.
    const empty = await rawGet(server.port, 'empty.bin', { tsize: 0 });
    assert.deepEqual([empty.oack?.tsize, empty.data.length, empty.packets], ['0', 0, 1]);
    const unknown = await rawGet(server.port, 'small.txt', { 'x-vendor': 'abc' });
    assert.equal(unknown.oack, undefined, 'only unknown options: data starts at once');
    assert.deepEqual(unknown.data, site.files['small.txt']);
  });

  it('retransmits a window the client did not acknowledge', async () => {
    const client = await rawSocket();
    await client.send(requestPacket(1, 'small.txt', 'octet', { timeout: 1 }), server.port);
    const oack = await client.reply();
    assert.equal(oack?.op, 6);
    await client.send(Buffer.from([0, 4, 0, 0]), oack!.from.port);
    const first = await client.next();
    const again = await client.next(2500);
    assert.ok(again, 'the block came again after the timeout');
    assert.deepEqual(again!.packet, first!.packet);
    await client.send(Buffer.from([0, 4, 0, 1]), oack!.from.port);
    await client.close();
    const event = await eventually(() =>
      events.find((e) => e.file === 'small.txt' && e.outcome === 'sent' && e.durationMs > 900),
    );
    assert.equal(event.bytes, site.files['small.txt']!.length);
  });

  it('reports a transfer the client abandons with an ERROR as aborted', async () => {
    const client = await rawSocket();
    await client.send(requestPacket(1, 'medium.bin'), server.port);
    const first = await client.next();
    assert.equal(first?.packet.readUInt16BE(0), 3);
    await client.send(Buffer.from([0, 4, 0, 1]), first!.from.port);
    await client.next();
    await client.send(Buffer.from('\0\x05\0\x00cancelled by user\0', 'latin1'), first!.from.port);
    await client.close();
    const event = await eventually(() =>
      events.find((e) => e.file === 'medium.bin' && e.outcome === 'aborted'),
    );
    assert.equal(event.bytes, 512);
    assert.match(event.error ?? '', /cancelled by user/);
  });

  it('binds every socket it opens to the chosen address only', async () => {
    const client = await rawSocket();
    await client.send(requestPacket(1, 'medium.bin'), server.port);
    const first = await client.next();
    assert.equal(first?.packet.readUInt16BE(0), 3);
    // The transfer is now under way (the client holds back its ACK): list every UDP socket of this process.
    const sockets = await ownUdpSockets();
    await client.close();
    const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
    assert.ok(
      sockets.some((s) => s.local === `0100007F:${hexPort(server.port)}`),
      'the listening socket',
    );
    assert.ok(
      sockets.some(
        (s) => s.local === `0100007F:${hexPort(first!.from.port)}` && s.remote.endsWith(hexPort(client.port)),
      ),
      'the transfer socket, connected to the client',
    );
    for (const socket of sockets)
      assert.match(socket.local, /^0100007F:/, `a socket bound to ${socket.local}`);
  });

  it('serves many clients at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        curl([
          '--tftp-blksize',
          String([512, 1468, 8192][i % 3]),
          '-o',
          path.join(site.dir, `many-${i}`),
          url('medium.bin'),
        ]),
      ),
    );
    for (const [i, result] of results.entries()) {
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(
        sha256(await readFile(path.join(site.dir, `many-${i}`))),
        sha256(site.files['medium.bin']!),
      );
    }
  });
});

describe('TftpServer without worker threads', () => {
  it('serves, refuses and reports from its own thread; close() aborts what is under way', async () => {
    const site = await makeSite();
    const events: TftpTransfer[] = [];
    const server = await TftpServer.start({
      root: site.root,
      address: '127.0.0.1',
      port: 0,
      workers: 0,
      onTransfer: (transfer) => events.push(transfer),
    });
    try {
      const got = await rawGet(server.port, 'medium.bin', { blksize: 1468, windowsize: 8 });
      assert.equal(sha256(got.data), sha256(site.files['medium.bin']!));
      const out = path.join(site.dir, 'out');
      const result = await curl([
        '--tftp-blksize',
        '8192',
        '-o',
        out,
        `tftp://127.0.0.1:${server.port}/large.bin`,
      ]);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(sha256(await readFile(out)), sha256(site.files['large.bin']!));
      assert.equal((await rawGet(server.port, 'nothing')).error?.code, 1);

      // A transfer left hanging is aborted by close(), and reported.
      const client = await rawSocket();
      await client.send(requestPacket(1, 'medium.bin'), server.port);
      assert.equal((await client.next())?.packet.readUInt16BE(0), 3);
      await server.close();
      const abort = await client.reply();
      assert.equal(abort?.op, 5);
      await client.close();
      assert.deepEqual(
        events.map((e) => [e.file, e.outcome]),
        [
          ['medium.bin', 'sent'],
          ['large.bin', 'sent'],
          ['nothing', 'not-found'],
          ['medium.bin', 'aborted'],
        ],
      );
    } finally {
      await server.close();
      await rm(site.dir, { recursive: true, force: true });
    }
  });

  it('serves over IPv6', async () => {
    const site = await makeSite();
    const events: TftpTransfer[] = [];
    const server = await TftpServer.start({
      root: site.root,
      address: '::1',
      port: 0,
      onTransfer: (transfer) => events.push(transfer),
    });
    try {
      const out = path.join(site.dir, 'v6');
      const fetched = await curl([
        '--tftp-blksize',
        '1468',
        '-o',
        out,
        `tftp://[::1]:${server.port}/medium.bin`,
      ]);
      assert.equal(fetched.exitCode, 0, fetched.stderr);
      assert.equal(sha256(await readFile(out)), sha256(site.files['medium.bin']!));
      const sent = await eventually(() => events.find((e) => e.outcome === 'sent'));
      assert.match(sent.client, /^\[::1\]:\d+$/);
    } finally {
      await server.close();
      await rm(site.dir, { recursive: true, force: true });
    }
  });

  it('refuses a request beyond maxTransfers while the others are under way', async () => {
    const site = await makeSite();
    const server = await TftpServer.start({
      root: site.root,
      address: '127.0.0.1',
      port: 0,
      maxTransfers: 1,
    });
    const first = await rawSocket();
    try {
      await first.send(requestPacket(1, 'medium.bin'), server.port);
      assert.equal((await first.next())?.packet.readUInt16BE(0), 3);
      const second = await rawGet(server.port, 'small.txt');
      assert.deepEqual(second.error, { code: 0, message: 'Server busy' });
    } finally {
      await first.close();
      await server.close();
      await rm(site.dir, { recursive: true, force: true });
    }
  });

  it('refuses a root that is not a directory and an address that is not an IP', async () => {
    await assert.rejects(
      TftpServer.start({ root: '/etc/hostname', address: '127.0.0.1', port: 0, workers: 0 }),
    );
    await assert.rejects(TftpServer.start({ root: '/tmp', address: 'localhost', port: 0, workers: 0 }));
  });
});
