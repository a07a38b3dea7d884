import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { diffRuns } from '../../../server/report/run-diff.ts';
import { engineFixture, markdown } from '../../helpers/engine-fixture.ts';

type Fixture = Awaited<ReturnType<typeof engineFixture>>;

const RUNBOOK = markdown(
  ['sh {name=stable}', 'echo "run $STACKBOOK_RUN at $(date -Iseconds) in $PWD, took 0.12 s"; echo fixed'],
  ['sh {name=changing needs=[stable]}', 'echo before; echo changing-$RANDOM$RANDOM; echo after'],
  ['sh {name=greets}', 'echo greeting {{ dc.params.greeting }}; test {{ dc.params.greeting }} = bye'],
);

describe('diffRuns', () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await engineFixture();
  });
  afterEach(() => fx.close());

  /** Run a on the fixture's datacentre; run b on a snapshot whose greeting is 'bye'. */
  async function twoRuns() {
    const a = await fx.create(RUNBOOK);
    const { profile } = fx.datacentre;
    const b = await fx.engine.createRun({
      runbook: fx.runbook(RUNBOOK),
      datacentre: {
        ...fx.datacentre,
        profile: { ...profile, params: { ...profile.params, greeting: 'bye' } },
      },
      by: 'tester',
    });
    await fx.engine.execute(a.id, { all: true }, 'tester');
    await fx.engine.execute(b.id, { all: true }, 'tester');
    return { a: await fx.engine.getRun(a.id), b: await fx.engine.getRun(b.id) };
  }

  it('compares normalised outputs, statuses and params cell by cell', async () => {
    const { a, b } = await twoRuns();
    assert.equal(a.status, 'failed');
    assert.equal(b.status, 'succeeded');
    const diff = await diffRuns(fx.store, a, b);
    assert.equal(diff.runs.a.id, a.id);
    assert.equal(diff.runs.b.id, b.id);
    assert.equal(diff.source_changed, false);
    assert.deepEqual(
      diff.cells.map((cell) => cell.cell),
      ['stable', 'changing', 'greets'],
    );
    const [stable, changing, greets] = diff.cells;

    // Run id, timestamp, workdir and duration differ between the runs, and are masked.
    assert.deepEqual(stable!.output, { same: true, diff: [] });
    assert.equal(stable!.status_changed, false);
    assert.equal(stable!.result_changed, false);
    assert.equal(stable!.driver, 'sh');
    assert.equal(stable!.a!.status, 'succeeded');
    assert.equal(typeof stable!.a!.duration_ms, 'number');
    assert.equal(typeof stable!.duration_changed_ms, 'number');

    assert.equal(changing!.output.same, false);
    assert.equal(changing!.output.diff[0], '@@ -1,3 +1,3 @@');
    assert.equal(changing!.output.diff[1], ' before');
    assert.match(changing!.output.diff[2]!, /^-changing-\d+$/);
    assert.match(changing!.output.diff[3]!, /^\+changing-\d+$/);
    assert.equal(changing!.output.diff[4], ' after');
    assert.equal(changing!.status_changed, false);

    assert.equal(greets!.status_changed, true);
    assert.equal(greets!.a!.status, 'failed');
    assert.equal(greets!.a!.error!.code, 'EXEC_FAILED');
    assert.equal(greets!.b!.status, 'succeeded');
    assert.equal(greets!.result_changed, true);
    assert.deepEqual(greets!.output.diff, ['@@ -1,1 +1,1 @@', '-greeting hello', '+greeting bye']);

    assert.deepEqual(diff.params, [{ path: 'dc.params.greeting', change: 'changed', a: 'hello', b: 'bye' }]);
  });

  it('reads a reused step’s output from the run it was recorded in', async () => {
    const { a } = await twoRuns();
    const resumed = await fx.engine.replay(a.id, { from: 'greets', by: 'tester' });
    await fx.engine.execute(resumed.id, { from: 'greets' }, 'tester');
    const diff = await diffRuns(fx.store, a, await fx.engine.getRun(resumed.id));
    const [stable, changing] = diff.cells;
    assert.equal(stable!.b!.reused_from, a.id);
    assert.deepEqual(stable!.output, { same: true, diff: [] });
    assert.deepEqual(changing!.output, { same: true, diff: [] }, 'the very same output, not re-run');
    assert.deepEqual(diff.params, []);
  });

  it('lists cells only in b after a’s, and compares params and secret references', async () => {
    const a = await fx.create(markdown(['sh {name=one}', 'echo 1']));
    const withParams = markdown(['sh {name=one}', 'echo 1'], ['sh {name=two}', 'echo 2']).replace(
      'title: Test\n',
      'title: Test\nparams:\n  size: 2\n',
    );
    const b = await fx.create(withParams);
    // A secret reference renamed in b's recorded snapshot (after it ran: that secret has no value here).
    const { profile } = fx.datacentre;
    const machines = profile.machines.map((machine, i) =>
      i === 0 ? { ...machine, pm_password: { secret: 'OTHER_PASSWORD' } } : machine,
    );
    await fx.engine.execute(a.id, { all: true }, 'tester');
    await fx.engine.execute(b.id, { cells: ['two'] }, 'tester');
    await fx.store.updateRun(b.id, { datacentreSnapshot: { ...profile, machines } });
    const diff = await diffRuns(fx.store, (await fx.store.getRun(a.id))!, (await fx.store.getRun(b.id))!);
    assert.equal(diff.source_changed, true);
    assert.deepEqual(
      diff.cells.map((cell) => [cell.cell, cell.a?.status ?? null, cell.b?.status ?? null]),
      [
        ['one', 'succeeded', null],
        ['two', null, 'succeeded'],
      ],
    );
    assert.equal(diff.cells[0]!.status_changed, true);
    assert.equal(diff.cells[0]!.duration_changed_ms, null);
    assert.deepEqual(diff.cells[0]!.output.diff, ['@@ -1,1 +0,0 @@', '-1']);
    assert.deepEqual(diff.cells[1]!.output.diff, ['@@ -0,0 +1,1 @@', '+2']);
    assert.deepEqual(diff.params, [
      { path: 'run.params.size', change: 'added', a: null, b: 2 },
      {
        path: 'dc.machines.0.pm_password',
        change: 'changed',
        a: { secret: 'TEST_IPMI_PASSWORD' },
        b: { secret: 'OTHER_PASSWORD' },
      },
    ]);
  });

  it('diffs only the last 5,000 lines of long outputs, numbering hunks by the real lines', async () => {
    const runbook = markdown(['sh {name=long}', 'seq 1 6000; echo changing-$RANDOM$RANDOM']);
    const [a, b] = [await fx.create(runbook), await fx.create(runbook)];
    await fx.engine.execute(a.id, { all: true }, 'tester');
    await fx.engine.execute(b.id, { all: true }, 'tester');
    const diff = await diffRuns(fx.store, a, b);
    const { output } = diff.cells[0]!;
    assert.equal(output.same, false);
    assert.equal(output.diff[0], '… compared the last 5000 lines of each side only (a has 6001, b has 6001)');
    assert.equal(output.diff[1], '@@ -5998,4 +5998,4 @@');
    assert.deepEqual(output.diff.slice(2, 5), [' 5998', ' 5999', ' 6000'], 'seq prints no durations');
    assert.equal(output.diff.length, 7);
  });
});
