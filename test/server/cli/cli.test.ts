import assert from 'node:assert/strict';
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Store } from '../../../server/store/store.ts';
import { cliSandbox } from '../../helpers/cli.ts';
import { processAlive } from '../../../drivers/process-alive.ts';

type Sandbox = Awaited<ReturnType<typeof cliSandbox>>;
interface RunJson {
  id: string;
  status: string;
  parent: string | null;
  steps: {
    cell: string;
    status: string;
    approved_by: string | null;
    reused_from: string | null;
    result: Record<string, unknown>;
  }[];
}

describe('stackbook CLI', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await cliSandbox();
  });
  after(() => sb.close());

  let firstRun: string;

  it('run executes the example runbook with sh and manual cells (--yes approves)', async () => {
    const result = await sb.run(['run', 'seed-preflight', '--dc', 'example', '--yes']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /== host-facts: running/);
    assert.match(result.stdout, /\[inventory\] machine: control-0/);
    assert.match(result.stdout, /\[inventory\] the IPMI password is set/);
    // The example datacentre's overlay: a param override and an inserted cell.
    assert.match(result.stdout, /\[free-disk\] free: \d+ GiB in .* \(need 2\)/);
    assert.match(result.stdout, /\[vlans\] vlan 20\n\[vlans\] images need the vlan element/);
    assert.match(result.stdout, /3 machines on example, \d+ GiB free: ready for the boot-stack/);
    assert.match(result.stderr, /run \w+: succeeded/);
    const runs = await sb.json<RunJson[]>(['runs']);
    assert.equal(runs.length, 1);
    firstRun = runs[0]!.id;
    const shown = await sb.json<RunJson>(['show', firstRun]);
    assert.equal(shown.status, 'succeeded');
    assert.deepEqual(
      shown.steps.map((s) => `${s.cell}:${s.status}`),
      [
        'host-facts:succeeded',
        'free-disk:succeeded',
        'inventory:succeeded',
        'vlans:succeeded',
        'cabling:succeeded',
        'summary:succeeded',
      ],
    );
    assert.equal(
      shown.steps[4]!.approved_by,
      process.env.STACKBOOK_USER ?? (await import('node:os')).userInfo().username,
    );
    assert.equal(shown.steps[2]!.result.machines, '3');
  });

  it('show prints a table and the output; a unique id prefix is enough', async () => {
    const result = await sb.run(['show', firstRun.slice(0, 20), '--output']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /CELL\s+DRIVER\s+STATUS/);
    assert.match(result.stdout, /cabling\s+manual\s+succeeded/);
    assert.match(result.stdout, /\[inventory\] machine: seed/);
  });

  it('export writes Markdown, HTML and JUnit of the recorded run', async () => {
    const md = await sb.run(['export', firstRun, '--format', 'md']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Seed host preflight/);
    assert.match(md.stdout, /> \*\*inventory\*\*: succeeded/);
    assert.match(md.stdout, /```text\nmachine: seed\nmachine: control-0\nmachine: compute-0\n/);
    assert.match(md.stdout, /approved by \w+: “approved with --yes”/);
    assert.match(
      md.stdout,
      /> \*\*vlans\*\*: succeeded · [\d.]+ s · from overlay .*example\/runbooks\/seed-preflight\.md:11\n/,
    );
    const junitFile = path.join(sb.dir, 'report.xml');
    const junit = await sb.run(['export', firstRun, '--format', 'junit', '--out', junitFile]);
    assert.equal(junit.code, 0, junit.stderr);
    const xml = await readFile(junitFile, 'utf8');
    assert.match(
      xml,
      /<testsuite name="seed-preflight \(example\)" tests="6" failures="0" errors="0" skipped="0"/,
    );
    assert.equal([...xml.matchAll(/<testcase /g)].length, 6);
    assert.match(xml, /<testcase classname="seed-preflight.manual" name="cabling"/);
    assert.match(xml, /<system-out>machine: seed\nmachine: control-0/);
    const html = await sb.run(['export', firstRun, '--format', 'html']);
    assert.match(html.stdout, /<h1>Seed host preflight<\/h1>/);
    assert.equal((await sb.run(['export', firstRun, '--format', 'pdf'])).code, 2);
  });

  it('replay makes a new run from the snapshot with a parent link', async () => {
    const result = await sb.run(['replay', firstRun, '--yes']);
    assert.equal(result.code, 0, result.stderr);
    const runs = await sb.json<RunJson[]>(['runs']);
    assert.equal(runs.length, 2);
    assert.equal(runs[0]!.parent, firstRun, 'newest first, linked to its parent');
  });

  it('without a terminal or --yes a manual cell stops the run; a resume reuses what ran', async () => {
    const stopped = await sb.run(['run', 'seed-preflight', '--dc', 'example']);
    assert.equal(stopped.code, 1);
    assert.match(
      stopped.stderr,
      /cell 'cabling' needs an operator's approval and there is no terminal to ask on/,
    );
    const [latest] = await sb.json<RunJson[]>(['runs']);
    assert.equal(latest!.status, 'awaiting-approval');
    const resumed = await sb.run(['replay', latest!.id, '--from', 'cabling', '--yes']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const [resumedRun] = await sb.json<RunJson[]>(['runs']);
    const shown = await sb.json<RunJson>(['show', resumedRun!.id]);
    assert.equal(shown.status, 'succeeded');
    assert.deepEqual(
      shown.steps.filter((s) => s.reused_from === latest!.id).map((s) => s.cell),
      ['host-facts', 'free-disk', 'inventory', 'vlans'],
    );
  });

  it('exits 1 when a cell fails, 2 for bad input naming file and line', async () => {
    await writeFile(
      path.join(sb.runbooks, 'fails.md'),
      '# Fails\n\n```sh {name=boom}\necho about to fail; exit 4\n```\n',
    );
    const failed = await sb.run(['run', 'fails', '--dc', 'example']);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /cell 'boom' failed: script exited with 4/);

    const bad = path.join(sb.runbooks, 'bad.md');
    await writeFile(bad, '# Bad\n\ntext\n\n```sh {name=a needs=[nope]}\necho\n```\n');
    const malformed = await sb.run(['run', bad, '--dc', 'example']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: needs`));

    assert.equal((await sb.run(['run', 'seed-preflight'])).code, 2, '--dc missing');
    assert.equal((await sb.run(['run', 'seed-preflight', '--dc', 'example', '--bogus'])).code, 2);
    assert.equal((await sb.run(['run', 'no-such-runbook', '--dc', 'example'])).code, 2);
    assert.equal((await sb.run(['show', 'ZZZZ'])).code, 2);
    assert.equal((await sb.run(['frobnicate'])).code, 2);
  });

  it('a malformed profile lists every problem with its line, and never echoes a password', async () => {
    const dc = path.join(sb.dir, 'broken-dc');
    await mkdir(dc, { recursive: true });
    await writeFile(
      path.join(dc, 'datacentre.yaml'),
      'machines:\n  - name: a\n    mac: [52:54:00:zz:00:01]\n    pm_addr: 10.0.0.300\n    pm_type: ipmi\n    pm_user: admin\n    pm_password: Plain-Pw-77\n',
    );
    const result = await sb.run(['run', 'seed-preflight', '--dc', dc]);
    assert.equal(result.code, 2);
    const file = path.join(dc, 'datacentre.yaml');
    assert.ok(result.stderr.includes(`${file}:3: machines[0].mac[0]: not a MAC address`), result.stderr);
    assert.ok(result.stderr.includes(`${file}:4: machines[0].pm_addr: not an IP address or hostname`));
    assert.ok(
      result.stderr.includes(`${file}:7: machines[0].pm_password: plain-text secrets are not allowed`),
    );
    assert.equal(result.stderr.includes('Plain-Pw-77'), false);
  });

  it('a secret a cell prints is masked in output, exports and every store file; --json prints the record', async () => {
    await writeFile(
      path.join(sb.runbooks, 'leak.md'),
      '# Leak\n\n```sh {name=leak}\necho "password is" {{ secrets.EXAMPLE_OS_PASSWORD }}\necho "pw=$STACKBOOK_SECRET_EXAMPLE_OS_PASSWORD" >> "$STACKBOOK_OUTPUT"\n```\n',
    );
    const result = await sb.run(['run', 'leak', '--dc', 'example', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const record = JSON.parse(result.stdout) as RunJson;
    assert.equal(record.status, 'succeeded');
    assert.equal(record.steps[0]!.result.pw, '********');
    assert.match(result.stderr, /\[leak\] password is \*{8}/);
    const exports = await Promise.all(
      ['md', 'html', 'junit'].map((format) => sb.run(['export', record.id, '--format', format])),
    );
    const dataDir = path.join(sb.dir, 'data');
    const storeFiles = (await readdir(dataDir)).filter((name) => name.startsWith('stackbook.db'));
    assert.ok(storeFiles.includes('stackbook.db'));
    const stored = await Promise.all(storeFiles.map((name) => readFile(path.join(dataDir, name), 'latin1')));
    for (const text of [result.stdout, result.stderr, ...exports.map((e) => e.stdout), ...stored]) {
      assert.equal(text.includes('os-Secret-2'), false);
    }
    assert.match(exports[0]!.stdout, /password is \*{8}/);
  });

  it('import-nodes writes machines from a TripleO nodes.json, passwords into secrets.env', async () => {
    const nodes = path.join(sb.dir, 'nodes.json');
    await writeFile(
      nodes,
      JSON.stringify({
        nodes: [
          {
            name: 'ctl-0',
            mac: ['52:54:00:bb:00:01'],
            cpu: '2',
            memory: '4096',
            disk: '40',
            arch: 'x86_64',
            pm_type: 'ipmi',
            pm_addr: '192.0.2.10',
            pm_user: 'admin',
            pm_password: 'Imported-Pw-9',
          },
        ],
      }),
    );
    const result = await sb.run(['import-nodes', nodes, '--dc', 'imported']);
    assert.equal(result.code, 0, result.stderr);
    const yaml = await readFile(path.join(sb.datacentres, 'imported/datacentre.yaml'), 'utf8');
    assert.match(yaml, /name: ctl-0/);
    assert.equal(yaml.includes('Imported-Pw-9'), false);
    assert.match(
      await readFile(path.join(sb.datacentres, 'imported/secrets.env'), 'utf8'),
      /CTL_0_PM_PASSWORD=Imported-Pw-9/,
    );
  });

  it('kill -9 mid-cell: the next start marks the run interrupted, keeps the flushed output, kills the orphans', async () => {
    await mkdir(sb.runbooks, { recursive: true });
    await writeFile(
      path.join(sb.runbooks, 'long.md'),
      '# Long\n\n```sh {name=ticker}\necho $$ > ticker.pid\nfor i in $(seq 1 600); do echo "tick $i"; sleep 0.05; done\n```\n',
    );
    const child = sb.start(['run', 'long', '--dc', 'example']);
    const store = await Store.open(path.join(sb.dir, 'data', 'stackbook.db'));
    let runId: string | undefined;
    let seen = '';
    try {
      for (let i = 0; i < 200 && !seen.includes('tick 10\n'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        runId = (await store.listRuns({ runbook: 'long' }))[0]?.id;
        if (runId) {
          seen = (await store.listEvents(runId))
            .filter((e) => e.kind === 'stdout')
            .map((e) => e.data)
            .join('');
        }
      }
      assert.ok(runId && seen.includes('tick 10\n'), 'output reached the store while the cell ran');
    } finally {
      await store.close();
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const workdir = path.join(sb.dir, 'data', 'runs', runId!);
    const tickerPid = Number(await readFile(path.join(workdir, 'ticker.pid'), 'utf8'));

    const shown = await sb.json<RunJson>(['show', runId!]);
    assert.equal(shown.status, 'interrupted');
    assert.deepEqual(
      shown.steps.map((s) => `${s.cell}:${s.status}`),
      ['ticker:interrupted'],
    );
    const output = await sb.run(['show', runId!, '--output']);
    for (const line of seen.split('\n').filter(Boolean))
      assert.ok(output.stdout.includes(line), `lost '${line}'`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(processAlive(tickerPid), false, 'the orphaned cell process was killed');
    assert.ok((await readdir(workdir)).includes('ticker.pid'));
  });
});
