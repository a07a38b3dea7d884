/**
 * Issue 6's benchmark: 16 concurrent TFTP clients × 64 MiB at blksize 1468, and at 8192, against stackbook's
 * TFTP server (`stackbook tftp-serve`, as the pxe driver runs it) and two references in the same run:
 * tftpd-hpa (`in.tftpd`) and dnsmasq's TFTP. The client is curl, one process per transfer, output to
 * /dev/null. All three serve loopback inside a network namespace made for the run (dnsmasq's TFTP port is
 * always 69), and every curl runs there through `ip netns exec`, so all are measured the same way. Rounds
 * alternate between servers; each server's best round counts. Target: stackbook ≥ 1.0× the fastest
 * reference. Needs root (network namespace) and the Debian packages tftpd-hpa, dnsmasq and curl.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

const CLIENTS = 16;
const FILE_BYTES = 64 * 1024 * 1024;
const ROUNDS = Number(process.env.BENCH_TFTP_ROUNDS ?? 2);
const BIN = fileURLToPath(new URL('../server/cli/bin.js', import.meta.url));
const TICKS = 100;

interface Server {
  name: string;
  port: number;
  process: ResultPromise;
}

/** User + system CPU seconds of a process and its threads so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

export async function tftpThroughput(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-bench-tftp-'));
  const root = path.join(dir, 'root');
  await mkdir(root);
  await writeFile(path.join(root, 'image.bin'), randomBytes(FILE_BYTES));
  await writeFile(path.join(root, 'probe'), 'ok\n');
  // tftpd-hpa and dnsmasq drop privileges; let them read the files whatever user they become.
  await chmod(dir, 0o755);
  await chmod(root, 0o755);
  const namespace = `sb-bench-tftp-${process.pid}`;
  const inNamespace = (file: string, args: string[]) => ['netns', 'exec', namespace, file, ...args];
  await execa('ip', ['netns', 'add', namespace]);
  const servers: Server[] = [];
  try {
    await execa('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    // in.tftpd resolves its address with AI_ADDRCONFIG, which fails while loopback is the only interface.
    await execa('ip', ['-n', namespace, 'link', 'add', 'sb0', 'type', 'veth', 'peer', 'name', 'sb1']);
    await execa('ip', ['-n', namespace, 'address', 'add', '10.255.255.1/30', 'dev', 'sb0']);
    await execa('ip', ['-n', namespace, 'link', 'set', 'sb0', 'up']);
    const start = (name: string, port: number, file: string, args: string[]) => {
      const child = execa('ip', inNamespace(file, args), { buffer: false, stdin: 'ignore', reject: false });
      const server = { name, port, process: child };
      servers.push(server);
      return server;
    };
    const sb = start('stackbook', 0, process.execPath, [
      ...[BIN, 'tftp-serve', '--root', root, '--address', '127.0.0.1', '--port', '0'],
    ]);
    sb.port = await new Promise<number>((resolve, reject) => {
      let output = '';
      sb.process.stdout!.on('data', (chunk: Buffer) => {
        output += chunk;
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      void sb.process.then((result) => reject(new Error(`stackbook tftp-serve exited: ${result.stderr}`)));
    });
    const asRoot = process.getuid?.() === 0 ? ['--user', 'root'] : [];
    start('tftpd-hpa', 1069, 'in.tftpd', [
      ...['--foreground', '--address', '127.0.0.1:1069', '--secure', ...asRoot, root],
    ]);
    start('dnsmasq', 69, 'dnsmasq', [
      ...['--keep-in-foreground', '--conf-file=/dev/null', '--pid-file', '--port=0', '--enable-tftp'],
      ...[`--tftp-root=${root}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--tftp-max=64'],
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ]);

    const curl = (port: number, file: string, blksize: number, maxTime = 600) =>
      execa(
        'ip',
        inNamespace('curl', [
          ...['-sS', '-o', '/dev/null', '-w', '%{size_download}', '--max-time', String(maxTime)],
          ...['--tftp-blksize', String(blksize), `tftp://127.0.0.1:${port}/${file}`],
        ]),
        { reject: false },
      );
    for (const server of servers) {
      for (let attempt = 0; ; attempt++) {
        const probe = await curl(server.port, 'probe', 512, 2);
        if (probe.exitCode === 0) break;
        if (attempt > 20) throw new Error(`${server.name} does not answer: ${probe.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    const run = async (server: Server, blksize: number) => {
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: CLIENTS }, () => curl(server.port, 'image.bin', blksize)),
      );
      const seconds = (performance.now() - started) / 1000;
      for (const result of results) {
        if (result.exitCode !== 0 || Number(result.stdout) !== FILE_BYTES)
          throw new Error(
            `${server.name}: curl exited ${result.exitCode} after ${result.stdout} bytes: ${result.stderr}`,
          );
      }
      return (CLIENTS * FILE_BYTES) / 1e6 / seconds;
    };

    console.log(
      `TFTP throughput: ${CLIENTS} concurrent curl clients × ${FILE_BYTES / 1024 / 1024} MiB on loopback, aggregate MB/s (10^6 bytes), best of ${ROUNDS} alternating rounds`,
    );
    for (const blksize of [1468, 8192]) {
      const rates = new Map<string, number[]>(servers.map((server) => [server.name, []]));
      let sbCpu = 0;
      for (let round = 0; round < ROUNDS; round++) {
        for (const server of servers) {
          const before = server === sb ? cpuSeconds(sb.process.pid!) : 0;
          rates.get(server.name)!.push(await run(server, blksize));
          if (server === sb) sbCpu += cpuSeconds(sb.process.pid!) - before;
        }
      }
      const best = (name: string) => Math.max(...rates.get(name)!);
      const references = servers.filter((server) => server !== sb).map((server) => server.name);
      const fastest = references.reduce((a, b) => (best(a) >= best(b) ? a : b));
      console.log(`  blksize ${blksize}`);
      for (const server of servers) {
        const all = rates
          .get(server.name)!
          .map((rate) => rate.toFixed(1))
          .join(', ');
        console.log(
          `    ${server.name.padEnd(10)} ${best(server.name).toFixed(1).padStart(7)} MB/s   (rounds: ${all})`,
        );
      }
      const gib = (ROUNDS * CLIENTS * FILE_BYTES) / 2 ** 30;
      console.log(
        `    stackbook / ${fastest} (fastest reference): ${(best('stackbook') / best(fastest)).toFixed(2)}× (target ≥ 1.0×); ` +
          `stackbook / ${references.find((name) => name !== fastest)}: ${(best('stackbook') / best(references.find((name) => name !== fastest)!)).toFixed(2)}×; ` +
          `stackbook's server used ${(sbCpu / gib).toFixed(1)} s of CPU per GiB sent`,
      );
    }
  } finally {
    for (const server of servers) server.process.kill('SIGTERM');
    await Promise.all(servers.map((server) => server.process.catch(() => undefined)));
    await execa('ip', ['netns', 'del', namespace], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await tftpThroughput();
