import { durationMs } from './duration.ts';
import { StackbookError } from '../stackbook-error.ts';
import type { CellAttrs } from './types.ts';

/** Where an attribute block sits: the file and the line of its fence. */
export interface AttributeLocation {
  file: string;
  line: number;
}

const KEY = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const SPACE = /\s*/y;
// Leading zeros stay strings so that a cell named `01` keeps its name.
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

/**
 * Parses a fence's attribute block in Runme's syntax, braces included: either
 * `{ name=x needs=[a,b] timeout=5m confirm=true }` or JSON `{"name":"x","needs":["a"]}`.
 *
 * Bare values become booleans (`true`/`false`) or integers where they look like one, else strings;
 * list items always stay strings (they are cell names). Throws a `PARSE_ERROR` naming the attribute.
 */
export function parseAttributes(text: string, location: AttributeLocation): Record<string, unknown> {
  const source = text.trim();
  const fail: Fail = (message, field = 'attributes') =>
    new StackbookError('PARSE_ERROR', message, { location: { ...location, field } });
  if (!source.startsWith('{') || !source.endsWith('}')) {
    throw fail(`attribute block must be enclosed in { }: ${source}`);
  }
  if (/^\{\s*"/.test(source)) return parseJsonAttributes(source, fail);

  const attrs: Record<string, unknown> = {};
  const end = source.length - 1;
  let pos = 1;
  const skipSpace = (): void => {
    SPACE.lastIndex = pos;
    SPACE.exec(source);
    pos = SPACE.lastIndex;
  };
  for (skipSpace(); pos < end; skipSpace()) {
    KEY.lastIndex = pos;
    const name = KEY.exec(source)?.[0];
    if (!name) throw fail(`unexpected '${source.slice(pos, end).split(/\s/)[0]}' in attributes`);
    pos += name.length;
    if (source[pos] !== '=') throw fail(`attribute '${name}' has no value (expected ${name}=value)`, name);
    pos += 1;
    if (Object.hasOwn(attrs, name)) throw fail(`attribute '${name}' is given twice`, name);
    const value = readValue(source, pos, end, name, fail);
    attrs[name] = value.value;
    pos = value.next;
    if (pos < end && !/\s/.test(source[pos] ?? '')) {
      throw fail(`attribute '${name}' is followed by junk`, name);
    }
  }
  return attrs;
}

type Fail = (message: string, field?: string) => StackbookError;

/** Reads one value starting at `pos`; returns it and the index just after it. */
function readValue(
  source: string,
  pos: number,
  end: number,
  name: string,
  fail: Fail,
): { value: unknown; next: number } {
  const first = source[pos];
  if (first === '"') {
    const quoted = readQuoted(source, pos, end);
    if (!quoted) throw fail(`attribute '${name}' has an unterminated string`, name);
    return quoted;
  }
  if (first === '[') {
    const items: string[] = [];
    let at = pos + 1;
    for (;;) {
      while (at < end && /[\s,]/.test(source[at] ?? '')) at += 1;
      if (at >= end) throw fail(`attribute '${name}' has an unterminated list`, name);
      if (source[at] === ']') return { value: items, next: at + 1 };
      if (source[at] === '"') {
        const quoted = readQuoted(source, at, end);
        if (!quoted) throw fail(`attribute '${name}' has an unterminated string in its list`, name);
        items.push(quoted.value);
        at = quoted.next;
      } else {
        const start = at;
        while (at < end && !/[\s,\]"]/.test(source[at] ?? '')) at += 1;
        items.push(source.slice(start, at));
      }
    }
  }
  let next = pos;
  while (next < end && !/[\s}]/.test(source[next] ?? '')) next += 1;
  const word = source.slice(pos, next);
  if (!word) throw fail(`attribute '${name}' has no value`, name);
  return { value: bareValue(word), next };
}

/** A "double-quoted" string with backslash escapes, or undefined when it never closes. */
function readQuoted(source: string, pos: number, end: number): { value: string; next: number } | undefined {
  let value = '';
  for (let at = pos + 1; at < end; at += 1) {
    const char = source[at];
    if (char === '"') return { value, next: at + 1 };
    if (char === '\\' && at + 1 < end) at += 1;
    value += source[at];
  }
  return undefined;
}

function bareValue(word: string): unknown {
  if (word === 'true') return true;
  if (word === 'false') return false;
  if (INTEGER.test(word) && Number.isSafeInteger(Number(word))) return Number(word);
  return word;
}

function parseJsonAttributes(source: string, fail: Fail): Record<string, unknown> {
  try {
    return JSON.parse(source) as Record<string, unknown>;
  } catch (error) {
    const message = (error as Error).message;
    // Name the last key read before the failure so the message points at an attribute.
    const position = Number(/position (\d+)/.exec(message)?.[1] ?? source.length);
    const keys = [...source.slice(0, position).matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)];
    const key = keys.at(-1)?.[1];
    throw fail(`malformed JSON attributes${key ? ` near '${key}'` : ''}: ${message}`, key ?? 'attributes');
  }
}

/** What a cell name (and so every `needs`/`after` entry) must look like. */
export const CELL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const FLAGS = ['confirm', 'continueOnError', 'excludeFromRunAll', 'skip'] as const;
// Runme writes these; accepting them keeps Runme notebooks loadable.
const IGNORED = new Set(['id', 'interactive']);
const KNOWN = new Set(['name', 'needs', 'timeout', 'retries', 'after', ...FLAGS]);

/**
 * Checks parsed attributes against the known set and normalises them (`timeout` to `timeoutMs`, `needs`
 * to a list, `"true"` to `true`). `after` and `skip` are accepted only in a datacentre overlay.
 */
export function toCellAttrs(
  raw: Record<string, unknown>,
  location: AttributeLocation,
  source: 'base' | 'overlay',
): CellAttrs {
  const fail = (field: string, message: string): StackbookError =>
    new StackbookError('PARSE_ERROR', message, { location: { ...location, field } });
  for (const key of Object.keys(raw)) {
    if (IGNORED.has(key)) continue;
    if (!KNOWN.has(key)) throw fail(key, `unknown attribute '${key}' (known: ${[...KNOWN].join(', ')})`);
    if ((key === 'after' || key === 'skip') && source !== 'overlay') {
      throw fail(key, `attribute '${key}' is only allowed in a datacentre overlay`);
    }
  }
  // `name=42` reads as a number (and JSON may hold one); the name is still the text as written.
  const nameOf = (field: string, value: unknown): string => {
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || !CELL_NAME.test(text)) {
      throw fail(
        field,
        `${field} must be a cell name (letters, digits, '_', '.', '-'), got ${JSON.stringify(value)}`,
      );
    }
    return text;
  };
  if (raw.name === undefined) throw fail('name', 'cell has no name (add name=<name> to its attributes)');
  const flag = (key: (typeof FLAGS)[number]): boolean => {
    const value = raw[key] ?? false;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw fail(key, `${key} must be true or false, got ${JSON.stringify(value)}`);
  };
  const needs = raw.needs ?? [];
  const needList = typeof needs === 'string' ? needs.split(',').map((need) => need.trim()) : needs;
  if (!Array.isArray(needList)) {
    throw fail('needs', `needs must be a list of cell names, got ${JSON.stringify(needs)}`);
  }
  const retries = raw.retries ?? 0;
  if (!/^\d+$/.test(String(retries)) || typeof retries === 'boolean') {
    throw fail('retries', `retries must be a whole number ≥ 0, got ${JSON.stringify(retries)}`);
  }
  const attrs: CellAttrs = {
    name: nameOf('name', raw.name),
    needs: needList.filter((need) => need !== '').map((need) => nameOf('needs', need)),
    retries: Number(retries),
    confirm: flag('confirm'),
    continueOnError: flag('continueOnError'),
    excludeFromRunAll: flag('excludeFromRunAll'),
    skip: flag('skip'),
  };
  if (raw.timeout !== undefined) {
    const ms = durationMs(raw.timeout);
    if (ms === undefined) {
      throw fail(
        'timeout',
        `timeout must be a duration like 500ms, 30s, 5m, 1h30m or a number of seconds, got ${JSON.stringify(raw.timeout)}`,
      );
    }
    attrs.timeoutMs = ms;
  }
  if (raw.after !== undefined) attrs.after = nameOf('after', raw.after);
  return attrs;
}
