import assert from 'node:assert/strict';
import { lstat, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { engineFixture, markdown } from '../../helpers/engine-fixture.ts';

type Fixture = Awaited<ReturnType<typeof engineFixture>>;

describe('sh driver', () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await engineFixture();
  });
  afterEach(() => fx.close());

  it('writes the script afresh at every execution, mode 0600, never through a link planted in its place', async () => {
    const run = await fx.create(markdown(['sh {name=hello}', 'echo "n=1" >> "$STACKBOOK_OUTPUT"; echo hi']));
    const done = await fx.engine.execute(run.id, { cells: ['hello'] }, 'tester');
    assert.equal(done.status, 'succeeded');
    const script = path.join(run.workdir, '.stackbook', 'hello.sh');
    const outputs = path.join(run.workdir, '.stackbook', 'hello.outputs');
    assert.equal((await lstat(script)).mode & 0o777, 0o600);

    // Someone with access to the run's directory replaces both files with links to a file of theirs.
    const victim = path.join(fx.dir, 'victim.txt');
    await writeFile(victim, 'untouched\n');
    await rm(script);
    await symlink(victim, script);
    await symlink(victim, outputs);
    const again = await fx.engine.execute(run.id, { cells: ['hello'] }, 'tester');
    assert.equal(again.status, 'succeeded');
    assert.equal(await readFile(victim, 'utf8'), 'untouched\n', 'nothing was written through the links');
    const stat = await lstat(script);
    assert.ok(stat.isFile() && (stat.mode & 0o777) === 0o600, 'the script is a file of its own again');
    assert.match(await readFile(script, 'utf8'), /echo hi/);
    const steps = await fx.store.listSteps(run.id);
    assert.deepEqual(steps.at(-1)!.result, { exit_code: 0, n: '1' });
    await assert.rejects(lstat(outputs), { code: 'ENOENT' }, 'the outputs file is gone after the step');
  });
});
