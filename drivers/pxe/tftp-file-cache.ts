import { fstat, read, type BigIntStats } from 'node:fs';
import { promisify } from 'node:util';

const fstatBig = promisify((fd: number, done: (error: Error | null, stats: BigIntStats) => void) =>
  fstat(fd, { bigint: true }, done),
);
const readAt = promisify(read);

/** Reads are this large: few calls for a whole initrd, none blocking the loop for long. */
const READ_BYTES = 4 * 1024 * 1024;

export interface FileCacheOptions {
  /** Files larger than this are not cached (they are read as they are sent). */
  maxFileBytes: number;
  /** The most bytes held; the least recently served files go first beyond it. */
  maxBytes: number;
}

interface Entry {
  /** What the bytes were read from: a file rewritten, replaced or touched since is read again. */
  version: string;
  size: number;
  bytes: Promise<Buffer | undefined>;
  used: number;
}

function versionOf(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/**
 * Whole boot files held in memory by a thread that sends them, shared by every transfer of the same file
 * on it. A PXE boot sends the same kernel and initrd to every machine: read once, each block is then one
 * copy into its packet. Each thread holds its own copy in ordinary memory: V8 copies out of a
 * SharedArrayBuffer with relaxed atomic moves, ten times slower than memcpy for an 8 KiB block.
 * An entry is keyed by the file's identity (device, inode) and used only while its size, mtime and ctime
 * are those it was read at, so a file changed on disk is read again.
 */
export class FileCache {
  private readonly entries = new Map<string, Entry>();
  private held = 0;
  private clock = 0;

  constructor(private readonly options: FileCacheOptions) {}

  /**
   * The bytes of the open regular file `fd`, from the cache or read now; undefined when the file is too
   * large to cache or changed while being read (the caller then reads it as it sends). Leaves `fd` open.
   */
  async bytesOf(fd: number): Promise<Buffer | undefined> {
    const stats = await fstatBig(fd);
    const size = Number(stats.size);
    if (size > this.options.maxFileBytes) return undefined;
    const key = `${stats.dev}:${stats.ino}`;
    const version = versionOf(stats);
    const found = this.entries.get(key);
    if (found?.version === version) {
      found.used = ++this.clock;
      return found.bytes;
    }
    if (found) this.drop(key, found);
    const entry: Entry = { version, size, bytes: this.readWhole(fd, size, version), used: ++this.clock };
    this.entries.set(key, entry);
    this.held += size;
    this.evict();
    const bytes = await entry.bytes;
    // Not cached after all (it changed while being read): let the next request read it afresh.
    if (!bytes && this.entries.get(key) === entry) this.drop(key, entry);
    return bytes;
  }

  private async readWhole(fd: number, size: number, version: string): Promise<Buffer | undefined> {
    const bytes = Buffer.allocUnsafeSlow(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await readAt(fd, bytes, got, Math.min(READ_BYTES, size - got), got);
      if (bytesRead === 0) return undefined;
      got += bytesRead;
    }
    // Written to while being read: these bytes may be half old, half new.
    return versionOf(await fstatBig(fd)) === version ? bytes : undefined;
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.held -= entry.size;
  }

  /** Transfers under way keep their bytes; the cache only lets go of them. */
  private evict(): void {
    while (this.held > this.options.maxBytes && this.entries.size > 1) {
      let oldest: [string, Entry] | undefined;
      for (const item of this.entries) if (!oldest || item[1].used < oldest[1].used) oldest = item;
      this.drop(...oldest!);
    }
  }
}
