import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Store } from '../../../server/store/store.ts';
import { cliSandbox } from '../../helpers/cli.ts';

type Sandbox = Awaited<ReturnType<typeof cliSandbox>>;
interface RunJson {
  id: string;
  status: string;
  parent: string | null;
  source_sha256: string;
  steps: { cell: string; status: string; reused_from: string | null }[];
}

const snapshot = (version: string, colour: string) => `---
id: snap
title: Snapshot
params: { colour: ${colour} }
---
# Snapshot

\`\`\`sh {name=first}
echo "${version} first:" {{ run.params.colour }} {{ dc.machines.0.name }} {{ dc.network.vlans.0.id }}
\`\`\`

\`\`\`sh {name=second needs=[first]}
echo "${version} second:" {{ dc.machines.0.name }} {{ dc.network.vlans.0.id }}
\`\`\`
`;

describe('replay uses the recorded snapshot, not the files as they are now', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await cliSandbox({ snap: snapshot('version one', 'red') });
  });
  after(() => sb.close());

  it('replays and resumes with the recorded runbook and datacentre after both files were edited', async () => {
    const first = await sb.run(['run', 'snap', '--dc', 'example']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /\[first\] version one first: red seed 20\n/);
    const [original] = await sb.json<RunJson[]>(['runs']);

    // Both source files change after the run: the runbook's text and params, the datacentre's values.
    await writeFile(path.join(sb.runbooks, 'snap.md'), snapshot('version two', 'blue'));
    const profile = path.join(sb.datacentres, 'example', 'datacentre.yaml');
    const yaml = await readFile(profile, 'utf8');
    const edited = yaml
      .replace('  - name: seed\n', '  - name: seed-renamed\n')
      .replace('- id: 20\n', '- id: 30\n');
    assert.notEqual(edited, yaml);
    await writeFile(profile, edited);

    const replay = await sb.run(['replay', original!.id]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /\[first\] version one first: red seed 20\n/);
    assert.match(replay.stdout, /\[second\] version one second: seed 20\n/);
    assert.doesNotMatch(replay.stdout, /version two|blue|seed-renamed|\b30\b/);
    const resume = await sb.run(['replay', original!.id, '--from', 'second']);
    assert.equal(resume.code, 0, resume.stderr);
    assert.match(resume.stdout, /\[second\] version one second: seed 20\n/);

    // A new run sees the edits: the files did change, and the replays did not read them.
    const fresh = await sb.run(['run', 'snap', '--dc', 'example']);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout, /\[first\] version two first: blue seed-renamed 30\n/);

    const [newest, resumed, replayed] = await sb.json<RunJson[]>(['runs']);
    const shown = (id: string) => sb.json<RunJson>(['show', id]);
    const [a, b, c, d] = (await Promise.all(
      [original, replayed, resumed, newest].map((r) => shown(r!.id)),
    )) as [RunJson, RunJson, RunJson, RunJson];
    assert.equal(b.parent, a.id);
    assert.equal(c.parent, a.id);
    assert.deepEqual(
      c.steps.map((s) => `${s.cell}:${s.reused_from ?? '-'}`),
      [`first:${a.id}`, 'second:-'],
    );
    assert.equal(b.source_sha256, a.source_sha256);
    assert.equal(c.source_sha256, a.source_sha256);
    assert.notEqual(d.source_sha256, a.source_sha256);

    // The stored effective runbook and datacentre snapshot are the original's, byte for byte.
    const store = await Store.open(path.join(sb.dir, 'data', 'stackbook.db'));
    try {
      const rows = await Promise.all(
        [a.id, b.id, c.id, d.id].map((id) =>
          store.db.get<{ effective: string; datacentre_snapshot: string }>(
            'SELECT effective, datacentre_snapshot FROM runs WHERE id = ?',
            [id],
          ),
        ),
      );
      for (const row of [rows[1], rows[2]]) {
        assert.equal(row!.effective, rows[0]!.effective);
        assert.equal(row!.datacentre_snapshot, rows[0]!.datacentre_snapshot);
      }
      assert.match(rows[0]!.datacentre_snapshot, /"name":"seed"/);
      assert.match(rows[3]!.datacentre_snapshot, /"name":"seed-renamed"/);
      assert.match(rows[0]!.effective, /version one/);
      assert.match(rows[3]!.effective, /version two/);
    } finally {
      await store.close();
    }
  });
});
