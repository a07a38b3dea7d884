import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'server/cli/bin.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A sandbox: a data dir, a copy of the example datacentre with its secrets, the repo's runbooks, and any
 * extra runbooks given as id → Markdown.
 */
export async function cliSandbox(extraRunbooks: Record<string, string> = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-cli-'));
  const datacentres = path.join(dir, 'datacentres');
  await cp(path.join(ROOT, 'datacentres/example'), path.join(datacentres, 'example'), { recursive: true });
  await writeFile(
    path.join(datacentres, 'example/secrets.env'),
    'EXAMPLE_IPMI_PASSWORD=ipmi-Secret-1\nEXAMPLE_OS_PASSWORD=os-Secret-2\n',
    { mode: 0o600 },
  );
  const runbooks = path.join(dir, 'runbooks');
  await cp(path.join(ROOT, 'runbooks'), runbooks, { recursive: true });
  for (const [id, text] of Object.entries(extraRunbooks))
    await writeFile(path.join(runbooks, `${id}.md`), text);
  const common = ['--data', path.join(dir, 'data'), '--datacentres', datacentres, '--runbooks', runbooks];
  const start = (args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess =>
    spawn(process.execPath, [BIN, ...args, ...common], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  return {
    dir,
    datacentres,
    runbooks,
    start,
    /** Runs the CLI to completion without a terminal. */
    run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
      const child = start(args, env);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk) => (stdout += chunk));
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
    },
    async json<T>(args: string[]): Promise<T> {
      const result = await this.run([...args, '--json']);
      if (result.code !== 0)
        throw new Error(`stackbook ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return JSON.parse(result.stdout) as T;
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Another datacentre beside the example one in a sandbox's datacentres folder: a copy of it (secrets
 * included) named `name`, without its runbook overlays, with `edit` applied to its datacentre.yaml.
 */
export async function addDatacentre(
  datacentres: string,
  name: string,
  edit: (yaml: string) => string = (yaml) => yaml,
): Promise<string> {
  const dir = path.join(datacentres, name);
  await cp(path.join(datacentres, 'example'), dir, { recursive: true });
  await rm(path.join(dir, 'runbooks'), { recursive: true, force: true });
  const file = path.join(dir, 'datacentre.yaml');
  const yaml = (await readFile(file, 'utf8')).replace(/^name: example$/m, `name: ${name}`);
  await writeFile(file, edit(yaml));
  return dir;
}

/** Starts `stackbook serve --port 0` in a sandbox and answers its URL once it listens. */
export async function startServe(
  sandbox: { start(args: string[]): ChildProcess },
  extra: string[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  const child = sandbox.start(['serve', '--port', '0', ...extra]);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
  return { child, url };
}
