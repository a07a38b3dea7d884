import dgram from 'node:dgram';
import { stat } from 'node:fs/promises';
import { realpath } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { closeServed, openInRoot, type ServedFile } from './tftp-files.ts';
import {
  errorPacketOf,
  oackPacketOf,
  OP_ERROR,
  parseRequest,
  TftpErrorCode,
  TftpRefusal,
  type ReadRequest,
} from './tftp-protocol.ts';
import { runTransfer, type RunningTransfer, type TransferJob, type TransferResult } from './tftp-sender.ts';
import { TransferPool } from './tftp-worker-pool.ts';

/** One transfer, or one refused request, as the server reports it. */
export interface TftpTransfer {
  /** `ip:port` (`[ip]:port` for IPv6) of the client. */
  client: string;
  /** The file name as the client asked for it ('' when the packet was not a readable request). */
  file: string;
  /** File bytes the client acknowledged. */
  bytes: number;
  /** The file's size in bytes (as sent: netascii counts its CRs), when it was opened. */
  size?: number;
  /** From the request's arrival to the transfer's end. */
  durationMs: number;
  blksize: number;
  windowsize: number;
  outcome: 'sent' | 'not-found' | 'denied' | 'error' | 'aborted';
  error?: string;
}

export interface TftpServerOptions {
  /** The directory served; nothing outside it (after following symlinks) is ever read. */
  root: string;
  /** The one address the server and every transfer socket binds. */
  address: string;
  /** 0: a free port. */
  port: number;
  /** Called for every transfer and every refused request, once it has ended. */
  onTransfer?: (transfer: TftpTransfer) => void;
  /** Threads that send data; 0 sends from this one. Default: one per CPU, at most 4. */
  workers?: number;
  /** The largest blksize granted (RFC 2348 allows up to 65464). */
  maxBlksize?: number;
  /**
   * The most data one window may hold. A window must fit in the client's receive buffer or it overflows and
   * times out again and again; 64 KiB fits Linux's default buffer with the kernel's per-packet overhead.
   */
  windowBytes?: number;
  /** The largest windowsize granted, whatever the block size. */
  maxWindowsize?: number;
  /** Retransmission interval when the client asks for no `timeout`. */
  timeoutMs?: number;
  /** Retransmissions of one window before a transfer is given up. */
  retries?: number;
  /** Transfers under way at once; a request beyond is refused (a flood cannot exhaust descriptors). */
  maxTransfers?: number;
  /**
   * Bytes of files each sending thread holds in memory for every transfer of them (0: none, each transfer
   * reads its file as it sends it). A file larger than a quarter of this is never held.
   */
  cacheBytes?: number;
}

const DEFAULTS = {
  maxBlksize: 65464,
  windowBytes: 64 * 1024,
  maxWindowsize: 64,
  timeoutMs: 1000,
  retries: 5,
  maxTransfers: 1024,
  cacheBytes: 512 * 1024 * 1024,
};

function formatClient(address: string, port: number): string {
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * stackbook's TFTP server (RFC 1350, with the blksize, tsize, timeout and windowsize options of RFC
 * 2347/2348/2349/7440): read-only, confined to one directory, bound to one address. Requests are parsed by
 * the npm `tftp` package; the data path is stackbook's own (`tftp-sender.ts`, decisions.md 29). Every
 * transfer and every refusal is reported through `onTransfer`; no request, however malformed, stops it.
 */
export class TftpServer {
  private closing: Promise<void> | undefined;
  private readonly running = new Map<string, RunningTransfer | undefined>();
  private readonly settled = new Set<Promise<void>>();
  private nextId = 1;
  private readonly limits: typeof DEFAULTS;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly realRoot: string,
    private readonly pool: TransferPool | undefined,
    private readonly options: TftpServerOptions,
    /** The address the server listens on. */
    readonly address: string,
    /** The port the server listens on (the one chosen when 0 was asked for). */
    readonly port: number,
  ) {
    this.limits = {
      maxBlksize: Math.min(options.maxBlksize ?? DEFAULTS.maxBlksize, 65464),
      windowBytes: options.windowBytes ?? DEFAULTS.windowBytes,
      maxWindowsize: options.maxWindowsize ?? DEFAULTS.maxWindowsize,
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      retries: options.retries ?? DEFAULTS.retries,
      maxTransfers: options.maxTransfers ?? DEFAULTS.maxTransfers,
      cacheBytes: options.cacheBytes ?? DEFAULTS.cacheBytes,
    };
    socket.on('message', this.onRequest);
  }

  /** Starts serving `root` on `address:port`; answers once the socket is bound. */
  static async start(options: TftpServerOptions): Promise<TftpServer> {
    const family = net.isIP(options.address);
    if (!family) throw new Error(`not an IP address: ${options.address}`);
    const realRoot = await realpath(options.root);
    if (!(await stat(realRoot)).isDirectory()) throw new Error(`not a directory: ${options.root}`);
    const workers = options.workers ?? Math.min(4, os.availableParallelism());
    const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: options.address, port: options.port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // After binding, a socket error (an ICMP report about a client gone away) is no reason to stop.
    socket.on('error', () => undefined);
    let pool: TransferPool | undefined;
    try {
      if (workers > 0) pool = await TransferPool.start(workers);
    } catch (error) {
      socket.close();
      throw error;
    }
    const bound = socket.address();
    return new TftpServer(socket, realRoot, pool, options, bound.address, bound.port);
  }

  /** Stops listening, aborts transfers under way (each reported `aborted`) and answers once all are. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.socket.close();
      for (const transfer of this.running.values()) transfer?.abort('Server shutting down');
      while (this.settled.size) await Promise.all(this.settled);
      await this.pool?.close();
    })();
    return this.closing;
  }

  private report(transfer: TftpTransfer): void {
    try {
      this.options.onTransfer?.(transfer);
    } catch (error) {
      // A failing listener must not take the server down with it.
      process.emitWarning(`TFTP onTransfer listener threw: ${(error as Error).message}`);
    }
  }

  private readonly onRequest = (packet: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this.closing) return;
    const started = performance.now();
    const client = formatClient(rinfo.address, rinfo.port);
    // An ERROR is never answered (RFC 1350), and one sent to this port ends nothing.
    if (packet.length >= 2 && packet.readUInt16BE(0) === OP_ERROR) return;
    let request: ReadRequest;
    try {
      request = parseRequest(packet);
    } catch (error) {
      return this.refuse(rinfo, client, started, error as TftpRefusal);
    }
    // A client repeating its request before our first answer arrived is already being served.
    if (this.running.has(client)) return;
    if (this.running.size >= this.limits.maxTransfers) {
      const busy = new TftpRefusal('error', TftpErrorCode.UNDEFINED, 'Server busy', request.requested);
      return this.refuse(rinfo, client, started, busy);
    }
    this.running.set(client, undefined);
    const done = this.serve(request, rinfo, client, started).finally(() => {
      this.running.delete(client);
      this.settled.delete(done);
    });
    this.settled.add(done);
  };

  private refuse(rinfo: dgram.RemoteInfo, client: string, started: number, refusal: TftpRefusal): void {
    if (!this.closing)
      this.socket.send(errorPacketOf(refusal.tftpCode, refusal.message), rinfo.port, rinfo.address);
    this.report({
      client,
      file: refusal.file,
      bytes: 0,
      durationMs: performance.now() - started,
      blksize: 512,
      windowsize: 1,
      outcome: refusal.outcome,
      error: refusal.message,
    });
  }

  private async serve(
    request: ReadRequest,
    rinfo: dgram.RemoteInfo,
    client: string,
    started: number,
  ): Promise<void> {
    let file: ServedFile;
    try {
      file = await openInRoot(this.realRoot, request);
    } catch (error) {
      const refusal =
        error instanceof TftpRefusal
          ? error
          : new TftpRefusal('error', TftpErrorCode.UNDEFINED, String(error), request.requested);
      return this.refuse(rinfo, client, started, refusal);
    }
    const job = this.negotiate(request, file, rinfo);
    const base = { client, file: request.requested, size: file.size, blksize: job.blksize };
    if (this.closing) {
      closeServed(file);
      return this.report({
        ...base,
        bytes: 0,
        windowsize: job.windowsize,
        durationMs: performance.now() - started,
        outcome: 'aborted',
        error: 'Server shutting down',
      });
    }
    const result = await new Promise<TransferResult>((resolve) => {
      const running = this.pool ? this.pool.run(job, resolve) : runTransfer(job, resolve);
      this.running.set(client, running);
    });
    this.report({
      ...base,
      bytes: result.bytes,
      windowsize: job.windowsize,
      durationMs: performance.now() - started,
      outcome: result.outcome,
      ...(result.error === undefined ? {} : { error: result.error }),
    });
  }

  /**
   * The options granted (RFC 2347: only those asked for and understood are acknowledged). blksize is
   * capped; windowsize is cut so a window never holds more than `windowBytes` (decisions.md 29).
   */
  private negotiate(request: ReadRequest, file: ServedFile, rinfo: dgram.RemoteInfo): TransferJob {
    const granted: Record<string, number> = {};
    const limits = this.limits;
    let blksize = 512;
    let windowsize = 1;
    let timeoutMs = limits.timeoutMs;
    if (request.blksize !== undefined)
      granted.blksize = blksize = Math.min(request.blksize, limits.maxBlksize);
    if (request.tsize) granted.tsize = file.size;
    if (request.timeout !== undefined) {
      granted.timeout = request.timeout;
      timeoutMs = request.timeout * 1000;
    }
    if (request.windowsize !== undefined) {
      const fits = Math.max(1, Math.floor(limits.windowBytes / blksize));
      granted.windowsize = windowsize = Math.min(request.windowsize, limits.maxWindowsize, fits);
    }
    if (request.rollover !== undefined) granted.rollover = request.rollover;
    return {
      id: this.nextId++,
      family: net.isIPv6(this.address) ? 'udp6' : 'udp4',
      localAddress: this.address,
      clientAddress: rinfo.address,
      clientPort: rinfo.port,
      ...('fd' in file ? { fd: file.fd } : { data: file.data }),
      size: file.size,
      blksize,
      windowsize,
      rollover: request.rollover ?? 0,
      timeoutMs,
      retries: limits.retries,
      cacheBytes: limits.cacheBytes,
      ...(Object.keys(granted).length ? { oack: oackPacketOf(granted) } : {}),
      // Room for two windows with the kernel's overhead, so a window is never held back for space.
      sendBufferSize: Math.max(212992, 4 * windowsize * (blksize + 64)),
    };
  }
}
