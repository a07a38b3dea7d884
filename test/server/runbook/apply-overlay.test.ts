import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyOverlay } from '../../../server/runbook/apply-overlay.ts';
import { parseRunbook } from '../../../server/runbook/parse-runbook.ts';
import { cellsOf } from '../../../server/runbook/types.ts';
import type { CellBlock, Runbook } from '../../../server/runbook/types.ts';
import { testDrivers } from '../../helpers/test-drivers.ts';

const drivers = testDrivers;

const BASE_FILE = 'runbooks/deploy.md';
const OVERLAY_FILE = 'datacentres/lab/runbooks/deploy.md';
const base = parseRunbook(
  [
    '---',
    'id: deploy',
    'params:',
    '  image: ubuntu',
    '  flavor: baremetal',
    '---',
    '# Deploy',
    '',
    '```sh {name=build-image}',
    'disk-image-create ubuntu',
    '```',
    '',
    'Enroll the nodes.',
    '',
    '```ipmi {name=enroll needs=[build-image]}',
    'action: enroll',
    '```',
    '',
    '```sh {name=deploy needs=[enroll]}',
    'openstack server create',
    '```',
    '',
    '```sh {name=report}',
    'echo done',
    '```',
    '',
  ].join('\n'),
  BASE_FILE,
  drivers,
);

const overlay = (text: string): Runbook => applyOverlay(base, text, OVERLAY_FILE, drivers);
const names = (runbook: Runbook): string[] => cellsOf(runbook).map((cell) => cell.name);
const cell = (runbook: Runbook, name: string): CellBlock =>
  cellsOf(runbook).find((each) => each.name === name) as CellBlock;

describe('applyOverlay', () => {
  test('replaces a cell in place with the overlay provenance; ignores overlay prose', () => {
    const result = overlay(
      'Overlay prose is ignored.\n\n```sh {name=build-image}\ndisk-image-create ubuntu vlan\n```\n',
    );
    assert.deepEqual(names(result), ['build-image', 'enroll', 'deploy', 'report']);
    const replaced = cell(result, 'build-image');
    assert.deepEqual(replaced.provenance, { file: OVERLAY_FILE, line: 3, source: 'overlay' });
    assert.equal(replaced.body, 'disk-image-create ubuntu vlan');
    assert.deepEqual(cell(result, 'enroll').provenance, { file: BASE_FILE, line: 15, source: 'base' });
    assert.deepEqual(
      result.blocks.map((block) => (block.kind === 'cell' ? block.name : block.markdown)),
      ['# Deploy', 'build-image', 'Enroll the nodes.', 'enroll', 'deploy', 'report'],
    );
    assert.equal(base.blocks[1]?.provenance.file, BASE_FILE, 'the base runbook is left untouched');
  });

  test('inserts a new cell right after the named one, and after a previously inserted one', () => {
    const result = overlay(
      '```sh {name=configure-vlan after=enroll needs=[enroll]}\nip link add\n```\n\n' +
        '```sh {name=check-vlan after=configure-vlan needs=configure-vlan}\nping -c1 gw\n```\n',
    );
    assert.deepEqual(names(result), [
      'build-image',
      'enroll',
      'configure-vlan',
      'check-vlan',
      'deploy',
      'report',
    ]);
    assert.deepEqual(cell(result, 'check-vlan').provenance, {
      file: OVERLAY_FILE,
      line: 5,
      source: 'overlay',
    });
  });

  test('appends a new cell without after, and moves an existing one given after', () => {
    const result = overlay(
      '```sh {name=cleanup}\nrm -rf tmp\n```\n\n```sh {name=report after=build-image}\necho moved\n```\n',
    );
    assert.deepEqual(names(result), ['build-image', 'report', 'enroll', 'deploy', 'cleanup']);
    assert.equal(cell(result, 'report').body, 'echo moved');
  });

  test('removes a cell with skip=true', () => {
    const result = overlay('```sh {name=report skip=true}\n```\n');
    assert.deepEqual(names(result), ['build-image', 'enroll', 'deploy']);
  });

  test('overrides params key by key and records both sources', () => {
    const result = overlay(
      '---\nid: ignored\ntitle: Ignored too\nparams:\n  flavor: vlan\n  vlan: 42\n---\n',
    );
    assert.deepEqual(result.params, { image: 'ubuntu', flavor: 'vlan', vlan: 42 });
    assert.equal(result.id, 'deploy');
    assert.equal(result.title, 'Deploy');
    assert.deepEqual(
      result.sources.map((source) => source.file),
      [BASE_FILE, OVERLAY_FILE],
    );
    assert.match(result.sources[1]?.sha256 ?? '', /^[0-9a-f]{64}$/);
  });

  test('rejects skipping or inserting after a cell that does not exist', () => {
    assert.throws(() => overlay('Text.\n\n```sh {name=ghost skip=true}\n```\n'), {
      code: 'PARSE_ERROR',
      location: { file: OVERLAY_FILE, line: 3, field: 'skip' },
      message: /cannot skip 'ghost': the base runbook has no such cell/,
    });
    assert.throws(() => overlay('```sh {name=extra after=nowhere}\ntrue\n```\n'), {
      code: 'PARSE_ERROR',
      location: { file: OVERLAY_FILE, line: 1, field: 'after' },
      message: /cannot insert 'extra' after 'nowhere': no such cell/,
    });
  });

  test('rejects skipping a cell another cell still needs, at the skip line', () => {
    assert.throws(() => overlay('```sh {name=enroll skip=true}\n```\n'), {
      code: 'PARSE_ERROR',
      location: { file: OVERLAY_FILE, line: 1, field: 'skip' },
      message: /cannot skip 'enroll': cell 'deploy' \(runbooks\/deploy\.md:19\) needs it/,
    });
    // Replacing the needing cell too makes the skip fine, whatever the order.
    const result = overlay(
      '```sh {name=enroll skip=true}\n```\n\n```sh {name=deploy needs=build-image}\ntrue\n```\n',
    );
    assert.deepEqual(names(result), ['build-image', 'deploy', 'report']);
  });

  test('checks needs on the merged runbook, pointing at the overlay line', () => {
    assert.throws(() => overlay('\n\n```sh {name=extra after=build-image needs=[deploy]}\ntrue\n```\n'), {
      code: 'PARSE_ERROR',
      location: { file: OVERLAY_FILE, line: 3, field: 'needs' },
      message: /cell 'extra' needs 'deploy', which comes later/,
    });
    assert.throws(() => overlay('```sh {name=extra needs=[ghost]}\ntrue\n```\n'), {
      location: { file: OVERLAY_FILE, line: 1, field: 'needs' },
      message: /cell 'extra' needs 'ghost', which does not exist/,
    });
  });

  test('rejects front-matter keys other than params (and the ignored id/title/summary)', () => {
    assert.throws(() => overlay('---\nneeds: [machines]\n---\n'), {
      code: 'PARSE_ERROR',
      location: { file: OVERLAY_FILE, line: 2, field: 'needs' },
      message: /unknown front matter key 'needs' in an overlay/,
    });
  });
});
