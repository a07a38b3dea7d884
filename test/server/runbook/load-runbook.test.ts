import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listRunbooks, loadRunbook } from '../../../server/runbook/load-runbook.ts';
import { cellsOf } from '../../../server/runbook/types.ts';
import { testDrivers } from '../../helpers/test-drivers.ts';

const drivers = testDrivers;

describe('loadRunbook and listRunbooks', () => {
  let root: string;
  let runbooksDir: string;
  let datacentreDir: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'stackbook-load-runbook-'));
    runbooksDir = join(root, 'runbooks');
    datacentreDir = join(root, 'datacentres/lab');
    await mkdir(join(datacentreDir, 'runbooks'), { recursive: true });
    await mkdir(runbooksDir);
    const files: Record<string, string> = {
      'runbooks/seed.md':
        '---\nsummary: Seed VM\nparams: {size: 2}\n---\n# Seed\n\n```sh {name=a}\ntrue\n```\n',
      'runbooks/old-name.md':
        '---\nid: renamed\ntitle: Renamed\n---\n```sh {name=x}\n```\n\n```sh {name=y}\n```\n',
      'runbooks/broken.md': '```nope {name=x}\n```\n',
      'runbooks/notes.txt': 'not a runbook',
      'datacentres/lab/runbooks/seed.md': '---\nparams: {size: 4}\n---\n```sh {name=b after=a}\nfalse\n```\n',
    };
    for (const [path, text] of Object.entries(files)) await writeFile(join(root, path), text);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('loads a runbook by id, without a datacentre', async () => {
    const runbook = await loadRunbook('seed', { runbooksDir, drivers });
    assert.equal(runbook.title, 'Seed');
    assert.deepEqual(
      cellsOf(runbook).map((cell) => cell.name),
      ['a'],
    );
    assert.deepEqual(
      runbook.sources.map((source) => source.file),
      [join(runbooksDir, 'seed.md')],
    );
  });

  test("applies the datacentre's overlay for the runbook id", async () => {
    const runbook = await loadRunbook('seed', { runbooksDir, datacentreDir, drivers });
    assert.deepEqual(
      cellsOf(runbook).map((cell) => [cell.name, cell.provenance.source]),
      [
        ['a', 'base'],
        ['b', 'overlay'],
      ],
    );
    assert.deepEqual(runbook.params, { size: 4 });
    assert.equal(runbook.sources[1]?.file, join(datacentreDir, 'runbooks/seed.md'));
  });

  test('finds a runbook by its front-matter id, or by path', async () => {
    const byId = await loadRunbook('renamed', { runbooksDir, datacentreDir, drivers });
    assert.equal(byId.title, 'Renamed');
    assert.equal(byId.sources[0]?.file, join(runbooksDir, 'old-name.md'));
    const byPath = await loadRunbook(join(runbooksDir, 'seed.md'), { runbooksDir: '/nowhere', drivers });
    assert.equal(byPath.id, 'seed');
  });

  test('answers NOT_FOUND listing the available ids', async () => {
    await assert.rejects(loadRunbook('missing', { runbooksDir, drivers }), {
      code: 'NOT_FOUND',
      message: /no runbook 'missing' in .* \(available: broken, renamed, seed\)/,
    });
    await assert.rejects(loadRunbook(join(root, 'nope.md'), { runbooksDir, drivers }), { code: 'NOT_FOUND' });
  });

  test('passes parse errors through', async () => {
    await assert.rejects(loadRunbook('broken', { runbooksDir, drivers }), {
      code: 'PARSE_ERROR',
      location: { file: join(runbooksDir, 'broken.md'), line: 1, field: 'driver' },
    });
  });

  test('lists runbooks sorted by id, reporting broken ones instead of throwing', async () => {
    const list = await listRunbooks(runbooksDir, drivers);
    assert.deepEqual(
      list.map(({ id, title, summary, cells }) => [id, title, summary, cells]),
      [
        ['broken', 'broken', '', 0],
        ['renamed', 'Renamed', '', 2],
        ['seed', 'Seed', 'Seed VM', 1],
      ],
    );
    assert.match(list[0]?.error ?? '', /broken\.md:1: driver: unknown driver 'nope'/);
    assert.equal(list[1]?.error, undefined);
    assert.equal(list[2]?.file, join(runbooksDir, 'seed.md'));
    await assert.rejects(listRunbooks(join(root, 'absent'), drivers), { code: 'NOT_FOUND' });
  });
});
