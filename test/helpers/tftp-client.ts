import dgram from 'node:dgram';

/** A TFTP request packet: opcode, file, mode, then option name/value pairs. */
export function requestPacket(
  op: 1 | 2,
  file: string,
  mode = 'octet',
  options: Record<string, string | number> = {},
): Buffer {
  const strings = [file, mode, ...Object.entries(options).flatMap(([key, value]) => [key, String(value)])];
  return Buffer.concat([Buffer.from([0, op]), ...strings.map((s) => Buffer.from(`${s}\0`, 'latin1'))]);
}

export function parseStrings(packet: Buffer, from: number): string[] {
  return packet.toString('latin1', from).split('\0').slice(0, -1);
}

export interface TftpReply {
  op: number;
  code?: number;
  message?: string;
  options?: Record<string, string>;
  from: dgram.RemoteInfo;
}

function decode(packet: Buffer, from: dgram.RemoteInfo): TftpReply {
  const op = packet.readUInt16BE(0);
  if (op === 5) return { op, code: packet.readUInt16BE(2), message: parseStrings(packet, 4)[0] ?? '', from };
  if (op === 6) {
    const strings = parseStrings(packet, 2);
    const options: Record<string, string> = {};
    for (let i = 0; i + 1 < strings.length; i += 2) options[strings[i]!] = strings[i + 1]!;
    return { op, options, from };
  }
  return { op, from };
}

/** A UDP socket on 127.0.0.1 that sends raw datagrams and collects what comes back. */
export async function rawSocket() {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const inbox: { packet: Buffer; from: dgram.RemoteInfo }[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (packet, from) => {
    inbox.push({ packet, from });
    waiters.splice(0).forEach((wake) => wake());
  });
  return {
    socket,
    port: socket.address().port,
    send: (packet: Buffer, port: number, address = '127.0.0.1') =>
      new Promise<void>((resolve, reject) =>
        socket.send(packet, port, address, (error) => (error ? reject(error) : resolve())),
      ),
    /** The next datagram to arrive, or undefined after `ms`. */
    async next(ms = 3000): Promise<{ packet: Buffer; from: dgram.RemoteInfo } | undefined> {
      const deadline = Date.now() + ms;
      while (!inbox.length) {
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => (clearTimeout(timer), resolve()));
        });
      }
      return inbox.shift();
    },
    async reply(ms = 3000): Promise<TftpReply | undefined> {
      const got = await this.next(ms);
      return got && decode(got.packet, got.from);
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

export interface RawGetResult {
  oack?: Record<string, string>;
  error?: { code: number; message: string };
  data: Buffer;
  /** DATA packets received, duplicates included. */
  packets: number;
  acks: number;
}

/**
 * Fetches a file as an RFC 1350 / RFC 7440 client: acknowledges the OACK, then every `windowsize` blocks
 * (and the last one); a block out of order is answered with an ACK of the last one in order.
 */
export async function rawGet(
  port: number,
  file: string,
  options: Record<string, string | number> = {},
  { mode = 'octet', timeoutMs = 10_000 }: { mode?: string; timeoutMs?: number } = {},
): Promise<RawGetResult> {
  const client = await rawSocket();
  try {
    await client.send(requestPacket(1, file, mode, options), port);
    const chunks: Buffer[] = [];
    let expected = 1;
    let blksize = 512;
    let windowsize = 1;
    let sinceAck = 0;
    let packets = 0;
    let acks = 0;
    let oack: Record<string, string> | undefined;
    const ack = (block: number, to: dgram.RemoteInfo) => {
      acks++;
      const packet = Buffer.from([0, 4, (block >> 8) & 0xff, block & 0xff]);
      return client.send(packet, to.port, to.address);
    };
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = await client.next(Math.max(1, deadline - Date.now()));
      if (!got) throw new Error(`no answer for ${file} within ${timeoutMs} ms`);
      const { packet, from } = got;
      const op = packet.readUInt16BE(0);
      if (op === 5) {
        const reply = decode(packet, from);
        return {
          error: { code: reply.code!, message: reply.message! },
          data: Buffer.concat(chunks),
          packets,
          acks,
        };
      }
      if (op === 6) {
        oack = decode(packet, from).options;
        blksize = Number(oack!.blksize ?? 512);
        windowsize = Number(oack!.windowsize ?? 1);
        await ack(0, from);
        continue;
      }
      if (op !== 3) throw new Error(`unexpected opcode ${op}`);
      packets++;
      const block = packet.readUInt16BE(2);
      if (block !== expected % 65536) {
        sinceAck = 0;
        await ack((expected - 1) % 65536, from);
        continue;
      }
      const data = packet.subarray(4);
      chunks.push(Buffer.from(data));
      expected++;
      if (data.length < blksize) {
        await ack(block, from);
        return { ...(oack ? { oack } : {}), data: Buffer.concat(chunks), packets, acks };
      }
      if (++sinceAck === windowsize) {
        sinceAck = 0;
        await ack(block, from);
      }
    }
  } finally {
    await client.close();
  }
}
