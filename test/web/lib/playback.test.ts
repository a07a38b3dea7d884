import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventView } from '../../../web/api/api-types.ts';
import { Playback } from '../../../web/lib/playback.ts';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** A recorded run, one event per entry: `[ms after T0, cell, kind, data]`. */
function events(entries: [number, string | null, EventView['kind'], unknown][]): EventView[] {
  return entries.map(([ms, cell, kind, data], index) => ({
    seq: index + 1,
    ts: new Date(T0 + ms).toISOString(),
    cell,
    kind,
    data: typeof data === 'string' ? data : JSON.stringify(data),
  }));
}

const recorded = events([
  [0, null, 'status', { run: 'R', status: 'running' }],
  [0, 'a', 'status', { cell: 'a', status: 'running' }],
  [100, 'a', 'stdout', 'one\ntw'],
  [200, 'a', 'stdout', 'o\nthree\n'],
  [250, 'a', 'stderr', 'oops\n'],
  [300, 'a', 'status', { cell: 'a', status: 'succeeded' }],
  [300, 'b', 'status', { cell: 'b', status: 'running' }],
  [1300, 'b', 'status', { cell: 'b', status: 'failed', error: { code: 'EXIT', message: 'exit 1' } }],
  [1300, null, 'status', { run: 'R', status: 'failed' }],
]);

const text = (playback: Playback, cell: string) =>
  playback.state.cells
    .find((state) => state.cell === cell)!
    .lines.map((line) => line.text)
    .join('|');
const status = (playback: Playback, cell: string) =>
  playback.state.cells.find((state) => state.cell === cell)!.status;

describe('Playback', () => {
  it('spans the run and shows each cell as of the position', () => {
    const playback = new Playback({ start: T0, cells: [{ cell: 'a' }, { cell: 'b' }] });
    playback.add(recorded);
    assert.equal(playback.duration, 1300);
    assert.equal(playback.state.runStatus, 'running');
    assert.equal(status(playback, 'a'), 'running');
    assert.equal(status(playback, 'b'), 'pending');
    assert.equal(text(playback, 'a'), '');
    playback.seek(150);
    assert.equal(text(playback, 'a'), 'one|two', 'an open line shows as it ends up');
    playback.seek(260);
    assert.equal(text(playback, 'a'), 'one|two|three|oops');
    assert.deepEqual(
      playback.state.cells[0]!.lines.map((line) => line.stream),
      ['stdout', 'stdout', 'stdout', 'stderr'],
    );
    playback.seek(5000);
    assert.equal(playback.position, 1300, 'clamped to the end');
    assert.equal(status(playback, 'b'), 'failed');
    assert.equal(playback.state.cells[1]!.error, 'EXIT: exit 1');
    assert.equal(playback.state.runStatus, 'failed');
    playback.seek(-5);
    assert.equal(playback.position, 0);
  });

  it('plays at 1× and 10× from real elapsed time, and stops at the end', () => {
    const playback = new Playback({ start: T0 });
    playback.add(recorded);
    assert.equal(playback.tick(100), false, 'paused: the clock stands still');
    playback.play();
    playback.tick(250);
    assert.equal(playback.position, 250);
    playback.setSpeed(10);
    playback.tick(50);
    assert.equal(playback.position, 750);
    playback.tick(1000);
    assert.equal(playback.position, 1300);
    assert.equal(playback.playing, false);
    playback.play();
    assert.equal(playback.position, 0, 'play at the end starts over');
    playback.pause();
    playback.tick(100);
    assert.equal(playback.position, 0);
  });

  it('instant jumps to the end', () => {
    const playback = new Playback({ start: T0 });
    playback.add(recorded);
    playback.setSpeed('instant');
    playback.play();
    assert.equal(playback.position, 1300);
    assert.equal(playback.playing, false);
    assert.equal(status(playback, 'b'), 'failed');
  });

  it('keeps only the last maxLines lines of a cell and counts the rest', () => {
    const playback = new Playback({ start: T0, maxLines: 3 });
    const chunks = Array.from({ length: 10 }, (_, i) => `line ${2 * i}\nline ${2 * i + 1}\n`);
    playback.add(
      events([
        [0, 'a', 'status', { cell: 'a', status: 'running' }],
        ...chunks.map((chunk, i): [number, string, 'stdout', string] => [10 * (i + 1), 'a', 'stdout', chunk]),
      ]),
    );
    playback.seek(100);
    assert.equal(text(playback, 'a'), 'line 17|line 18|line 19');
    assert.equal(playback.state.cells[0]!.hidden, 17);
    playback.seek(20);
    assert.equal(text(playback, 'a'), '', 'those lines were not kept');
    assert.equal(playback.state.cells[0]!.hidden, 4);
  });

  it('starts a re-run cell afresh, but not a retry or an approval', () => {
    const playback = new Playback({ start: T0 });
    playback.add(
      events([
        [0, 'a', 'status', { cell: 'a', status: 'running' }],
        [5, 'a', 'status', { cell: 'a', status: 'awaiting-approval', prompt: 'go?' }],
        [8, 'a', 'status', { cell: 'a', status: 'running', approved_by: 'ann', note: 'ok' }],
        [10, 'a', 'stdout', 'first\n'],
        [20, 'a', 'status', { cell: 'a', status: 'running', attempt: 2 }],
        [30, 'a', 'stdout', 'retry\n'],
        [40, 'a', 'status', { cell: 'a', status: 'failed', error: { code: 'X', message: 'no' } }],
        [50, 'a', 'status', { cell: 'a', status: 'running' }],
        [60, 'a', 'stdout', 'second\n'],
      ]),
    );
    playback.seek(6);
    assert.equal(status(playback, 'a'), 'awaiting-approval');
    playback.seek(45);
    assert.equal(text(playback, 'a'), 'first|retry');
    assert.equal(playback.state.cells[0]!.error, 'X: no');
    assert.equal(playback.state.cells[0]!.attempt, 2);
    playback.seek(60);
    assert.equal(text(playback, 'a'), 'second');
    assert.deepEqual(
      { ...playback.state.cells[0], lines: undefined },
      {
        cell: 'a',
        status: 'running',
        attempt: 1,
        error: null,
        reusedFrom: null,
        lines: undefined,
        hidden: 0,
      },
    );
  });

  it('shows reused steps as recorded, ignores events twice, and strips ANSI escapes', () => {
    const playback = new Playback({
      start: T0,
      end: T0 + 500,
      cells: [{ cell: 'old', status: 'succeeded', reusedFrom: 'PARENT' }, { cell: 'new' }],
    });
    const batch = events([
      [0, 'new', 'status', { cell: 'new', status: 'running' }],
      [10, 'new', 'stdout', '\x1b[31mred\x1b[0m\n10%\r50%\r100%\n'],
    ]);
    playback.add(batch);
    playback.add(batch);
    playback.seek(500);
    assert.equal(playback.duration, 500);
    assert.deepEqual(
      playback.state.cells.map((cell) => [cell.cell, cell.status, cell.reusedFrom]),
      [
        ['old', 'succeeded', 'PARENT'],
        ['new', 'running', null],
      ],
    );
    assert.equal(text(playback, 'new'), 'red|100%');
  });
});
