import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiSandbox } from '../../helpers/api.ts';

type Sandbox = Awaited<ReturnType<typeof apiSandbox>>;
const RUNBOOKS: Record<string, string> = {
  'two-cells':
    '# Two\n\n```sh {name=first}\necho one\n```\n\n```sh {name=second needs=[first]}\necho two\n```\n',
  slow: '# Slow\n\n```sh {name=sleeper}\necho started; sleep 30\n```\n\n```sh {name=after}\necho after\n```\n',
  check:
    '# Check\n\n```manual {name=look}\n- look at rack 4\n```\n\n```sh {name=then needs=[look]}\necho then\n```\n',
  flaky:
    '# Flaky\n\n```sh {name=prepare}\necho "value=7" >> "$STACKBOOK_OUTPUT"\n```\n\n```sh {name=use needs=[prepare]}\ntest -f "$STACKBOOK_WORKDIR/fixed" && echo got {{ cells.prepare.value }}\n```\n',
  chain: [
    '# Chain',
    '```sh {name=a}\necho ran-a\n```',
    '```sh {name=b needs=[a]}\necho ran-b\n```',
    '```sh {name=c needs=[b]}\necho ran-c\n```',
    '```sh {name=d excludeFromRunAll=true}\necho ran-d\n```',
    '```sh {name=e needs=[a]}\necho ran-e\n```',
  ].join('\n\n'),
  guarded: [
    '# Guarded',
    '```sh {name=prepare}\necho prepared\n```',
    '```sh {name=wipe needs=[prepare] confirm=true}\necho wiped\n```',
    '```sh {name=after}\necho after\n```',
  ].join('\n\n'),
};

type EventView = { seq: number; cell: string | null; kind: string; data: string };

describe('runs API', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await apiSandbox({ runbooks: RUNBOOKS });
  });
  after(() => sb.close());

  const create = async (runbook: string) => {
    const created = await sb.call(
      'POST',
      '/api/runs',
      { runbook, datacentre: 'example' },
      { 'x-stackbook-user': 'alice' },
    );
    assert.equal(created.status, 201, created.text);
    return created.json.id as string;
  };

  it('creates, executes all and records a run; lists and pages its events', async () => {
    const id = await create('two-cells');
    const started = await sb.call('POST', `/api/runs/${id}/execute`);
    assert.equal(started.status, 202, started.text);
    const done = await sb.settle(id);
    assert.equal(done.status, 'succeeded');
    assert.deepEqual(
      done.steps.map((s) => `${s.cell}:${s.status}`),
      ['first:succeeded', 'second:succeeded'],
    );
    const listed = await sb.call('GET', '/api/runs?runbook=two-cells');
    assert.deepEqual(
      (listed.json as unknown as { id: string; started_by: string }[]).map((r) => [r.id, r.started_by]),
      [[id, 'alice']],
    );
    const all = (await sb.call('GET', `/api/runs/${id}/events`)).json as unknown as {
      seq: number;
      cell: string | null;
      kind: string;
      data: string;
    }[];
    assert.deepEqual(
      all.map((e) => e.seq),
      all.map((_, i) => i + 1),
    );
    assert.ok(all.some((e) => e.cell === 'second' && e.kind === 'stdout' && e.data === 'two\n'));
    const page = (await sb.call('GET', `/api/runs/${id}/events?after=2&limit=2`)).json as unknown as {
      seq: number;
    }[];
    assert.deepEqual(
      page.map((e) => e.seq),
      [3, 4],
    );
    assert.equal((await sb.call('GET', `/api/runs/${id}/events?limit=0`)).status, 400);
  });

  it('executes one cell; refuses one whose needs have not succeeded (409) and unknown cells (404)', async () => {
    const id = await create('two-cells');
    const refused = await sb.call('POST', `/api/runs/${id}/cells/second/execute`);
    assert.equal(refused.status, 409);
    assert.equal(refused.json.code, 'REFUSED');
    assert.match(refused.json.message as string, /needs 'first'/);
    assert.equal((await sb.call('POST', `/api/runs/${id}/cells/first/execute`)).status, 202);
    assert.equal((await sb.settle(id)).status, 'pending', 'one of two cells ran');
    assert.equal((await sb.call('POST', `/api/runs/${id}/cells/second/execute`)).status, 202);
    assert.equal((await sb.settle(id)).status, 'succeeded');
    const missing = await sb.call('POST', `/api/runs/${id}/cells/nope/execute`);
    assert.equal(missing.status, 404);
    assert.match(missing.json.message as string, /no cell 'nope' \(cells: first, second\)/);
  });

  it('answers 409 to a second execute while one runs, and cancels the running one', async () => {
    const id = await create('slow');
    assert.equal((await sb.call('POST', `/api/runs/${id}/execute`)).status, 202);
    const second = await sb.call('POST', `/api/runs/${id}/cells/sleeper/execute`);
    assert.equal(second.status, 409);
    assert.equal(second.json.code, 'CONFLICT');
    await sb.waitForStep(id, 'sleeper', 'running');
    const cancelled = await sb.call('POST', `/api/runs/${id}/cancel`, undefined, {
      'x-stackbook-user': 'bob',
    });
    assert.equal(cancelled.status, 202);
    const done = await sb.settle(id);
    assert.equal(done.status, 'cancelled');
    assert.deepEqual(
      done.steps.map((s) => `${s.cell}:${s.status}`),
      ['sleeper:cancelled', 'after:skipped'],
    );
    assert.equal((await sb.call('POST', `/api/runs/${id}/cancel`)).status, 409, 'nothing to cancel now');
    assert.ok((await sb.store.listAudit(id)).some((a) => a.action === 'cancel' && a.who === 'bob'));
  });

  it('approves a waiting manual step with a note, recording who', async () => {
    const id = await create('check');
    assert.equal((await sb.call('POST', `/api/runs/${id}/execute`, {})).status, 202);
    await sb.waitForStep(id, 'look', 'awaiting-approval');
    assert.equal((await sb.call('GET', `/api/runs/${id}`)).json.status, 'awaiting-approval');
    const early = await sb.call('POST', `/api/runs/${id}/cells/then/approve`, { note: 'x' });
    assert.equal(early.status, 409);
    const noNote = await sb.call('POST', `/api/runs/${id}/cells/look/approve`, {});
    assert.equal(noNote.status, 400);
    assert.match(noNote.json.message as string, /note/);
    const approved = await sb.call(
      'POST',
      `/api/runs/${id}/cells/look/approve`,
      { note: 'rack 4 fine' },
      { 'x-stackbook-user': 'carol' },
    );
    assert.equal(approved.status, 200, approved.text);
    const done = await sb.settle(id);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.steps[0]!.approved_by, 'carol');
    const audit = await sb.store.listAudit(id);
    assert.deepEqual(
      audit.map((a) => `${a.action}:${a.who}`),
      ['create:alice', 'execute:api', 'approve:carol'],
    );
  });

  it('replays a run and resumes one from a cell, reusing the results before it', async () => {
    const id = await create('flaky');
    await sb.call('POST', `/api/runs/${id}/execute`);
    const failed = await sb.settle(id);
    assert.equal(failed.status, 'failed');
    const run = await sb.app.services.engine.getRun(id);
    await writeFile(path.join(run.workdir, 'fixed'), '');
    const resumed = await sb.call('POST', `/api/runs/${id}/replay`, { from: 'use' });
    assert.equal(resumed.status, 201, resumed.text);
    assert.equal(resumed.json.parent, id);
    const done = await sb.settle(resumed.json.id as string);
    assert.equal(done.status, 'succeeded');
    assert.deepEqual(
      done.steps.map((s) => [s.cell, s.status, s.reused_from]),
      [
        ['prepare', 'succeeded', id],
        ['use', 'succeeded', null],
      ],
    );
    const events = (await sb.call('GET', `/api/runs/${resumed.json.id}/events`)).json as unknown as {
      data: string;
    }[];
    assert.ok(events.some((e) => e.data === 'got 7\n'));
    const replay = await sb.call('POST', `/api/runs/${id}/replay`, { start: false });
    assert.equal(replay.status, 201);
    assert.equal(replay.json.status, 'pending');
    assert.equal((await sb.call('POST', `/api/runs/${id}/replay`, { from: 'nope' })).status, 404);
  });

  it('refuses a resume whose needs the parent did not meet, recording no run', async () => {
    const id = await create('chain');
    await sb.call('POST', `/api/runs/${id}/cells/a/execute`);
    await sb.settle(id);
    const before = (await sb.store.listRuns({})).length;
    const refused = await sb.call('POST', `/api/runs/${id}/replay`, { from: 'c' });
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.text, /needs 'b'/);
    assert.equal((await sb.store.listRuns({})).length, before, 'no pending run is left behind');
  });

  it('runs from a cell: that cell and the ones after it, honouring needs', async () => {
    const id = await create('chain');
    const output = async () =>
      ((await sb.call('GET', `/api/runs/${id}/events?limit=10000`)).json as unknown as EventView[])
        .filter((e) => e.kind === 'stdout')
        .map((e) => `${e.cell}:${e.data.trim()}`);
    // b needs a, which has not run: refused before anything runs.
    const refused = await sb.call('POST', `/api/runs/${id}/execute`, { from: 'b' });
    assert.equal(refused.status, 409);
    assert.equal(refused.json.code, 'REFUSED');
    assert.match(refused.json.message as string, /cell 'b' needs 'a'/);
    assert.deepEqual(await sb.store.listSteps(id), []);
    // From a cell whose needs come later in the selection is fine: c needs b, which runs first.
    assert.equal((await sb.call('POST', `/api/runs/${id}/cells/a/execute`)).status, 202);
    assert.equal((await sb.settle(id)).status, 'pending');

    const started = await sb.call('POST', `/api/runs/${id}/execute`, { from: 'b' });
    assert.equal(started.status, 202, started.text);
    const done = await sb.settle(id);
    assert.equal(done.status, 'succeeded', 'every cell not excluded from run-all has succeeded');
    assert.deepEqual(
      done.steps.map((s) => `${s.cell}:${s.status}`),
      ['a:succeeded', 'b:succeeded', 'c:succeeded', 'e:succeeded'],
      'a ran once, before; d is excluded from run-all',
    );
    assert.deepEqual(await output(), ['a:ran-a', 'b:ran-b', 'c:ran-c', 'e:ran-e']);
    const audit = await sb.store.listAudit(id);
    assert.deepEqual(
      audit.filter((a) => a.action === 'execute').map((a) => a.detail),
      [{ cells: ['a'] }, { from: 'b' }],
    );

    // From an excluded cell runs it (it was asked for by name) and the cells after it.
    assert.equal((await sb.call('POST', `/api/runs/${id}/execute`, { from: 'd' })).status, 202);
    assert.deepEqual(
      (await sb.settle(id)).steps.slice(4).map((s) => `${s.cell}:${s.status}`),
      ['d:succeeded', 'e:succeeded'],
    );
    assert.deepEqual((await output()).slice(4), ['d:ran-d', 'e:ran-e']);
    const unknown = await sb.call('POST', `/api/runs/${id}/execute`, { from: 'nope' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.message as string, /no cell 'nope' \(cells: a, b, c, d, e\)/);
  });

  it('holds a confirm cell as awaiting approval before it runs, and runs it once approved', async () => {
    const id = await create('guarded');
    assert.equal((await sb.call('POST', `/api/runs/${id}/execute`)).status, 202);
    await sb.waitForStep(id, 'wipe', 'awaiting-approval');
    const waiting = await sb.call('GET', `/api/runs/${id}`);
    assert.equal(waiting.json.status, 'awaiting-approval');
    assert.deepEqual(
      (waiting.json.steps as { cell: string; status: string }[]).map((s) => `${s.cell}:${s.status}`),
      ['prepare:succeeded', 'wipe:awaiting-approval'],
    );
    const events = async () =>
      (await sb.call('GET', `/api/runs/${id}/events?limit=10000`)).json as unknown as EventView[];
    const before = await events();
    const asked = before.find((e) => e.cell === 'wipe' && e.data.includes('awaiting-approval'));
    assert.deepEqual(JSON.parse(asked!.data), {
      cell: 'wipe',
      status: 'awaiting-approval',
      reason: 'confirm',
      prompt: "Run cell 'wipe' (sh)?",
    });
    assert.ok(!before.some((e) => e.data.includes('wiped')), 'nothing ran before the approval');

    // Approving a cell the run does not have is a 404, like executing one; one not waiting is a 409.
    const unknown = await sb.call('POST', `/api/runs/${id}/cells/nope/approve`, { note: 'x' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, 'NOT_FOUND');
    assert.match(unknown.json.message as string, /no cell 'nope' \(cells: prepare, wipe, after\)/);
    assert.equal((await sb.call('POST', `/api/runs/${id}/cells/after/approve`, { note: 'x' })).status, 409);
    const unknownRun = await sb.call('POST', '/api/runs/01ZZZZZZZZZZZZZZZZZZZZZZZZ/cells/wipe/approve', {
      note: 'x',
    });
    assert.equal(unknownRun.status, 404);

    const approved = await sb.call(
      'POST',
      `/api/runs/${id}/cells/wipe/approve`,
      { note: 'backups checked' },
      { 'x-stackbook-user': 'dave' },
    );
    assert.equal(approved.status, 200, approved.text);
    assert.deepEqual(approved.json, { id, cell: 'wipe', approved_by: 'dave' });
    const done = await sb.settle(id);
    assert.equal(done.status, 'succeeded');
    const wipe = (await sb.store.listSteps(id)).find((s) => s.cell === 'wipe')!;
    assert.equal(wipe.approvedBy, 'dave');
    assert.equal(wipe.approvalNote, 'backups checked');
    const after = await events();
    const approval = after.find((e) => e.cell === 'wipe' && e.data.includes('"approved_by":"dave"'))!;
    const wiped = after.find((e) => e.cell === 'wipe' && e.kind === 'stdout')!;
    assert.equal(wiped.data, 'wiped\n');
    assert.ok(asked!.seq < approval.seq && approval.seq < wiped.seq, 'asked, approved, then ran');
    assert.ok(
      (await sb.store.listAudit(id)).some(
        (a) => a.action === 'approve' && a.who === 'dave' && a.cell === 'wipe',
      ),
    );
  });

  it('answers bad requests with the one error shape and the right status', async () => {
    const shape = (response: { json: Record<string, unknown> }) =>
      assert.deepEqual(Object.keys(response.json).sort(), ['code', 'details', 'message']);
    const malformed = await sb.call('POST', '/api/runs', '{"runbook": ');
    assert.equal(malformed.status, 400);
    shape(malformed);
    const unknownField = await sb.call('POST', '/api/runs', {
      runbook: 'two-cells',
      datacentre: 'example',
      colour: 'red',
    });
    assert.equal(unknownField.status, 400);
    assert.match(unknownField.json.message as string, /colour: unknown field 'colour'/);
    const unknownRunbook = await sb.call('POST', '/api/runs', { runbook: 'nope', datacentre: 'example' });
    assert.equal(unknownRunbook.status, 404);
    shape(unknownRunbook);
    const unknownRun = await sb.call('GET', '/api/runs/01ZZZZZZZZZZZZZZZZZZZZZZZZ');
    assert.equal(unknownRun.status, 404);
    assert.equal(unknownRun.json.code, 'NOT_FOUND');
    const oversized = await sb.call('POST', '/api/runs', {
      runbook: 'x'.repeat(2 * 1024 * 1024),
      datacentre: 'example',
    });
    assert.equal(oversized.status, 413);
    shape(oversized);
    const route = await sb.call('GET', '/api/nothing-here');
    assert.equal(route.status, 404);
    shape(route);
    await writeFile(
      path.join(sb.runbooks, 'broken.md'),
      '# Broken\n\n```sh {name=a needs=[ghost]}\necho\n```\n',
    );
    const broken = await sb.call('POST', '/api/runs', { runbook: 'broken', datacentre: 'example' });
    assert.equal(broken.status, 422);
    assert.match(broken.json.message as string, /broken\.md:3: needs/);
  });

  it('documents every route in /api/openapi.json', async () => {
    const doc = await sb.call('GET', '/api/openapi.json');
    assert.equal(doc.status, 200);
    const paths = Object.keys((doc.json as unknown as { paths: Record<string, unknown> }).paths);
    for (const expected of [
      '/api/runs',
      '/api/runs/{id}',
      '/api/runs/{id}/execute',
      '/api/runs/{id}/cells/{name}/execute',
      '/api/runs/{id}/cancel',
      '/api/runs/{id}/cells/{name}/approve',
      '/api/runs/{id}/replay',
      '/api/runs/{id}/events',
      '/api/runs/{id}/stream',
      '/api/leases',
    ]) {
      assert.ok(paths.includes(expected), `${expected} missing from the OpenAPI document`);
    }
  });
});

describe('API access', () => {
  it('requires the bearer token on every API call when one is set', async () => {
    const sb = await apiSandbox({ token: 's3cret-token' });
    try {
      const without = await sb.call('GET', '/api/runs');
      assert.equal(without.status, 401);
      assert.equal(without.json.code, 'UNAUTHORIZED');
      assert.equal(
        (await sb.call('GET', '/api/runs', undefined, { authorization: 'Bearer wrong' })).status,
        401,
      );
      assert.equal(
        (await sb.call('GET', '/api/runs', undefined, { authorization: 'Bearer s3cret-token' })).status,
        200,
      );
    } finally {
      await sb.close();
    }
  });
});
