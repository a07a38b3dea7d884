/** Unchanged lines shown around each change, as `diff -u` does. */
const CONTEXT = 3;
/** Past this many cells (lines × lines) the middle is shown as replaced wholesale rather than spend the time. */
const MAX_CELLS = 100_000_000;

type Op = { kind: ' ' | '-' | '+'; text: string };

/**
 * The edit script between two line lists from their longest common subsequence, ignoring the common prefix
 * and suffix. Suffix LCS lengths need only two rows; one bit per cell remembers which way a mismatch went,
 * so 5,000 × 5,000 lines costs ~3 MB instead of a 100 MB table.
 */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  const ids = new Map<string, number>();
  const id = (line: string) => ids.get(line) ?? (ids.set(line, ids.size), ids.size - 1);
  const A = Uint32Array.from(a, id);
  const B = Uint32Array.from(b, id);
  let prefix = 0;
  while (prefix < A.length && prefix < B.length && A[prefix] === B[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < A.length - prefix &&
    suffix < B.length - prefix &&
    A[A.length - 1 - suffix] === B[B.length - 1 - suffix]
  )
    suffix++;
  const n = A.length - prefix - suffix;
  const m = B.length - prefix - suffix;
  const ops: Op[] = a.slice(0, prefix).map((text) => ({ kind: ' ', text }));
  const removed = (i: number): Op => ({ kind: '-', text: a[prefix + i]! });
  const added = (j: number): Op => ({ kind: '+', text: b[prefix + j]! });
  if (n * m > MAX_CELLS) {
    for (let i = 0; i < n; i++) ops.push(removed(i));
    for (let j = 0; j < m; j++) ops.push(added(j));
  } else {
    const skipA = new Uint8Array(Math.ceil((n * m) / 8));
    let next = new Uint32Array(m + 1);
    let row = new Uint32Array(m + 1);
    for (let i = n - 1; i >= 0; i--) {
      row[m] = 0;
      for (let j = m - 1; j >= 0; j--) {
        if (A[prefix + i] === B[prefix + j]) row[j] = next[j + 1]! + 1;
        else if (next[j]! >= row[j + 1]!) {
          row[j] = next[j]!;
          const cell = i * m + j;
          skipA[cell >> 3]! |= 1 << (cell & 7);
        } else row[j] = row[j + 1]!;
      }
      [next, row] = [row, next];
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      const cell = i * m + j;
      if (A[prefix + i] === B[prefix + j]) {
        ops.push({ kind: ' ', text: a[prefix + i++]! });
        j++;
      } else if (skipA[cell >> 3]! & (1 << (cell & 7))) ops.push(removed(i++));
      else ops.push(added(j++));
    }
    while (i < n) ops.push(removed(i++));
    while (j < m) ops.push(added(j++));
  }
  for (const text of a.slice(a.length - suffix)) ops.push({ kind: ' ', text });
  return groupChanges(ops);
}

/** Within each run of changes, removals first, then additions: how people read a diff. */
function groupChanges(ops: Op[]): Op[] {
  const out: Op[] = [];
  for (let start = 0; start < ops.length;) {
    if (ops[start]!.kind === ' ') {
      out.push(ops[start++]!);
      continue;
    }
    let end = start;
    while (end < ops.length && ops[end]!.kind !== ' ') end++;
    const run = ops.slice(start, end);
    out.push(...run.filter((op) => op.kind === '-'), ...run.filter((op) => op.kind === '+'));
    start = end;
  }
  return out;
}

/**
 * A unified-style diff of two line lists from their longest common subsequence: hunks headed
 * `@@ -start,count +start,count @@`, then `' line'` (unchanged, up to 3 around each change), `'-line'`
 * (only in `a`) and `'+line'` (only in `b`). Equal lists give `[]`. Past `limit` lines the rest is replaced
 * by one `'… N more lines'` marker. Time is O(n·m) on the lines between the common prefix and suffix.
 */
export function lineDiff(a: string[], b: string[], limit = 500): string[] {
  const ops = editScript(a, b);
  // Where each op sits in a and in b, for the hunk headers.
  const aPos: number[] = [];
  const bPos: number[] = [];
  let ai = 0;
  let bi = 0;
  for (const op of ops) {
    aPos.push(ai);
    bPos.push(bi);
    if (op.kind !== '+') ai++;
    if (op.kind !== '-') bi++;
  }
  const out: string[] = [];
  const changed = ops.flatMap((op, index) => (op.kind === ' ' ? [] : [index]));
  for (let k = 0; k < changed.length;) {
    const start = Math.max(0, changed[k]! - CONTEXT);
    let last = changed[k]!;
    while (k + 1 < changed.length && changed[k + 1]! - last <= 2 * CONTEXT) last = changed[++k]!;
    k++;
    const end = Math.min(ops.length, last + CONTEXT + 1);
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((op) => op.kind !== '+').length;
    const bCount = hunk.filter((op) => op.kind !== '-').length;
    const from = (pos: number, count: number) => `${count ? pos + 1 : pos},${count}`;
    out.push(`@@ -${from(aPos[start]!, aCount)} +${from(bPos[start]!, bCount)} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.text}`);
  }
  if (out.length <= limit) return out;
  return [...out.slice(0, limit), `… ${out.length - limit} more lines`];
}
