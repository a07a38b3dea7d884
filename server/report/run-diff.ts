import { createHash } from 'node:crypto';
import { isSecretRef } from '../runbook/datacentre-schema.ts';
import type { RunRecord, StepError, StepRecord, StepStatus } from '../store/records.ts';
import { runSummary } from '../store/run-views.ts';
import type { Store } from '../store/store.ts';
import { lineDiff } from './line-diff.ts';
import { loadReportData, type RunReportData } from './run-report.ts';

/** Output lines compared per side; `same` still covers all of it through a hash. */
const TAIL_LINES = 5_000;
const ULID = /\b[0-9A-HJKMNP-TV-Z]{26}\b/g;
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?/g;
const DURATION = /\b\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds?|min|mins|minutes?|h)\b/g;

/** A cell's latest step in one run. */
export interface CellSide {
  status: StepStatus;
  attempt: number;
  duration_ms: number | null;
  result: unknown;
  error: StepError | null;
  reused_from: string | null;
}

/** One cell of either run, side by side. */
export interface CellDiff {
  cell: string;
  driver: string;
  /** Null when the cell has no step in that run (not run, or not in its runbook). */
  a: CellSide | null;
  b: CellSide | null;
  status_changed: boolean;
  /** `b − a` in milliseconds; null unless both sides finished. */
  duration_changed_ms: number | null;
  result_changed: boolean;
  /** Normalised output (run ids, timestamps, the workdir, durations masked) compared line by line. */
  output: { same: boolean; diff: string[] };
}

/** A parameter whose value differs: `run.params.*` (runbook params) or `dc.*` (the datacentre snapshot). */
export interface ParamChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  /** The JSON value in each run; null where the path is absent. Secrets are `{ secret: NAME }` references. */
  a: unknown;
  b: unknown;
}

/** Two runs side by side: what the diff view and `GET /api/runs/:id/diff` show. */
export interface RunDiff {
  runs: { a: ReturnType<typeof runSummary>; b: ReturnType<typeof runSummary> };
  source_changed: boolean;
  params: ParamChange[];
  cells: CellDiff[];
}

/** JSON with object keys sorted, so equal values compare equal whatever order they were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}

/** Leaves by dotted path; a secret reference is a leaf, so a changed reference shows but no value can. */
function flatten(value: unknown, path: string, out: Map<string, unknown>, root = true): Map<string, unknown> {
  const container = value !== null && typeof value === 'object' && !isSecretRef(value);
  const entries = container ? Object.entries(value) : [];
  if (!container || (!entries.length && !root)) out.set(path, value);
  for (const [key, v] of entries) flatten(v, `${path}.${key}`, out, false);
  return out;
}

function paramChanges(a: RunRecord, b: RunRecord): ParamChange[] {
  const changes: ParamChange[] = [];
  // Runbook params first, then the datacentre; within each, a's order, then paths only in b.
  for (const [root, of] of [
    ['run.params', (run: RunRecord) => run.effective.params],
    ['dc', (run: RunRecord) => run.datacentreSnapshot],
  ] as const) {
    const [left, right] = [flatten(of(a), root, new Map()), flatten(of(b), root, new Map())];
    for (const path of new Set([...left.keys(), ...right.keys()])) {
      const [x, y] = [left.get(path), right.get(path)];
      if (left.has(path) && right.has(path) && canonical(x) === canonical(y)) continue;
      const change = !left.has(path) ? 'added' : !right.has(path) ? 'removed' : 'changed';
      changes.push({ path, change, a: x ?? null, b: y ?? null });
    }
  }
  return changes;
}

function side(step: StepRecord | undefined): CellSide | null {
  if (!step) return null;
  const { startedAt, finishedAt } = step;
  return {
    status: step.status,
    attempt: step.attempt,
    duration_ms: startedAt && finishedAt ? Date.parse(finishedAt) - Date.parse(startedAt) : null,
    result: step.result,
    error: step.error,
    reused_from: step.reusedFrom,
  };
}

/** Masks what differs between two runs of the same thing: its working directories, ids, times, durations. */
async function normaliser(store: Store, data: RunReportData): Promise<(line: string) => string> {
  // Reused steps print the workdir of the run they were recorded in.
  const origins = new Set(data.cells.flatMap(({ step }) => (step?.reusedFrom ? [step.reusedFrom] : [])));
  const dirs = [data.run.workdir];
  for (const id of origins) dirs.push((await store.getRun(id))?.workdir ?? data.run.workdir);
  const workdirs = [...new Set(dirs)].sort((x, y) => y.length - x.length);
  return (line) => {
    for (const dir of workdirs) line = line.split(dir).join('<workdir>');
    return line.replace(ULID, '<run>').replace(ISO_TIME, '<time>').replace(DURATION, '<duration>');
  };
}

interface Output {
  /** The last TAIL_LINES normalised lines. */
  lines: string[];
  total: number;
  sha256: string;
}

/** A step's stdout, stderr and log as normalised lines, streamed so only the tail is held in memory. */
async function readOutput(
  data: RunReportData,
  step: StepRecord | undefined,
  normalise: (line: string) => string,
) {
  const hash = createHash('sha256');
  let lines: string[] = [];
  let total = 0;
  const add = (line: string) => {
    const text = normalise(line);
    hash.update(`${text}\n`);
    total++;
    lines.push(text);
    if (lines.length > 2 * TAIL_LINES) lines = lines.slice(-TAIL_LINES);
  };
  // Each stream keeps its own partial line, so interleaved stdout and stderr never split a line.
  const partial = new Map<string, string>();
  if (step) {
    for await (const event of data.output(step)) {
      const pieces = `${partial.get(event.kind) ?? ''}${event.data}`.split('\n');
      partial.set(event.kind, pieces.pop()!);
      pieces.forEach(add);
    }
  }
  for (const rest of partial.values()) if (rest) add(rest);
  return { lines: lines.slice(-TAIL_LINES), total, sha256: hash.digest('hex') } satisfies Output;
}

function compareOutput(a: Output, b: Output): CellDiff['output'] {
  if (a.sha256 === b.sha256) return { same: true, diff: [] };
  const [skipA, skipB] = [a.total - a.lines.length, b.total - b.lines.length];
  // Hunk headers count from the first compared line; shift them to the lines' real numbers.
  const diff = lineDiff(a.lines, b.lines).map((line) =>
    line.replace(
      /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$/,
      (_, as: string, ac: string, bs: string, bc: string) =>
        `@@ -${Number(as) + skipA},${ac} +${Number(bs) + skipB},${bc} @@`,
    ),
  );
  if (!skipA && !skipB) return { same: false, diff };
  const note = diff.length
    ? `… compared the last ${TAIL_LINES} lines of each side only (a has ${a.total}, b has ${b.total})`
    : `… the outputs differ before the last ${TAIL_LINES} lines, which are the same (a has ${a.total}, b has ${b.total})`;
  return { same: false, diff: [note, ...diff] };
}

/**
 * Two runs side by side: parameters, source, and for every cell of either runbook (a's order, then cells
 * only in b) the latest step's status, duration, result and normalised output.
 */
export async function diffRuns(store: Store, a: RunRecord, b: RunRecord): Promise<RunDiff> {
  const [dataA, dataB] = [await loadReportData(store, a), await loadReportData(store, b)];
  const [normA, normB] = [await normaliser(store, dataA), await normaliser(store, dataB)];
  const byName = (data: RunReportData) => new Map(data.cells.map((entry) => [entry.cell.name, entry]));
  const [cellsA, cellsB] = [byName(dataA), byName(dataB)];
  const names = [...new Set([...cellsA.keys(), ...cellsB.keys()])];
  const cells: CellDiff[] = [];
  for (const name of names) {
    const [x, y] = [cellsA.get(name), cellsB.get(name)];
    const [left, right] = [side(x?.step), side(y?.step)];
    const output = compareOutput(
      await readOutput(dataA, x?.step, normA),
      await readOutput(dataB, y?.step, normB),
    );
    cells.push({
      cell: name,
      driver: (x ?? y)!.cell.driver,
      a: left,
      b: right,
      status_changed: left?.status !== right?.status,
      duration_changed_ms:
        left?.duration_ms != null && right?.duration_ms != null ? right.duration_ms - left.duration_ms : null,
      result_changed: canonical(left?.result) !== canonical(right?.result),
      output,
    });
  }
  return {
    runs: { a: runSummary(a), b: runSummary(b) },
    source_changed: a.sourceSha256 !== b.sourceSha256,
    params: paramChanges(a, b),
    cells,
  };
}
