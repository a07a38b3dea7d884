import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { groupAlive, processAlive } from '../../../drivers/process-alive.ts';
import { cliSandbox } from '../../helpers/cli.ts';
import { startInTerminal } from '../../helpers/terminal.ts';

type Sandbox = Awaited<ReturnType<typeof cliSandbox>>;
interface RunJson {
  id: string;
  status: string;
  steps: { cell: string; status: string; approved_by: string | null; approval_note: string | null }[];
}

// A cell whose shell starts a child in its process group, then ticks until it is stopped.
const LONG = `# Long

\`\`\`sh {name=ticker}
sleep 300 &
echo "group $$ child $!"
for i in $(seq 1 600); do echo "tick $i"; sleep 0.05; done
\`\`\`

\`\`\`sh {name=after}
echo never
\`\`\`
`;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/;

describe('stackbook run on a terminal', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await cliSandbox({ long: LONG });
  });
  after(() => sb.close());

  it('shows readable progress on a terminal and plain prefixed lines when piped', async () => {
    const args = ['run', 'seed-preflight', '--dc', 'example', '--only', 'host-facts,inventory'];
    const terminal = startInTerminal(sb, args);
    assert.equal(await terminal.exited, 0, terminal.output);
    const screen = terminal.output;
    assert.match(screen, ANSI, 'colours on a terminal');
    /* eslint-disable no-control-regex -- the terminal's colour codes are what is being checked */
    assert.match(screen, /\x1b\[1m▶ inventory\x1b\[0m\n/);
    assert.match(screen, /\x1b\[2m {2}│ \x1b\[0mmachine: control-0\n/);
    assert.match(screen, /\x1b\[32m✔ inventory succeeded\x1b\[0m\x1b\[2m \(\d+\.\d\d s\)\x1b\[0m\n/);
    /* eslint-enable no-control-regex */
    assert.doesNotMatch(screen, /== inventory|\[inventory\]/);

    const piped = await sb.run(args);
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stdout + piped.stderr, ANSI, 'no escape codes in a pipe');
    assert.match(
      piped.stdout,
      /^== inventory: running\n\[inventory\] machine: seed\n[^]*\n== inventory: succeeded \(\d+\.\d\d s\)\n/m,
    );
  });

  it('asks for approval on the terminal and records the answer and the note', async () => {
    const terminal = startInTerminal(sb, ['run', 'seed-preflight', '--dc', 'example']);
    await terminal.waitFor(/Approve 'cabling'\? \[y\/N\] /);
    // The checklist was shown before the question.
    assert.match(terminal.output, /Every machine in the inventory is cabled to the provisioning network/);
    terminal.type('y\r');
    await terminal.waitFor(/Note \(optional\): /);
    terminal.type('rack 4 checked\r');
    assert.equal(await terminal.exited, 0, terminal.output);
    assert.match(terminal.output, /approved by \S+: rack 4 checked\n/);
    assert.match(terminal.output, /✔ summary succeeded/);
    const [latest] = await sb.json<RunJson[]>(['runs']);
    const shown = await sb.json<RunJson>(['show', latest!.id]);
    assert.equal(shown.status, 'succeeded');
    const cabling = shown.steps.find((step) => step.cell === 'cabling')!;
    assert.equal(cabling.approval_note, 'rack 4 checked');
    assert.ok(cabling.approved_by);

    // Answering no stops the run where it waits, saying how to go on.
    const refused = startInTerminal(sb, ['run', 'seed-preflight', '--dc', 'example']);
    await refused.waitFor(/Approve 'cabling'\? \[y\/N\] /);
    refused.type('n\r');
    assert.equal(await refused.exited, 1, refused.output);
    assert.match(refused.output, /cell 'cabling' was not approved: run it again with --yes, or resume it/);
    const [stopped] = await sb.json<RunJson[]>(['runs']);
    assert.equal(stopped!.status, 'awaiting-approval');
  });

  it('Ctrl-C cancels the running cell, kills its process group and skips the rest', async () => {
    const terminal = startInTerminal(sb, ['run', 'long', '--dc', 'example']);
    await terminal.waitFor(/tick 5\n/);
    const [, group, child] = /group (\d+) child (\d+)/.exec(terminal.output)!.map(Number);
    assert.ok(processAlive(child!), 'the cell’s background child runs');
    terminal.type('\x03');
    assert.equal(await terminal.exited, 1, terminal.output);
    assert.match(terminal.output, /cancelling… \(Ctrl-C again to leave at once\)/);
    assert.match(terminal.output, /■ ticker cancelled/);
    assert.match(terminal.output, /after skipped.*not run: the run was cancelled/);
    for (let i = 0; i < 50 && groupAlive(group!); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(groupAlive(group!), false, 'no process of the cell’s group is left');
    assert.equal(processAlive(child!), false);
    const [latest] = await sb.json<RunJson[]>(['runs']);
    const shown = await sb.json<RunJson>(['show', latest!.id]);
    assert.equal(shown.status, 'cancelled');
    assert.deepEqual(
      shown.steps.map((s) => `${s.cell}:${s.status}`),
      ['ticker:cancelled', 'after:skipped'],
    );
  });

  it('SIGINT sent to a piped run cancels it the same way', async () => {
    const child = sb.start(['run', 'long', '--dc', 'example']);
    let stdout = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (let i = 0; i < 300 && !stdout.includes('tick 5\n'); i++) await new Promise((r) => setTimeout(r, 50));
    const [, group] = /group (\d+)/.exec(stdout)!.map(Number);
    child.kill('SIGINT');
    assert.equal(await exited, 1);
    assert.match(stdout, /== ticker: cancelled/);
    for (let i = 0; i < 50 && groupAlive(group!); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(groupAlive(group!), false);
  });
});
