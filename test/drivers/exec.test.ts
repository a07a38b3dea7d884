import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exec } from '../../drivers/exec.ts';
import { Scrubber } from '../../drivers/scrubber.ts';
import { processAlive } from '../../drivers/process-alive.ts';

describe('exec', () => {
  it('streams whole lines of stdout and stderr and reports the exit code', async () => {
    const seen: string[] = [];
    const result = await exec('bash', ['-c', 'echo one; echo two >&2; echo three; exit 3'], {
      onOutput: (stream, text) => void seen.push(`${stream}:${text}`),
    });
    assert.equal(result.exitCode, 3);
    assert.equal(result.aborted, false);
    assert.equal(
      seen
        .filter((s) => s.startsWith('stdout'))
        .map((s) => s.slice(7))
        .join(''),
      'one\nthree\n',
    );
    assert.ok(seen.includes('stderr:two\n'));
  });

  it('passes arguments as an array: shell syntax in them stays inert', async () => {
    const result = await exec('printf', ['%s\n', '$(touch /tmp/stackbook-injected); `id`'], {
      capture: 1000,
    });
    assert.equal(result.stdout, '$(touch /tmp/stackbook-injected); `id`\n');
  });

  it('masks secret values in output, also across chunk boundaries of a partial line', async () => {
    const scrubber = new Scrubber(['hunter2-secret']);
    const result = await exec(
      'bash',
      ['-c', 'echo "pw=hunter2-secret"; printf "hunter2-"; sleep 0.3; printf "secret\\n"'],
      {
        scrubber,
        capture: 1000,
      },
    );
    assert.equal(result.stdout.includes('hunter2-secret'), false);
    assert.equal(
      result.stdout.includes('hunter2-'),
      false,
      'no partial secret leaks when a line is flushed early',
    );
    assert.match(result.stdout, /pw=\*{8}/);
  });

  it('releases a partial line after a quiet moment', async () => {
    const pieces: { text: string; at: number }[] = [];
    const started = Date.now();
    await exec('bash', ['-c', 'printf "waiting..."; sleep 1; echo done'], {
      onOutput: (_, text) => void pieces.push({ text, at: Date.now() - started }),
    });
    assert.equal(pieces[0]!.text, 'waiting...');
    assert.ok(pieces[0]!.at < 800, `partial line came after ${pieces[0]!.at} ms`);
    assert.equal(pieces.map((p) => p.text).join(''), 'waiting...done\n');
  });

  it('an abort kills the whole process group, children included', async () => {
    const controller = new AbortController();
    let childPids: number[] = [];
    const run = exec('bash', ['-c', 'sleep 300 & echo $!; sleep 300 & echo $!; wait'], {
      signal: controller.signal,
      onOutput: (_, text) => {
        childPids.push(...text.trim().split('\n').map(Number));
        if (childPids.length >= 2) controller.abort();
      },
    });
    const result = await run;
    assert.equal(result.aborted, true);
    childPids = childPids.filter(Boolean);
    assert.equal(childPids.length, 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const pid of childPids) assert.equal(processAlive(pid), false, `child ${pid} survived`);
  });

  it('holds a fast producer back while the receiver is slow (bounded memory)', async () => {
    let received = 0;
    const result = await exec('bash', ['-c', 'yes line | head -n 200000'], {
      onOutput: async (_, text) => {
        received += text.length;
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    assert.equal(result.exitCode, 0);
    assert.equal(received, 200000 * 5);
  });
  it('a program that cannot start ends without an exit code; one that leaves its input unread is no error', async () => {
    const missing = await exec('stackbook-no-such-program', ['x'], { capture: 100 });
    assert.equal(missing.exitCode, undefined);
    assert.equal(missing.signal, undefined);
    const badDir = await exec('true', [], { cwd: '/nonexistent/stackbook' });
    assert.equal(badDir.exitCode, undefined);
    // 4 MiB of input to a program that exits at once: the pipe closes under the write.
    const unread = await exec('true', [], { input: 'x'.repeat(4 * 1024 * 1024) });
    assert.equal(unread.exitCode, 0);
    const read = await exec('bash', ['-c', 'read line; echo "got $line"'], {
      input: 'hello\n',
      capture: 100,
    });
    assert.equal(read.stdout, 'got hello\n');
  });

  it('runs the program in its own process group, with the environment added and the marker set', async () => {
    let spawned = 0;
    const result = await exec(
      'bash',
      ['-c', 'echo "$$ $(ps -o pgid= $$) $EXTRA $STACKBOOK_STEP ${HOME:+home}"'],
      {
        env: { EXTRA: 'added' },
        marker: 'run/7',
        capture: 1000,
        onSpawn: (pid) => (spawned = pid),
      },
    );
    const [pid, pgid, ...rest] = result.stdout.trim().split(/\s+/);
    assert.equal(Number(pid), spawned);
    assert.equal(Number(pgid), spawned, 'the process leads its own group');
    assert.deepEqual(rest, ['added', 'run/7', 'home'], 'the inherited environment stays');
  });
});
