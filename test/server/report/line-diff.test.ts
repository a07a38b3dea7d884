import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineDiff } from '../../../server/report/line-diff.ts';

const lines = (n: number, prefix = 'line') => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

describe('lineDiff', () => {
  it('gives nothing for equal lists', () => {
    assert.deepEqual(lineDiff([], []), []);
    assert.deepEqual(lineDiff(['a', 'b'], ['a', 'b']), []);
  });

  it('shows a changed line with three lines of context in a unified hunk', () => {
    const a = lines(10);
    const b = [...a];
    b[4] = 'changed';
    assert.deepEqual(lineDiff(a, b), [
      '@@ -2,7 +2,7 @@',
      ' line 2',
      ' line 3',
      ' line 4',
      '-line 5',
      '+changed',
      ' line 6',
      ' line 7',
      ' line 8',
    ]);
  });

  it('finds the longest common subsequence, removals before additions', () => {
    assert.deepEqual(lineDiff(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'y', 'd', 'e']), [
      '@@ -1,4 +1,6 @@',
      ' a',
      '-b',
      '+x',
      ' c',
      '+y',
      ' d',
      '+e',
    ]);
  });

  it('handles one side empty', () => {
    assert.deepEqual(lineDiff([], ['a', 'b']), ['@@ -0,0 +1,2 @@', '+a', '+b']);
    assert.deepEqual(lineDiff(['a'], []), ['@@ -1,1 +0,0 @@', '-a']);
  });

  it('keeps changes far apart in separate hunks and merges close ones', () => {
    const a = lines(30);
    const b = a.map((line, i) => (i === 2 || i === 25 ? `${line}!` : line));
    const diff = lineDiff(a, b);
    assert.deepEqual(
      diff.filter((line) => line.startsWith('@@')),
      ['@@ -1,6 +1,6 @@', '@@ -23,7 +23,7 @@'],
    );
    const close = a.map((line, i) => (i === 10 || i === 15 ? `${line}!` : line));
    assert.equal(lineDiff(a, close).filter((line) => line.startsWith('@@')).length, 1);
  });

  it('caps the output with a marker counting what was left out', () => {
    const diff = lineDiff(lines(100, 'a'), lines(100, 'b'), 50);
    assert.equal(diff.length, 51);
    assert.equal(diff.at(-1), '… 151 more lines');
    assert.equal(diff[1], '-a 1');
  });

  it('diffs 5,000 lines against 5,000 different ones quickly', () => {
    const a = lines(5000);
    const b = a.map((line, i) => (i % 7 === 0 ? `${line} (new)` : line));
    const started = performance.now();
    const diff = lineDiff(a, b, Infinity);
    assert.ok(performance.now() - started < 5000);
    assert.equal(diff.filter((line) => line.startsWith('-')).length, Math.ceil(5000 / 7));
    assert.equal(diff.filter((line) => line.startsWith('+')).length, Math.ceil(5000 / 7));
  });
});
