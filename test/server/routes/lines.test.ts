import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiSandbox } from '../../helpers/api.ts';

type Sandbox = Awaited<ReturnType<typeof apiSandbox>>;
interface LinesPage {
  cell: string;
  step: number | null;
  from: number;
  total: number;
  last_seq: number;
  open: string | null;
  lines: { n: number; stream: string; text: string }[];
}

const RUNBOOKS: Record<string, string> = {
  big: "# Big\n\n```sh {name=chatty}\nseq -f 'line %g' 1 200000\n```\n\n```sh {name=later}\necho later\n```\n",
  mixed:
    "# Mixed\n\n```sh {name=colours}\nprintf '\\033[1;31mred\\033[0m plain\\n'; sleep 0.3\necho oops >&2; sleep 0.3\necho after\n```\n\n```sh {name=quiet}\ntrue\n```\n",
  resume:
    '# Resume\n\n```sh {name=first}\necho one; echo two\n```\n\n```sh {name=second needs=[first]}\necho three\n```\n',
};

describe('GET /api/runs/:id/cells/:name/lines', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await apiSandbox();
    for (const [id, text] of Object.entries(RUNBOOKS))
      await writeFile(path.join(sb.runbooks, `${id}.md`), text);
  });
  after(() => sb.close());

  const recorded = async (runbook: string, cells?: string[]) => {
    const created = await sb.call('POST', '/api/runs', { runbook, datacentre: 'example' });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id as string;
    const url = cells ? `/api/runs/${id}/cells/${cells[0]}/execute` : `/api/runs/${id}/execute`;
    assert.equal((await sb.call('POST', url)).status, 202);
    await sb.settle(id, 60_000);
    return id;
  };
  const lines = async (id: string, cell: string, query = '') => {
    const answer = await sb.call('GET', `/api/runs/${id}/cells/${cell}/lines${query}`);
    assert.equal(answer.status, 200, answer.text);
    return answer.json as unknown as LinesPage;
  };

  it('pages through 200,000 lines by number: the tail, a page in the middle, the bounds', async () => {
    const id = await recorded('big', ['chatty']);
    const tail = await lines(id, 'chatty');
    assert.equal(tail.total, 200_000);
    assert.equal(tail.open, null);
    assert.equal(tail.from, 199_500);
    assert.equal(tail.lines.length, 500);
    assert.deepEqual(tail.lines.at(-1), { n: 199_999, stream: 'stdout', text: 'line 200000' });
    const stored = await sb.store.db.get<{ seq: number; n: number }>(
      "SELECT MAX(seq) AS seq, COUNT(*) AS n FROM events WHERE run = ? AND kind = 'stdout'",
      [id],
    );
    assert.equal(tail.last_seq, stored?.seq);
    assert.ok(stored!.n < 2000, `${stored!.n} events: many lines per event`);

    const started = performance.now();
    const middle = await lines(id, 'chatty', '?from=100000&count=5000');
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `a page in the middle took ${ms.toFixed(0)} ms`);
    assert.equal(middle.lines.length, 5000);
    assert.deepEqual(
      middle.lines.map((line) => line.n),
      Array.from({ length: 5000 }, (_, i) => 100_000 + i),
    );
    assert.ok(middle.lines.every((line, i) => line.text === `line ${100_001 + i}`));

    const end = await lines(id, 'chatty', '?from=199998&count=10');
    assert.deepEqual(
      end.lines.map((line) => line.text),
      ['line 199999', 'line 200000'],
    );
    assert.deepEqual((await lines(id, 'chatty', '?from=300000')).lines, []);
    assert.equal((await sb.call('GET', `/api/runs/${id}/cells/chatty/lines?count=5001`)).status, 400);
    const notRun = await lines(id, 'later');
    assert.deepEqual([notRun.step, notRun.total, notRun.lines], [null, 0, []]);
  });

  it('flags stderr lines and keeps ANSI text verbatim; 404 for an unknown run or cell', async () => {
    const id = await recorded('mixed');
    const page = await lines(id, 'colours', '?from=0');
    assert.deepEqual(page.lines, [
      { n: 0, stream: 'stdout', text: '\x1b[1;31mred\x1b[0m plain' },
      { n: 1, stream: 'stderr', text: 'oops' },
      { n: 2, stream: 'stdout', text: 'after' },
    ]);
    assert.equal(page.total, 3);
    const quiet = await lines(id, 'quiet');
    assert.deepEqual([quiet.total, quiet.last_seq, quiet.lines], [0, 0, []]);
    const unknownCell = await sb.call('GET', `/api/runs/${id}/cells/nope/lines`);
    assert.equal(unknownCell.status, 404);
    assert.equal(unknownCell.json.code, 'NOT_FOUND');
    assert.equal((await sb.call('GET', '/api/runs/01ZZZZZZZZZZZZZZZZZZZZZZZZ/cells/a/lines')).status, 404);
  });

  it('joins a line begun in earlier events of its stream; an unterminated last line counts', async () => {
    const id = await recorded('mixed', ['colours']);
    const steps = await sb.store.listSteps(id);
    const step = steps.find((s) => s.cell === 'colours')!.seq;
    let seq = await sb.store.maxEventSeq(id);
    // As a prompt is recorded: released before its newline, with the other stream written in between.
    const event = (kind: 'stdout' | 'stderr', data: string) => ({
      run: id,
      seq: ++seq,
      step,
      ts: new Date().toISOString(),
      kind,
      data,
      lines: data.split('\n').length - 1,
    });
    await sb.store.appendEvents([
      event('stdout', 'a\nPass'),
      event('stderr', 'e1\ne2\n'),
      event('stdout', 'word: '),
      event('stdout', 'ok\n'),
      event('stdout', 'tail'),
    ]);
    const texts = async (query: string) => (await lines(id, 'colours', query)).lines.map((l) => l.text);
    assert.deepEqual(await texts('?from=3'), ['a', 'e1', 'e2', 'Password: ok', 'tail']);
    assert.deepEqual(await texts('?from=6&count=1'), ['Password: ok']);
    assert.deepEqual(await texts('?from=5&count=2'), ['e2', 'Password: ok']);
    const last = await lines(id, 'colours', '?from=7');
    assert.deepEqual(last.lines, [{ n: 7, stream: 'stdout', text: 'tail' }]);
    assert.deepEqual([last.total, last.last_seq, last.open], [8, seq, 'stdout']);
  });

  it('reads a reused step from the run it was recorded in', async () => {
    const id = await recorded('resume');
    const resumed = await sb.call('POST', `/api/runs/${id}/replay`, { from: 'second' });
    assert.equal(resumed.status, 201, resumed.text);
    await sb.settle(resumed.json.id as string);
    const page = await lines(resumed.json.id as string, 'first');
    assert.deepEqual(
      page.lines.map((line) => line.text),
      ['one', 'two'],
    );
  });
});
