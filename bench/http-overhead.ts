/**
 * Issue 3 (a): a no-op `sh` cell executed over HTTP until its final event arrives, against spawning the
 * same script with execa directly, in the same run. Prints the median overhead (target ≤ 15 ms).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { followStream, startServeProcess } from './serve-process.ts';

const ROUNDS = 30;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function httpOverhead(): Promise<void> {
  const server = await startServeProcess({ noop: '# No-op\n\n```sh {name=noop}\ntrue\n```\n' });
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'sb-bench-noop-'));
  try {
    const script = path.join(scratch, 'noop.sh');
    await writeFile(script, 'true\n');
    const run = await server.post('/api/runs', { runbook: 'noop', datacentre: 'example' });
    const stream = `${server.url}/api/runs/${run.id}/stream`;
    let last = 0;
    const http: number[] = [];
    const direct: number[] = [];
    let cpuBefore = 0;
    for (let round = 0; round < ROUNDS + 3; round++) {
      if (round === 3) cpuBefore = await server.cpuMs();
      // Alternate the two so drift on the machine affects both alike; the first rounds warm up.
      const started = performance.now();
      await server.post(`/api/runs/${run.id}/cells/noop/execute`);
      ({ last } = await followStream(stream, last));
      const httpMs = performance.now() - started;
      const directStart = performance.now();
      await execa('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', script]);
      const directMs = performance.now() - directStart;
      if (round >= 3) {
        http.push(httpMs);
        direct.push(directMs);
      }
    }
    // Less sensitive to a busy machine than the wall clock: the server's own work per execution.
    const cpu = (await server.cpuMs()) - cpuBefore;
    const overhead = median(http) - median(direct);
    console.log(`HTTP overhead: a no-op sh cell over HTTP until its final SSE event, ${ROUNDS} rounds`);
    console.log(`  reference  execa, bash directly     median ${median(direct).toFixed(1)} ms`);
    console.log(`  stackbook  POST execute → stream    median ${median(http).toFixed(1)} ms`);
    console.log(
      `  overhead   ${overhead.toFixed(1)} ms (target ≤ 15 ms); ratio ${(median(http) / median(direct)).toFixed(2)}×`,
    );
    console.log(`  server     ${(cpu / ROUNDS).toFixed(1)} ms of CPU per execution (user + system)`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await server.stop();
  }
}
