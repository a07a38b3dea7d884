/**
 * The data path of one read transfer: stackbook's own, in place of the npm `tftp` package's streams
 * (decisions.md 29). One UDP socket per transfer, bound to the server's address and connected to the
 * client; the file read ahead in large chunks; each window's packets built once in a ring of buffers that
 * retransmissions reuse; RFC 1350 lock-step, RFC 7440 windows, block numbers rolling over past 65535.
 * No timer is armed and no clock read per block: an ACK costs its datagram, a few comparisons and the next
 * block's copy and send.
 */
import dgram from 'node:dgram';
import { close, read } from 'node:fs';
import { FileCache } from './tftp-file-cache.ts';
import { errorPacketOf, OP_ACK, OP_DATA, OP_ERROR, TftpErrorCode } from './tftp-protocol.ts';

/** Everything a transfer needs; plain data, so it can be posted to a worker thread. */
export interface TransferJob {
  id: number;
  family: 'udp4' | 'udp6';
  /** The server's own address: the transfer's socket binds there, on a free port. */
  localAddress: string;
  clientAddress: string;
  clientPort: number;
  /** An open descriptor the transfer reads and closes, or the bytes themselves (netascii). */
  fd?: number;
  data?: Uint8Array;
  size: number;
  blksize: number;
  windowsize: number;
  rollover: 0 | 1;
  timeoutMs: number;
  /** Retransmissions of one window before the transfer gives up. */
  retries: number;
  /** The size of this thread's file cache (the first job's figure holds); 0: `fd` is read as it is sent. */
  cacheBytes: number;
  /** The OACK to send first (options were acknowledged), or none: data starts at once. */
  oack?: Uint8Array;
  sendBufferSize: number;
}

export interface TransferResult {
  id: number;
  outcome: 'sent' | 'error' | 'aborted';
  /** File bytes the client acknowledged. */
  bytes: number;
  error?: string;
}

/** Reads are this large (rounded to whole blocks), one ahead of the blocks being sent. */
const CHUNK_BYTES = 256 * 1024;

/**
 * One timer per thread for all its transfers: each records the tick of its last progress (a number, per
 * ACK) and the ticker retransmits for those that made none for their timeout, instead of a timer and a
 * clock read per transfer per ACK.
 */
const TICK_MS = 100;
const watched = new Set<BlockSender>();
let ticker: NodeJS.Timeout | undefined;
/** performance.now() at the last tick: the clock transfers read. */
let tickNow = performance.now();

function watch(sender: BlockSender): void {
  watched.add(sender);
  if (ticker) return;
  tickNow = performance.now();
  ticker = setInterval(() => {
    tickNow = performance.now();
    for (const each of watched) each.onTick(tickNow);
  }, TICK_MS);
  ticker.unref();
}

function unwatch(sender: BlockSender): void {
  watched.delete(sender);
  if (watched.size || !ticker) return;
  clearInterval(ticker);
  ticker = undefined;
}

/** Hands out a file's blocks in order, from two chunk buffers read ahead of the sender. */
class BlockReader {
  private readonly chunkBlocks: number;
  private readonly chunkBytes: number;
  private readonly buffers: Buffer[] = [];
  /** Which chunk each buffer holds (-1: none, or being read). */
  private readonly holds = [-1, -1];
  private reading = -1;

  constructor(
    private readonly fd: number | undefined,
    private readonly data: Buffer | undefined,
    private readonly size: number,
    private readonly blksize: number,
    private readonly onReady: () => void,
    private readonly onError: (error: Error) => void,
  ) {
    this.chunkBlocks = Math.max(1, Math.floor(CHUNK_BYTES / blksize));
    this.chunkBytes = this.chunkBlocks * blksize;
  }

  /** Copies block `i` (from 1) into `packet` after its header; answers its length, or -1 until it is read. */
  fill(i: number, packet: Buffer): number {
    const offset = (i - 1) * this.blksize;
    if (offset >= this.size) return 0;
    const length = Math.min(this.blksize, this.size - offset);
    if (this.data) {
      this.data.copy(packet, 4, offset, offset + length);
      return length;
    }
    const chunk = Math.floor((i - 1) / this.chunkBlocks);
    const slot = chunk & 1;
    if (this.holds[slot] !== chunk) {
      this.load(chunk);
      return -1;
    }
    const within = offset - chunk * this.chunkBytes;
    this.buffers[slot]!.copy(packet, 4, within, within + length);
    // Starting a chunk: every block of the one before it has been copied out, so its buffer takes the next.
    if (within === 0) this.load(chunk + 1);
    return length;
  }

  private load(chunk: number): void {
    const position = chunk * this.chunkBytes;
    if (position >= this.size || this.reading !== -1 || this.holds[chunk & 1] === chunk) return;
    const slot = chunk & 1;
    const buffer = (this.buffers[slot] ??= Buffer.allocUnsafe(this.chunkBytes));
    const wanted = Math.min(this.chunkBytes, this.size - position);
    this.holds[slot] = -1;
    this.reading = chunk;
    read(this.fd!, buffer, 0, wanted, position, (error, bytes) => {
      this.reading = -1;
      if (error) return this.onError(error);
      // Regular files read short only at their end: this one shrank while being sent.
      if (bytes !== wanted) return this.onError(new Error('the file changed while being sent'));
      this.holds[slot] = chunk;
      this.onReady();
    });
  }
}

/** The sending state machine of one transfer over a bound, connected socket. */
class BlockSender {
  /** The highest block the client acknowledged; -1 while the OACK waits for its ACK 0. */
  private acked: number;
  private next = 1;
  /** The highest block copied into its packet buffer. */
  private filled = 0;
  private readonly last: number;
  private readonly packets: Buffer[];
  private readonly toSend: Buffer[];
  private readonly modulus: number;
  private rewoundAt = -1;
  private tries = 0;
  /** The tick at the last progress (or retransmission); the tick may be up to TICK_MS old. */
  private lastProgress = tickNow;
  private finished = false;
  private readonly reader: BlockReader;

  constructor(
    private readonly socket: dgram.Socket,
    private readonly job: TransferJob,
    private readonly onDone: (result: TransferResult) => void,
  ) {
    this.last = Math.floor(job.size / job.blksize) + 1;
    this.modulus = job.rollover === 1 ? 65535 : 65536;
    this.acked = job.oack ? -1 : 0;
    this.packets = Array.from({ length: job.windowsize }, () => {
      const packet = Buffer.allocUnsafe(4 + job.blksize);
      packet.writeUInt16BE(OP_DATA, 0);
      return packet;
    });
    this.toSend = [...this.packets];
    const data = job.data
      ? Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength)
      : undefined;
    this.reader = new BlockReader(
      job.fd,
      data,
      job.size,
      job.blksize,
      () => this.pump(),
      (error) => this.fail(TftpErrorCode.UNDEFINED, `I/O error: ${error.message}`),
    );
    socket.on('message', this.onMessage);
    socket.on('error', (error) => this.finish('aborted', `client unreachable: ${error.message}`));
  }

  start(): void {
    this.lastProgress = tickNow;
    watch(this);
    if (this.job.oack) this.socket.send(this.job.oack);
    else this.pump();
  }

  /** Ends the transfer from this side, telling the client why. */
  abort(reason: string): void {
    if (this.finished) return;
    this.socket.send(errorPacketOf(TftpErrorCode.UNDEFINED, reason));
    this.finish('aborted', reason);
  }

  private wire(block: number): number {
    return block === 0 ? 0 : this.job.rollover === 1 ? ((block - 1) % 65535) + 1 : block % 65536;
  }

  private readonly onMessage = (message: Buffer): void => {
    if (message.length < 4 || this.finished) return;
    const op = (message[0]! << 8) | message[1]!;
    if (op === OP_ACK) this.onAck((message[2]! << 8) | message[3]!);
    else if (op === OP_ERROR) {
      const end = message.indexOf(0, 4);
      const text = message.toString('latin1', 4, end < 0 ? message.length : end);
      this.finish('aborted', `client: ${text || `error ${message.readUInt16BE(2)}`}`);
    }
    // Anything else from the client's port is a stray duplicate: ignored, as are unknown ACKs.
  };

  private onAck(wire: number): void {
    if (this.acked < 0) {
      if (wire !== 0) return;
      this.progress(0);
      return this.pump();
    }
    const block = this.acked + ((wire - this.wire(this.acked) + this.modulus) % this.modulus);
    if (block >= this.next) return;
    if (block === this.acked) {
      // A repeated ACK inside a window says the next block was lost: resend from there, once per gap. In
      // lock-step a repeat is only a late duplicate; answering it would start the Sorcerer's Apprentice.
      if (this.job.windowsize > 1 && this.rewoundAt !== block) {
        this.rewoundAt = block;
        this.next = block + 1;
        this.pump();
      }
      return;
    }
    this.progress(block);
    if (block === this.last) return this.finish('sent');
    this.pump();
  }

  private progress(block: number): void {
    this.acked = block;
    this.rewoundAt = -1;
    this.tries = 0;
    this.lastProgress = tickNow;
  }

  /** Sends every block the window allows that is not yet in flight. */
  private pump(): void {
    if (this.finished || this.acked < 0) return;
    const limit = Math.min(this.last, this.acked + this.job.windowsize);
    const windowsize = this.job.windowsize;
    while (this.next <= limit) {
      const i = this.next;
      const slot = i % windowsize;
      if (i > this.filled) {
        const packet = this.packets[slot]!;
        const length = this.reader.fill(i, packet);
        if (length < 0) return;
        const wire = this.wire(i);
        packet[2] = wire >> 8;
        packet[3] = wire & 0xff;
        this.toSend[slot] = length === this.job.blksize ? packet : packet.subarray(0, 4 + length);
        this.filled = i;
      }
      this.socket.send(this.toSend[slot]!);
      this.next = i + 1;
    }
  }

  /**
   * Called by the thread's ticker. lastProgress was read from a clock up to one tick behind, so a full
   * tick more is waited: a retransmission comes between timeoutMs and timeoutMs + 2 ticks after the
   * last progress, never before.
   */
  onTick(now: number): void {
    if (this.finished || now - this.lastProgress < this.job.timeoutMs + TICK_MS) return;
    if (++this.tries > this.job.retries) {
      return this.fail(TftpErrorCode.UNDEFINED, `Timed out after ${this.job.retries} retransmissions`);
    }
    this.lastProgress = now;
    if (this.acked < 0) this.socket.send(this.job.oack!);
    else {
      this.next = this.acked + 1;
      this.pump();
    }
  }

  private fail(code: number, message: string): void {
    if (this.finished) return;
    this.socket.send(errorPacketOf(code, message));
    this.finish('error', message);
  }

  private finish(outcome: TransferResult['outcome'], error?: string): void {
    if (this.finished) return;
    this.finished = true;
    unwatch(this);
    const bytes = Math.max(0, Math.min(this.job.size, this.acked * this.job.blksize));
    // Let a last ERROR packet leave before the socket goes.
    setImmediate(() => this.socket.close());
    if (this.job.fd !== undefined) close(this.job.fd, () => undefined);
    this.onDone({ id: this.job.id, outcome, bytes, ...(error === undefined ? {} : { error }) });
  }
}

let cache: FileCache | undefined;

/** The file's bytes from this thread's cache, or undefined: it is then read as it is sent. */
function cachedBytes(job: TransferJob): Promise<Buffer | undefined> {
  if (job.fd === undefined || job.cacheBytes <= 0) return Promise.resolve(undefined);
  cache ??= new FileCache({ maxBytes: job.cacheBytes, maxFileBytes: job.cacheBytes / 4 });
  return cache.bytesOf(job.fd).catch(() => undefined);
}

/** A transfer under way; `abort` ends it with an ERROR packet to the client. */
export interface RunningTransfer {
  abort(reason: string): void;
}

/**
 * Runs one read transfer: a socket bound to the server's address (never all addresses) on a free port,
 * connected to the client (the kernel then drops packets from any other port, as tftpd-hpa's do), sending
 * the OACK or the first window. `onDone` is called exactly once.
 */
export function runTransfer(job: TransferJob, onDone: (result: TransferResult) => void): RunningTransfer {
  const socket = dgram.createSocket({ type: job.family, sendBufferSize: job.sendBufferSize });
  // Read (or found in the cache) while the socket binds; the descriptor is closed only once it is done.
  const bytes = cachedBytes(job);
  let sender: BlockSender | undefined;
  let ended = false;
  const early = (outcome: TransferResult['outcome'], error: string) => {
    if (ended) return;
    ended = true;
    if (job.fd !== undefined) void bytes.finally(() => close(job.fd!, () => undefined));
    try {
      socket.close();
    } catch {
      // already closed
    }
    onDone({ id: job.id, outcome, bytes: 0, error });
  };
  socket.once('error', (error) => early('error', `transfer socket: ${error.message}`));
  socket.bind({ address: job.localAddress, port: 0, exclusive: true }, () => {
    socket.connect(job.clientPort, job.clientAddress, () => {
      void bytes.then((data) => {
        if (ended) return;
        socket.removeAllListeners('error');
        let source = job;
        // Sent from memory, unless the file changed since the server took its size for the OACK (it is then
        // read as it is sent, and fails if it shrank).
        if (data?.length === job.size) {
          close(job.fd!, () => undefined);
          source = { ...job, fd: undefined, data };
        }
        sender = new BlockSender(socket, source, (result) => {
          ended = true;
          onDone(result);
        });
        sender.start();
      });
    });
  });
  return {
    abort(reason) {
      if (sender) sender.abort(reason);
      else early('aborted', reason);
    },
  };
}
