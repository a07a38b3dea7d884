import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseRunbook } from '../../../server/runbook/parse-runbook.ts';
import { cellsOf } from '../../../server/runbook/types.ts';
import type { CellBlock, ProseBlock } from '../../../server/runbook/types.ts';
import { StackbookError } from '../../../server/stackbook-error.ts';
import { testDrivers } from '../../helpers/test-drivers.ts';

const drivers = testDrivers;

const fixtures = join(import.meta.dirname, '../../fixtures/runbooks');

describe('parseRunbook: a well-formed runbook', () => {
  const file = join(fixtures, 'good/baremetal.md');
  const text = readFileSync(file, 'utf8');
  const runbook = parseRunbook(text, file, drivers);
  const cells = cellsOf(runbook);
  const cell = (name: string): CellBlock => cells.find((each) => each.name === name) as CellBlock;

  test('reads the front matter, the title from the first heading and the sources', () => {
    assert.equal(runbook.id, 'baremetal-only');
    assert.equal(runbook.title, 'Baremetal only');
    assert.equal(runbook.summary, 'Deploy unspecialised images to bare metal.');
    assert.deepEqual(runbook.needs, ['machines', 'network']);
    assert.deepEqual(runbook.params, { image: 'ubuntu', flavor: 'baremetal' });
    assert.deepEqual(runbook.sources, [{ file, sha256: createHash('sha256').update(text).digest('hex') }]);
  });

  test('finds the cells in order, with their fence and body lines', () => {
    const found = cells.map((each) => [
      each.name,
      each.lang,
      each.driver,
      each.provenance.line,
      each.bodyLine,
    ]);
    assert.deepEqual(found, [
      ['enroll-machines', 'ipmi', 'ipmi', 19, 20],
      ['check-cabling', 'manual', 'manual', 28, 29],
      ['seed-vm', 'bash', 'sh', 37, 38],
      ['empty', 'manual', 'manual', 52, 53],
    ]);
    assert.ok(cells.every((each) => each.provenance.file === file && each.provenance.source === 'base'));
  });

  test('keeps prose, display-only blocks and fences nested in lists as prose, with their first line', () => {
    const prose = runbook.blocks.filter((block): block is ProseBlock => block.kind === 'prose');
    assert.deepEqual(
      prose.map((block) => block.provenance.line),
      [9, 33, 44],
    );
    assert.equal(
      prose[0]?.markdown,
      '# Baremetal only\n\nProse, rendered as-is.\nA second line of the same paragraph.\n\n' +
        '```sh\n# display-only: a shell snippet without attributes\necho "not a cell"\n```',
    );
    assert.equal(prose[1]?.markdown, '```json\n{ "a": "sample file, shown not run" }\n```');
    assert.match(
      prose[2]?.markdown ?? '',
      /^## After\n\n- a list[^]*```sh \{name=nested-in-list\}\n {2}echo nested\n {2}```$/,
    );
    assert.deepEqual(
      runbook.blocks.map((block) => block.kind),
      ['prose', 'cell', 'cell', 'prose', 'cell', 'prose', 'cell'],
    );
  });

  test('parses key=value attributes', () => {
    const enroll = cell('enroll-machines');
    assert.deepEqual(enroll.rawAttrs, { name: 'enroll-machines', timeout: '5m', retries: 2 });
    assert.equal(enroll.attrs.timeoutMs, 300_000);
    assert.equal(enroll.attrs.retries, 2);
    const seed = cell('seed-vm');
    assert.deepEqual(seed.attrs.needs, ['enroll-machines', 'check-cabling']);
    assert.equal(seed.attrs.timeoutMs, 5_400_000);
    assert.equal(seed.attrs.continueOnError, true);
    assert.equal(cell('empty').attrs.excludeFromRunAll, true);
  });

  test("parses JSON attributes with Runme's string values", () => {
    const check = cell('check-cabling');
    assert.deepEqual(check.attrs.needs, ['enroll-machines']);
    assert.equal(check.attrs.confirm, true);
    assert.equal(check.rawAttrs.interactive, 'false');
  });

  test('parses YAML bodies to args, with the absolute line of every path', () => {
    const enroll = cell('enroll-machines');
    assert.deepEqual(enroll.args, {
      action: 'enroll',
      machines: [
        { name: 'node-0', mac: ['52:54:00:00:00:01'] },
        { name: 'node-1', mac: ['52:54:00:00:00:02'] },
      ],
    });
    assert.equal(enroll.argLines.action, 20);
    assert.equal(enroll.argLines.machines, 21);
    assert.equal(enroll.argLines['machines.0'], 22);
    assert.equal(enroll.argLines['machines.0.name'], 22);
    assert.equal(enroll.argLines['machines.1.mac'], 25);
    assert.equal(enroll.argLines['machines.1.mac.0'], 25);
    assert.deepEqual(cell('empty').args, {});
    assert.deepEqual(cell('empty').argLines, {});
  });

  test('takes script bodies verbatim, including a fence inside a longer ~~~~ fence', () => {
    const seed = cell('seed-vm');
    const script = "cat > seed.md <<'DOC'\n```sh {name=not-a-cell}\necho inside a heredoc\n```\nDOC";
    assert.equal(seed.body, script);
    assert.deepEqual(seed.args, { script });
    assert.deepEqual(seed.argLines, {});
  });
});

describe('parseRunbook: defaults and line handling', () => {
  test('defaults the id to the file name and the title to the first # heading, then the id', () => {
    const titled = parseRunbook('Intro\n\n## Not this\n\n# Setup\n', 'runbooks/setup-seed.md', drivers);
    assert.deepEqual(
      [titled.id, titled.title, titled.summary, titled.needs, titled.params],
      ['setup-seed', 'Setup', '', [], {}],
    );
    assert.equal(parseRunbook('no heading', 'a/plain.md', drivers).title, 'plain');
    assert.equal(parseRunbook('---\n---\n# T', 'a/empty-front.md', drivers).id, 'empty-front');
  });

  test('counts lines the same with CRLF line endings and strips the fence indentation', () => {
    const text =
      '---\r\nid: crlf\r\n---\r\n\r\n   ```sh {name=a}\r\n   echo a\r\n     indented\r\n   ```\r\n';
    const [cell] = cellsOf(parseRunbook(text, 'crlf.md', drivers));
    assert.equal(cell?.provenance.line, 5);
    assert.equal(cell?.body, 'echo a\n  indented');
  });

  test('marks overlay cells with their source and allows after/skip there', () => {
    const text = '```sh {name=b after=a}\ntrue\n```\n\n```sh {name=c skip=true}\n```\n';
    const overlay = parseRunbook(text, 'dc/runbooks/x.md', drivers, { source: 'overlay' });
    assert.deepEqual(
      cellsOf(overlay).map((cell) => [cell.name, cell.attrs.after, cell.attrs.skip, cell.provenance.source]),
      [
        ['b', 'a', false, 'overlay'],
        ['c', undefined, true, 'overlay'],
      ],
    );
  });

  test('rejects front-matter keys an overlay may not set', () => {
    assert.throws(
      () => parseRunbook('---\nparams: {}\nneeds: [machines]\n---\n', 'o.md', drivers, { source: 'overlay' }),
      { code: 'PARSE_ERROR', location: { file: 'o.md', line: 3, field: 'needs' } },
    );
  });
});

/** Each malformed fixture: the line, the field and the message text of its error. */
const MALFORMED: Record<string, [line: number, field: string, message: RegExp]> = {
  'after-outside-overlay.md': [7, 'after', /attribute 'after' is only allowed in a datacentre overlay/],
  'bad-boolean.md': [3, 'confirm', /confirm must be true or false, got "yes"/],
  'bad-front-matter.md': [4, 'front matter', /bad YAML in front matter: Nested mappings/],
  'bad-name.md': [3, 'name', /name must be a cell name .* got "two words"/],
  'bad-retries.md': [3, 'retries', /retries must be a whole number ≥ 0, got -1/],
  'bad-timeout.md': [3, 'timeout', /timeout must be a duration like .* got "5minutes"/],
  'bad-yaml-body.md': [
    7,
    'body',
    /cell 'power' has bad YAML: All mapping items must start at the same column/,
  ],
  'duplicate-attribute.md': [3, 'timeout', /attribute 'timeout' is given twice/],
  'duplicate-name.md': [9, 'name', /duplicate cell name 'setup' \(lines 3 and 9\)/],
  'front-matter-wrong-type.md': [3, 'needs', /needs must be a list of datacentre sections/],
  'malformed-json-attributes.md': [3, 'needs', /malformed JSON attributes near 'needs'/],
  'missing-name.md': [3, 'name', /cell has no name/],
  'needs-cycle.md': [3, 'needs', /needs form a cycle: a → c → b → a/],
  'needs-later-cell.md': [
    3,
    'needs',
    /cell 'first' needs 'second', which comes later \(.*needs-later-cell\.md:7\)/,
  ],
  'needs-missing-cell.md': [7, 'needs', /cell 'second' needs 'ghost', which does not exist/],
  'needs-self.md': [3, 'needs', /needs form a cycle: loop → loop/],
  'skip-outside-overlay.md': [3, 'skip', /attribute 'skip' is only allowed in a datacentre overlay/],
  'unclosed-fence.md': [3, 'body', /the fence of cell 'forever' is never closed/],
  'unclosed-front-matter.md': [1, 'front matter', /front matter starting at line 1 is never closed/],
  'unknown-attribute.md': [3, 'retry', /unknown attribute 'retry' \(known: name, needs, timeout, retries/],
  'unknown-driver.md': [7, 'driver', /unknown driver 'terraform' \(known: sh, manual, ipmi\)/],
  'unknown-front-matter-key.md': [4, 'author', /unknown front matter key 'author'/],
  'unterminated-list.md': [7, 'needs', /attribute 'needs' has an unterminated list/],
  'yaml-cell-without-attributes.md': [5, 'name', /cell has no name: a 'ipmi' block needs \{name=…\}/],
};

describe('parseRunbook: malformed runbooks', () => {
  const dir = join(fixtures, 'malformed');

  test('every fixture has an expectation and every expectation a fixture', () => {
    assert.deepEqual(readdirSync(dir).sort(), Object.keys(MALFORMED).sort());
  });

  for (const [name, [line, field, message]] of Object.entries(MALFORMED)) {
    test(name, () => {
      const file = join(dir, name);
      assert.throws(
        () => parseRunbook(readFileSync(file, 'utf8'), file, drivers),
        (error: unknown) => {
          assert.ok(error instanceof StackbookError, String(error));
          assert.equal(error.code, 'PARSE_ERROR');
          assert.deepEqual(error.location, { file, line, field });
          assert.ok(error.message.startsWith(`${file}:${line}: ${field}: `), error.message);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});
