import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engineFixture, markdown } from '../../helpers/engine-fixture.ts';

const RUNBOOK = markdown(
  ['sh {name=first}', 'echo first'],
  ['sh {name=second needs=[first]}', 'echo second'],
);

describe('Engine: refusing before a run is recorded', () => {
  let fx: Awaited<ReturnType<typeof engineFixture>>;
  before(async () => {
    fx = await engineFixture();
  });
  after(() => fx.close());

  it('createRun with a selection refuses unmet needs and unknown cells without recording a run', async () => {
    const runbook = fx.runbook(RUNBOOK);
    const create = (selection: { from: string } | { cells: string[] }) =>
      fx.engine.createRun({ runbook, datacentre: fx.datacentre, by: 'tester', selection });
    await assert.rejects(create({ from: 'second' }), {
      code: 'REFUSED',
      message: "cell 'second' needs 'first', which has not succeeded in this run (not run)",
    });
    await assert.rejects(create({ cells: ['nope'] }), { code: 'NOT_FOUND', message: /no cell 'nope'/ });
    assert.deepEqual(await fx.store.listRuns(), []);
    const run = await create({ cells: ['first', 'second'] });
    assert.equal((await fx.store.listRuns()).length, 1);
    assert.equal(run.status, 'pending');
  });

  it('replay with check refuses a resume whose earlier cells never succeeded', async () => {
    const parent = await fx.create(RUNBOOK);
    await fx.engine.execute(parent.id, { cells: ['first'] }, 'tester');
    const count = (await fx.store.listRuns()).length;
    const resumed = await fx.engine.replay(parent.id, { from: 'second', by: 'tester', check: true });
    assert.deepEqual(
      (await fx.store.listSteps(resumed.id)).map((s) => `${s.cell}:${s.reusedFrom}`),
      [`first:${parent.id}`],
    );
    const empty = await fx.create(RUNBOOK);
    await assert.rejects(fx.engine.replay(empty.id, { from: 'second', by: 'tester', check: true }), {
      code: 'REFUSED',
    });
    assert.equal((await fx.store.listRuns()).length, count + 2, 'the resume and the empty run, no more');
  });

  it('withdraw closes a run refused before any of its cells ran, and leaves a run with steps alone', async () => {
    const idle = await fx.create(RUNBOOK);
    assert.equal(await fx.engine.withdraw(idle.id, 'tester', 'machine:node-1 is leased'), true);
    const closed = await fx.engine.getRun(idle.id);
    assert.equal(closed.status, 'cancelled');
    assert.ok(closed.finishedAt);
    const audit = (await fx.store.listAudit(idle.id)).map((entry) => [entry.action, entry.detail]);
    assert.deepEqual(audit.at(-1), ['refused', { reason: 'machine:node-1 is leased' }]);

    const ran = await fx.create(RUNBOOK);
    await fx.engine.execute(ran.id, { cells: ['first'] }, 'tester');
    assert.equal(await fx.engine.withdraw(ran.id, 'tester', 'whatever'), false);
    assert.equal((await fx.engine.getRun(ran.id)).status, 'pending');
  });
});
