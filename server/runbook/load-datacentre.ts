import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { StackbookError } from '../stackbook-error.ts';
import { datacentreSchema } from './datacentre-schema.ts';
import type { Datacentre } from './datacentre-schema.ts';

/** A validated profile with where it came from. */
export interface LoadedDatacentre {
  name: string;
  /** The datacentre's folder (where `secrets.env` and overlays live). */
  dir: string;
  /** The `datacentre.yaml` path. */
  file: string;
  profile: Datacentre;
  /** Line of every node by dotted path (`machines.2.mac.0`); map entries give the line of their key. */
  lines: Record<string, number>;
}

/** One problem found in a profile. */
export interface ProfileIssue {
  line: number;
  field: string;
  message: string;
}

export const DATACENTRE_FILE = 'datacentre.yaml';

/** `machines.2.mac.0` or `['machines', 2, 'mac', 0]` as `machines[2].mac[0]`, the form messages use. */
export function readablePath(path: string | readonly PropertyKey[]): string {
  const parts = typeof path === 'string' ? (path === '' ? [] : path.split('.')) : path.map(String);
  return parts.reduce<string>(
    (text, part) => (/^\d+$/.test(part) ? `${text}[${part}]` : text ? `${text}.${part}` : part),
    '',
  );
}

/** Lines of every node in a YAML document, keyed by dotted path; `''` is the document itself. */
export function yamlLines(doc: Document, lineCounter: LineCounter): Record<string, number> {
  const lines: Record<string, number> = {};
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  const walk = (node: unknown, path: string, line: number): void => {
    lines[path] = line;
    const prefix = path === '' ? '' : `${path}.`;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const keyNode = pair.key as YamlNode | null;
        walk(pair.value, prefix + key, keyNode?.range ? lineAt(keyNode.range[0]) : line);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const itemNode = (isPair(item) ? item.key : item) as YamlNode | null;
        walk(item, prefix + String(i), itemNode?.range ? lineAt(itemNode.range[0]) : line);
      });
    }
  };
  const contents = doc.contents as YamlNode | null;
  walk(contents, '', contents?.range ? lineAt(contents.range[0]) : 1);
  return lines;
}

/** The line of a path, or of its nearest ancestor present in the file (a missing key points at its parent). */
export function lineOf(lines: Record<string, number>, path: readonly PropertyKey[]): number {
  for (let n = path.length; n >= 0; n--) {
    const line = lines[path.slice(0, n).map(String).join('.')];
    if (line !== undefined) return line;
  }
  return 1;
}

/** A zod issue's message, with zod's wording for an absent field and an unknown key made plain. */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return 'unknown key';
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined'))
    return `missing (expected ${issue.expected})`;
  return issue.message;
}

/**
 * Zod issues located in the YAML. Unknown keys point at the key itself and come first: a misspelt key is
 * usually also why a required field is "missing".
 */
export function locateIssues(
  issues: readonly z.core.$ZodIssue[],
  lines: Record<string, number>,
): ProfileIssue[] {
  const located = issues.map((issue) => {
    const unknown = issue.code === 'unrecognized_keys';
    const paths = unknown ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    return paths.map((path) => ({
      unknown,
      line: lineOf(lines, path),
      field: readablePath(path),
      message: issueMessage(issue),
    }));
  });
  return located
    .flat()
    .sort((a, b) => Number(b.unknown) - Number(a.unknown))
    .map(({ line, field, message }) => ({ line, field, message }));
}

/** A PROFILE_ERROR naming the first issue, carrying all of them in `details.issues`. */
export function profileError(file: string, issues: ProfileIssue[]): StackbookError {
  const [first] = issues;
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new StackbookError('PROFILE_ERROR', `${first?.message ?? 'invalid profile'}${more}`, {
    location: { file, ...(first ? { line: first.line, field: first.field || undefined } : {}) },
    details: { issues },
  });
}

/**
 * Parses and validates a profile's text without touching the disk, so the datacentre editor can check text
 * before writing it. `name` defaults to `defaultName` (the folder name).
 */
export function parseDatacentre(
  text: string,
  file: string,
  defaultName: string,
): Omit<LoadedDatacentre, 'dir'> {
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes the source line, which may hold a secret someone pasted in.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw profileError(
      file,
      doc.errors.map((error) => ({
        line: lineCounter.linePos(error.pos[0]).line,
        field: '',
        message: `YAML syntax error: ${error.message.split('\n')[0]}`,
      })),
    );
  }
  const lines = yamlLines(doc, lineCounter);
  const result = datacentreSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) throw profileError(file, locateIssues(result.error.issues, lines));
  const name = result.data.name ?? defaultName;
  return { name, file, profile: { ...result.data, name }, lines };
}

/** True when `ref` is meant as a path rather than a datacentre name. */
function isPathRef(ref: string): boolean {
  return isAbsolute(ref) || /[\\/]/.test(ref) || ref === '.' || ref === '..' || /\.ya?ml$/.test(ref);
}

/** Names of the folders in `datacentresDir` that hold a datacentre.yaml, sorted. */
export async function listDatacentres(datacentresDir: string): Promise<string[]> {
  const entries = await readdir(datacentresDir, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const found = await stat(join(datacentresDir, entry.name, DATACENTRE_FILE)).catch(() => undefined);
    if (found?.isFile()) names.push(entry.name);
  }
  return names.sort();
}

/**
 * Loads a datacentre by name (`<datacentresDir>/<name>`) or by path (its folder or its datacentre.yaml).
 * Throws NOT_FOUND (listing the datacentres that exist) or PROFILE_ERROR (file:line: field: …).
 */
export async function loadDatacentre(ref: string, datacentresDir: string): Promise<LoadedDatacentre> {
  const target = isPathRef(ref) ? resolve(ref) : resolve(datacentresDir, ref);
  const targetStat = await stat(target).catch(() => undefined);
  const file = targetStat?.isFile() ? target : join(target, DATACENTRE_FILE);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') throw error;
    return undefined;
  });
  if (text === undefined) {
    const known = await listDatacentres(datacentresDir);
    throw new StackbookError(
      'NOT_FOUND',
      `no datacentre ${JSON.stringify(ref)} (looked for ${file}); known datacentres: ${known.join(', ') || 'none'}`,
      { details: { ref, file, known } },
    );
  }
  const dir = dirname(file);
  return { ...parseDatacentre(text, file, basename(dir)), dir };
}
