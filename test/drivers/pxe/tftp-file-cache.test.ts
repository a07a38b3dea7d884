import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exec } from '../../../drivers/exec.ts';
import { FileCache } from '../../../drivers/pxe/tftp-file-cache.ts';
import { TftpServer } from '../../../drivers/pxe/tftp-server.ts';
import { rawGet } from '../../helpers/tftp-client.ts';

/** Opens `file`, asks `cache` for its bytes and closes it again. */
async function bytesVia(cache: FileCache, file: string): Promise<Uint8Array | undefined> {
  const fd = openSync(file, 'r');
  try {
    return await cache.bytesOf(fd);
  } finally {
    closeSync(fd);
  }
}

describe('FileCache', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-tftp-cache-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file once and shares its bytes between transfers', async () => {
    const file = path.join(dir, 'kernel');
    const content = randomBytes(5 * 1024 * 1024 + 3);
    await writeFile(file, content);
    const cache = new FileCache({ maxBytes: 64 * 1024 * 1024, maxFileBytes: 16 * 1024 * 1024 });
    const [a, b] = await Promise.all([bytesVia(cache, file), bytesVia(cache, file)]);
    assert.ok(a && b);
    assert.equal(a, b, 'concurrent requests share one read');
    assert.deepEqual(Buffer.from(a), content);
    assert.equal(await bytesVia(cache, file), a);
  });

  it('reads a file changed on disk again: rewritten in place, same size, same mtime, or replaced', async () => {
    const file = path.join(dir, 'initrd');
    const cache = new FileCache({ maxBytes: 64 * 1024 * 1024, maxFileBytes: 16 * 1024 * 1024 });
    await writeFile(file, 'first version\n');
    const first = await bytesVia(cache, file);
    assert.equal(Buffer.from(first!).toString(), 'first version\n');

    // Same size, and the old mtime put back: the ctime still moves.
    const { mtime } = await stat(file);
    await writeFile(file, 'other version\n');
    await utimes(file, mtime, mtime);
    assert.equal(Buffer.from((await bytesVia(cache, file))!).toString(), 'other version\n');

    await writeFile(file, 'a longer third version\n');
    assert.equal(Buffer.from((await bytesVia(cache, file))!).toString(), 'a longer third version\n');

    const next = path.join(dir, 'initrd.new');
    await writeFile(next, 'replaced\n');
    await rename(next, file);
    assert.equal(Buffer.from((await bytesVia(cache, file))!).toString(), 'replaced\n');
  });

  it('leaves files over its file limit to be read as they are sent, and lets the oldest go', async () => {
    const cache = new FileCache({ maxBytes: 3 * 1024, maxFileBytes: 2 * 1024 });
    const big = path.join(dir, 'big');
    await writeFile(big, randomBytes(4 * 1024));
    assert.equal(await bytesVia(cache, big), undefined);
    const names = ['one', 'two', 'three'].map((name) => path.join(dir, name));
    for (const name of names) await writeFile(name, randomBytes(1024 + 512));
    const one = await bytesVia(cache, names[0]!);
    assert.equal(await bytesVia(cache, names[0]!), one, 'held');
    await bytesVia(cache, names[1]!);
    await bytesVia(cache, names[2]!);
    // Three files of 1.5 KiB do not fit in 3 KiB: the least recently used went.
    assert.notEqual(await bytesVia(cache, names[0]!), one, 'read again after it was let go');
  });
});

describe('TftpServer with its file cache', () => {
  it('serves the new content of a file changed on disk between transfers, to curl and raw clients', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-tftp-cache-'));
    const server = await TftpServer.start({ root: dir, address: '127.0.0.1', port: 0 });
    try {
      const file = path.join(dir, 'boot.ipxe');
      const fetch = async () => {
        const out = path.join(dir, `out-${randomBytes(4).toString('hex')}`);
        const result = await exec(
          'curl',
          ['-sS', '--tftp-blksize', '1468', '-o', out, `tftp://127.0.0.1:${server.port}/boot.ipxe`],
          { capture: 4096 },
        );
        assert.equal(result.exitCode, 0, result.stderr);
        return readFile(out);
      };
      const first = randomBytes(3 * 1468 + 5);
      await writeFile(file, first);
      assert.deepEqual(await fetch(), first);
      assert.deepEqual((await rawGet(server.port, 'boot.ipxe', { blksize: 1468 })).data, first);
      const second = randomBytes(3 * 1468 + 5);
      await writeFile(file, second);
      assert.deepEqual(await fetch(), second);
      assert.deepEqual((await rawGet(server.port, 'boot.ipxe', { blksize: 1468 })).data, second);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
