import { isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, Scalar } from 'yaml';
import { childSchema, fieldKind, type JsonSchema } from './json-schema.ts';

/** A field's address in the profile: property names and list indices, `['machines', 2, 'mac', 0]`. */
export type Path = (string | number)[];

/** `['machines', 2, 'mac', 0]` as `machines[2].mac[0]`, the form the server's issues use. */
export function readablePath(path: readonly (string | number)[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i ? `.${part}` : part)).join('');
}

/** `machines[2].mac[0]` as `['machines', 2, 'mac', 0]` (the inverse of readablePath). */
export function parsePath(field: string): Path {
  return [...field.matchAll(/\[(\d+)\]|[^.[\]]+/g)].map((m) => (m[1] === undefined ? m[0] : Number(m[1])));
}

/** A list of scalars and a `{ secret: NAME }` are written inline, as nodes.json-style profiles write them. */
function wantsFlow(value: unknown): boolean {
  if (Array.isArray(value)) return value.every((item) => item === null || typeof item !== 'object');
  const keys = value !== null && typeof value === 'object' ? Object.keys(value) : [];
  return keys.length === 1 && keys[0] === 'secret';
}

/**
 * A datacentre.yaml being edited. Every change goes through the yaml package's Document, so comments, key
 * order and quoting of the untouched parts survive; an unedited document gives back its exact text.
 */
export class ProfileDocument {
  readonly #source: string;
  readonly #doc: Document;
  readonly #errors: { line: number; message: string }[];
  #edited = false;

  private constructor(text: string) {
    this.#source = text;
    const lineCounter = new LineCounter();
    // prettyErrors off: the pretty form quotes source lines, which could hold a pasted secret.
    this.#doc = parseDocument(text, { lineCounter, prettyErrors: false });
    this.#errors = this.#doc.errors.map((error) => ({
      line: lineCounter.linePos(error.pos[0]).line,
      message: error.message.split('\n')[0] ?? error.message,
    }));
  }

  /** Parses a profile's text; syntax problems are in `errors`, the document is still usable. */
  static parse(text: string): ProfileDocument {
    return new ProfileDocument(text);
  }

  /** YAML syntax errors of the parsed text, with their 1-based lines. */
  get errors(): { line: number; message: string }[] {
    return this.#errors;
  }

  /** The whole profile as plain data (what the form shows). */
  toJS(): Record<string, unknown> {
    const value: unknown = this.#doc.toJS();
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  }

  /** The value at a path, as plain data. */
  get(path: Path): unknown {
    const node = this.#doc.getIn(path, true);
    return isCollection(node) || isScalar(node) ? node.toJS(this.#doc) : node;
  }

  /**
   * Sets a value; an existing scalar is changed in place so its comment and quoting stay. `undefined` deletes.
   * A new key goes where `order` (the schema's property order) puts it among its siblings, else at the end.
   */
  set(path: Path, value: unknown, order: readonly string[] = []): void {
    if (value === undefined) return this.delete(path);
    this.#prepare(path);
    const existing = this.#doc.getIn(path, true);
    const parent = this.#doc.getIn(path.slice(0, -1), true);
    const key = path.at(-1);
    const isPlain = value === null || typeof value !== 'object';
    if (isScalar(existing) && isPlain) (existing as Scalar).value = value;
    else if (existing === undefined && isMap(parent) && typeof key === 'string' && order.includes(key)) {
      const after = new Set(order.slice(order.indexOf(key) + 1));
      const at = parent.items.findIndex((pair) =>
        after.has(String(isScalar(pair.key) ? pair.key.value : pair.key)),
      );
      const pair = this.#doc.createPair(key, this.#node(value));
      parent.items.splice(at < 0 ? parent.items.length : at, 0, pair);
    } else this.#doc.setIn(path, this.#node(value));
    // `machines: []` written inline must turn into a block list once it holds a machine.
    if (isCollection(parent) && parent.flow && !wantsFlow(parent.toJS(this.#doc))) parent.flow = false;
    this.#edited = true;
  }

  /** Removes a key or a list item (later items move up); a path that is not there is a no-op. */
  delete(path: Path): void {
    if (!path.length || this.#doc.getIn(path, true) === undefined) return;
    this.#prepare(path);
    this.#doc.deleteIn(path);
    this.#edited = true;
  }

  /** Appends to the list at `path` (creating it) and gives the new item's index. */
  append(path: Path, value: unknown): number {
    const current = this.get(path);
    const index = Array.isArray(current) ? current.length : current == null ? 0 : 1;
    this.set([...path, index], value);
    return index;
  }

  /** Renames a map key in place, so the entry keeps its position and comments. */
  renameKey(path: Path, newKey: string): void {
    const parent = this.#doc.getIn(path.slice(0, -1), true);
    const old = path.at(-1);
    if (!isMap(parent) || old === undefined || old === newKey || parent.has(newKey)) return;
    const pair = parent.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === old);
    if (!pair) return;
    if (isScalar(pair.key)) pair.key.value = newKey;
    else pair.key = this.#doc.createNode(newKey);
    this.#edited = true;
  }

  /** Adds a machine at the end of `machines` and gives its index. */
  addMachine(machine: Record<string, unknown>): number {
    return this.append(['machines'], machine);
  }

  /** Removes `machines[index]`. */
  removeMachine(index: number): void {
    this.delete(['machines', index]);
  }

  /**
   * The 1-based line of a field (of its key, for a map entry), or of its nearest ancestor in the text, so a
   * problem found before saving can be listed with a line as the server lists its own.
   */
  lineOf(path: Path): number {
    const counter = new LineCounter();
    const text = this.toString();
    const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
    let node: unknown = doc.contents;
    let offset = isCollection(node) || isScalar(node) ? (node.range?.[0] ?? 0) : 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
        if (!pair) break;
        offset = (pair.key as YamlNode).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
        node = node.items[key];
        offset = (node as YamlNode).range?.[0] ?? offset;
      } else break;
    }
    return counter.linePos(offset).line;
  }

  /**
   * Where the form shows a problem the server reports for `field` (`machines[2].mac`): the field itself, or its
   * nearest ancestor the schema describes (an unknown key shows at its object; `.secret` at the reference),
   * and the first item of a "one or a list" field written as one value.
   */
  formPath(field: string, schema: JsonSchema): Path {
    const path = parsePath(field);
    const out: Path = [];
    let node: JsonSchema | undefined = schema;
    for (const key of path) {
      if (fieldKind(node) === 'secret') break;
      const child: JsonSchema | undefined = childSchema(node, key);
      if (!child) break;
      out.push(key);
      node = child;
    }
    const value = this.get(out);
    if (out.length === path.length && fieldKind(node) === 'list' && value != null && !Array.isArray(value))
      out.push(0);
    return out;
  }

  /** The text: the original when nothing changed; otherwise re-written keeping the file's own flow style. */
  toString(): string {
    if (!this.#edited) return this.#source;
    // The yaml package pads `[ ]` and `{ }` alike; a file often writes `[a, b]` but `{ secret: X }`.
    // Both renderings have the same lines, so each line is taken from the one matching the file's habit.
    const padded = this.#doc.toString({ lineWidth: 0, flowCollectionPadding: true }).split('\n');
    const tight = this.#doc.toString({ lineWidth: 0, flowCollectionPadding: false }).split('\n');
    const style = this.#flowStyle();
    return padded
      .map((line, i) => {
        const other = tight[i] ?? line;
        if (other === line) return line;
        const mapLine = /\{ /.test(line) && !/\[ /.test(line);
        return (mapLine ? style.map : style.seq) ? line : other;
      })
      .join('\n');
  }

  /** Whether the source pads inline lists and maps, by majority; with no evidence `[a, b]` and `{ secret: X }`. */
  #flowStyle(): { seq: boolean; map: boolean } {
    const votes = { seq: 0, map: 0 };
    const walk = (node: unknown): void => {
      if (isPair(node)) return walk(node.value);
      if (!isCollection(node)) return;
      if (node.flow && node.items.length && node.range) {
        const after = this.#source[node.range[0] + 1];
        const vote = after === ' ' ? 1 : after === '\n' ? 0 : -1;
        votes[isMap(node) ? 'map' : 'seq'] += vote;
      }
      node.items.forEach(walk);
    };
    walk(this.#doc.contents);
    return { seq: votes.seq > 0, map: votes.map >= 0 };
  }

  /** A new node for `value`, inline where the file's habit is to write it inline. */
  #node(value: unknown): YamlNode {
    const node = this.#doc.createNode(value);
    const style = (item: unknown): void => {
      if (isPair(item)) return style(item.value);
      if (!isCollection(item)) return;
      item.flow = wantsFlow(item.toJS(this.#doc));
      item.items.forEach(style);
    };
    style(node);
    return node;
  }

  /** Makes every ancestor of `path` a collection: a null becomes one, a lone scalar becomes a one-item list. */
  #prepare(path: Path): void {
    const root = this.#doc.contents;
    // An empty file has no map yet; anything else that is not a map is the operator's to fix in the YAML.
    if (root == null || (isScalar(root) && root.value == null)) this.#doc.contents = this.#doc.createNode({});
    for (let i = 0; i < path.length - 1; i++) {
      const prefix = path.slice(0, i + 1);
      const node = this.#doc.getIn(prefix, true);
      if (node === undefined || isCollection(node)) continue;
      const listNext = typeof path[i + 1] === 'number';
      const scalar = isScalar(node) ? node.value : node;
      const replacement = listNext ? (scalar == null ? [] : [scalar]) : {};
      this.#doc.setIn(prefix, this.#doc.createNode(replacement, { flow: listNext }));
    }
  }
}
