import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StackbookError } from '../stackbook-error.ts';
import { isSecretRef } from './datacentre-schema.ts';
import { readablePath } from './load-datacentre.ts';
import { writeFileAtomic } from './write-file-atomic.ts';
import type { LoadedDatacentre } from './load-datacentre.ts';

/** The git-ignored file beside datacentre.yaml that holds secret values. */
export const SECRETS_FILE = 'secrets.env';

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

/** Every `{ secret: NAME }` inside `value`, with its dotted path (`machines.0.pm_password`), in document order. */
export function collectSecretRefs(value: unknown, path = ''): { name: string; path: string }[] {
  if (isSecretRef(value)) return [{ name: value.secret, path }];
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return entries.flatMap(([key, v]) => collectSecretRefs(v, path === '' ? key : `${path}.${key}`));
}

/** The value part of a `NAME=value` line, or undefined when it is malformed. Never echo it: it is a secret. */
function parseValue(raw: string): string | undefined {
  const quote = raw[0];
  if (quote === "'" || quote === '"') {
    // Double quotes allow \" inside, so the closing quote is the first one not escaped.
    let close = -1;
    for (let i = 1; i < raw.length && close < 0; i++) {
      if (quote === '"' && raw[i] === '\\') i++;
      else if (raw[i] === quote) close = i;
    }
    if (close < 0 || !/^\s*(#.*)?$/.test(raw.slice(close + 1))) return undefined;
    const body = raw.slice(1, close);
    if (quote === "'") return body;
    return body.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
  }
  // Unquoted: a ` #` starts a comment (a `#` inside a word, as in a password, does not).
  return raw.replace(/(^|\s)#.*$/, '').trim();
}

/**
 * Reads a dotenv-style secrets file: `NAME=value` or `export NAME=value`, values bare, 'single-quoted' (literal)
 * or "double-quoted" (`\"`, `\\`, `\n`, `\t` escapes); `#` comments and blank lines are skipped; a later line wins.
 * A missing file is an empty map; a malformed line is a PROFILE_ERROR naming file:line (never the value).
 */
export async function readSecretsEnv(file: string): Promise<Map<string, { value: string; line: number }>> {
  // Read synchronously: a few lines, read before every execution; the promise API would take four round
  // trips through the thread pool (open, stat, read, close) for what takes microseconds.
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    text = '';
  }
  const secrets = new Map<string, { value: string; line: number }>();
  text.split(/\r?\n/).forEach((source, index) => {
    if (/^\s*(#.*)?$/.test(source)) return;
    const match = LINE.exec(source);
    const value = match ? parseValue(match[2]!) : undefined;
    if (!match || value === undefined) {
      throw new StackbookError('PROFILE_ERROR', 'expected NAME=value (quote values that hold spaces or #)', {
        location: { file, line: index + 1, ...(match ? { field: match[1] } : {}) },
      });
    }
    secrets.set(match[1]!, { value, line: index + 1 });
  });
  return secrets;
}

/** A value as written to secrets.env, quoted only when it would not read back unchanged. */
function quoteValue(value: string): string {
  if (/^[A-Za-z0-9_./:@%+,=~^-]*$/.test(value)) return value;
  if (!/['\n]/.test(value)) return `'${value}'`;
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/**
 * Sets `values` in a secrets file, replacing the lines that define those names and keeping every other line.
 * The file is written to a temporary name with mode 0600 and renamed, so it is never readable by others.
 */
export async function writeSecretsEnv(file: string, values: ReadonlyMap<string, string>): Promise<void> {
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const pending = new Map(values);
  const lines = existing === '' ? [] : existing.replace(/\r?\n$/, '').split(/\r?\n/);
  const kept = lines.flatMap((line) => {
    const name = LINE.exec(line)?.[1];
    if (name === undefined || !values.has(name)) return [line];
    const value = pending.get(name);
    pending.delete(name);
    return value === undefined ? [] : [`${name}=${quoteValue(value)}`];
  });
  for (const [name, value] of pending) kept.push(`${name}=${quoteValue(value)}`);
  await writeFileAtomic(file, `${kept.join('\n')}\n`, 0o600);
}

/**
 * Resolves secret names from the environment first, else from the datacentre's secrets.env. All missing names
 * are reported in one SECRET_MISSING error with where each is referenced; values never appear in errors.
 */
export async function resolveSecrets(
  loaded: LoadedDatacentre,
  names: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Map<string, string>> {
  const resolved = new Map<string, string>();
  const secretsFile = join(loaded.dir, SECRETS_FILE);
  let fromFile: Map<string, { value: string; line: number }> | undefined;
  for (const name of new Set(names)) {
    const fromEnv = env[name];
    if (fromEnv !== undefined) {
      resolved.set(name, fromEnv);
      continue;
    }
    // Read the file only when the environment does not cover everything, so CI can skip it entirely.
    fromFile ??= await readSecretsEnv(secretsFile);
    const entry = fromFile.get(name);
    if (entry) resolved.set(name, entry.value);
  }
  const missing = [...new Set(names)].filter((name) => !resolved.has(name));
  if (missing.length === 0) return resolved;

  const refs = collectSecretRefs(loaded.profile);
  const details = missing.map((name) => ({
    name,
    references: refs
      .filter((ref) => ref.name === name)
      .map((ref) => ({ file: loaded.file, line: loaded.lines[ref.path], field: readablePath(ref.path) })),
  }));
  const lines = details.map(({ name, references }) => {
    const where = references.map((r) => `${r.file}:${r.line ?? '?'} (${r.field})`).join(', ');
    return `  ${name}: ${where ? `referenced at ${where}` : 'not referenced in the profile'}`;
  });
  throw new StackbookError(
    'SECRET_MISSING',
    `${missing.length} secret${missing.length > 1 ? 's are' : ' is'} not set: ${missing.join(', ')}\n${lines.join('\n')}\n` +
      `Set ${missing.length > 1 ? 'each' : 'it'} in the environment or as NAME=value in ${secretsFile}.`,
    { details: { missing: details, secretsFile } },
  );
}
