import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliSandbox, ROOT } from '../../helpers/cli.ts';

type Sandbox = Awaited<ReturnType<typeof cliSandbox>>;
interface RunJson {
  id: string;
  status: string;
  steps: { cell: string; status: string; result: Record<string, unknown> | null }[];
}

const LINES = 300_000;
const CHATTY = `# Chatty\n\n\`\`\`sh {name=count}\nseq 1 ${LINES}\n\`\`\`\n`;
// No heading of its own: the report's title comes from the front matter.
const UNTITLED = `---\nid: untitled\ntitle: Front-matter title\n---\nJust prose.\n\n\`\`\`sh {name=hi}\necho hi\n\`\`\`\n`;
// A cell that hands a secret to $STACKBOOK_OUTPUT, once succeeding and once failing after it.
const OUTPUTS = `# Outputs

\`\`\`sh {name=keep continueOnError=true}
echo "pw=$STACKBOOK_SECRET_EXAMPLE_OS_PASSWORD" >> "$STACKBOOK_OUTPUT"
echo "token={{ secrets.EXAMPLE_OS_PASSWORD }}" >> "$STACKBOOK_OUTPUT"
\`\`\`

\`\`\`sh {name=fail-after continueOnError=true}
echo "pw=$STACKBOOK_SECRET_EXAMPLE_OS_PASSWORD" >> "$STACKBOOK_OUTPUT"
exit 3
\`\`\`
`;

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(full)));
    else files.push(full);
  }
  return files;
}

describe('stackbook export', () => {
  let sb: Sandbox;
  let chatty: string;
  let preflight: string;
  before(async () => {
    sb = await cliSandbox({ chatty: CHATTY, untitled: UNTITLED, outputs: OUTPUTS });
    const result = await sb.run(['run', 'chatty', '--dc', 'example', '--quiet', '--json']);
    assert.equal(result.code, 0, result.stderr);
    chatty = (JSON.parse(result.stdout) as RunJson).id;
    const seed = await sb.run(['run', 'seed-preflight', '--dc', 'example', '--yes', '--json']);
    assert.equal(seed.code, 0, seed.stderr);
    preflight = (JSON.parse(seed.stdout) as RunJson).id;
  });
  after(() => sb.close());

  /** `stackbook <args> | head -n 3` in bash with pipefail: the pipeline's status is stackbook's. */
  function intoHead(args: string[]): Promise<{ code: number | null; head: string; stderr: string }> {
    const common = ['--data', path.join(sb.dir, 'data'), '--datacentres', sb.datacentres];
    const child = spawn(
      'bash',
      [
        '-c',
        'set -o pipefail; "$@" | head -n 3',
        'pipeline',
        process.execPath,
        path.join(ROOT, 'server/cli/bin.js'),
        ...args,
        ...common,
      ],
      { cwd: sb.dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let head = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (head += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, head, stderr })));
  }

  it('ends quietly with status 0 when the reader closes the pipe early', async () => {
    for (const format of ['md', 'html', 'junit']) {
      const result = await intoHead(['export', chatty, '--format', format]);
      assert.equal(result.stderr, '', `${format}: nothing on standard error`);
      assert.equal(result.code, 0, format);
      assert.equal(result.head.split('\n').length, 4, format);
    }
    const shown = await intoHead(['show', chatty, '--output']);
    assert.equal(shown.stderr, '');
    assert.equal(shown.code, 0);
    assert.match(shown.head, /^run \w+: Chatty\n/);
  });

  it('streams every line of a large output, in order, in each format', async () => {
    const expected = Array.from({ length: LINES }, (_, i) => `${i + 1}\n`).join('');
    const md = await sb.run(['export', chatty, '--format', 'md']);
    assert.equal(md.code, 0, md.stderr);
    const block = /```text\n([^]*?)```\n/.exec(md.stdout)![1];
    assert.equal(block, expected);
    const junit = await sb.run(['export', chatty, '--format', 'junit']);
    assert.equal(/<system-out>([^]*?)<\/system-out>/.exec(junit.stdout)![1], expected);
    const file = path.join(sb.dir, 'chatty.html');
    const html = await sb.run(['export', chatty, '--format', 'html', '--out', file]);
    assert.equal(html.code, 0, html.stderr);
    const page = await readFile(file, 'utf8');
    assert.equal(/<pre><code class="language-text">([^]*?)<\/code><\/pre>/.exec(page)![1], expected);
    assert.ok((await stat(file)).size > expected.length);
  });

  it('gives the report one title: the runbook’s own heading, or its front-matter title', async () => {
    const md = await sb.run(['export', preflight, '--format', 'md']);
    assert.equal(md.stdout.match(/^# .*$/gm)?.length, 1, 'one level-1 heading');
    assert.match(md.stdout, /^# Seed host preflight\n\n\| \| \|\n\|---\|---\|\n\| Run \| \w+ \|\n/);
    // The runbook's prose follows its heading, which is not repeated.
    assert.match(md.stdout, /\| Source sha256 \| \w+ \|\n\n"Deploying TripleO" starts from/);
    const html = await sb.run(['export', preflight, '--format', 'html']);
    assert.equal(html.stdout.match(/<h1>/g)?.length, 1);
    // A typed result is a real disclosure widget, not escaped Markdown.
    assert.match(html.stdout, /<details><summary>Result<\/summary><pre><code class="language-json">\{\n/);
    assert.doesNotMatch(html.stdout, /&lt;details&gt;/);

    const run = await sb.run(['run', 'untitled', '--dc', 'example', '--json']);
    const id = (JSON.parse(run.stdout) as RunJson).id;
    const untitled = await sb.run(['export', id]);
    assert.match(untitled.stdout, /^# Front-matter title\n\n\| \| \|\n/);
    assert.equal(untitled.stdout.match(/^# .*$/gm)?.length, 1);
    assert.match(untitled.stdout, /\n\nJust prose\.\n\n```sh \{name=hi\}\necho hi\n```\n/);
  });

  it('leaves no raw secret a cell wrote to $STACKBOOK_OUTPUT anywhere under the data dir', async () => {
    const result = await sb.run(['run', 'outputs', '--dc', 'example', '--json']);
    assert.equal(result.code, 1, 'the second cell failed');
    const record = JSON.parse(result.stdout) as RunJson;
    assert.deepEqual(
      record.steps.map((s) => `${s.cell}:${s.status}`),
      ['keep:succeeded', 'fail-after:failed'],
    );
    assert.deepEqual(record.steps[0]!.result, { exit_code: 0, pw: '********', token: '********' });
    const dataDir = path.join(sb.dir, 'data');
    const files = await filesUnder(dataDir);
    const runDir = path.join(dataDir, 'runs', record.id, '.stackbook');
    assert.ok(files.includes(path.join(runDir, 'keep.sh')), 'the cells ran in the run directory');
    assert.ok(!files.some((file) => file.endsWith('.outputs')), 'no outputs file is left');
    assert.ok(files.includes(path.join(dataDir, 'stackbook.db')));
    for (const file of files) {
      const bytes = await readFile(file, 'latin1');
      assert.equal(bytes.includes('os-Secret-2'), false, `${file} holds the secret`);
    }
  });
});
