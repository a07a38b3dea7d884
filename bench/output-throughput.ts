/**
 * Issue 2's benchmark: a cell printing 2,000,000 short lines, recorded and exported by stackbook, against the
 * same command piped to /dev/null through execa. Prints both times and the throughput ratio (target ≥ 0.5),
 * the SQLite file size, and the peak RSS at two output sizes with their ratio (flat memory: output is
 * streamed to the store and from it, never held).
 *
 * Every measurement runs in a child process of its own (`node bench/output-throughput.ts <lines> <what>`),
 * so one measurement's heap cannot inflate the next, and its peak RSS is the kernel's figure for that
 * process (`getrusage` maxrss), not a sample that could miss the peak.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { defaultRegistry } from '../drivers/default-registry.ts';
import { writeAll } from '../server/cli/commands/execute-and-report.ts';
import { Engine } from '../server/engine/engine.ts';
import { markdownReport } from '../server/report/markdown-report.ts';
import { loadReportData } from '../server/report/run-report.ts';
import { loadDatacentre } from '../server/runbook/load-datacentre.ts';
import { parseRunbook } from '../server/runbook/parse-runbook.ts';
import { Store } from '../server/store/store.ts';

const SELF = fileURLToPath(import.meta.url);
const command = (lines: number) => ['seq', '-f', 'line %g', '1', String(lines)] as const;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

interface RawFigures {
  ms: number;
}

interface StackbookFigures {
  recordMs: number;
  exportMs: number;
  events: number;
  dbBytes: number;
  /** RSS once everything is loaded and the store is open, before the cell runs. */
  baselineRss: number;
  /** The peak RSS of loading and opening, before the cell runs (getrusage). */
  startupPeakRss: number;
  /** The process's peak RSS over its whole life (getrusage), in bytes. */
  peakRss: number;
  heapAfterGc: number | undefined;
}

/** The reference: the command's output piped to /dev/null through execa. */
async function measureRaw(lines: number): Promise<RawFigures> {
  const started = performance.now();
  const [file, ...args] = command(lines);
  const subprocess = execa(file, args, { buffer: false });
  subprocess.stdout.pipe(createWriteStream('/dev/null'));
  await subprocess;
  return { ms: performance.now() - started };
}

/** stackbook: one run of a cell running the command, recorded to SQLite, then exported as Markdown. */
async function measureStackbook(lines: number): Promise<StackbookFigures> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-bench-'));
  try {
    await mkdir(path.join(dir, 'dc'), { recursive: true });
    await writeFile(path.join(dir, 'dc', 'datacentre.yaml'), 'name: bench\n');
    const store = await Store.open(path.join(dir, 'data', 'stackbook.db'));
    const drivers = defaultRegistry();
    const engine = new Engine({ store, drivers, dataDir: path.join(dir, 'data'), env: {} });
    const runbook = parseRunbook(
      `# bench\n\n\`\`\`sh {name=chatty}\n${command(lines)
        .map((w) => `'${w}'`)
        .join(' ')}\n\`\`\`\n`,
      path.join(dir, 'bench.md'),
      drivers,
    );
    const datacentre = await loadDatacentre(path.join(dir, 'dc'), dir);
    globalThis.gc?.();
    const baselineRss = process.memoryUsage.rss();
    const startupPeakRss = process.resourceUsage().maxRSS * 1024;

    const run = await engine.createRun({ runbook, datacentre, by: 'bench' });
    const recordStart = performance.now();
    const done = await engine.execute(run.id, { all: true }, 'bench');
    const recordMs = performance.now() - recordStart;
    if (done.status !== 'succeeded') throw new Error(`bench run ${done.status}`);
    const exportStart = performance.now();
    const out = createWriteStream('/dev/null');
    await writeAll(markdownReport(await loadReportData(store, done)), out);
    await new Promise<void>((resolve) => out.end(resolve));
    const exportMs = performance.now() - exportStart;
    const peakRss = process.resourceUsage().maxRSS * 1024;

    const events = await store.db.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM events WHERE kind = 'stdout'",
    );
    await store.db.run('PRAGMA wal_checkpoint(TRUNCATE)');
    let dbBytes = 0;
    for (const file of await readdir(path.join(dir, 'data'))) {
      if (file.startsWith('stackbook.db')) dbBytes += (await stat(path.join(dir, 'data', file))).size;
    }
    await store.close();
    globalThis.gc?.();
    const heapAfterGc = globalThis.gc ? process.memoryUsage().heapUsed : undefined;
    return {
      recordMs,
      exportMs,
      events: events?.n ?? 0,
      dbBytes,
      baselineRss,
      startupPeakRss,
      peakRss,
      heapAfterGc,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs one measurement in a fresh Node process and answers its figures. */
async function inChild<T>(lines: number, what: 'raw' | 'stackbook'): Promise<T> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', SELF, String(lines), what],
    { maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout) as T;
}

/**
 * Prints issue 2's figures: throughput at `lines`; peak RSS at `lines`, at a tenth of it and at four times
 * it, each in its own process, with the ratios that show whether memory grows with output.
 */
export async function outputThroughput(lines = 2_000_000): Promise<void> {
  const COMMAND = command(lines);
  // A first run warms the disk cache and the compiled modules; it is not counted.
  await inChild<RawFigures>(lines, 'raw');
  const raws: RawFigures[] = [];
  const books: StackbookFigures[] = [];
  // Interleaved, so a busy moment of the machine hits both sides alike; the best of each is compared.
  for (let i = 0; i < 3; i++) {
    raws.push(await inChild<RawFigures>(lines, 'raw'));
    books.push(await inChild<StackbookFigures>(lines, 'stackbook'));
  }
  const sizes = [lines / 10, lines, lines * 4];
  const peaks = new Map<number, StackbookFigures>();
  peaks.set(
    lines,
    books.reduce((a, b) => (b.peakRss > a.peakRss ? b : a)),
  );
  for (const n of [lines / 10, lines * 4]) peaks.set(n, await inChild<StackbookFigures>(n, 'stackbook'));
  const rawBest = Math.min(...raws.map((r) => r.ms));
  const total = (b: StackbookFigures) => b.recordMs + b.exportMs;
  const best = books.reduce((a, b) => (total(b) < total(a) ? b : a));
  const list = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
  const count = (n: number) => n.toLocaleString('en');

  console.log(`output throughput: ${count(lines)} lines from \`${COMMAND.join(' ')}\``);
  console.log(
    `  reference  execa, stdout piped to /dev/null   ${rawBest.toFixed(0)} ms (best of ${raws.length}: ${list(raws.map((r) => r.ms))})`,
  );
  console.log(
    `  stackbook  recorded to SQLite                 ${best.recordMs.toFixed(0)} ms (${best.events} output events)`,
  );
  console.log(`  stackbook  exported as Markdown               ${best.exportMs.toFixed(0)} ms`);
  console.log(
    `  ratio      reference / (recorded + exported) = ${(rawBest / total(best)).toFixed(2)} (target ≥ 0.50; best of ${books.length}: ${list(books.map(total))} ms); recording alone ${(rawBest / best.recordMs).toFixed(2)}`,
  );
  console.log(`  SQLite     ${mib(best.dbBytes)} for ${mib(lines * 12)} of output`);
  console.log(
    '  RSS        peak of recording + exporting, each size in a process of its own (getrusage maxrss):',
  );
  for (const n of sizes) {
    const b = peaks.get(n)!;
    console.log(
      `             ${count(n).padStart(10)} lines: ${mib(b.baselineRss)} before the run → peak ${mib(b.peakRss)} (+${mib(b.peakRss - b.baselineRss)})`,
    );
  }
  const ratio = (a: number, b: number) => (peaks.get(a)!.peakRss / peaks.get(b)!.peakRss).toFixed(2);
  console.log(
    `  flat       peak RSS ${count(lines * 4)} / ${count(lines)} lines = ${ratio(lines * 4, lines)} for 4× the output; ${count(lines)} / ${count(lines / 10)} = ${ratio(lines, lines / 10)} for 10× (V8's young generation grows to its fixed size within the first few million lines, then stays)`,
  );
  const heap = peaks.get(lines * 4)!.heapAfterGc;
  if (heap !== undefined)
    console.log(
      `  heap       ${mib(heap)} retained after the ${count(lines * 4)}-line run (garbage collected)`,
    );
}

// A child: one measurement, its figures as JSON on standard output.
if (process.argv[1] === SELF) {
  const [lines, what] = [Number(process.argv[2]), process.argv[3]];
  const figures = what === 'raw' ? await measureRaw(lines) : await measureStackbook(lines);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
