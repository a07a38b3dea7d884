import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

/** The full path of a program on PATH (as a shell would find it), or undefined; runs nothing. */
export async function findProgram(
  name: string,
  searchPath = process.env.PATH ?? '',
): Promise<string | undefined> {
  if (name.includes('/')) return (await executable(name)) ? name : undefined;
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await executable(candidate)) return candidate;
  }
  return undefined;
}

async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
