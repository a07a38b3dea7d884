import type { StepView } from '../api/api-types.ts';

/** One step as a bar on a run's timeline; percentages are of the run's span. */
export interface TimelineBar {
  seq: number;
  cell: string;
  status: string;
  /** Null before it started (pending) and for reused steps, which ran in an earlier run. */
  durationMs: number | null;
  leftPct: number;
  widthPct: number;
  running: boolean;
  reusedFrom: string | null;
}

/** A run's timeline: where it starts (epoch ms), how long it spans, and a bar per step in seq order. */
export interface Timeline {
  start: number;
  span: number;
  bars: TimelineBar[];
}

/** What a timeline needs of a run (a RunView has it). */
export interface TimedRun {
  started_at: string | null;
  finished_at: string | null;
  steps: readonly StepView[];
}

const time = (iso: string | null) => (iso ? Date.parse(iso) : NaN);
const pct = (value: number, span: number) =>
  span > 0 ? Math.min(100, Math.max(0, (100 * value) / span)) : 0;

/**
 * Places each step of a run on a common time axis. A step still running ends at `now`, so its bar grows
 * as the view re-renders; so does the span of a run that has not finished. Reused steps keep the times of
 * the run they were recorded in, so they are listed without a position rather than drawn before the start.
 */
export function runTimeline(run: TimedRun, now: number = Date.now()): Timeline {
  const own = run.steps.filter((step) => !step.reused_from && step.started_at);
  const starts = own.map((step) => time(step.started_at));
  const start = Math.min(time(run.started_at) || Infinity, ...starts);
  if (!Number.isFinite(start)) {
    return { start: now, span: 0, bars: run.steps.map((step) => bar(step, null, 0, 0, 0)) };
  }
  const ends = own.map((step) => (step.finished_at ? time(step.finished_at) : now));
  const end = Math.max(run.finished_at ? time(run.finished_at) : now, ...ends, start);
  const span = end - start;
  const bars = run.steps.map((step) => {
    if (step.reused_from || !step.started_at) return bar(step, null, 0, 0, span);
    const from = time(step.started_at);
    const to = step.finished_at ? time(step.finished_at) : now;
    return bar(step, Math.max(0, to - from), from - start, to - from, span);
  });
  return { start, span, bars };
}

function bar(step: StepView, durationMs: number | null, offset: number, length: number, span: number) {
  const leftPct = pct(offset, span);
  return {
    seq: step.seq,
    cell: step.cell,
    status: step.status,
    durationMs,
    leftPct,
    widthPct: Math.min(pct(length, span), 100 - leftPct),
    running: (step.status === 'running' || step.status === 'awaiting-approval') && !step.finished_at,
    reusedFrom: step.reused_from,
  } satisfies TimelineBar;
}

/** Where a moment (epoch ms) falls on a timeline, in percent; null when the timeline has no span. */
export function timelinePct(timeline: Timeline, at: number): number | null {
  return timeline.span > 0 ? pct(at - timeline.start, timeline.span) : null;
}
