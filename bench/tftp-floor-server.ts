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
import { OP_ACK, OP_DATA, oackPacketOf, parseRequest } from '../drivers/pxe/tftp-protocol.ts';

interface Request {
  file: string;
  /** Absent: the client asked for no options, so none are acknowledged and blocks are 512 bytes. */
  blksize?: number;
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
    // The project's own parser: a request costs the same here as in stackbook (refusals are dropped).
    let file: string, blksize: number | undefined;
    try {
      ({ file, blksize } = parseRequest(message));
    } catch {
      return;
    }
    const request: Request = { file, port: client.port, address: client.address };
    if (blksize !== undefined) request.blksize = blksize;
    workers[turn++ % THREADS]!.postMessage(request);
  });
  socket.bind(0, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${socket.address().port}`));
}

/** A worker thread: sends each file it is handed in lock-step, from memory. */
function sendTransfers(root: string): void {
  const files = new Map<string, Buffer>();
  parentPort!.on('message', (request: Request) => {
    const { file: name, port, address } = request;
    const blksize = request.blksize ?? 512;
    let data = files.get(name);
    if (!data) files.set(name, (data = readFileSync(path.join(root, name))));
    const file = data;
    const last = Math.floor(file.length / blksize) + 1;
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1', () =>
      socket.connect(port, address, () => {
        const packet = Buffer.allocUnsafe(4 + blksize);
        packet.writeUInt16BE(OP_DATA, 0);
        let block = 0;
        const sendNext = () => {
          block++;
          const offset = (block - 1) * blksize;
          const length = Math.max(0, Math.min(blksize, file.length - offset));
          packet[2] = (block >> 8) & 0xff;
          packet[3] = block & 0xff;
          file.copy(packet, 4, offset, offset + length);
          socket.send(length === blksize ? packet : packet.subarray(0, 4 + length));
        };
        socket.on('message', (ack: Buffer) => {
          if (ack[1] !== OP_ACK || ((ack[2]! << 8) | ack[3]!) !== (block & 0xffff)) return;
          if (block === last) return socket.close();
          sendNext();
        });
        // Block 0 stands for the OACK, which its ACK 0 answers.
        if (request.blksize !== undefined) socket.send(oackPacketOf({ blksize }));
        else sendNext();
      }),
    );
  });
}

if (!isMainThread) sendTransfers((workerData as { root: string }).root);
else if (import.meta.url === `file://${process.argv[1]}`) serveFloor(process.argv[2]!);
