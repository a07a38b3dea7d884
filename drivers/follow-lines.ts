import { open } from 'node:fs/promises';

/** A file being followed; `stop` reads what is left and ends. */
export interface LineFollower {
  stop(): Promise<void>;
  /** Reads what has been appended since the last read, now (after any read under way). */
  readNow(): Promise<void>;
  /** How far the file has been read, to go on from there later. */
  readonly offset: number;
}

/**
 * Follows a file that a daemon appends to (a log, a JSON-lines events file), as `tail -f` does: every whole
 * line reaches `onLine` once, in order. A file that shrinks (rotated, truncated) is read again from its
 * start. `onIdle` runs after each poll that found nothing new.
 */
export function followLines(
  file: string,
  onLine: (line: string) => void,
  options: { fromOffset?: number; intervalMs?: number; onIdle?: () => void } = {},
): LineFollower {
  let offset = options.fromOffset ?? 0;
  let partial = '';
  let stopped = false;
  const poll = async () => {
    const handle = await open(file, 'r').catch(() => undefined);
    if (!handle) return options.onIdle?.();
    try {
      const { size } = await handle.stat();
      if (size < offset) [offset, partial] = [0, ''];
      if (size === offset) return options.onIdle?.();
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      const lines = (partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    } finally {
      await handle.close();
    }
  };
  let running = Promise.resolve();
  const read = () => (running = running.then(poll).catch(() => undefined));
  const timer = setInterval(read, options.intervalMs ?? 100);
  return {
    get offset() {
      return offset;
    },
    readNow: () => (stopped ? running : read()),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await running;
      await poll().catch(() => undefined);
    },
  };
}
