import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineWindow, type LinesPage, type OutputStream } from '../../../web/lib/line-window.ts';

let seq = 0;
const ev = (kind: string, data: string) => ({ seq: ++seq, kind, data });
const texts = (window: LineWindow, from = 0, to = window.total) =>
  Array.from({ length: to - from }, (_, i) => window.line(from + i)?.text);
const page = (from: number, total: number, lastSeq: number, open: OutputStream | null = null): LinesPage => ({
  cell: 'c',
  step: 1,
  from,
  total,
  last_seq: lastSeq,
  open,
  lines: Array.from({ length: total - from }, (_, i) => ({
    n: from + i,
    stream: 'stdout' as const,
    text: `line ${from + i}`,
  })),
});

describe('LineWindow', () => {
  it('splits chunks into lines; a chunk ending mid-line is continued by its stream', () => {
    const window = new LineWindow(4, 3);
    assert.equal(window.apply([ev('stdout', 'a\nb'), ev('stdout', 'c\nd\n')]), 3);
    assert.deepEqual(texts(window), ['a', 'bc', 'd']);
    window.apply([ev('stdout', 'Pass')]);
    assert.equal(window.total, 4, 'an open last line counts');
    assert.equal(window.line(3)?.text, 'Pass');
    // Another stream writing hides the open line until its stream finishes it, as the server numbers lines.
    window.apply([ev('stderr', 'e1\n'), ev('progress', '{}'), ev('stdout', 'word: ok\n')]);
    assert.deepEqual(texts(window), ['a', 'bc', 'd', 'e1', 'Password: ok']);
    assert.deepEqual([window.line(3)?.stream, window.line(4)?.stream], ['stderr', 'stdout']);
  });

  it('ignores events at or before lastSeq, so a stream replayed after a load adds nothing twice', () => {
    const window = new LineWindow(4, 3);
    window.load(page(4, 6, 10));
    assert.deepEqual(window.apply([{ seq: 9, kind: 'stdout', data: 'old\n' }]), 0);
    assert.equal(window.apply([{ seq: 11, kind: 'stdout', data: 'new\n' }]), 1);
    assert.deepEqual(texts(window, 4), ['line 4', 'line 5', 'new']);
    assert.equal(window.lastSeq, 11);
    assert.deepEqual(window.missingPages(0, 6), [0]);
  });

  it('continues an open last line the server reported', () => {
    const window = new LineWindow(4, 3);
    window.load({
      ...page(0, 2, 5, 'stdout'),
      lines: [
        { n: 0, stream: 'stdout', text: 'x' },
        { n: 1, stream: 'stdout', text: '50%' },
      ],
    });
    window.apply([{ seq: 6, kind: 'stdout', data: ' done\nnext\n' }]);
    assert.deepEqual(texts(window), ['x', '50% done', 'next']);
  });

  it('holds at most maxPages pages, dropping the least recently used but never the live tail', () => {
    const window = new LineWindow(10, 3);
    window.load(page(90, 100, 1));
    for (const n of [0, 1, 2, 3]) {
      window.fill(n, page(n * 10, n * 10 + 10, 1).lines);
      window.line(n * 10);
    }
    assert.equal(window.heldPages, 3);
    assert.deepEqual(window.missingPages(0, 99), [0, 1, 4, 5, 6, 7, 8]);
    window.line(20);
    window.fill(5, page(50, 60, 1).lines);
    assert.deepEqual(window.missingPages(0, 99), [0, 1, 3, 4, 6, 7, 8]);
    assert.equal(window.line(95)?.text, 'line 95');
  });

  it('keeps live lines only in held pages and the tail page, however many arrive at once', () => {
    const window = new LineWindow(10, 3);
    window.fill(0, []);
    const many = Array.from({ length: 95 }, (_, i) => `l${i}\n`).join('');
    assert.equal(window.apply([ev('stdout', many)]), 95);
    assert.equal(window.total, 95);
    assert.equal(window.heldPages, 2, 'page 0, held before, and the tail page 9');
    assert.deepEqual(texts(window, 0, 3), ['l0', 'l1', 'l2']);
    assert.deepEqual(texts(window, 90), ['l90', 'l91', 'l92', 'l93', 'l94']);
    assert.deepEqual(window.missingPages(0, 200), [1, 2, 3, 4, 5, 6, 7, 8]);
    window.apply([ev('stdout', 'l95\nl96\nl97\nl98\nl99\nl100\n')]);
    assert.equal(window.line(100)?.text, 'l100');
    assert.equal(window.line(99)?.text, 'l99');
  });

  it('does not overwrite live lines with a page answered later, and forgets everything on reset', () => {
    const window = new LineWindow(10, 3);
    window.apply([ev('stdout', 'live\n')]);
    window.fill(0, [
      { n: 0, stream: 'stdout', text: 'stale' },
      { n: 1, stream: 'stdout', text: 'beyond the total' },
    ]);
    assert.deepEqual(texts(window, 0, 2), ['live', undefined]);
    window.reset();
    assert.deepEqual([window.total, window.lastSeq, window.heldPages], [0, 0, 0]);
    assert.equal(window.apply([{ seq: 1, kind: 'log', data: 'again\n' }]), 1);
  });
});
