import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exec, startDaemon, stopDaemon } from '../../../drivers/exec.ts';
import { processAlive } from '../../../drivers/process-alive.ts';
import type { TftpTransfer } from '../../../drivers/pxe/tftp-server.ts';
import { ROOT } from '../../helpers/cli.ts';
import { rawSocket, requestPacket } from '../../helpers/tftp-client.ts';

const BIN = path.join(ROOT, 'server/cli/bin.js');

async function waitForLine(file: string, pattern: RegExp, ms = 15_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const match = pattern.exec(text);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`${file} never matched ${pattern}: ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function readEvents(file: string): Promise<(TftpTransfer & { at: string })[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TftpTransfer & { at: string });
}

describe('stackbook tftp-serve', () => {
  let dir: string;
  let root: string;
  const kernel = randomBytes(2 * 1024 * 1024);
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-tftp-serve-'));
    root = path.join(dir, 'root');
    await mkdir(root);
    await writeFile(path.join(root, 'vmlinuz'), kernel);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('runs as a daemon: listening line, one JSON line per transfer, SIGTERM ends it cleanly', async () => {
    const log = path.join(dir, 'daemon.log');
    const eventsFile = path.join(dir, 'events.jsonl');
    const args = [
      'tftp-serve',
      '--root',
      root,
      '--address',
      '127.0.0.1',
      '--port',
      '0',
      '--events',
      eventsFile,
    ];
    const pid = await startDaemon(process.execPath, [BIN, ...args], { logFile: log });
    try {
      const [, port] = await waitForLine(log, /^listening on 127\.0\.0\.1:(\d+)$/m);
      const out = path.join(dir, 'vmlinuz.got');
      const fetched = await exec(
        'curl',
        ['-sS', '--tftp-blksize', '1468', '-o', out, `tftp://127.0.0.1:${port}/vmlinuz`],
        {
          capture: 4096,
        },
      );
      assert.equal(fetched.exitCode, 0, fetched.stderr);
      assert.deepEqual(await readFile(out), kernel);
      const missing = await exec(
        'curl',
        ['-sS', '-o', '/dev/null', `tftp://127.0.0.1:${port}/pxelinux.cfg/default`],
        {
          capture: 4096,
        },
      );
      assert.equal(missing.exitCode, 68);

      // A transfer left hanging when SIGTERM comes is aborted and still recorded.
      const client = await rawSocket();
      await client.send(requestPacket(1, 'vmlinuz'), Number(port));
      assert.equal((await client.next())?.packet.readUInt16BE(0), 3);
      await stopDaemon(pid, 5000);
      assert.equal(processAlive(pid), false);
      assert.equal((await client.reply())?.op, 5, 'the client is told the transfer ended');
      await client.close();

      const events = await readEvents(eventsFile);
      assert.deepEqual(
        events.map((e) => [e.file, e.outcome, e.bytes]),
        [
          ['vmlinuz', 'sent', kernel.length],
          ['pxelinux.cfg/default', 'not-found', 0],
          ['vmlinuz', 'aborted', 0],
        ],
      );
      assert.match(events[0]!.client, /^127\.0\.0\.1:\d+$/);
      assert.equal(events[0]!.blksize, 1468);
      assert.ok(!Number.isNaN(Date.parse(events[0]!.at)));
      assert.doesNotMatch(await readFile(log, 'utf8'), /Error|Warning/);
    } finally {
      await stopDaemon(pid);
    }
  });

  it('refuses bad arguments with exit status 2', async () => {
    for (const args of [
      ['--address', '127.0.0.1'],
      ['--root', root, '--address', 'not-an-ip'],
      ['--root', path.join(dir, 'nowhere'), '--address', '127.0.0.1'],
      ['--root', root, '--address', '127.0.0.1', '--port', '70000'],
    ]) {
      const result = await exec(process.execPath, [BIN, 'tftp-serve', ...args], { capture: 4096 });
      assert.equal(result.exitCode, 2, `${args.join(' ')}: ${result.stderr}`);
    }
  });

  it('serves inside a network namespace started through ip netns exec', async () => {
    const namespace = `sb-tftp-${process.pid}`;
    const ip = (...args: string[]) => exec('ip', args, { capture: 4096 });
    assert.equal((await ip('netns', 'add', namespace)).exitCode, 0);
    const log = path.join(dir, 'netns.log');
    let pid: number | undefined;
    try {
      assert.equal((await ip('-n', namespace, 'link', 'set', 'lo', 'up')).exitCode, 0);
      pid = await startDaemon(
        'ip',
        [
          'netns',
          'exec',
          namespace,
          process.execPath,
          BIN,
          'tftp-serve',
          '--root',
          root,
          '--address',
          '127.0.0.1',
          '--port',
          '69',
        ],
        { logFile: log },
      );
      await waitForLine(log, /^listening on 127\.0\.0\.1:69$/m);
      const out = path.join(dir, 'netns.got');
      const fetched = await exec(
        'ip',
        ['netns', 'exec', namespace, 'curl', '-sS', '-o', out, 'tftp://127.0.0.1/vmlinuz'],
        {
          capture: 4096,
        },
      );
      assert.equal(fetched.exitCode, 0, fetched.stderr);
      assert.deepEqual(await readFile(out), kernel);
    } finally {
      if (pid !== undefined) await stopDaemon(pid);
      await ip('netns', 'del', namespace);
    }
  });
});
