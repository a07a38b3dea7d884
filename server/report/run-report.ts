import { latestSteps, recordedStep } from '../engine/latest-steps.ts';
import { cellsOf, type CellBlock } from '../runbook/types.ts';
import type { EventRecord, RunRecord, StepRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';

/** The events that are a step's output. */
export type OutputKind = 'stdout' | 'stderr' | 'log';
const OUTPUT_KINDS: readonly OutputKind[] = ['stdout', 'stderr', 'log'];
/** Events read per query: an output event holds up to 64 KiB, so a page is at most 1 MiB of text. */
const PAGE_EVENTS = 16;

/** A run with what a report needs: its record, the latest step of each cell, and a way to read outputs. */
export interface RunReportData {
  run: RunRecord;
  cells: { cell: CellBlock; step: StepRecord | undefined }[];
  /**
   * A step's output events (stdout, stderr and log, or only `kinds`), streamed a small page at a time, so
   * a report of any size is written in bounded memory.
   */
  output(step: StepRecord, kinds?: readonly OutputKind[]): AsyncGenerator<EventRecord>;
}

export async function loadReportData(store: Store, run: RunRecord): Promise<RunReportData> {
  const steps = latestSteps(await store.listSteps(run.id));
  return {
    run,
    cells: cellsOf(run.effective).map((cell) => ({ cell, step: steps.get(cell.name) })),
    async *output(step, kinds = OUTPUT_KINDS) {
      const source = await recordedStep(store, step);
      if (!source) return;
      for (let after = 0; ;) {
        const page = await store.listStepEvents(source.run, source.seq, after, PAGE_EVENTS, kinds);
        if (!page.length) return;
        yield* page;
        after = page.at(-1)!.seq;
      }
    },
  };
}

/** Seconds between two ISO timestamps, or undefined when either is missing. */
export function durationSeconds(from: string | null, to: string | null): number | undefined {
  return from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : undefined;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
