import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { defaultRegistry } from '../../../drivers/default-registry.ts';
import { Engine } from '../../../server/engine/engine.ts';
import { loadDatacentre } from '../../../server/runbook/load-datacentre.ts';
import { loadRunbook } from '../../../server/runbook/load-runbook.ts';
import { Store } from '../../../server/store/store.ts';
import { cliSandbox } from '../../helpers/cli.ts';

type Sandbox = Awaited<ReturnType<typeof cliSandbox>>;
interface StepJson {
  cell: string;
  status: string;
  reused_from: string | null;
  result: { plan?: { kind: string; summary: string }[] } & Record<string, unknown>;
}
interface RunJson {
  id: string;
  runbook: string;
  datacentre: string;
  mode: string;
  status: string;
  parent: string | null;
  steps: StepJson[];
}

// `make-file` leaves a file behind and a typed result; `use-file` needs both; `standalone` needs nothing.
const FILES = `# Files

\`\`\`sh {name=make-file}
touch created-by-cell.txt
echo "made=yes" >> "$STACKBOOK_OUTPUT"
\`\`\`

\`\`\`sh {name=use-file needs=[make-file]}
ls created-by-cell.txt
echo "made: " {{ cells.make-file.made }}
\`\`\`

\`\`\`sh {name=standalone}
echo standalone ran
\`\`\`
`;

// A checklist on one machine: it leases control-0 while it waits for its operator.
const RACK_WORK = `# Rack work

\`\`\`manual {name=swap-disk}
steps: [Swap the disk]
machines: [control-0]
\`\`\`
`;

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** A JUnit file read by Python's XML parser: a malformed file fails here, not in a regex. */
async function parseJunit(file: string) {
  const script = `
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find('testsuite')
cases = [{'name': c.get('name'), 'classname': c.get('classname'),
          'outcome': 'failure' if c.find('failure') is not None else 'skipped' if c.find('skipped') is not None else 'passed',
          'out': (c.findtext('system-out') or '')} for c in suite.iter('testcase')]
print(json.dumps({'root': root.tag, 'attrs': dict(suite.attrib), 'cases': cases}))
`;
  const { stdout } = await promisify(execFile)('python3', ['-c', script, file]);
  return JSON.parse(stdout) as {
    root: string;
    attrs: Record<string, string>;
    cases: { name: string; classname: string; outcome: string; out: string }[];
  };
}

describe('stackbook run: options', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await cliSandbox({ files: FILES, 'rack-work': RACK_WORK });
  });
  after(() => sb.close());

  const runs = () => sb.json<RunJson[]>(['runs']);
  const workdirOf = (id: string) => path.join(sb.dir, 'data', 'runs', id);

  it('--dry-run records every cell’s plan and executes nothing', async () => {
    const result = await sb.run(['run', 'files', '--dc', 'example', '--dry-run', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const record = JSON.parse(result.stdout) as RunJson;
    assert.equal(record.mode, 'dry-run');
    assert.equal(record.status, 'succeeded');
    assert.deepEqual(
      record.steps.map((s) => `${s.cell}:${s.status}`),
      ['make-file:succeeded', 'use-file:succeeded', 'standalone:succeeded'],
    );
    const [plan] = record.steps[0]!.result.plan!;
    assert.equal(plan!.kind, 'exec');
    assert.match(plan!.summary, /touch created-by-cell\.txt/);
    // A later cell sees a placeholder where a result would be.
    assert.match(record.steps[1]!.result.plan![0]!.summary, /<cells\.make-file\.made>/);
    assert.match(result.stderr, /\[make-file\] would exec: bash .*make-file\.sh/);
    assert.equal(await exists(path.join(workdirOf(record.id), 'created-by-cell.txt')), false);
    // The plan shows the script; the script itself never printed.
    assert.match(result.stderr, /^\[standalone\] echo standalone ran$/m);
    assert.doesNotMatch(result.stderr, /^\[standalone\] standalone ran$/m);
  });

  it('--only runs the named cells and no other; a named cell whose needs are not named is refused', async () => {
    const result = await sb.run(['run', 'files', '--dc', 'example', '--only', 'make-file,standalone']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\[standalone\] standalone ran/);
    const [latest] = await runs();
    const shown = await sb.json<RunJson>(['show', latest!.id]);
    assert.deepEqual(
      shown.steps.map((s) => `${s.cell}:${s.status}`),
      ['make-file:succeeded', 'standalone:succeeded'],
    );
    assert.equal(shown.status, 'pending', 'use-file has not run yet');
    assert.ok(await exists(path.join(workdirOf(latest!.id), 'created-by-cell.txt')));

    const before = (await runs()).length;
    const refused = await sb.run(['run', 'files', '--dc', 'example', '--only', 'use-file']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /cell 'use-file' needs 'make-file', which has not succeeded in this run \(not run\)/,
    );
    assert.equal((await runs()).length, before, 'a refused run is not recorded');
  });

  it('--from on a fresh run is refused before anything is recorded or written; replay --from resumes', async () => {
    const before = await runs();
    const junit = path.join(sb.dir, 'refused.xml');
    const refused = await sb.run(['run', 'files', '--dc', 'example', '--from', 'use-file', '--junit', junit]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /stackbook run: cell 'use-file' needs 'make-file', which has not succeeded in this run \(not run\)/,
    );
    assert.deepEqual(await runs(), before, 'no empty pending run is left behind');
    assert.equal(await exists(junit), false);
    // The README's old example: seed-preflight's inventory needs host-facts.
    const readme = await sb.run(['run', 'seed-preflight', '--dc', 'example', '--from', 'inventory', '--yes']);
    assert.equal(readme.code, 1);
    assert.match(readme.stderr, /cell 'inventory' needs 'host-facts'/);
    assert.deepEqual(await runs(), before);

    // From a cell whose needs are met (it has none), a fresh run executes that cell and the ones after it.
    const fromStandalone = await sb.run(['run', 'files', '--dc', 'example', '--from', 'standalone']);
    assert.equal(fromStandalone.code, 0, fromStandalone.stderr);
    const [partial] = await runs();
    assert.deepEqual(
      (await sb.json<RunJson>(['show', partial!.id])).steps.map((s) => s.cell),
      ['standalone'],
    );

    // Resuming the --only run of the test above: make-file's result and file are reused, use-file runs.
    const onlyRun = before[0]!;
    const resumed = await sb.run(['replay', onlyRun.id, '--from', 'use-file']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /\[use-file\] created-by-cell\.txt\n\[use-file\] made: {2}yes\n/);
    const [resumedRun] = await runs();
    const shown = await sb.json<RunJson>(['show', resumedRun!.id]);
    assert.equal(shown.parent, onlyRun.id);
    assert.equal(shown.status, 'succeeded');
    assert.deepEqual(
      shown.steps.map((s) => `${s.cell}:${s.status}:${s.reused_from ?? '-'}`),
      [`make-file:succeeded:${onlyRun.id}`, 'use-file:succeeded:-', 'standalone:succeeded:-'],
    );

    // A resume whose earlier cells never succeeded is refused the same way, before it is recorded.
    const count = (await runs()).length;
    const badResume = await sb.run(['replay', partial!.id, '--from', 'use-file']);
    assert.equal(badResume.code, 1);
    assert.match(badResume.stderr, /cell 'use-file' needs 'make-file'/);
    assert.equal((await runs()).length, count);
  });

  it('a machine another run holds refuses the run before it is recorded, naming the holder', async () => {
    // Another stackbook process (this test) executes rack-work and waits at its checklist, holding control-0.
    const store = await Store.open(path.join(sb.dir, 'data', 'stackbook.db'));
    const drivers = defaultRegistry();
    let waiting!: () => void;
    const asked = new Promise<void>((resolve) => (waiting = resolve));
    const engine = new Engine({
      store,
      drivers,
      dataDir: path.join(sb.dir, 'data'),
      env: {},
      onApprovalNeeded: () => (waiting(), Promise.resolve({ action: 'wait' })),
    });
    try {
      const datacentre = await loadDatacentre('example', sb.datacentres);
      const runbook = await loadRunbook('rack-work', {
        runbooksDir: sb.runbooks,
        datacentreDir: datacentre.dir,
        drivers,
      });
      const holder = await engine.createRun({ runbook, datacentre, by: 'alice' });
      const { done } = await engine.start(holder.id, { all: true }, 'alice');
      await asked;
      const before = (await runs()).length;
      const refused = await sb.run(['run', 'rack-work', '--dc', 'example', '--yes']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`machine:control-0.*${holder.id}`));
      assert.equal((await runs()).length, before);
      await engine.cancel(holder.id, 'alice');
      await done;
    } finally {
      await store.close();
    }
  });

  it('--junit writes a valid JUnit file with every cell, also when a cell fails', async () => {
    const report = path.join(sb.dir, 'report.xml');
    // The README's example.
    const result = await sb.run(['run', 'seed-preflight', '--dc', 'example', '--yes', '--junit', report]);
    assert.equal(result.code, 0, result.stderr);
    const junit = await parseJunit(report);
    assert.equal(junit.root, 'testsuites');
    assert.equal(junit.attrs.name, 'seed-preflight (example)');
    assert.deepEqual([junit.attrs.tests, junit.attrs.failures, junit.attrs.skipped], ['6', '0', '0']);
    assert.deepEqual(
      junit.cases.map((c) => `${c.classname}/${c.name}:${c.outcome}`),
      [
        'seed-preflight.sh/host-facts:passed',
        'seed-preflight.sh/free-disk:passed',
        'seed-preflight.sh/inventory:passed',
        'seed-preflight.sh/vlans:passed',
        'seed-preflight.manual/cabling:passed',
        'seed-preflight.sh/summary:passed',
      ],
    );
    assert.match(junit.cases[2]!.out, /^machine: seed\nmachine: control-0\nmachine: compute-0\n/);

    await writeFile(
      path.join(sb.runbooks, 'fails.md'),
      '# Fails\n\n```sh {name=first}\necho fine\n```\n\n```sh {name=boom}\necho "<about> to & fail"; exit 4\n```\n\n```sh {name=never needs=[boom]}\necho never\n```\n',
    );
    const failedReport = path.join(sb.dir, 'failed.xml');
    const failed = await sb.run(['run', 'fails', '--dc', 'example', '--junit', failedReport]);
    assert.equal(failed.code, 1);
    const failedJunit = await parseJunit(failedReport);
    assert.deepEqual(
      failedJunit.cases.map((c) => `${c.name}:${c.outcome}`),
      ['first:passed', 'boom:failure', 'never:skipped'],
    );
    assert.equal(failedJunit.cases[1]!.out, '<about> to & fail\n');
  });

  it('runs prints a table newest first, filtered by --runbook and --dc; run takes a file and a folder', async () => {
    const elsewhere = path.join(sb.dir, 'sites', 'elsewhere');
    await mkdir(elsewhere, { recursive: true });
    await writeFile(path.join(elsewhere, 'datacentre.yaml'), 'name: elsewhere\nparams: { colour: teal }\n');
    const book = path.join(sb.dir, 'books', 'hello.md');
    await mkdir(path.dirname(book), { recursive: true });
    await writeFile(
      book,
      '---\nid: hello\ntitle: Hello\n---\n# Hello\n\n```sh {name=greet}\necho "hello from" {{ dc.name }} {{ dc.params.colour }}\n```\n',
    );
    const byPath = await sb.run(['run', book, '--dc', elsewhere]);
    assert.equal(byPath.code, 0, byPath.stderr);
    assert.match(byPath.stdout, /\[greet\] hello from elsewhere teal/);
    assert.match(byPath.stderr, /run \w+: Hello on elsewhere\n/);
    assert.match(byPath.stderr, /run \w+: succeeded\n$/);

    const all = await runs();
    const table = await sb.run(['runs']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^RUN\s+RUNBOOK\s+DATACENTRE\s+MODE\s+STATUS\s+STARTED\s+DURATION\s+PARENT$/);
    assert.equal(lines.length, all.length + 1);
    // One row per run, newest first, in the same order as --json.
    assert.deepEqual(
      lines.slice(1).map((line) => line.split(/\s+/).slice(0, 5).join(' ')),
      all.map((r) => `${r.id} ${r.runbook} ${r.datacentre} ${r.mode} ${r.status}`),
    );
    const hello = await sb.run(['runs', '--runbook', 'hello']);
    assert.equal(hello.stdout.trimEnd().split('\n').length, 2);
    assert.match(hello.stdout, /\n\w{26}\s+hello\s+elsewhere\s+live\s+succeeded\s/);
    const byDc = await sb.run(['runs', '--dc', 'elsewhere']);
    assert.deepEqual(byDc.stdout, hello.stdout);
    const files = await sb.run(['runs', '--runbook', 'files', '--dc', 'example']);
    const fileRows = files.stdout.trimEnd().split('\n').slice(1);
    assert.equal(fileRows.length, all.filter((r) => r.runbook === 'files').length);
    assert.ok(fileRows.every((row) => /^\w{26}\s+files\s+example\s/.test(row)));
    assert.equal((await sb.run(['runs', '--runbook', 'nothing-like-it'])).stdout, 'no runs yet\n');
    // The JSON record names the same datacentre.
    assert.equal((await sb.json<RunJson[]>(['runs', '--dc', 'elsewhere']))[0]!.datacentre, 'elsewhere');
    assert.match(await readFile(book, 'utf8'), /id: hello/);
  });
});
