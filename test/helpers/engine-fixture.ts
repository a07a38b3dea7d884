import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultRegistry } from '../../drivers/default-registry.ts';
import { Engine, type EngineDeps } from '../../server/engine/engine.ts';
import { loadDatacentre } from '../../server/runbook/load-datacentre.ts';
import { parseRunbook } from '../../server/runbook/parse-runbook.ts';
import type { EventRecord } from '../../server/store/records.ts';
import { Store } from '../../server/store/store.ts';

export const SECRET = 'S3cr3t-hunter2-value';

export const DATACENTRE_YAML = `name: testdc
machines:
  - name: node-1
    mac: [52:54:00:00:00:01]
    pm_type: ipmi
    pm_addr: 127.0.0.1
    pm_port: 6230
    pm_user: admin
    pm_password: { secret: TEST_IPMI_PASSWORD }
  - name: node-2
    mac: [52:54:00:00:00:02]
    pm_type: ipmi
    pm_addr: 127.0.0.1
    pm_port: 6231
    pm_user: admin
    pm_password: { secret: TEST_IPMI_PASSWORD }
params:
  greeting: hello
  # Free-form values reach sh cells too; they must stay inert words.
  labels: ["rack-1", "n2; touch INJECTED", "$(touch INJECTED2)", "\`touch INJECTED3\`"]
`;

/**
 * A temp data dir, a datacentre with a secret in its secrets.env, a store and an engine over them. `site`
 * replaces the datacentre's profile and secrets.
 */
export async function engineFixture(
  deps: Partial<EngineDeps> = {},
  site: { yaml: string; secrets: Record<string, string> } = {
    yaml: DATACENTRE_YAML,
    secrets: { TEST_IPMI_PASSWORD: SECRET },
  },
) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-engine-'));
  const dcDir = path.join(dir, 'datacentres', 'testdc');
  await mkdir(dcDir, { recursive: true });
  await writeFile(path.join(dcDir, 'datacentre.yaml'), site.yaml);
  const secrets = Object.entries(site.secrets).map(([name, value]) => `${name}=${value}\n`);
  await writeFile(path.join(dcDir, 'secrets.env'), secrets.join(''), { mode: 0o600 });
  const store = await Store.open(path.join(dir, 'data', 'stackbook.db'));
  const drivers = defaultRegistry();
  const events: EventRecord[] = [];
  const engine = new Engine({
    store,
    drivers,
    dataDir: path.join(dir, 'data'),
    env: {},
    onEvents: (batch) => void events.push(...batch),
    ...deps,
  });
  const datacentre = await loadDatacentre('testdc', path.join(dir, 'datacentres'));
  return {
    dir,
    store,
    engine,
    events,
    datacentre,
    runbook: (markdown: string, file = path.join(dir, 'rb.md')) => parseRunbook(markdown, file, drivers),
    /** Creates a run of the given Markdown runbook. */
    create: async (markdown: string, mode: 'live' | 'dry-run' = 'live') =>
      engine.createRun({
        runbook: parseRunbook(markdown, path.join(dir, 'rb.md'), drivers),
        datacentre,
        mode,
        by: 'tester',
      }),
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Builds a runbook's Markdown from cells: [fence info, body]. */
export function markdown(...cells: [string, string][]): string {
  return `---\nid: t\ntitle: Test\n---\n# Test\n\n${cells.map(([info, body]) => `\`\`\`${info}\n${body}\n\`\`\`\n`).join('\n')}`;
}
