import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpu } from './process-cpu.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** A `stackbook serve` child process over a temp data dir with the given runbooks and the example datacentre. */
export async function startServeProcess(runbooks: Record<string, string>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-bench-serve-'));
  await mkdir(path.join(dir, 'runbooks'));
  for (const [id, text] of Object.entries(runbooks))
    await writeFile(path.join(dir, 'runbooks', `${id}.md`), text);
  await cp(path.join(ROOT, 'datacentres/example'), path.join(dir, 'datacentres/example'), {
    recursive: true,
  });
  await writeFile(
    path.join(dir, 'datacentres/example/secrets.env'),
    'EXAMPLE_IPMI_PASSWORD=bench-1\nEXAMPLE_OS_PASSWORD=bench-2\n',
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(ROOT, 'server/cli/bin.js'),
      'serve',
      '--port',
      '0',
      '--data',
      path.join(dir, 'data'),
      '--runbooks',
      path.join(dir, 'runbooks'),
      '--datacentres',
      path.join(dir, 'datacentres'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return {
    url,
    /** CPU time the server has used so far (user + system), in ms. */
    async cpuMs(): Promise<number> {
      const seconds = processCpu(child.pid!);
      if (seconds === undefined) throw new Error(`the server (pid ${child.pid}) is gone`);
      return seconds * 1000;
    },
    /** The server's peak resident memory so far (VmHWM), in bytes. */
    async peakRss(): Promise<number> {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    /** Every stored event of a run, read through the paged events endpoint. */
    async events(run: unknown): Promise<{ seq: number; kind: string; data: string }[]> {
      const all: { seq: number; kind: string; data: string }[] = [];
      for (;;) {
        const response = await fetch(
          `${url}/api/runs/${run}/events?after=${all.at(-1)?.seq ?? 0}&limit=1000`,
        );
        const page = (await response.json()) as typeof all;
        if (!page.length) return all;
        all.push(...page);
      }
    },
    async post(route: string, body: unknown = {}): Promise<Record<string, unknown>> {
      const response = await fetch(url + route, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (response.status >= 300) throw new Error(`${route}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Reads a run's SSE stream from `after` until the event closing the stream; answers the seq of every event
 * received, the last one, and how many characters of stdout arrived.
 */
export async function followStream(
  url: string,
  after: number,
): Promise<{ seqs: number[]; last: number; stdout: number }> {
  const response = await fetch(url, { headers: { 'Last-Event-ID': String(after) } });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let last = after;
  let stdout = 0;
  const seqs: number[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { seqs, last, stdout };
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (\d+)$/m.exec(block);
      if (id) seqs.push((last = Number(id[1])));
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data && block.includes('event: stdout'))
        stdout += (JSON.parse(data) as { data: string }).data.length;
    }
  }
}
