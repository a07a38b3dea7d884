import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, stat, writeFile } from 'node:fs/promises';

/**
 * Replaces `file` in one step, so a reader (or a run being created) never sees half of it. The temporary
 * name is unique, so concurrent writers never share one. Without `mode` the file keeps its current mode.
 */
export async function writeFileAtomic(file: string, text: string, mode?: number): Promise<void> {
  const keep = mode ?? ((await stat(file).catch(() => undefined))?.mode ?? 0o644) & 0o777;
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // The mode is set at creation, so a secret is never readable by others, even for a moment.
    await writeFile(temp, text, { encoding: 'utf8', mode: keep });
    await chmod(temp, keep);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
