import { close, constants, fstat, open, read, realpath } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { TftpErrorCode, TftpRefusal, type ReadRequest } from './tftp-protocol.ts';

const openFd = promisify(open);
const fstatFd = promisify(fstat);
const closeFd = promisify(close);
const realpathOf = promisify(realpath);

/** netascii files are converted in memory; boot files are octet, and nothing this big is text. */
const NETASCII_LIMIT = 64 * 1024 * 1024;

/** A file ready to send: an open descriptor (octet), or the converted bytes (netascii). */
export type ServedFile = { fd: number; size: number } | { data: Buffer; size: number };

function refusalFor(error: NodeJS.ErrnoException, file: string): TftpRefusal {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR')
    return new TftpRefusal('not-found', TftpErrorCode.NOT_FOUND, 'File not found', file);
  if (error.code === 'EACCES' || error.code === 'EPERM' || error.code === 'ELOOP')
    return new TftpRefusal('denied', TftpErrorCode.ACCESS_VIOLATION, 'Access violation', file);
  return new TftpRefusal('error', TftpErrorCode.UNDEFINED, `I/O error (${error.code ?? 'unknown'})`, file);
}

/**
 * Opens the file a read request names, inside `realRoot` (a path with no symlinks in it) only: absolute
 * names and `..` are refused, and so is any name whose real path (symlinks followed) leaves the root. Only
 * regular files are served. Throws a `TftpRefusal` saying what to answer.
 */
export async function openInRoot(realRoot: string, request: ReadRequest): Promise<ServedFile> {
  const name = request.requested;
  if (path.isAbsolute(request.file) || request.file.split(path.sep).includes('..'))
    throw new TftpRefusal('denied', TftpErrorCode.ACCESS_VIOLATION, 'Access violation', name);
  let real: string;
  try {
    real = await realpathOf(path.join(realRoot, request.file));
  } catch (error) {
    throw refusalFor(error as NodeJS.ErrnoException, name);
  }
  const prefix = realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep;
  if (!real.startsWith(prefix))
    throw new TftpRefusal('denied', TftpErrorCode.ACCESS_VIOLATION, 'Access violation', name);
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink swapped in after the check is refused rather than followed.
    fd = await openFd(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    throw refusalFor(error as NodeJS.ErrnoException, name);
  }
  try {
    const stats = await fstatFd(fd);
    if (!stats.isFile())
      throw new TftpRefusal('denied', TftpErrorCode.ACCESS_VIOLATION, 'Not a regular file', name);
    if (request.mode === 'octet') return { fd, size: stats.size };
    if (stats.size > NETASCII_LIMIT)
      throw new TftpRefusal('denied', TftpErrorCode.ACCESS_VIOLATION, 'Too large for netascii', name);
    const raw = Buffer.allocUnsafe(stats.size);
    let got = 0;
    while (got < raw.length) {
      const n = await new Promise<number>((resolve, reject) =>
        read(fd, raw, got, raw.length - got, got, (error, bytes) => (error ? reject(error) : resolve(bytes))),
      );
      if (n === 0) break;
      got += n;
    }
    await closeFd(fd);
    const data = toNetascii(raw.subarray(0, got));
    return { data, size: data.length };
  } catch (error) {
    await closeFd(fd).catch(() => undefined);
    if (error instanceof TftpRefusal) throw error;
    throw refusalFor(error as NodeJS.ErrnoException, name);
  }
}

/** RFC 764 netascii as TFTP uses it: LF becomes CR LF, a bare CR becomes CR NUL. */
export function toNetascii(raw: Buffer): Buffer {
  let extra = 0;
  for (const byte of raw) if (byte === 0x0a || byte === 0x0d) extra++;
  const out = Buffer.allocUnsafe(raw.length + extra);
  let o = 0;
  for (const byte of raw) {
    if (byte === 0x0a) {
      out[o++] = 0x0d;
      out[o++] = 0x0a;
    } else if (byte === 0x0d) {
      out[o++] = 0x0d;
      out[o++] = 0x00;
    } else out[o++] = byte;
  }
  return out;
}

/** Closes a served file's descriptor, if it has one. */
export function closeServed(file: ServedFile): void {
  if ('fd' in file) close(file.fd, () => undefined);
}
