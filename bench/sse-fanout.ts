/**
 * Issue 3 (b): 50 SSE viewers of a cell printing 200,000 lines: time until the last viewer has every event,
 * against one viewer, in the same run; and the server's peak RSS.
 */
import { followStream, startServeProcess } from './serve-process.ts';

const LINES = 200_000;
const VIEWERS = 50;

async function watch(server: Awaited<ReturnType<typeof startServeProcess>>, viewers: number) {
  const run = await server.post('/api/runs', { runbook: 'chatty', datacentre: 'example' });
  const stream = `${server.url}/api/runs/${run.id}/stream`;
  const watching = Array.from({ length: viewers }, () => followStream(stream, 0));
  // Let every viewer connect before the cell starts.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = performance.now();
  await server.post(`/api/runs/${run.id}/execute`);
  const results = await Promise.all(watching);
  const ms = performance.now() - started;
  // Every viewer must have received exactly the stored events, in order, and all of the output.
  const stored = await server.events(run.id);
  const seqs = stored.map((event) => event.seq).join(',');
  const stdout = stored.filter((e) => e.kind === 'stdout').reduce((sum, e) => sum + e.data.length, 0);
  const lines = stored
    .filter((e) => e.kind === 'stdout')
    .reduce((sum, e) => sum + e.data.split('\n').length - 1, 0);
  if (lines !== LINES) throw new Error(`the run stored ${lines} lines, not ${LINES}`);
  results.forEach((result, viewer) => {
    if (result.seqs.join(',') !== seqs || result.stdout !== stdout)
      throw new Error(
        `viewer ${viewer + 1} of ${viewers} received ${result.seqs.length} events (${result.stdout} characters of ` +
          `stdout), the store holds ${stored.length} (${stdout})`,
      );
  });
  return { ms, bytes: stdout, events: stored.length };
}

export async function sseFanout(): Promise<void> {
  const server = await startServeProcess({
    chatty: `# Chatty\n\n\`\`\`sh {name=lines}\nseq 1 ${LINES}\n\`\`\`\n`,
  });
  try {
    await watch(server, 1);
    const one = await watch(server, 1);
    const rssBefore = await server.peakRss();
    const many = await watch(server, VIEWERS);
    const peak = await server.peakRss();
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    console.log(
      `SSE fan-out: a cell printing ${LINES.toLocaleString('en')} lines (${mib(one.bytes)}) to its viewers`,
    );
    console.log(`  reference  1 viewer                 ${one.ms.toFixed(0)} ms until it has every event`);
    console.log(
      `  stackbook  ${VIEWERS} viewers               ${many.ms.toFixed(0)} ms until the last has every event`,
    );
    console.log(`  ratio      ${(many.ms / one.ms).toFixed(2)}× the single viewer's time`);
    console.log(`  checked    each viewer received all ${many.events} stored events, in order, once`);
    console.log(`  server     peak RSS ${mib(rssBefore)} before the ${VIEWERS} viewers, ${mib(peak)} after`);
  } finally {
    await server.stop();
  }
}
