/** What a schema form reports when the operator edits it, and how that edit applies to plain data. */
import type { Path } from '../../lib/profile-document.ts';

/**
 * One edit: a value set at a path (list items may be appended at `length`), a key or list item deleted, or a
 * map key renamed in place. A parent that keeps a YAML document applies the same edit to it.
 */
export type SchemaFormEdit =
  | { op: 'set'; path: Path; value: unknown }
  | { op: 'delete'; path: Path }
  | { op: 'rename'; path: Path; key: string };

/** `sb-change`: the edit and the whole value after it. */
export type SchemaFormChange = SchemaFormEdit & { root: unknown };

/** `sb-secret`: a write-only secret value typed for a secret name (empty clears it). */
export interface SchemaFormSecret {
  name: string;
  value: string;
}

type Container = Record<string, unknown> | unknown[];

function copy(value: unknown, nextKey: string | number): Container {
  if (Array.isArray(value)) return [...(value as unknown[])];
  if (value !== null && typeof value === 'object') return { ...(value as Record<string, unknown>) };
  // A lone value where a list is addressed is that list's first item ("one MAC or a list of them").
  if (typeof nextKey === 'number') return value === undefined || value === null ? [] : [value];
  return {};
}

/** The value after an edit, without changing the original (copies along the path only). */
export function applyEdit(root: unknown, edit: SchemaFormEdit): unknown {
  const { path } = edit;
  if (!path.length) return edit.op === 'set' ? edit.value : root;
  const top = copy(root, path[0]!);
  let node: Container = top;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const child = copy((node as Record<string | number, unknown>)[key], path[i + 1]!);
    (node as Record<string | number, unknown>)[key] = child;
    node = child;
  }
  const last = path.at(-1)!;
  if (edit.op === 'set') (node as Record<string | number, unknown>)[last] = edit.value;
  else if (edit.op === 'delete') {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else delete (node as Record<string | number, unknown>)[last];
  } else if (!Array.isArray(node) && !(edit.key in node)) {
    // Rebuild the map so the renamed key keeps its place.
    const entries = Object.entries(node).map(([k, v]) => [k === last ? edit.key : k, v] as const);
    for (const key of Object.keys(node)) delete node[key];
    Object.assign(node, Object.fromEntries(entries));
  }
  return top;
}

declare global {
  interface HTMLElementEventMap {
    'sb-change': CustomEvent<SchemaFormChange>;
    'sb-secret': CustomEvent<SchemaFormSecret>;
  }
}
