import { serve } from '@hono/node-server';
import path from 'node:path';
import { defaultRegistry } from '../../drivers/default-registry.ts';
import { createApp, type App } from '../../server/app.ts';
import type { QueueLimits } from '../../server/live/run-stream-hub.ts';
import { Store } from '../../server/store/store.ts';
import { cliSandbox } from './cli.ts';

/** A sandbox (copied runbooks, the example datacentre with secrets) and an app over it. */
export async function apiSandbox(
  options: {
    token?: string;
    runbooks?: Record<string, string>;
    streamQueue?: Partial<QueueLimits>;
    streamPingMs?: number;
    /** Serve the web notebook's pages from this folder. */
    webDir?: string;
  } = {},
) {
  const sandbox = await cliSandbox(options.runbooks);
  const store = await Store.open(path.join(sandbox.dir, 'data', 'stackbook.db'));
  const app = createApp({
    store,
    drivers: defaultRegistry(),
    dataDir: path.join(sandbox.dir, 'data'),
    runbooksDir: sandbox.runbooks,
    datacentresDir: sandbox.datacentres,
    env: {},
    token: options.token,
    streamQueue: options.streamQueue,
    streamPingMs: options.streamPingMs,
    webDir: options.webDir,
  });
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const response = await app.request(url, init);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return {
      status: response.status,
      json: json as Record<string, unknown> & unknown[],
      text,
      headers: response.headers,
    };
  };
  return {
    ...sandbox,
    app,
    store,
    call,
    /** Waits until the run is no longer executing in this app; answers its record. */
    async settle(runId: string, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (app.services.engine.isActive(runId)) {
        if (Date.now() > until) throw new Error(`run ${runId} still executing`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return (await call('GET', `/api/runs/${runId}`)).json as unknown as {
        status: string;
        steps: { cell: string; status: string; approved_by: string | null; reused_from: string | null }[];
      };
    },
    /** Waits until a step of the run reaches a status. */
    async waitForStep(runId: string, cell: string, status: string, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const steps = await store.listSteps(runId);
        if (steps.some((step) => step.cell === cell && step.status === status)) return;
        if (Date.now() > until) throw new Error(`${cell} never became ${status}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      await store.close();
      await sandbox.close();
    },
  };
}

/** Listens on 127.0.0.1, port 0. */
export async function listen(app: App): Promise<{ url: string; close(): Promise<void> }> {
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Reads an SSE stream to its end (or until `stopAfter` says so), parsing events. `onOpen` runs once the
 * response has arrived; `delayMs` makes a slow reader that pauses before each chunk.
 */
export async function readSse(
  url: string,
  options: {
    lastEventId?: string;
    /** Extra request headers (a cookie). */
    headers?: Record<string, string>;
    stopAfter?: (event: SseEvent) => boolean;
    signal?: AbortSignal;
    delayMs?: number;
    onOpen?: () => void;
  } = {},
): Promise<SseEvent[]> {
  const response = await fetch(url, {
    headers: { ...options.headers, ...(options.lastEventId ? { 'Last-Event-ID': options.lastEventId } : {}) },
    signal: options.signal,
  });
  if (response.status !== 200)
    throw new Error(`stream answered ${response.status}: ${await response.text()}`);
  options.onOpen?.();
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body!.getReader();
  try {
    for (;;) {
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const { value, done } = await reader.read();
      if (done) return events;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { id: undefined, event: 'message', data: '' };
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          const field = line.slice(0, colon);
          const value = line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') event.id = value;
          else if (field === 'event') event.event = value;
          else if (field === 'data') event.data += (event.data ? '\n' : '') + value;
        }
        if (event.event === 'ping') continue;
        events.push(event);
        if (options.stopAfter?.(event)) return events;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
