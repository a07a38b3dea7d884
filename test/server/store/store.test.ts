import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunRecord } from '../../../server/store/records.ts';
import { Store } from '../../../server/store/store.ts';

function runRecord(id: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    runbook: 'rb',
    title: 'Runbook',
    sourceSha256: 'abc',
    effective: { id: 'rb', title: 'Runbook', summary: '', needs: [], params: {}, blocks: [], sources: [] },
    datacentre: 'lab',
    datacentreDir: '/dc/lab',
    datacentreSnapshot: { machines: [] },
    mode: 'live',
    status: 'pending',
    parent: null,
    resumedFrom: null,
    startedBy: 'tester',
    workdir: '/tmp/w',
    owner: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

describe('Store', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-store-'));
    store = await Store.open(path.join(dir, 'nested', 'stackbook.db'));
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uses WAL and applies the numbered migrations once', async () => {
    const migrations = (await readdir(new URL('../../../server/store/migrations/', import.meta.url))).filter(
      (f) => f.endsWith('.sql'),
    );
    assert.ok(migrations.length >= 2);
    assert.equal((await store.db.get<{ journal_mode: string }>('PRAGMA journal_mode'))?.journal_mode, 'wal');
    assert.equal(
      (await store.db.get<{ user_version: number }>('PRAGMA user_version'))?.user_version,
      migrations.length,
    );
    const again = await Store.open(store.file);
    assert.equal(
      (await again.db.get<{ user_version: number }>('PRAGMA user_version'))?.user_version,
      migrations.length,
    );
    await again.close();
  });

  it('round-trips runs, filters them and finds ids by prefix', async () => {
    await store.insertRun(runRecord('01AAA'));
    await store.insertRun(runRecord('01AAB', { datacentre: 'prod', parent: '01AAA' }));
    await store.updateRun('01AAA', { status: 'succeeded', finishedAt: '2026-01-01T00:01:00.000Z' });
    const first = await store.getRun('01AAA');
    assert.equal(first?.status, 'succeeded');
    assert.deepEqual(first?.datacentreSnapshot, { machines: [] });
    assert.deepEqual(
      (await store.listRuns()).map((run) => run.id),
      ['01AAB', '01AAA'],
    );
    assert.deepEqual(
      (await store.listRuns({ datacentre: 'prod' })).map((run) => run.parent),
      ['01AAA'],
    );
    assert.deepEqual(await store.findRunId('01aa'), ['01AAA', '01AAB']);
    assert.deepEqual(await store.findRunId('01AAB'), ['01AAB']);
  });

  it('appends events in batches and pages through them in order', async () => {
    const events = Array.from({ length: 2500 }, (_, i) => ({
      run: '01AAA',
      seq: i + 1,
      step: 1,
      ts: 't',
      kind: 'stdout' as const,
      data: `line ${i}\n`,
      lines: 1,
    }));
    await store.appendEvents(events);
    assert.equal(await store.maxEventSeq('01AAA'), 2500);
    const page = await store.listEvents('01AAA', 2000, 1000);
    assert.equal(page.length, 500);
    assert.equal(page[0]!.seq, 2001);
    assert.equal(
      (await store.listStepEvents('01AAA', 1, 0, 3)).map((e) => e.data).join(''),
      'line 0\nline 1\nline 2\n',
    );
    await assert.rejects(store.appendEvents([{ ...events[0]!, data: 'dup' }]), /UNIQUE/);
    assert.equal(await store.maxEventSeq('01AAA'), 2500, 'a failed batch writes nothing');
  });

  it('records the audit trail', async () => {
    await store.audit({
      ts: 't',
      who: 'alice',
      action: 'approve',
      run: '01AAA',
      cell: 'c',
      detail: { note: 'ok' },
    });
    const [entry] = await store.listAudit('01AAA');
    assert.equal(entry?.who, 'alice');
    assert.deepEqual(entry?.detail, { note: 'ok' });
  });
});

describe('Store.open', () => {
  it('two processes opening a new store at once apply each migration once', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-store-race-'));
    try {
      const file = path.join(dir, 'stackbook.db');
      // Every process waits for the same moment, so they really open the new store together.
      const at = Date.now() + 3000;
      const script = `import { Store } from ${JSON.stringify(new URL('../../../server/store/store.ts', import.meta.url).href)};
        await new Promise((resolve) => setTimeout(resolve, ${at} - Date.now()));
        const store = await Store.open(${JSON.stringify(file)}); await store.close();`;
      const { spawn } = await import('node:child_process');
      const runs = Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        return new Promise<{ code: number | null; stderr: string }>((resolve) =>
          child.on('close', (code) => resolve({ code, stderr })),
        );
      });
      for (const result of await Promise.all(runs)) assert.equal(result.code, 0, result.stderr);
      const store = await Store.open(file);
      assert.equal((await store.listRuns()).length, 0);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
