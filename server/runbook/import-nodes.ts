import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Document, isMap, isSeq, LineCounter, parseDocument, YAMLMap, YAMLSeq } from 'yaml';
import { StackbookError } from '../stackbook-error.ts';
import { machineSchema } from './datacentre-schema.ts';
import type { Machine } from './datacentre-schema.ts';
import {
  DATACENTRE_FILE,
  issueMessage,
  lineOf,
  parseDatacentre,
  profileError,
  readablePath,
  yamlLines,
} from './load-datacentre.ts';
import type { ProfileIssue } from './load-datacentre.ts';
import { SECRETS_FILE, writeSecretsEnv } from './secrets.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

type Path = (string | number)[];
/** Machine field → where it may be found in an input node, first match wins. */
type FieldMap = Record<string, Path[]>;

const TRIPLEO: FieldMap = {
  ...Object.fromEntries(
    ['name', 'cpu', 'memory', 'disk', 'arch', 'pm_type', 'pm_addr', 'pm_port', 'pm_user', 'pm_password'].map(
      (f) => [f, [[f]]],
    ),
  ),
  mac: [['mac'], ['ports']],
  capabilities: [['capabilities'], ['properties', 'capabilities']],
};
// Bifrost puts everything under driver_info now; older inventories nest it under driver_info.power.
const info = (key: string): Path[] => [
  ['driver_info', key],
  ['driver_info', 'power', key],
];
const BIFROST: FieldMap = {
  name: [['name']],
  mac: [['nics']],
  cpu: [['properties', 'cpus']],
  memory: [['properties', 'ram']],
  disk: [['properties', 'disk_size']],
  arch: [['properties', 'cpu_arch']],
  pm_type: [['driver']],
  pm_addr: info('ipmi_address'),
  pm_port: info('ipmi_port'),
  pm_user: info('ipmi_username'),
  pm_password: info('ipmi_password'),
  ipmi_cipher_suite: info('ipmi_cipher_suite'),
  capabilities: [['properties', 'capabilities']],
};

interface Candidate {
  name: string;
  /** 1-based position in the input, for messages. */
  number: number;
  nodePath: Path;
  raw: Record<string, unknown>;
  sources: Record<string, Path>;
  password: string | undefined;
}

function get(value: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (v, key) => (v !== null && typeof v === 'object' ? (v as never)[key] : undefined),
    value,
  );
}

/** The secrets.env name for a machine's BMC password: `ctrl-0` → `CTRL_0_PM_PASSWORD`. */
export function pmPasswordSecretName(machine: string): string {
  const base = machine.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return `${/^[0-9]/.test(base) ? 'NODE_' : ''}${base}_PM_PASSWORD`;
}

/** One input node as machine fields, its password moved out into `password` and replaced by a reference. */
function toCandidate(
  node: unknown,
  nodePath: Path,
  number: number,
  fields: FieldMap,
  fallbackName: string,
): Candidate {
  const raw: Record<string, unknown> = {};
  const sources: Record<string, Path> = {};
  for (const [field, paths] of Object.entries(fields)) {
    const path = paths.find((p) => get(node, p) !== undefined);
    if (path) [raw[field], sources[field]] = [get(node, path), [...nodePath, ...path]];
  }
  // `ports: [{ address }]` (newer nodes.json) and `nics: [{ mac }]` (Bifrost) list objects, not MACs.
  if (Array.isArray(raw.mac))
    raw.mac = raw.mac.map((p: unknown) => get(p, ['address']) ?? get(p, ['mac']) ?? p);
  const name = typeof raw.name === 'string' || typeof raw.name === 'number' ? String(raw.name) : fallbackName;
  raw.name = name;
  let password: string | undefined;
  if (typeof raw.pm_password === 'string' || typeof raw.pm_password === 'number') {
    password = String(raw.pm_password);
    raw.pm_password = { secret: pmPasswordSecretName(name) };
  }
  return { name, number, nodePath, raw, sources, password };
}

/** TripleO nodes.json / instackenv.json (`{ nodes: [...] }` or a bare array), or a Bifrost inventory (name → node). */
function readCandidates(data: unknown, inputFile: string): Candidate[] {
  const tripleo = Array.isArray(data)
    ? { base: [], nodes: data }
    : Array.isArray(get(data, ['nodes']))
      ? { base: ['nodes'], nodes: get(data, ['nodes']) as unknown[] }
      : undefined;
  if (tripleo)
    return tripleo.nodes.map((node, i) =>
      toCandidate(node, [...tripleo.base, i], i + 1, TRIPLEO, `node-${i + 1}`),
    );
  if (
    data !== null &&
    typeof data === 'object' &&
    Object.values(data).every((n) => n !== null && typeof n === 'object')
  ) {
    return Object.entries(data).map(([key, node], i) => toCandidate(node, [key], i + 1, BIFROST, key));
  }
  const expected = 'a TripleO nodes.json ({ "nodes": [...] }) or a Bifrost inventory (name → node)';
  throw new StackbookError('PROFILE_ERROR', `not ${expected}`, { location: { file: inputFile, line: 1 } });
}

/** Each input node checked as a machine; every problem is reported at its place in the input file. */
function validateCandidates(
  candidates: Candidate[],
  inputFile: string,
  inputLines: Record<string, number>,
): Machine[] {
  const issues: ProfileIssue[] = [];
  const machines: Machine[] = [];
  const seen = new Map<string, number>();
  for (const c of candidates) {
    const issue = (path: Path, message: string) => {
      issues.push({
        line: lineOf(inputLines, path),
        field: readablePath(path),
        message: `node ${c.number} (${c.name}): ${message}`,
      });
    };
    if (seen.has(c.name))
      issue(c.sources.name ?? c.nodePath, `the name ${c.name} is also used by node ${seen.get(c.name)}`);
    seen.set(c.name, c.number);
    const result = machineSchema.safeParse(c.raw);
    if (result.success) machines.push(result.data);
    for (const i of result.error?.issues ?? []) {
      const [field, ...rest] = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      const source =
        field === undefined ? c.nodePath : c.sources[field] ? [...c.sources[field], ...rest] : c.nodePath;
      issue(source, `${field ?? 'node'}: ${issueMessage(i)}`);
    }
  }
  if (issues.length > 0) throw profileError(inputFile, issues);
  return machines;
}

/** Merges machines into the profile's `machines` list by name, editing nodes in place to keep comments. */
function mergeMachines(
  doc: Document,
  list: YAMLSeq,
  machines: Machine[],
  replace: boolean,
): { added: string[]; updated: string[] } {
  const names = new Set(machines.map((m) => m.name));
  const nameOf = (item: unknown) => (isMap(item) ? String(item.get('name')) : undefined);
  if (replace) list.items = list.items.filter((item) => names.has(nameOf(item) ?? ''));
  const added: string[] = [];
  const updated: string[] = [];
  for (const machine of machines) {
    // Flow style keeps `mac: [ … ]` and `pm_password: { secret: … }` on one line, as people write them.
    const node = (value: unknown) =>
      typeof value === 'object' ? doc.createNode(value, { flow: true }) : value;
    const index = list.items.findIndex((item) => nameOf(item) === machine.name);
    const item = list.items[index];
    if (isMap(item) && !replace) {
      for (const [key, value] of Object.entries(machine)) item.set(key, node(value));
    } else {
      const fresh = new YAMLMap();
      for (const [key, value] of Object.entries(machine)) fresh.set(key, node(value));
      if (index >= 0) list.items[index] = fresh;
      else list.items.push(fresh);
    }
    (index >= 0 ? updated : added).push(machine.name);
  }
  return { added, updated };
}

/**
 * Merges the machines of a TripleO nodes.json/instackenv.json or a Bifrost inventory (JSON or YAML) into
 * `<datacentreDir>/datacentre.yaml` by name, editing the YAML document so comments and other sections survive.
 * BMC passwords go to `<datacentreDir>/secrets.env` (mode 0600) and the profile gets `{ secret: NAME }`.
 * Everything is validated before anything is written. `replace` drops machines the input does not list and
 * rewrites matching machines whole instead of updating their fields.
 */
export async function importNodes(
  inputFile: string,
  datacentreDir: string,
  options: { replace?: boolean } = {},
): Promise<{ added: string[]; updated: string[]; secretsFile: string }> {
  const text = await readFile(inputFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT')
      throw new StackbookError('NOT_FOUND', `no such file: ${inputFile}`, { cause: error });
    throw error;
  });
  const lineCounter = new LineCounter();
  // JSON is YAML, so one parser serves both formats and gives line numbers for each.
  const input = parseDocument(text, { lineCounter, prettyErrors: false });
  if (input.errors.length > 0) {
    const [error] = input.errors;
    throw new StackbookError('PROFILE_ERROR', `syntax error: ${error!.message.split('\n')[0]}`, {
      location: { file: inputFile, line: lineCounter.linePos(error!.pos[0]).line },
    });
  }
  const inputLines = yamlLines(input, lineCounter);
  const candidates = readCandidates(input.toJS(), inputFile);
  const machines = validateCandidates(candidates, inputFile, inputLines);

  const file = join(datacentreDir, DATACENTRE_FILE);
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  const dcName = basename(resolve(datacentreDir));
  // Refuse to build on a broken profile: its errors would otherwise surface with the merged file's lines.
  if (existing !== undefined) parseDatacentre(existing, file, dcName);
  const doc = existing !== undefined ? parseDocument(existing) : new Document({ name: dcName });
  if (!isMap(doc.contents)) doc.contents = doc.createNode({ name: dcName });
  const found = doc.get('machines', true);
  const list = isSeq(found) ? found : new YAMLSeq();
  if (!isSeq(found)) doc.set('machines', list);

  const { added, updated } = mergeMachines(doc, list, machines, options.replace ?? false);

  const output = doc.toString();
  try {
    parseDatacentre(output, file, dcName);
  } catch (error) {
    // Lines of the merged text mean nothing to the operator (it was never written): name the field instead.
    if (!(error instanceof StackbookError)) throw error;
    const [first] = (error.details?.issues ?? []) as ProfileIssue[];
    const problem = first ? `${first.field}: ${first.message}` : error.message;
    throw new StackbookError(
      'PROFILE_ERROR',
      `importing ${inputFile} would make the profile invalid: ${problem}`,
      {
        location: { file },
        details: error.details,
        cause: error,
      },
    );
  }

  // Secrets first: the profile must never reference a secret that has not been stored yet.
  await mkdir(datacentreDir, { recursive: true });
  const secretsFile = join(datacentreDir, SECRETS_FILE);
  const passwords = new Map(
    candidates.flatMap((c) =>
      c.password === undefined ? [] : [[pmPasswordSecretName(c.name), c.password] as const],
    ),
  );
  if (passwords.size > 0) await writeSecretsEnv(secretsFile, passwords);
  await writeFileAtomic(file, output);
  return { added, updated, secretsFile };
}
