/**
 * TFTP packets (RFC 1350, options RFC 2347/2348/2349/7440). The one place stackbook uses the npm `tftp`
 * package: its request parser (file name normalisation, mode check, validation of blksize, tsize,
 * windowsize and rollover) and its OACK and ERROR serialisers. Its server, sockets and data path are not used
 * (decisions.md 29). What the package lacks is added here, around it: option names compared without case
 * (RFC 2347), the `timeout` option (which the package drops), the transfer mode (which it checks but does not
 * return), and its thrown plain objects turned into a typed refusal.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface PackageError {
  code: number;
  name: string | null;
  message: string;
}
interface ParsedRequest {
  file: string;
  extensions: { blksize?: number; tsize?: number; windowsize?: number; rollover?: number } | null;
  userExtensions: Record<string, string>;
}
const rrq = require('tftp/lib/protocol/packets/rrq.js') as { deserialize(packet: Buffer): ParsedRequest };
const oack = require('tftp/lib/protocol/packets/oack.js') as {
  serialize(options: Record<string, string | number>): Buffer;
};
const errorPacket = require('tftp/lib/protocol/packets/error.js') as {
  serialize(error: { code: number; message: string }): Buffer;
};

export const OP_RRQ = 1;
export const OP_WRQ = 2;
export const OP_DATA = 3;
export const OP_ACK = 4;
export const OP_ERROR = 5;
export const OP_OACK = 6;

/** RFC 1350 and RFC 2347 error codes. */
export const TftpErrorCode = {
  UNDEFINED: 0,
  NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  ILLEGAL_OPERATION: 4,
  OPTION_REFUSED: 8,
} as const;

/** RFC 2347: a request (options included) fits in 512 octets. */
export const MAX_REQUEST = 512;

export type TransferMode = 'octet' | 'netascii';

/** A read request, parsed; option values as the client asked for them. */
export interface ReadRequest {
  /** The file name as the client sent it (what events report). */
  requested: string;
  /** The name normalised by the package (`a/./b` → `a/b`; a leading `..` already refused). */
  file: string;
  mode: TransferMode;
  blksize?: number;
  tsize?: boolean;
  windowsize?: number;
  rollover?: 0 | 1;
  /** RFC 2349 seconds (1–255); absent when not asked for or not a valid value (then not acknowledged). */
  timeout?: number;
}

/** Why a request is refused: the TFTP error to answer with and the outcome to report. */
export class TftpRefusal extends Error {
  constructor(
    readonly outcome: 'not-found' | 'denied' | 'error',
    readonly tftpCode: number,
    message: string,
    /** The file the client named, when the packet got that far. */
    readonly file = '',
  ) {
    super(message);
    this.name = 'TftpRefusal';
  }
}

/** The NUL-terminated strings of a request after its opcode; undefined when one is unterminated. */
function fields(packet: Buffer): string[] | undefined {
  const out: string[] = [];
  let start = 2;
  for (let i = 2; i < packet.length; i++) {
    if (packet[i] !== 0) continue;
    out.push(packet.toString('latin1', start, i));
    start = i + 1;
  }
  return start === packet.length ? out : undefined;
}

/**
 * Parses an RRQ or WRQ. Answers the read request, or throws a `TftpRefusal` (a write request always is:
 * stackbook serves files, it never takes them).
 */
export function parseRequest(packet: Buffer): ReadRequest {
  if (packet.length < 4) throw new TftpRefusal('error', TftpErrorCode.ILLEGAL_OPERATION, 'Malformed packet');
  const op = packet.readUInt16BE(0);
  if (op !== OP_RRQ && op !== OP_WRQ)
    throw new TftpRefusal('error', TftpErrorCode.ILLEGAL_OPERATION, 'Illegal TFTP operation');
  if (packet.length > MAX_REQUEST)
    throw new TftpRefusal('error', TftpErrorCode.ILLEGAL_OPERATION, 'Request longer than 512 octets');
  // Some clients pad a request with extra NULs after its last string.
  let end = packet.length;
  while (end > 3 && packet[end - 1] === 0 && packet[end - 2] === 0) end--;
  const strings = fields(packet.subarray(0, end));
  if (!strings || strings.length < 2 || strings.length % 2 !== 0)
    throw new TftpRefusal('error', TftpErrorCode.ILLEGAL_OPERATION, 'Malformed request', strings?.[0] ?? '');
  const file = strings[0]!;
  if (op === OP_WRQ)
    throw new TftpRefusal('denied', TftpErrorCode.ACCESS_VIOLATION, 'Uploads are not accepted', file);
  const mode = strings[1]!.toLowerCase();
  if (mode !== 'octet' && mode !== 'netascii')
    throw new TftpRefusal('error', TftpErrorCode.ILLEGAL_OPERATION, `Unsupported mode ${mode}`, file);

  // RFC 2347 option names are case-insensitive; the package only knows lower case.
  const normalised = Buffer.from(packet.subarray(0, end));
  let index = 0;
  for (let i = 2; i < normalised.length; i++) {
    const byte = normalised[i]!;
    if (byte === 0) index++;
    else if (index >= 2 && index % 2 === 0 && byte >= 0x41 && byte <= 0x5a) normalised[i] = byte + 0x20;
  }
  let parsed: ParsedRequest;
  try {
    parsed = rrq.deserialize(normalised);
  } catch (thrown) {
    const error = thrown as PackageError;
    if (error.name === 'EBADNAME')
      throw new TftpRefusal('denied', TftpErrorCode.ACCESS_VIOLATION, 'Access violation', file);
    if (error.name === 'EDENY')
      throw new TftpRefusal('denied', TftpErrorCode.OPTION_REFUSED, 'Option value refused', file);
    throw new TftpRefusal('error', TftpErrorCode.ILLEGAL_OPERATION, 'Malformed request', file);
  }
  const request: ReadRequest = { requested: file, file: parsed.file, mode };
  const ext = parsed.extensions ?? {};
  if (ext.blksize !== undefined) request.blksize = ext.blksize;
  if (ext.tsize !== undefined) request.tsize = true;
  if (ext.windowsize !== undefined) request.windowsize = ext.windowsize;
  if (ext.rollover !== undefined) request.rollover = ext.rollover === 1 ? 1 : 0;
  for (let i = 2; i < strings.length; i += 2) {
    if (strings[i]!.toLowerCase() !== 'timeout') continue;
    const value = strings[i + 1]!;
    if (/^\d{1,3}$/.test(value) && Number(value) >= 1 && Number(value) <= 255)
      request.timeout = Number(value);
  }
  return request;
}

/** An ERROR packet. Messages are ASCII (the package writes them as such). */
export function errorPacketOf(code: number, message: string): Buffer {
  return errorPacket.serialize({ code, message: message.replace(/[^\x20-\x7e]/g, '?') });
}

/** An OACK packet acknowledging `options` in the order given. */
export function oackPacketOf(options: Record<string, string | number>): Buffer {
  return oack.serialize(options);
}
