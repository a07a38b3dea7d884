/**
 * Issue 6's benchmark: 16 concurrent TFTP clients × 64 MiB at blksize 1468, and at 8192, against stackbook's
 * TFTP server (`stackbook tftp-serve`, as the pxe driver runs it) and two references in the same run:
 * tftpd-hpa (`in.tftpd`) and dnsmasq's TFTP. The client is curl, one process per transfer, output to
 * /dev/null. All three serve loopback inside a network namespace made for the run (dnsmasq's TFTP port is
 * always 69), and every curl runs there through `ip netns exec`, so all are measured the same way. Rounds
 * alternate between servers; each server's best round counts. Target: stackbook ≥ 1.0× the fastest
 * reference. Each server's CPU per GiB is printed too (a figure a busy machine disturbs less than the wall
 * clock), measured through a cgroup of its own when cgroup v2 is writable, which counts tftpd-hpa's forked
 * children. A fourth server runs in the same rounds, Node's floor (`tftp-floor-server.ts`: the least a TFTP
 * server on Node's dgram does per block, shaped as stackbook's), so each run shows which part of the gap to
 * the references is stackbook's and which is the runtime's (decisions.md 34). Needs root (network namespace)
 * and the Debian packages tftpd-hpa, dnsmasq and curl.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { processCpu } from './process-cpu.ts';

const CLIENTS = 16;
const FILE_BYTES = 64 * 1024 * 1024;
const ROUNDS = Number(process.env.BENCH_TFTP_ROUNDS ?? 2);
const BIN = fileURLToPath(new URL('../server/cli/bin.js', import.meta.url));
const FLOOR = fileURLToPath(new URL('./tftp-floor-server.ts', import.meta.url));
const FLOOR_NAME = 'Node floor';
const CGROUP_V2 = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'].find((dir) =>
  existsSync(path.join(dir, 'cgroup.controllers')),
);

interface Server {
  name: string;
  port: number;
  process: ResultPromise;
  /** CPU seconds the server (and anything it forked) has used so far, when that can be known. */
  cpu: () => number | undefined;
  cgroup?: string;
}

/** Puts a process in a cgroup of its own (its future children follow); undefined when it cannot. */
async function ownCgroup(name: string, pid: number): Promise<string | undefined> {
  if (!CGROUP_V2) return undefined;
  const dir = path.join(CGROUP_V2, name);
  try {
    await mkdir(dir);
    await writeFile(path.join(dir, 'cgroup.procs'), String(pid));
    return dir;
  } catch {
    await rmdir(dir).catch(() => undefined);
    return undefined;
  }
}

function cgroupCpu(dir: string): number {
  const usage = /^usage_usec (\d+)$/m.exec(readFileSync(path.join(dir, 'cpu.stat'), 'utf8'));
  return Number(usage?.[1] ?? 0) / 1e6;
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
    const start = async (name: string, port: number, file: string, args: string[]) => {
      // `ip netns exec` replaces itself with the server: the pid is the server's.
      const child = execa('ip', inNamespace(file, args), { buffer: false, stdin: 'ignore', reject: false });
      const server: Server = { name, port, process: child, cpu: () => processCpu(child.pid!) };
      servers.push(server);
      const cgroup = await ownCgroup(`${namespace}-${name}`, child.pid!);
      if (cgroup) Object.assign(server, { cgroup, cpu: () => cgroupCpu(cgroup) });
      return server;
    };
    /** The port a Node server prints once it listens on a free one. */
    const listening = (server: Server) =>
      new Promise<number>((resolve, reject) => {
        let output = '';
        server.process.stdout!.on('data', (chunk: Buffer) => {
          output += chunk;
          const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
          if (match) resolve(Number(match[1]));
        });
        void server.process.then((result) => reject(new Error(`${server.name} exited: ${result.stderr}`)));
      });
    const sb = await start('stackbook', 0, process.execPath, [
      ...[BIN, 'tftp-serve', '--root', root, '--address', '127.0.0.1', '--port', '0'],
    ]);
    sb.port = await listening(sb);
    const floor = await start(FLOOR_NAME, 0, process.execPath, [
      ...['--import', import.meta.resolve('tsx'), FLOOR, root],
    ]);
    floor.port = await listening(floor);
    const asRoot = process.getuid?.() === 0;
    await start('tftpd-hpa', 1069, 'in.tftpd', [
      ...[
        '--foreground',
        '--address',
        '127.0.0.1:1069',
        '--secure',
        ...(asRoot ? ['--user', 'root'] : []),
        root,
      ],
    ]);
    await start('dnsmasq', 69, 'dnsmasq', [
      ...['--keep-in-foreground', '--conf-file=/dev/null', '--pid-file', '--port=0', '--enable-tftp'],
      ...[`--tftp-root=${root}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--tftp-max=64'],
      ...(asRoot ? ['--user=root'] : []),
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
    const gib = (ROUNDS * CLIENTS * FILE_BYTES) / 2 ** 30;
    for (const blksize of [1468, 8192]) {
      const rates = new Map<string, number[]>(servers.map((server) => [server.name, []]));
      const cpu = new Map<string, number | undefined>(servers.map((server) => [server.name, 0]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const server of servers) {
          const before = server.cpu();
          rates.get(server.name)!.push(await run(server, blksize));
          const after = server.cpu();
          const sum = cpu.get(server.name);
          cpu.set(
            server.name,
            sum === undefined || before === undefined || after === undefined
              ? undefined
              : sum + after - before,
          );
        }
      }
      const best = (name: string) => Math.max(...rates.get(name)!);
      const references = servers
        .filter((server) => server !== sb && server !== floor)
        .map((server) => server.name);
      const [fastest, other] = [...references].sort((a, b) => best(b) - best(a)) as [string, string];
      console.log(`  blksize ${blksize}`);
      for (const server of servers) {
        const all = rates
          .get(server.name)!
          .map((rate) => rate.toFixed(1))
          .join(', ');
        const used = cpu.get(server.name);
        const perGib = used === undefined ? 'n/a' : `${(used / gib).toFixed(1)} s`;
        console.log(
          `    ${server.name.padEnd(10)} ${best(server.name).toFixed(1).padStart(7)} MB/s   CPU per GiB sent ${perGib.padStart(7)}   (rounds: ${all})`,
        );
      }
      console.log(
        `    stackbook / ${fastest} (fastest reference): ${(best('stackbook') / best(fastest)).toFixed(2)}× (target ≥ 1.0×); ` +
          `stackbook / ${other}: ${(best('stackbook') / best(other)).toFixed(2)}×`,
      );
      const floorCpu = cpu.get(FLOOR_NAME);
      const sbCpu = cpu.get('stackbook');
      console.log(
        `    ${FLOOR_NAME} / ${fastest}: ${(best(FLOOR_NAME) / best(fastest)).toFixed(2)}× (the runtime's own ceiling here); ` +
          `stackbook / ${FLOOR_NAME}: ${(best('stackbook') / best(FLOOR_NAME)).toFixed(2)}×` +
          (floorCpu && sbCpu ? `, CPU per GiB ${(sbCpu / floorCpu).toFixed(2)}×` : ''),
      );
    }
  } finally {
    for (const server of servers) server.process.kill('SIGTERM');
    await Promise.all(servers.map((server) => server.process.catch(() => undefined)));
    // A cgroup goes once its last process has (tftpd-hpa's children may take a moment).
    for (const server of servers) {
      for (let attempt = 0; server.cgroup && attempt < 50; attempt++) {
        if (
          await rmdir(server.cgroup).then(
            () => true,
            () => false,
          )
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await execa('ip', ['netns', 'del', namespace], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await tftpThroughput();
