import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter } from '../../drivers/line-splitter.ts';
import { MASK, Scrubber } from '../../drivers/scrubber.ts';

describe('Scrubber', () => {
  it('masks every known value, longest first, in text and in JSON-like values', () => {
    const scrubber = new Scrubber(['secret', 'secret-longer', 'ab']);
    assert.equal(scrubber.scrub('a secret-longer and a secret'), `a ${MASK} and a ${MASK}`);
    assert.equal(scrubber.scrub('ab stays: too short to mask'), 'ab stays: too short to mask');
    assert.deepEqual(scrubber.scrubValue({ list: ['x secret y'], n: 1 }), { list: [`x ${MASK} y`], n: 1 });
  });
});

describe('LineSplitter', () => {
  it('emits whole lines at once and keeps the partial one', () => {
    const splitter = new LineSplitter(new Scrubber());
    assert.equal(splitter.push('one\ntw'), 'one\n');
    assert.equal(splitter.push('o\nthr'), 'two\n');
    assert.equal(splitter.end(), 'thr');
  });

  it('never releases part of a secret when a partial line is flushed', () => {
    const splitter = new LineSplitter(new Scrubber(['topsecret']));
    assert.equal(splitter.push('pw: tops'), '');
    // Only what cannot be the start of the secret leaves; 8 characters (9 − 1) wait.
    assert.equal(splitter.flushPartial(), '');
    assert.equal(splitter.push('ecret!'), '');
    assert.equal(splitter.flushPartial(), `pw: ${MASK}`);
    assert.equal(splitter.end(), '!');
  });

  it('a secret straddling the cut is released whole, masked', () => {
    const splitter = new LineSplitter(new Scrubber(['abcdef']));
    splitter.push('xxabcdefyyyyy');
    assert.equal(splitter.flushPartial(), `xx${MASK}`);
    assert.equal(splitter.end(), 'yyyyy');
  });
});
