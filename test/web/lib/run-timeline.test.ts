import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepView } from '../../../web/api/api-types.ts';
import { runTimeline, timelinePct } from '../../../web/lib/run-timeline.ts';

const at = (s: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + s * 1000).toISOString();

function step(
  seq: number,
  cell: string,
  status: string,
  from: number | null,
  to: number | null,
  reused?: string,
) {
  return {
    seq,
    cell,
    driver: 'sh',
    status,
    attempt: 1,
    started_at: from === null ? null : at(from),
    finished_at: to === null ? null : at(to),
    args: null,
    result: null,
    error: null,
    reused_from: reused ?? null,
    approved_by: null,
    approval_note: null,
  } satisfies StepView;
}

describe('runTimeline', () => {
  it('places each step on the run span', () => {
    const timeline = runTimeline({
      started_at: at(0),
      finished_at: at(10),
      steps: [
        step(1, 'a', 'succeeded', 0, 2),
        step(2, 'b', 'failed', 5, 10),
        step(3, 'c', 'skipped', null, null),
      ],
    });
    assert.equal(timeline.span, 10_000);
    assert.deepEqual(
      timeline.bars.map((bar) => [bar.cell, bar.leftPct, bar.widthPct, bar.durationMs]),
      [
        ['a', 0, 20, 2000],
        ['b', 50, 50, 5000],
        ['c', 0, 0, null],
      ],
    );
    assert.equal(timelinePct(timeline, Date.parse(at(2.5))), 25);
  });

  it('grows a running step and the run up to now', () => {
    const run = { started_at: at(0), finished_at: null, steps: [step(1, 'a', 'running', 2, null)] };
    const early = runTimeline(run, Date.parse(at(4)));
    assert.deepEqual([early.span, early.bars[0]!.widthPct, early.bars[0]!.running], [4000, 50, true]);
    const later = runTimeline(run, Date.parse(at(10)));
    assert.deepEqual([later.span, later.bars[0]!.durationMs], [10_000, 8000]);
  });

  it('lists reused steps without placing them before the start', () => {
    const timeline = runTimeline({
      started_at: at(100),
      finished_at: at(104),
      steps: [step(1, 'a', 'succeeded', 0, 50, 'PARENT'), step(2, 'b', 'succeeded', 100, 104)],
    });
    assert.equal(timeline.start, Date.parse(at(100)));
    assert.deepEqual(
      timeline.bars.map((bar) => [bar.leftPct, bar.widthPct, bar.reusedFrom]),
      [
        [0, 0, 'PARENT'],
        [0, 100, null],
      ],
    );
  });

  it('has no span before the run started', () => {
    const timeline = runTimeline({ started_at: null, finished_at: null, steps: [] }, 5);
    assert.deepEqual(timeline, { start: 5, span: 0, bars: [] });
    assert.equal(timelinePct(timeline, 5), null);
  });
});
