import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { Lexer, getDefaults } from 'marked';
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import type { DriverLookup } from '../../drivers/registry.ts';
import { StackbookError } from '../stackbook-error.ts';
import { checkNeeds } from './check-needs.ts';
import { CELL_NAME, parseAttributes, toCellAttrs } from './parse-attributes.ts';
import type { Block, CellBlock, Runbook } from './types.ts';

/** Options of {@link parseRunbook}. */
export interface ParseRunbookOptions {
  /** `overlay` allows `after`/`skip`, restricts the front matter and defers `needs` checks to the merge. */
  source?: 'base' | 'overlay';
}

const FRONT_MATTER_KEYS = {
  base: ['id', 'title', 'summary', 'needs', 'params'],
  overlay: ['id', 'title', 'summary', 'params'],
};

/**
 * Parses a Markdown runbook into prose blocks and executable cells (fenced blocks whose info string is
 * `<driver> {attributes}`), with the line of everything for error messages and provenance.
 * Every problem is a `PARSE_ERROR` located at `file:line` with the field concerned.
 */
export function parseRunbook(
  text: string,
  file: string,
  drivers: DriverLookup,
  options: ParseRunbookOptions = {},
): Runbook {
  const source = options.source ?? 'base';
  // marked normalises line endings before lexing; doing it first keeps our offsets equal to its raw lengths.
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const front = parseFrontMatter(normalized, file, source);
  const markdown = normalized.slice(front.length);
  // Fresh default options: a `marked.use()` elsewhere in the process must not change how runbooks parse.
  const tokens = new Lexer(getDefaults()).lex(markdown);

  const blocks: Block[] = [];
  const byName = new Map<string, CellBlock>();
  let prose: { start: number; end: number; line: number } | undefined;
  const flushProse = (): void => {
    if (!prose) return;
    const slice = markdown.slice(prose.start, prose.end).replace(/\n+$/, '');
    blocks.push({ kind: 'prose', markdown: slice, provenance: { file, line: prose.line, source } });
    prose = undefined;
  };
  let title: string | undefined;
  let offset = 0;
  let line = front.lines + 1;
  for (const token of tokens) {
    // Offsets come from raw lengths, lines from the source itself (marked may rewrite blank lines in raw).
    const start = offset;
    const startLine = line;
    offset += token.raw.length;
    line += markdown.slice(start, offset).split('\n').length - 1;
    if (token.type === 'heading' && token.depth === 1) title ??= token.text;
    const cell = token.type === 'code' ? parseCell(markdown.slice(start, offset), startLine) : undefined;
    if (cell) {
      const earlier = byName.get(cell.name);
      if (earlier) {
        throw parseError(
          file,
          startLine,
          'name',
          `duplicate cell name '${cell.name}' (lines ${earlier.provenance.line} and ${startLine})`,
        );
      }
      byName.set(cell.name, cell);
      flushProse();
      blocks.push(cell);
    } else if (token.type !== 'space') {
      prose ??= { start, end: offset, line: startLine };
      prose.end = offset;
    }
  }
  flushProse();

  const id = front.data.id ?? basename(file).replace(/\.md$/i, '');
  const runbook: Runbook = {
    id,
    title: front.data.title ?? title ?? id,
    summary: front.data.summary ?? '',
    needs: front.data.needs ?? [],
    params: front.data.params ?? {},
    blocks,
    sources: [{ file, sha256: createHash('sha256').update(text, 'utf8').digest('hex') }],
  };
  // An overlay's needs may name base cells; they are checked once merged.
  if (source === 'base') checkNeeds(runbook);
  return runbook;

  function parseCell(raw: string, fenceLine: number): CellBlock | undefined {
    const lines = raw.split('\n');
    const fence = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(lines[0] ?? '');
    if (!fence) return undefined; // an indented code block, never a cell
    const [, indent = '', marker = '', info = ''] = fence;
    const [, lang = '', attrText = ''] = /^([^\s{]*)\s*(.*)$/.exec(info.trim()) ?? [];
    const driver = drivers.resolve(lang);
    if (!attrText.startsWith('{')) {
      if (driver?.body === 'yaml') {
        throw parseError(
          file,
          fenceLine,
          'name',
          `cell has no name: a '${lang}' block needs {name=…} after the fence word`,
        );
      }
      return undefined; // display-only: a shell snippet or a sample file shown in the prose
    }
    if (!driver) {
      const known = `known: ${drivers.names().join(', ')}`;
      throw parseError(
        file,
        fenceLine,
        'driver',
        lang ? `unknown driver '${lang}' (${known})` : `cell has no driver word (${known})`,
      );
    }
    const location = { file, line: fenceLine };
    const rawAttrs = parseAttributes(attrText, location);
    const attrs = toCellAttrs(rawAttrs, location, source);
    const close = lines.findIndex(
      (text, at) => at > 0 && new RegExp(`^ {0,3}${marker[0]}{${marker.length},}[ \\t]*$`).test(text),
    );
    // CommonMark lets a fence run to the end of the file; for a cell that is always a forgotten fence.
    if (close < 0) {
      throw parseError(file, fenceLine, 'body', `the fence of cell '${attrs.name}' is never closed`);
    }
    // CommonMark strips the fence's indentation from the body lines; so do we.
    const body = lines
      .slice(1, close)
      .map((text) => text.replace(new RegExp(`^ {0,${indent.length}}`), ''))
      .join('\n');
    const bodyLine = fenceLine + 1;
    const typed = driver.body === 'yaml' ? parseYamlBody(body, bodyLine, attrs.name) : undefined;
    return {
      kind: 'cell',
      name: attrs.name,
      driver: driver.name,
      lang,
      attrs,
      rawAttrs,
      body,
      args: typed ? typed.args : { script: body },
      argLines: typed ? typed.argLines : {},
      provenance: { file, line: fenceLine, source },
      bodyLine,
    };
  }

  function parseYamlBody(body: string, bodyLine: number, name: string) {
    const { doc, lineOf } = parseYaml(body, bodyLine, file, 'body', `cell '${name}' has bad YAML`);
    const argLines: Record<string, number> = {};
    const visit = (path: string, at: unknown, value: unknown): void => {
      if (isNode(at) && at.range) argLines[path] = lineOf(at.range[0]);
      walk(value, `${path}.`);
    };
    const walk = (node: unknown, prefix: string): void => {
      if (isMap(node)) {
        for (const pair of node.items) visit(prefix + keyText(pair.key), pair.key, pair.value);
      } else if (isSeq(node)) {
        node.items.forEach((item, at) => visit(prefix + at, item, item));
      }
    };
    walk(doc.contents, '');
    return { args: doc.contents === null ? {} : (doc.toJS() as unknown), argLines };
  }
}

/** Parses one YAML document whose first line is `firstLine` of `file`; errors name that file's line. */
function parseYaml(text: string, firstLine: number, file: string, field: string, what: string) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number): number => firstLine + lineCounter.linePos(offset).line - 1;
  const problem = doc.errors[0];
  if (problem) {
    throw parseError(file, lineOf(problem.pos[0]), field, `${what}: ${problem.message.split('\n')[0]}`);
  }
  return { doc, lineOf };
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function parseError(file: string, line: number, field: string, message: string): StackbookError {
  return new StackbookError('PARSE_ERROR', message, { location: { file, line, field } });
}

interface FrontMatter {
  id?: string;
  title?: string;
  summary?: string;
  needs?: string[];
  params?: Record<string, unknown>;
}

/** The YAML between a first line `---` and the next `---`; `length` is the characters it spans. */
function parseFrontMatter(text: string, file: string, source: 'base' | 'overlay') {
  const none = { data: {} as FrontMatter, length: 0, lines: 0 };
  if (!/^---[ \t]*(\n|$)/.test(text)) return none;
  const close = /\n---[ \t]*(\n|$)/.exec(text);
  if (!close) {
    throw parseError(file, 1, 'front matter', "front matter starting at line 1 is never closed with '---'");
  }
  const yamlText = text.slice(text.indexOf('\n') + 1, close.index + 1);
  const { doc, lineOf } = parseYaml(yamlText, 2, file, 'front matter', 'bad YAML in front matter');
  const length = close.index + close[0].length;
  // Lines up to and including the closing `---` (which may end the file without a newline).
  const lines = text.slice(0, length).split('\n').length - (close[1] ? 1 : 0);
  if (doc.contents === null) return { ...none, length, lines };
  if (!isMap(doc.contents)) throw parseError(file, 2, 'front matter', 'front matter must be a YAML mapping');
  const data: Record<string, unknown> = {};
  const values = doc.toJS() as Record<string, unknown>;
  const allowed = FRONT_MATTER_KEYS[source];
  for (const pair of doc.contents.items) {
    const key = keyText(pair.key);
    const line = lineOf(isNode(pair.key) && pair.key.range ? pair.key.range[0] : 0);
    const fail = (message: string): StackbookError => parseError(file, line, key, message);
    if (!allowed.includes(key)) {
      throw fail(
        `unknown front matter key '${key}'${source === 'overlay' ? ' in an overlay' : ''} (allowed: ${allowed.join(', ')})`,
      );
    }
    const value = values[key] ?? null;
    if (key === 'needs') {
      if (value !== null && !(Array.isArray(value) && value.every((item) => typeof item === 'string'))) {
        throw fail('needs must be a list of datacentre sections, e.g. [machines, network]');
      }
    } else if (key === 'params') {
      if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
        throw fail('params must be a mapping');
      }
    } else if (typeof value !== 'string' || (key === 'id' && !CELL_NAME.test(value))) {
      throw fail(`${key} must be ${key === 'id' ? "a name (letters, digits, '_', '.', '-')" : 'a string'}`);
    }
    data[key] = value ?? undefined;
  }
  return { data: data as FrontMatter, length, lines };
}
