/**
 * Node's floor for issue 6's benchmark: the least a TFTP server on Node's `dgram` can do per block, run
 * beside stackbook's in `tftp-throughput.ts` so every run shows how much of the gap to the references is
 * the runtime's. The same shape as stackbook's data path (decisions.md 29, 32): RRQs on one socket, each
 * transfer on a socket of its own bound to the server's address and connected to the client, handed to its
 * worker threads in turn, the file held in memory, one packet buffer per transfer. Per ACK it does nothing
 * but check the block number, copy the next block in and send it: no options but `blksize`, no
 * retransmission, no timeout, no events, no path checks. A measuring instrument, never a server to run.
 *
 * `node --import tsx bench/tftp-floor-server.ts ROOT` prints `listening on 127.0.0.1:PORT`.
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

interface Request {
  name: string;
  blksize: number;
  port: number;
  address: string;
}

/** As many sending threads as stackbook's TFTP server starts by default (tftp-server.ts). */
const THREADS = Math.min(4, os.availableParallelism());

/** Answers RRQs on a free port of 127.0.0.1 and hands each transfer to the next worker thread. */
export function serveFloor(root: string): void {
  // As the project's worker pool does: on Node 20 the thread loads tsx itself, then this file.
  const load = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const workers = Array.from(
    { length: THREADS },
    () => new Worker(load, { eval: true, workerData: { root } }),
  );
  let turn = 0;
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, client) => {
    if (message[1] !== 1) return;
    const fields = message.toString('latin1', 2).split('\0');
    let blksize = 512;
    for (let i = 2; i + 1 < fields.length; i += 2)
      if (fields[i]!.toLowerCase() === 'blksize') blksize = Number(fields[i + 1]);
    const request: Request = { name: fields[0]!, blksize, port: client.port, address: client.address };
    workers[turn++ % THREADS]!.postMessage(request);
  });
  socket.bind(0, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${socket.address().port}`));
}

/** A worker thread: sends each file it is handed in lock-step, from memory. */
function sendTransfers(root: string): void {
  const files = new Map<string, Buffer>();
  parentPort!.on('message', ({ name, blksize, port, address }: Request) => {
    let data = files.get(name);
    if (!data) files.set(name, (data = readFileSync(path.join(root, name))));
    const file = data;
    const last = Math.floor(file.length / blksize) + 1;
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1', () =>
      socket.connect(port, address, () => {
        const packet = Buffer.allocUnsafe(4 + blksize);
        packet[0] = 0;
        packet[1] = 3;
        let block = 0;
        socket.on('message', (ack: Buffer) => {
          if (ack[1] !== 4 || ((ack[2]! << 8) | ack[3]!) !== (block & 0xffff)) return;
          if (block === last) return socket.close();
          block++;
          const offset = (block - 1) * blksize;
          const length = Math.max(0, Math.min(blksize, file.length - offset));
          packet[2] = (block >> 8) & 0xff;
          packet[3] = block & 0xff;
          file.copy(packet, 4, offset, offset + length);
          socket.send(length === blksize ? packet : packet.subarray(0, 4 + length));
        });
        socket.send(Buffer.from(`\0\x06blksize\0${blksize}\0`, 'latin1'));
      }),
    );
  });
}

if (!isMainThread) sendTransfers((workerData as { root: string }).root);
else if (import.meta.url === `file://${process.argv[1]}`) serveFloor(process.argv[2]!);
