import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  durationBetween,
  formatClock,
  formatDelta,
  formatDuration,
  isLiveStatus,
  statusColour,
} from '../../../web/lib/format.ts';

describe('format', () => {
  it('writes durations as people read them', () => {
    assert.deepEqual([null, -1, 0, 450, 1234, 9999, 42_500, 184_000, 7_500_000].map(formatDuration), [
      '–',
      '–',
      '0 ms',
      '450 ms',
      '1.2 s',
      '9.9 s',
      '42 s',
      '3 min 4 s',
      '2 h 5 min',
    ]);
  });

  it('signs a change in duration', () => {
    assert.deepEqual([1200, -300, 0, null].map(formatDelta), ['+1.2 s', '−300 ms', '±0 ms', '–']);
  });

  it('measures a step, counting a running one up to now', () => {
    const start = '2026-01-01T00:00:00.000Z';
    assert.equal(durationBetween(start, '2026-01-01T00:00:01.500Z'), 1500);
    assert.equal(durationBetween(start, null, Date.parse(start) + 700), 700);
    assert.equal(durationBetween(null, null), null);
  });

  it('shows a playback clock', () => {
    assert.deepEqual([0, 4250, 750_000, 3_723_000].map(formatClock), [
      '0:00.0',
      '0:04.2',
      '12:30.0',
      '1:02:03.0',
    ]);
  });

  it('colours statuses, grey for the unknown', () => {
    assert.equal(statusColour('failed'), '#c0392b');
    assert.equal(statusColour('not run'), '#b4bfcb');
    assert.equal(isLiveStatus('awaiting-approval'), true);
    assert.equal(isLiveStatus('cancelled'), false);
  });
});
