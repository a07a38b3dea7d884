import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventView } from '../../../web/api/api-types.ts';
import { machinesFromResult, NotebookState } from '../../../web/lib/notebook-state.ts';

let seq = 0;
const status = (cell: string | null, data: Record<string, unknown>): EventView => ({
  seq: ++seq,
  ts: `2026-01-01T00:00:0${seq % 10}.000Z`,
  cell,
  kind: 'status',
  data: JSON.stringify(data),
});

describe('NotebookState', () => {
  it('starts from recorded steps and follows status events', () => {
    const state = new NotebookState();
    state.load({
      status: 'pending',
      steps: [
        {
          seq: 1,
          cell: 'a',
          driver: 'sh',
          status: 'succeeded',
          attempt: 1,
          started_at: 't0',
          finished_at: 't1',
          args: null,
          result: { exit_code: 0 },
          error: null,
          reused_from: null,
          approved_by: null,
          approval_note: null,
        },
      ],
    } as never);
    assert.equal(state.cell('a').status, 'succeeded');
    assert.equal(state.cell('b').status, 'not run');
    assert.deepEqual(state.apply(status(null, { run: 'R', status: 'running' })), {});
    assert.equal(state.runStatus, 'running');
    assert.deepEqual(state.apply(status('b', { cell: 'b', status: 'running' })), { restarted: 'b' });
    assert.equal(state.cell('b').status, 'running');
    assert.deepEqual(
      state.apply(status('b', { cell: 'b', status: 'running', attempt: 2 })),
      {},
      'a retry is not a new execution',
    );
    assert.equal(state.cell('b').attempt, 2);
    state.apply(
      status('b', {
        cell: 'b',
        status: 'failed',
        error: { code: 'EXEC_FAILED', message: 'script exited with 1' },
      }),
    );
    assert.equal(state.cell('b').error?.message, 'script exited with 1');
    assert.ok(state.cell('b').finishedAt);
  });

  it('names the cell whose step ended, and takes its result from a later read of the run', () => {
    const state = new NotebookState();
    state.apply(status('a', { cell: 'a', status: 'running' }));
    state.apply(status('b', { cell: 'b', status: 'running' }));
    assert.deepEqual(state.apply(status('a', { cell: 'a', status: 'succeeded' })), { finished: 'a' });
    assert.equal(state.cell('a').result, null, 'a status event carries no result');
    const step = (cell: string, status: string, result: unknown, seq: number) => ({
      seq,
      cell,
      status,
      result,
      reused_from: null,
    });
    state.takeResults({
      steps: [
        step('a', 'succeeded', { exit_code: 0, old: true }, 1),
        step('a', 'succeeded', { exit_code: 0, machines: '3' }, 3),
        // Read before b ended: b's state is left as the events made it.
        step('b', 'running', null, 2),
      ],
    } as never);
    assert.deepEqual(state.cell('a').result, { exit_code: 0, machines: '3' }, 'the latest step of a');
    assert.equal(state.cell('b').status, 'running');
    // A read older than a's new execution does not put the previous result back.
    state.apply(status('a', { cell: 'a', status: 'running' }));
    state.takeResults({ steps: [step('a', 'succeeded', { exit_code: 0 }, 3)] } as never);
    assert.equal(state.cell('a').result, null);
    assert.equal(state.cell('a').status, 'running');
  });

  it('records what a waiting cell asks for and who approved it', () => {
    const state = new NotebookState();
    state.apply(status('m', { cell: 'm', status: 'running' }));
    state.apply(
      status('m', { cell: 'm', status: 'awaiting-approval', reason: 'manual', prompt: 'Cable it' }),
    );
    assert.equal(state.cell('m').prompt, 'Cable it');
    assert.deepEqual(
      state.apply(status('m', { cell: 'm', status: 'running', approved_by: 'ann', note: 'done' })),
      {},
    );
    assert.equal(state.cell('m').approvedBy, 'ann');
    assert.equal(state.cell('m').prompt, null);
  });

  it('keeps progress and per-machine state from progress events', () => {
    const state = new NotebookState();
    state.apply({
      seq: ++seq,
      ts: 't',
      cell: 'power',
      kind: 'progress',
      data: JSON.stringify({ done: 1, total: 3, unit: 'machines', machines: { n1: { state: 'on' } } }),
    });
    state.apply({
      seq: ++seq,
      ts: 't',
      cell: 'power',
      kind: 'progress',
      data: JSON.stringify({
        done: 2,
        total: 3,
        machines: { n2: { state: 'failed', error: 'BMC timeout' } },
      }),
    });
    assert.deepEqual(state.cell('power').progress, { done: 2, total: 3, unit: undefined, label: undefined });
    assert.deepEqual(Object.keys(state.cell('power').machines), ['n1', 'n2']);
    assert.equal(state.cell('power').machines.n2?.error, 'BMC timeout');
  });
});

describe('machinesFromResult', () => {
  it('builds a fan-out grid from a recorded result, and nothing from other results', () => {
    const result = {
      action: 'power-on',
      machines: [
        { name: 'n1', ok: true, power: 'on' },
        { name: 'n2', ok: false, error: { kind: 'unreachable', message: 'no answer' } },
      ],
    };
    assert.deepEqual(machinesFromResult(result), {
      n1: { state: 'succeeded' },
      n2: { state: 'failed', error: 'unreachable: no answer' },
    });
    assert.deepEqual(machinesFromResult({ exit_code: 0, machines: '3' }), {});
    assert.deepEqual(machinesFromResult(null), {});
  });

  it('gives a loaded run its grid', () => {
    const state = new NotebookState();
    state.load({
      status: 'failed',
      steps: [
        {
          cell: 'power',
          driver: 'ipmi',
          status: 'failed',
          attempt: 1,
          started_at: null,
          finished_at: null,
          error: { code: 'MACHINES_FAILED', message: '1 of 1 machines failed' },
          result: { machines: [{ name: 'n9', ok: false, error: { kind: 'timeout', message: 'late' } }] },
          approved_by: null,
          approval_note: null,
          reused_from: null,
        },
      ],
    } as never);
    assert.deepEqual(state.cell('power').machines, { n9: { state: 'failed', error: 'timeout: late' } });
  });
});
