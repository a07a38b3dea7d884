import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TftpServer } from '../../../drivers/pxe/tftp-server.ts';
import { StackbookError } from '../../stackbook-error.ts';
import { COMMON_OPTIONS } from '../cli-context.ts';

export const TFTP_SERVE_USAGE =
  'stackbook tftp-serve --root DIR --address IP [--port 69] [--events FILE] [--workers N]';

function whole(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > max)
    throw new StackbookError('BAD_ARGUMENT', `--${name}: not a whole number from 0 to ${max}: ${value}`);
  return number;
}

/**
 * `stackbook tftp-serve`: stackbook's TFTP server as a daemon of its own, for the `pxe` driver to start
 * with `startDaemon` (inside a network namespace through `ip netns exec` when it needs one). Prints
 * `listening on IP:PORT` once bound; appends each transfer and refusal to `--events` as one JSON line (a
 * `TftpTransfer` with `at`, the ISO time it ended); SIGTERM or SIGINT aborts transfers under way (each
 * reported) and exits 0.
 */
export async function tftpServeCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...COMMON_OPTIONS,
      root: { type: 'string' },
      address: { type: 'string' },
      port: { type: 'string' },
      events: { type: 'string' },
      workers: { type: 'string' },
    },
  });
  if (values.help) return (console.log(TFTP_SERVE_USAGE), 0);
  if (!values.root || !values.address) throw new StackbookError('BAD_ARGUMENT', `usage: ${TFTP_SERVE_USAGE}`);
  if (!net.isIP(values.address))
    throw new StackbookError('BAD_ARGUMENT', `--address: not an IP address: ${values.address}`);
  const root = path.resolve(values.root);
  if (!(await stat(root).catch(() => undefined))?.isDirectory())
    throw new StackbookError('BAD_ARGUMENT', `--root: not a directory: ${root}`);
  const port = whole(values.port, 'port', 69, 65535);
  const workers = values.workers === undefined ? undefined : whole(values.workers, 'workers', 0, 64);

  let events: WriteStream | undefined;
  if (values.events) {
    events = createWriteStream(path.resolve(values.events), { flags: 'a' });
    await once(events, 'open');
  }
  const server = await TftpServer.start({
    root,
    address: values.address,
    port,
    ...(workers === undefined ? {} : { workers }),
    onTransfer: (transfer) =>
      events?.write(`${JSON.stringify({ ...transfer, at: new Date().toISOString() })}\n`),
  });
  const shown = net.isIPv6(server.address) ? `[${server.address}]` : server.address;
  process.stdout.write(`listening on ${shown}:${server.port}\n`);

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await server.close();
  if (events) {
    events.end();
    await once(events, 'finish');
  }
  return 0;
}
