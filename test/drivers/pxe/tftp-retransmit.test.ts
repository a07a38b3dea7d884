import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TftpServer, type TftpTransfer } from '../../../drivers/pxe/tftp-server.ts';
import { rawSocket, requestPacket } from '../../helpers/tftp-client.ts';

const ackOf = (block: number) => Buffer.from([0, 4, block >> 8, block & 0xff]);

/**
 * Retransmission under the one-timer-per-thread scheme (tftp-sender.ts): an ACK lost in the middle of a
 * transfer, in lock-step and inside a window, is answered after the timeout (never before it), and the
 * transfer then completes. Both with worker threads and on the server's own thread.
 */
for (const workers of [undefined, 0]) {
  describe(`TFTP retransmission (${workers === 0 ? 'server thread' : 'worker threads'})`, () => {
    let dir: string;
    let server: TftpServer;
    const events: TftpTransfer[] = [];
    const content = randomBytes(10 * 512 + 100);

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'sb-tftp-retx-'));
      await writeFile(path.join(dir, 'file.bin'), content);
      server = await TftpServer.start({
        root: dir,
        address: '127.0.0.1',
        port: 0,
        ...(workers === undefined ? {} : { workers }),
        onTransfer: (transfer) => events.push(transfer),
      });
    });
    after(async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('resends a block whose ACK was lost mid-transfer in lock-step, after the timeout, and completes', async () => {
      const received: Buffer[] = [];
      const fresh = await rawSocket();
      try {
        await fresh.send(requestPacket(1, 'file.bin', 'octet', { timeout: 1 }), server.port);
        const oack = await fresh.reply();
        assert.equal(oack?.op, 6);
        const to = oack!.from.port;
        await fresh.send(ackOf(0), to);
        for (let block = 1; block <= 3; block++) {
          const got = await fresh.next();
          assert.equal(got?.packet.readUInt16BE(2), block);
          received.push(got!.packet.subarray(4));
          if (block < 3) await fresh.send(ackOf(block), to);
        }
        // ACK 3 is "lost": block 3 comes again, not before the 1 s timeout.
        const lostAt = performance.now();
        const again = await fresh.next(3000);
        const waited = performance.now() - lostAt;
        assert.equal(again?.packet.readUInt16BE(2), 3);
        assert.ok(waited >= 950, `resent after ${waited.toFixed(0)} ms`);
        assert.ok(waited < 2000, `resent after ${waited.toFixed(0)} ms`);
        await fresh.send(ackOf(3), to);
        for (let block = 4; ; block++) {
          const got = await fresh.next();
          assert.equal(got?.packet.readUInt16BE(2), block);
          received.push(got!.packet.subarray(4));
          await fresh.send(ackOf(block), to);
          if (got!.packet.length < 4 + 512) break;
        }
      } finally {
        await fresh.close();
      }
      assert.deepEqual(Buffer.concat(received), content);
    });

    it('resends the unacknowledged part of a window after the timeout, and completes', async () => {
      const client = await rawSocket();
      const blocks = new Map<number, Buffer>();
      try {
        await client.send(requestPacket(1, 'file.bin', 'octet', { timeout: 1, windowsize: 4 }), server.port);
        const oack = await client.reply();
        assert.equal(oack?.options?.windowsize, '4');
        const to = oack!.from.port;
        await client.send(ackOf(0), to);
        for (let i = 0; i < 4; i++) {
          const got = await client.next();
          blocks.set(got!.packet.readUInt16BE(2), got!.packet.subarray(4));
        }
        assert.deepEqual([...blocks.keys()], [1, 2, 3, 4]);
        // Only block 2 is acknowledged; the ACK of the window is lost.
        await client.send(ackOf(2), to);
        const more = [];
        for (let i = 0; i < 2; i++) more.push((await client.next())!.packet.readUInt16BE(2));
        assert.deepEqual(more, [5, 6], 'the window slid to 3..6');
        const lostAt = performance.now();
        const resent = [];
        for (let i = 0; i < 4; i++) {
          const got = await client.next(3000);
          resent.push(got!.packet.readUInt16BE(2));
          blocks.set(got!.packet.readUInt16BE(2), got!.packet.subarray(4));
        }
        assert.ok(performance.now() - lostAt >= 950);
        assert.deepEqual(resent, [3, 4, 5, 6], 'resent from the block after the last ACK');
        for (let next = 6; ;) {
          await client.send(ackOf(next), to);
          let last = false;
          for (let i = 0; i < 4 && !last; i++) {
            const got = await client.next();
            const block = got!.packet.readUInt16BE(2);
            blocks.set(block, got!.packet.subarray(4));
            next = block;
            last = got!.packet.length < 4 + 512;
          }
          if (last) {
            await client.send(ackOf(next), to);
            break;
          }
        }
      } finally {
        await client.close();
      }
      const ordered = [...blocks.entries()].sort((a, b) => a[0] - b[0]).map(([, data]) => data);
      assert.deepEqual(Buffer.concat(ordered), content);
      const deadline = Date.now() + 5000;
      while (!events.some((e) => e.windowsize === 4 && e.outcome === 'sent') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(events.some((e) => e.windowsize === 4 && e.outcome === 'sent' && e.bytes === content.length));
    });
  });
}
