import { serve } from '@hono/node-server';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultRegistry } from '../../../drivers/default-registry.ts';
import { createApp } from '../../app.ts';
import { StackbookError } from '../../stackbook-error.ts';
import { Store } from '../../store/store.ts';
import { COMMON_OPTIONS, commonOptions } from '../cli-context.ts';

export const SERVE_USAGE = 'stackbook serve [--host 127.0.0.1] [--port 8080] [--token TOKEN]';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

/**
 * `stackbook serve`: the API (and, once built, the web notebook) over HTTP. Loopback only unless a token
 * is given, which every request must then carry (a browser once as `?token=`, then in a cookie).
 */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...COMMON_OPTIONS,
      host: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
    },
  });
  if (values.help) return (console.log(SERVE_USAGE), 0);
  const options = commonOptions(values);
  const host = values.host ?? '127.0.0.1';
  const port = Number(values.port ?? process.env.STACKBOOK_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new StackbookError('BAD_ARGUMENT', `--port: not a port: ${values.port}`);
  const token = values.token ?? process.env.STACKBOOK_TOKEN;
  if (!LOOPBACK.test(host) && !token) {
    throw new StackbookError(
      'BAD_ARGUMENT',
      `--host ${host} is reachable from other machines: give --token (or STACKBOOK_TOKEN)`,
    );
  }
  const store = await Store.open(path.join(options.data, 'stackbook.db'));
  const app = createApp({
    store,
    drivers: defaultRegistry(),
    dataDir: options.data,
    runbooksDir: options.runbooks,
    datacentresDir: options.datacentres,
    webDir: fileURLToPath(new URL('../../../web/', import.meta.url)),
    token,
  });
  // Runs a previous server left running are interrupted now; their streams end with that status.
  const interrupted = await app.services.engine.recoverInterrupted();
  if (interrupted.length)
    process.stderr.write(`marked ${interrupted.length} run(s) interrupted: ${interrupted.join(', ')}\n`);

  const server = serve({ fetch: app.fetch, hostname: host, port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  process.stdout.write(`stackbook listening on ${url}\n`);
  // The token itself is not printed: whoever started the server has it.
  if (token) process.stdout.write(`web notebook: open ${url}/?token=<token> once; the browser keeps it\n`);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.stderr.write('stopping…\n');
      server.close(() => resolve());
      // Open SSE streams would hold close() forever.
      setTimeout(resolve, 2000).unref();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await store.close().catch(() => undefined);
  return 0;
}
