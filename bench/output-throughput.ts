/**
 * Issue 2's benchmark: a cell printing 2,000,000 short lines, recorded and exported by stackbook, against the
 * same command piped to /dev/null through execa, in the same process and run. Prints both times, the
 * throughput ratio (target ≥ 0.5), the SQLite file size, the peak RSS while recording and exporting, and
 * the heap retained afterwards (flat memory: output is streamed to the store, never held).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { defaultRegistry } from '../drivers/default-registry.ts';
import { writeAll } from '../server/cli/commands/execute-and-report.ts';
import { Engine } from '../server/engine/engine.ts';
import { markdownReport } from '../server/report/markdown-report.ts';
import { loadReportData } from '../server/report/run-report.ts';
import { loadDatacentre } from '../server/runbook/load-datacentre.ts';
import { parseRunbook } from '../server/runbook/parse-runbook.ts';
import { Store } from '../server/store/store.ts';

const command = (lines: number) => ['seq', '-f', 'line %g', '1', String(lines)] as const;

async function raw(lines: number): Promise<number> {
  const started = performance.now();
  const [file, ...args] = command(lines);
  const subprocess = execa(file, args, { buffer: false });
  subprocess.stdout.pipe(createWriteStream('/dev/null'));
  await subprocess;
  return performance.now() - started;
}

function sampleRss(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  return { stop: () => (clearInterval(timer), Math.max(peak, process.memoryUsage.rss())) };
}

export async function outputThroughput(LINES: number): Promise<void> {
  const COMMAND = command(LINES);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-bench-'));
  try {
    await mkdir(path.join(dir, 'dc'), { recursive: true });
    await writeFile(path.join(dir, 'dc', 'datacentre.yaml'), 'name: bench\n');
    const store = await Store.open(path.join(dir, 'data', 'stackbook.db'));
    const drivers = defaultRegistry();
    const engine = new Engine({ store, drivers, dataDir: path.join(dir, 'data'), env: {} });
    const runbook = parseRunbook(
      `# bench\n\n\`\`\`sh {name=chatty}\n${COMMAND.map((w) => `'${w}'`).join(' ')}\n\`\`\`\n`,
      path.join(dir, 'bench.md'),
      drivers,
    );
    const datacentre = await loadDatacentre(path.join(dir, 'dc'), dir);

    // Warm both paths once on a small output so neither pays first-use costs in the measurement.
    await raw(LINES);
    const rawMs: number[] = [];
    for (let i = 0; i < 3; i++) rawMs.push(await raw(LINES));
    const rawBest = Math.min(...rawMs);

    const rssBefore = process.memoryUsage.rss();
    const rss = sampleRss();
    const run = await engine.createRun({ runbook, datacentre, by: 'bench' });
    const recordStart = performance.now();
    const done = await engine.execute(run.id, { all: true }, 'bench');
    const recordMs = performance.now() - recordStart;
    const exportStart = performance.now();
    await writeAll(markdownReport(await loadReportData(store, done)), createWriteStream('/dev/null'));
    const exportMs = performance.now() - exportStart;
    const peakRss = rss.stop();
    if (done.status !== 'succeeded') throw new Error(`bench run ${done.status}`);

    const events = await store.db.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM events WHERE kind = 'stdout'",
    );
    await store.db.run('PRAGMA wal_checkpoint(TRUNCATE)');
    let dbBytes = 0;
    for (const file of await readdir(path.join(dir, 'data'))) {
      if (file.startsWith('stackbook.db')) dbBytes += (await stat(path.join(dir, 'data', file))).size;
    }
    await store.close();
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    console.log(`output throughput: ${LINES.toLocaleString('en')} lines from \`${COMMAND.join(' ')}\``);
    console.log(
      `  reference  execa, stdout piped to /dev/null   ${rawBest.toFixed(0)} ms (best of ${rawMs.length}: ${rawMs.map((m) => m.toFixed(0)).join(', ')})`,
    );
    console.log(
      `  stackbook  recorded to SQLite                 ${recordMs.toFixed(0)} ms (${events?.n} output events)`,
    );
    console.log(`  stackbook  exported as Markdown               ${exportMs.toFixed(0)} ms`);
    console.log(
      `  ratio      reference / recorded = ${(rawBest / recordMs).toFixed(2)} (target ≥ 0.50); with export ${(rawBest / (recordMs + exportMs)).toFixed(2)}`,
    );
    console.log(`  SQLite     ${mib(dbBytes)} for ${mib(LINES * 12)} of output`);
    console.log(`  RSS        ${mib(rssBefore)} before, ${mib(peakRss)} peak while recording and exporting`);
    if (globalThis.gc) {
      globalThis.gc();
      console.log(
        `  heap       ${mib(process.memoryUsage().heapUsed)} retained after the run (garbage collected)`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
