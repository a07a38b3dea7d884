import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAnsi } from '../../../web/lib/ansi.ts';

const ESC = '\x1b';
const red = 'var(--sb-ansi-1, #f0605a)';

describe('parseAnsi', () => {
  it('answers plain text as one segment, and nothing for an empty line', () => {
    assert.deepEqual(parseAnsi('hello\tworld'), [{ text: 'hello\tworld' }]);
    assert.deepEqual(parseAnsi(''), []);
  });

  it('follows the basic and bright colours, weights and their resets', () => {
    assert.deepEqual(parseAnsi(`${ESC}[1;31mred${ESC}[0m plain ${ESC}[92;44mok${ESC}[39;49m.`), [
      { text: 'red', fg: red, bold: true },
      { text: ' plain ' },
      { text: 'ok', fg: 'var(--sb-ansi-10, #8be28f)', bg: 'var(--sb-ansi-4, #5b9ef0)' },
      { text: '.' },
    ]);
    assert.deepEqual(parseAnsi(`${ESC}[2;3;4mx${ESC}[22my${ESC}[23;24mz${ESC}[mw`), [
      { text: 'x', dim: true, italic: true, underline: true },
      { text: 'y', italic: true, underline: true },
      { text: 'zw' },
    ]);
    assert.deepEqual(parseAnsi(`${ESC}[1mA${ESC}[2mB${ESC}[22mC`), [
      { text: 'A', bold: true },
      { text: 'B', bold: true, dim: true },
      { text: 'C' },
    ]);
    assert.deepEqual(parseAnsi(`${ESC}[103mbg`), [{ text: 'bg', bg: 'var(--sb-ansi-11, #f2d675)' }]);
  });

  it('reads 256-colour and true-colour sequences, with ; or : separators', () => {
    assert.deepEqual(parseAnsi(`${ESC}[38;5;196ma${ESC}[38;5;9mb${ESC}[48;5;240mc`), [
      { text: 'a', fg: 'rgb(255, 0, 0)' },
      { text: 'b', fg: 'var(--sb-ansi-9, #ff8a80)' },
      { text: 'c', fg: 'var(--sb-ansi-9, #ff8a80)', bg: 'rgb(88, 88, 88)' },
    ]);
    assert.deepEqual(parseAnsi(`${ESC}[38;2;10;20;30;1mt${ESC}[48:2::1:2:3mu`), [
      { text: 't', fg: 'rgb(10, 20, 30)', bold: true },
      { text: 'u', fg: 'rgb(10, 20, 30)', bold: true, bg: 'rgb(1, 2, 3)' },
    ]);
    assert.deepEqual(parseAnsi(`${ESC}[38;5;999mbad${ESC}[38;2;300;0;0m!`), [{ text: 'bad!' }]);
  });

  it('drops other escape sequences and control characters', () => {
    const text = `${ESC}[2K${ESC}[1G${ESC}]0;title\x07${ESC}]8;;http://x${ESC}\\link${ESC}]8;;${ESC}\\${ESC}(B\x07 done${ESC}[?25l`;
    assert.deepEqual(parseAnsi(text), [{ text: 'link done' }]);
    assert.deepEqual(parseAnsi(`cut${ESC}[`), [{ text: 'cut' }]);
  });

  it('keeps what follows the last carriage return, as a redrawn progress line shows', () => {
    assert.deepEqual(parseAnsi(`10%\r${ESC}[32m50%\r100%`), [
      { text: '100%', fg: 'var(--sb-ansi-2, #5fbf6a)' },
    ]);
    assert.deepEqual(parseAnsi('windows line\r'), [{ text: 'windows line' }]);
  });

  it('never produces markup: text stays text', () => {
    const segments = parseAnsi(`${ESC}[31m<img src=x onerror=alert(1)>${ESC}[0m&amp;`);
    assert.deepEqual(
      segments.map((s) => s.text),
      ['<img src=x onerror=alert(1)>', '&amp;'],
    );
  });
});
