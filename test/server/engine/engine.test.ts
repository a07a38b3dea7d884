import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { latestSteps } from '../../../server/engine/latest-steps.ts';
import { loadReportData } from '../../../server/report/run-report.ts';
import type { StackbookError } from '../../../server/stackbook-error.ts';
import { engineFixture, markdown, SECRET } from '../../helpers/engine-fixture.ts';
import { processAlive } from '../../../drivers/process-alive.ts';

type Fixture = Awaited<ReturnType<typeof engineFixture>>;

describe('Engine', () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await engineFixture();
  });
  afterEach(() => fx.close());

  const statuses = async (runId: string) =>
    (await fx.store.listSteps(runId)).map((s) => `${s.cell}:${s.status}`);

  it('runs all cells in order, passing typed results between them', async () => {
    const run = await fx.create(
      markdown(
        ['sh {name=a}', 'echo "value=42" >> "$STACKBOOK_OUTPUT"; echo from-a'],
        ['sh {name=b needs=[a]}', 'echo got {{ cells.a.value }} {{ dc.params.greeting }}'],
        ['sh {name=c excludeFromRunAll=true}', 'echo never'],
      ),
    );
    const done = await fx.engine.execute(run.id, { all: true }, 'tester');
    assert.equal(done.status, 'succeeded', 'c is excluded from run-all, so the run is complete without it');
    assert.deepEqual(await statuses(run.id), ['a:succeeded', 'b:succeeded']);
    const output = fx.events
      .filter((e) => e.kind === 'stdout')
      .map((e) => e.data)
      .join('');
    assert.equal(output, 'from-a\ngot 42 hello\n');
    const steps = await fx.store.listSteps(run.id);
    assert.deepEqual(steps[0]!.result, { exit_code: 0, value: '42' });
    assert.deepEqual(
      steps.map((s) => s.seq),
      [1, 2],
    );
    const seqs = fx.events.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((x, y) => x - y),
      'events reach watchers in order',
    );
  });

  it('refuses a cell whose needs have not succeeded, and skips the rest after a failure', async () => {
    const run = await fx.create(
      markdown(['sh {name=a}', 'exit 3'], ['sh {name=b needs=[a]}', 'echo b'], ['sh {name=c}', 'echo c']),
    );
    await assert.rejects(fx.engine.execute(run.id, { cells: ['b'] }, 'tester'), (error: StackbookError) => {
      assert.equal(error.code, 'REFUSED');
      assert.match(error.message, /cell 'b' needs 'a', which has not succeeded in this run \(not run\)/);
      return true;
    });
    const done = await fx.engine.execute(run.id, { all: true }, 'tester');
    assert.equal(done.status, 'failed');
    const steps = await fx.store.listSteps(run.id);
    assert.deepEqual(
      steps.map((s) => `${s.cell}:${s.status}`),
      ['a:failed', 'b:skipped', 'c:skipped'],
    );
    assert.match(steps[0]!.error!.message, /exited with 3/);
    assert.match(steps[1]!.error!.message, /not run: 'a' failed/);
  });

  it('continueOnError goes on after a failure; dependants are skipped with the reason', async () => {
    const run = await fx.create(
      markdown(
        ['sh {name=a continueOnError=true}', 'false'],
        ['sh {name=b needs=[a]}', 'echo b'],
        ['sh {name=c}', 'echo c'],
      ),
    );
    const done = await fx.engine.execute(run.id, { all: true }, 'tester');
    assert.equal(done.status, 'failed');
    const steps = await fx.store.listSteps(run.id);
    assert.deepEqual(
      steps.map((s) => `${s.cell}:${s.status}`),
      ['a:failed', 'b:skipped', 'c:succeeded'],
    );
    assert.match(steps[1]!.error!.message, /needs 'a' \(failed\)/);
  });

  it('a timeout fails the cell and kills its process', async () => {
    const run = await fx.create(markdown(['sh {name=slow timeout=300ms}', 'echo $$ > slow.pid; sleep 30']));
    const started = Date.now();
    const done = await fx.engine.execute(run.id, { all: true }, 'tester');
    assert.ok(Date.now() - started < 5000);
    assert.equal(done.status, 'failed');
    const [step] = await fx.store.listSteps(run.id);
    assert.equal(step!.error!.code, 'TIMEOUT');
    const pid = Number(await readFile(path.join(run.workdir, 'slow.pid'), 'utf8'));
    assert.equal(processAlive(pid), false);
  });

  it('retries a failing cell and records the attempt', async () => {
    const run = await fx.create(
      markdown([
        'sh {name=flaky retries=3}',
        'n=$(cat count 2>/dev/null || echo 0); echo $((n+1)) > count; test $n -ge 2',
      ]),
    );
    await fx.engine.execute(run.id, { all: true }, 'tester');
    const [step] = await fx.store.listSteps(run.id);
    assert.equal(step!.status, 'succeeded');
    assert.equal(step!.attempt, 3);
    const logs = fx.events
      .filter((e) => e.kind === 'log')
      .map((e) => e.data)
      .join('');
    assert.match(logs, /attempt 1 of 4 failed: script exited with 1; retrying/);
  });

  it('cancel kills the whole process tree of the running cell and skips the rest', async () => {
    const run = await fx.create(
      markdown(
        [
          'sh {name=tree}',
          'sleep 300 & echo $! > child.pid; bash -c "sleep 300" & echo $! > grandchild.pid; wait',
        ],
        ['sh {name=after}', 'echo no'],
      ),
    );
    const execution = fx.engine.execute(run.id, { all: true }, 'tester');
    const pidFile = path.join(run.workdir, 'grandchild.pid');
    for (let i = 0; i < 100 && !(await stat(pidFile).catch(() => null)); i++)
      await new Promise((r) => setTimeout(r, 50));
    const pids = await Promise.all(
      ['child.pid', 'grandchild.pid'].map(async (f) =>
        Number(await readFile(path.join(run.workdir, f), 'utf8')),
      ),
    );
    assert.ok(pids.every(processAlive));
    assert.equal(await fx.engine.cancel(run.id, 'alice'), true);
    const done = await execution;
    assert.equal(done.status, 'cancelled');
    assert.deepEqual(await statuses(run.id), ['tree:cancelled', 'after:skipped']);
    await new Promise((r) => setTimeout(r, 100));
    for (const pid of pids) assert.equal(processAlive(pid), false, `pid ${pid} survived the cancel`);
    assert.ok((await fx.store.listAudit(run.id)).some((a) => a.action === 'cancel' && a.who === 'alice'));
  });

  it('a manual cell waits for approval and records who approved with the note', async () => {
    const run = await fx.create(
      markdown(
        ['manual {name=cabling}', '- Cable the machines\n- Set PXE first'],
        ['sh {name=next needs=[cabling]}', 'echo next'],
      ),
    );
    const execution = fx.engine.execute(run.id, { all: true }, 'tester');
    for (let i = 0; i < 100 && (await fx.store.listSteps(run.id))[0]?.status !== 'awaiting-approval'; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal((await fx.store.getRun(run.id))!.status, 'awaiting-approval');
    await assert.rejects(fx.engine.approve(run.id, 'next', 'bob', ''), /not waiting for approval/);
    await fx.engine.approve(run.id, 'cabling', 'bob', 'checked rack 4');
    const done = await execution;
    assert.equal(done.status, 'succeeded');
    const [step] = await fx.store.listSteps(run.id);
    assert.equal(step!.approvedBy, 'bob');
    assert.equal(step!.approvalNote, 'checked rack 4');
    assert.equal((step!.result as { note: string }).note, 'checked rack 4');
    assert.ok((await fx.store.listAudit(run.id)).some((a) => a.action === 'approve' && a.who === 'bob'));
  });

  it('a stop decision leaves the step awaiting approval and the run says so', async () => {
    const local = await engineFixture({
      onApprovalNeeded: async () => ({ action: 'stop', message: 'no terminal' }),
    });
    try {
      const run = await local.create(
        markdown(
          ['sh {name=a}', 'echo a'],
          ['sh {name=wipe confirm=true}', 'echo wiping'],
          ['sh {name=c}', 'echo c'],
        ),
      );
      const done = await local.engine.execute(run.id, { all: true }, 'tester');
      assert.equal(done.status, 'awaiting-approval');
      assert.deepEqual(
        (await local.store.listSteps(run.id)).map((s) => `${s.cell}:${s.status}`),
        ['a:succeeded', 'wipe:awaiting-approval'],
      );
      assert.equal(
        local.events.some((e) => e.data.includes('wiping')),
        false,
      );
    } finally {
      await local.close();
    }
  });

  it('replay reruns a snapshot; resume reuses the recorded results before the cell', async () => {
    const run = await fx.create(
      markdown(
        ['sh {name=build}', 'echo built >> builds.log; echo "path=$PWD/image.qcow2" >> "$STACKBOOK_OUTPUT"'],
        ['sh {name=deploy needs=[build]}', 'test -f fixed; echo deploying {{ cells.build.path }}'],
      ),
    );
    assert.equal((await fx.engine.execute(run.id, { all: true }, 'tester')).status, 'failed');
    await readFile(path.join(run.workdir, 'builds.log'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(run.workdir, 'fixed'), '');

    const resumed = await fx.engine.replay(run.id, { from: 'deploy', by: 'tester' });
    assert.equal(resumed.parent, run.id);
    assert.equal(resumed.sourceSha256, run.sourceSha256);
    assert.deepEqual(resumed.datacentreSnapshot, run.datacentreSnapshot);
    const final = await fx.engine.execute(resumed.id, { from: 'deploy' }, 'tester');
    assert.equal(final.status, 'succeeded');
    const steps = latestSteps(await fx.store.listSteps(resumed.id));
    assert.equal(steps.get('build')!.reusedFrom, run.id);
    assert.equal(steps.get('deploy')!.status, 'succeeded');
    assert.equal(
      await readFile(path.join(run.workdir, 'builds.log'), 'utf8'),
      'built\n',
      'build did not run again',
    );
    assert.ok(
      fx.events.some((e) => e.run === resumed.id && e.data.includes(`deploying ${run.workdir}/image.qcow2`)),
    );

    const replayed = await fx.engine.replay(run.id, { by: 'tester' });
    assert.notEqual(replayed.workdir, run.workdir, 'a full replay starts in a fresh directory');
    await fx.engine.execute(replayed.id, { all: true }, 'tester');
    assert.deepEqual(await statuses(replayed.id), ['build:succeeded', 'deploy:failed']);
  });

  it('a dry run records every plan and executes nothing', async () => {
    const run = await fx.create(
      markdown(
        ['sh {name=touch}', 'touch made-by-touch'],
        ['manual {name=check}', '- look'],
        ['sh {name=uses needs=[touch]}', 'echo {{ cells.touch.exit_code }}'],
      ),
      'dry-run',
    );
    const done = await fx.engine.execute(run.id, { all: true }, 'tester');
    assert.equal(done.status, 'succeeded');
    const steps = await fx.store.listSteps(run.id);
    assert.deepEqual(
      steps.map((s) => s.status),
      ['succeeded', 'succeeded', 'succeeded'],
    );
    const plan = (steps[0]!.result as { plan: { command: string[] }[] }).plan;
    assert.equal(plan[0]!.command[0], 'bash');
    assert.match(JSON.stringify(steps[2]!.result), /<cells\.touch\.exit_code>/);
    assert.equal((await readdir(run.workdir)).includes('made-by-touch'), false);
  });

  it('a missing secret or an unknown template path stops the run before anything runs', async () => {
    await assert.rejects(
      fx.create(markdown(['sh {name=a}', 'echo {{ secrets.NOT_SET_ANYWHERE }}'])),
      (error: StackbookError) => error.code === 'SECRET_MISSING' && /NOT_SET_ANYWHERE/.test(error.message),
    );
    await assert.rejects(
      fx.create(markdown(['sh {name=a}', 'echo ok\necho {{ dc.machines.0.nme }}'])),
      (error: StackbookError) => {
        assert.equal(error.code, 'TEMPLATE_ERROR');
        assert.equal(error.location?.line, 9);
        assert.equal(error.location?.field, 'script line 2');
        return true;
      },
    );
    assert.equal((await fx.store.listRuns()).length, 0);
  });

  it('datacentre values cannot inject commands into sh cells', async () => {
    const run = await fx.create(
      markdown([
        'sh {name=names}',
        'for m in {{ dc.params.labels }}; do echo "[$m]"; done\necho {{ dc.params.labels.1 }}',
      ]),
    );
    await fx.engine.execute(run.id, { all: true }, 'tester');
    assert.deepEqual(
      (await readdir(run.workdir)).filter((f) => f.startsWith('INJECTED')),
      [],
    );
    const output = fx.events
      .filter((e) => e.kind === 'stdout')
      .map((e) => e.data)
      .join('');
    assert.equal(
      output,
      '[rack-1]\n[n2; touch INJECTED]\n[$(touch INJECTED2)]\n[`touch INJECTED3`]\nn2; touch INJECTED\n',
    );
  });

  it('a secret value never reaches the SQLite files, though cells print and return it', async () => {
    const run = await fx.create(
      markdown(
        [
          'sh {name=leaky}',
          'echo "pw={{ secrets.TEST_IPMI_PASSWORD }}"; echo "pw="{{ dc.machines.0.pm_password }} >&2; echo "copy=$STACKBOOK_SECRET_TEST_IPMI_PASSWORD" >> "$STACKBOOK_OUTPUT"',
        ],
        ['sh {name=fails}', 'echo "bad {{ secrets.TEST_IPMI_PASSWORD }}" >&2; exit 1'],
      ),
    );
    await fx.engine.execute(run.id, { all: true }, 'tester');
    const steps = await fx.store.listSteps(run.id);
    assert.equal((steps[0]!.result as Record<string, string>).copy, '********');
    assert.ok(fx.events.some((e) => e.data.includes('pw=********')));
    await fx.store.db.run('PRAGMA wal_checkpoint(PASSIVE)');
    const dbDir = path.dirname(fx.store.file);
    for (const file of (await readdir(dbDir)).filter((name) => name.startsWith('stackbook.db'))) {
      const bytes = await readFile(path.join(dbDir, file));
      assert.equal(bytes.includes(SECRET), false, `${file} holds the secret`);
    }
  });

  it('a chatty cell is recorded in few, large events', async () => {
    const run = await fx.create(markdown(['sh {name=chatty}', 'seq 1 200000']));
    await fx.engine.execute(run.id, { all: true }, 'tester');
    const output = (await fx.store.listEvents(run.id, 0, 100000)).filter((e) => e.kind === 'stdout');
    assert.ok(output.length < 100, `${output.length} events for 200000 lines`);
    const text = output.map((e) => e.data).join('');
    assert.equal(text.split('\n').length - 1, 200000);
    assert.ok(text.endsWith('199999\n200000\n'));
  });
});

describe('recorded output of reused steps', () => {
  it('a resume reads the output of the exact step it reused, not an earlier execution of that cell', async () => {
    const fx = await engineFixture();
    try {
      const run = await fx.create(
        markdown(
          [
            'sh {name=count}',
            'n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; echo "execution $n"',
          ],
          ['sh {name=next needs=[count]}', 'test -f fixed'],
        ),
      );
      await fx.engine.execute(run.id, { cells: ['count'] }, 'tester');
      await fx.engine.execute(run.id, { all: true }, 'tester');
      const resumed = await fx.engine.replay(run.id, { from: 'next', by: 'tester' });
      const data = await loadReportData(fx.store, resumed);
      const reused = data.cells.find((entry) => entry.cell.name === 'count')!.step!;
      assert.equal(reused.reusedFrom, run.id);
      let text = '';
      for await (const event of data.output(reused)) text += event.data;
      assert.equal(text, 'execution 2\n');
    } finally {
      await fx.close();
    }
  });
});

describe('executing again after the final status', () => {
  it('a cell executed the moment the run-level status is published waits for the run to be let go, not 409', async () => {
    const target: { engine?: Fixture['engine']; run?: string } = {};
    const next: Promise<unknown>[] = [];
    const fx = await engineFixture({
      // A viewer that executes the next cell as soon as it sees the final status: here, in the same tick.
      onEvents: (batch) => {
        const closing = batch.some(
          (e) => e.kind === 'status' && e.step === null && e.data.includes('"pending"'),
        );
        if (closing && next.length < 3)
          next.push(target.engine!.execute(target.run!, { cells: ['b'] }, 'tester'));
      },
    });
    target.engine = fx.engine;
    try {
      const run = await fx.create(markdown(['sh {name=a}', 'true'], ['sh {name=b}', 'true']));
      target.run = run.id;
      const first = await fx.engine.execute(run.id, { cells: ['a'] }, 'tester');
      assert.equal(first.status, 'pending');
      assert.equal(next.length, 1);
      const second = (await next[0]) as { status: string };
      assert.equal(second.status, 'succeeded', 'the execution started right after was not refused');
      assert.deepEqual(
        (await fx.store.listSteps(run.id)).map((s) => `${s.cell}:${s.status}`),
        ['a:succeeded', 'b:succeeded'],
      );
      const stored = await fx.store.getRun(run.id);
      assert.equal(stored!.status, 'succeeded');
    } finally {
      await fx.close();
    }
  });

  it('answers the final record as stored', async () => {
    const fx = await engineFixture();
    try {
      const run = await fx.create(markdown(['sh {name=a}', 'true'], ['sh {name=b}', 'exit 1']));
      for (const cells of [['a'], ['b']]) {
        const done = await fx.engine.execute(run.id, { cells }, 'tester');
        assert.deepEqual(done, await fx.store.getRun(run.id));
      }
    } finally {
      await fx.close();
    }
  });
  it("a step's final status event is published once its row says so too", async () => {
    const reads: Promise<string>[] = [];
    const target: { store?: Fixture['store'] } = {};
    const fx = await engineFixture({
      // A viewer reading the step as soon as it sees its final status event.
      onEvents: (batch) => {
        for (const event of batch) {
          const { cell, status } = JSON.parse(event.data) as { cell?: string; status?: string };
          if (event.kind !== 'status' || !cell || status === 'running') continue;
          reads.push(
            target.store!.listSteps(event.run).then((steps) => {
              const step = steps.find((s) => s.seq === event.step)!;
              return `${cell}:${status} row ${step.status} ${step.finishedAt ? 'finished' : 'open'}`;
            }),
          );
        }
      },
    });
    target.store = fx.store;
    try {
      const run = await fx.create(
        markdown(['sh {name=a}', 'true'], ['sh {name=b}', 'exit 2'], ['sh {name=c}', 'true']),
      );
      await fx.engine.execute(run.id, { all: true }, 'tester');
      assert.deepEqual(await Promise.all(reads), [
        'a:succeeded row succeeded finished',
        'b:failed row failed finished',
        'c:skipped row skipped finished',
      ]);
    } finally {
      await fx.close();
    }
  });
});
