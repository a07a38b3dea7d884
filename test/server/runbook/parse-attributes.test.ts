import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAttributes, toCellAttrs } from '../../../server/runbook/parse-attributes.ts';
import { StackbookError } from '../../../server/stackbook-error.ts';

const at = { file: 'runbooks/x.md', line: 12 };

/** Asserts `fn` throws a PARSE_ERROR at runbooks/x.md:12 about `field`, with a message matching `message`. */
function assertParseError(fn: () => unknown, field: string, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof StackbookError);
    assert.equal(error.code, 'PARSE_ERROR');
    assert.deepEqual(error.location, { ...at, field });
    assert.match(error.message, message);
    assert.ok(error.message.startsWith(`runbooks/x.md:12: ${field}: `));
    return true;
  });
}

describe('parseAttributes', () => {
  test('reads key=value pairs: bare words, quoted strings, lists, booleans and integers', () => {
    const attrs = parseAttributes(
      '{ name=netboot needs=[enroll, "power on",check] timeout=5m confirm=true skip=false retries=3 }',
      at,
    );
    assert.deepEqual(attrs, {
      name: 'netboot',
      needs: ['enroll', 'power on', 'check'],
      timeout: '5m',
      confirm: true,
      skip: false,
      retries: 3,
    });
  });

  test('keeps escapes, commas in bare words, leading zeros and list items as strings', () => {
    assert.deepEqual(parseAttributes('{name="say \\"hi\\"" needs=a,b id=01 n=-4 list=[1, true]}', at), {
      name: 'say "hi"',
      needs: 'a,b',
      id: '01',
      n: -4,
      list: ['1', 'true'],
    });
  });

  test('reads JSON attributes as written (Runme writes every value as a string)', () => {
    assert.deepEqual(parseAttributes('{"name":"x","needs":["a"],"interactive":"false"}', at), {
      name: 'x',
      needs: ['a'],
      interactive: 'false',
    });
    assert.deepEqual(parseAttributes('{ }', at), {});
  });

  test('rejects malformed blocks, naming the attribute', () => {
    assertParseError(() => parseAttributes('{ name=x needs=[a, b }', at), 'needs', /unterminated list/);
    assertParseError(() => parseAttributes('{ name="x }', at), 'name', /unterminated string/);
    assertParseError(() => parseAttributes('{ confirm }', at), 'confirm', /has no value/);
    assertParseError(() => parseAttributes('{ name= }', at), 'name', /has no value/);
    assertParseError(() => parseAttributes('{ name=a name=b }', at), 'name', /given twice/);
    assertParseError(() => parseAttributes('{ name="a"b }', at), 'name', /followed by junk/);
    assertParseError(() => parseAttributes('{ =x }', at), 'attributes', /unexpected '=x'/);
    assertParseError(() => parseAttributes('name=x', at), 'attributes', /enclosed in \{ \}/);
    assertParseError(() => parseAttributes('{"name":"x","needs":["a",]}', at), 'needs', /malformed JSON/);
  });
});

describe('toCellAttrs', () => {
  test('normalises known attributes and fills defaults', () => {
    assert.deepEqual(
      toCellAttrs({ name: 'a', needs: 'b, c', confirm: 'true', retries: '2', id: 'x' }, at, 'base'),
      {
        name: 'a',
        needs: ['b', 'c'],
        retries: 2,
        confirm: true,
        continueOnError: false,
        excludeFromRunAll: false,
        skip: false,
      },
    );
    assert.equal(toCellAttrs({ name: 7 }, at, 'base').name, '7');
  });

  test('parses durations to milliseconds', () => {
    const cases: [unknown, number][] = [
      ['500ms', 500],
      ['30s', 30_000],
      ['5m', 300_000],
      ['1h', 3_600_000],
      ['1h30m', 5_400_000],
      ['2m30s', 150_000],
      [90, 90_000],
      ['90', 90_000],
      ['1.5', 1_500],
    ];
    for (const [timeout, ms] of cases) {
      assert.equal(toCellAttrs({ name: 'a', timeout }, at, 'base').timeoutMs, ms, String(timeout));
    }
    for (const timeout of ['5minutes', '', '0', '1d', true, 'm5']) {
      assertParseError(() => toCellAttrs({ name: 'a', timeout }, at, 'base'), 'timeout', /duration/);
    }
  });

  test('rejects unknown attributes, wrong types and overlay-only attributes outside overlays', () => {
    assertParseError(
      () => toCellAttrs({ name: 'a', retry: 1 }, at, 'base'),
      'retry',
      /unknown attribute 'retry'/,
    );
    assertParseError(() => toCellAttrs({ needs: ['b'] }, at, 'base'), 'name', /cell has no name/);
    assertParseError(() => toCellAttrs({ name: 'a b' }, at, 'base'), 'name', /must be a cell name/);
    assertParseError(
      () => toCellAttrs({ name: 'a', needs: ['ok', 'no way'] }, at, 'base'),
      'needs',
      /cell name/,
    );
    assertParseError(
      () => toCellAttrs({ name: 'a', needs: true }, at, 'base'),
      'needs',
      /list of cell names/,
    );
    assertParseError(() => toCellAttrs({ name: 'a', retries: -1 }, at, 'base'), 'retries', /whole number/);
    assertParseError(() => toCellAttrs({ name: 'a', retries: 1.5 }, at, 'base'), 'retries', /whole number/);
    assertParseError(
      () => toCellAttrs({ name: 'a', confirm: 'yes' }, at, 'base'),
      'confirm',
      /true or false/,
    );
    assertParseError(
      () => toCellAttrs({ name: 'a', after: 'b' }, at, 'base'),
      'after',
      /only allowed in a datacentre overlay/,
    );
    assertParseError(
      () => toCellAttrs({ name: 'a', skip: true }, at, 'base'),
      'skip',
      /only allowed in a datacentre overlay/,
    );
  });

  test('accepts after and skip in overlays', () => {
    const attrs = toCellAttrs({ name: 'a', after: 'b', skip: 'true' }, at, 'overlay');
    assert.equal(attrs.after, 'b');
    assert.equal(attrs.skip, true);
  });
});
