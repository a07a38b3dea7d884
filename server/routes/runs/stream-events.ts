import { z } from '@hono/zod-openapi';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { App } from '../../app.ts';
import { isOwnerAlive } from '../../engine/process-owner.ts';
import { CellNames } from '../../live/cell-names.ts';
import type { EventRecord } from '../../store/records.ts';
import { eventView } from '../../store/run-views.ts';
import type { Services } from '../app-env.ts';
import { errors, RunIdParam } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const route = apiRoute({
  method: 'get',
  path: '/api/runs/{id}/stream',
  summary: "A run's events as Server-Sent Events: `id` = seq, `event` = kind, `data` = the event as JSON",
  description:
    'Honours Last-Event-ID (or ?after=SEQ): a reconnecting viewer loses nothing. The stream stays open while ' +
    'the run can take more work (pending, running, awaiting approval) and ends with its final status ' +
    '(succeeded, failed, cancelled, interrupted).',
  tags: ['runs'],
  request: {
    params: RunIdParam,
    query: z.strictObject({ after: z.coerce.number().int().min(0).optional() }),
  },
  responses: { 200: { description: 'text/event-stream' }, ...errors(404) },
});

/** How often a viewer of a run executing in another process (a CLI) looks at the store. */
const POLL_MS = 250;
/**
 * After this long without an event the stream sends `event: ping` (`data: {}`, no id): proxies and browsers
 * keep a quiet stream open, and a viewer that has gone is noticed when the write fails.
 */
const PING_MS = 15_000;
const PAGE = 1000;

/** Statuses after which a run takes no more work: its stream ends with one of them. */
const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

/** A run-level status event with a final status closes the stream. */
function closesStream(event: EventRecord): boolean {
  if (event.kind !== 'status' || event.step !== null) return false;
  return FINAL.has((JSON.parse(event.data) as { status: string }).status);
}

/**
 * GET /api/runs/:id/stream. Live events come from the hub; a viewer too slow for its bounded queue, or one
 * that (re)connects, catches up from the stored events, which hold everything the hub ever sends.
 */
export function registerStreamEvents(app: App): void {
  app.openapi(route, async (c) => {
    const services = c.var.services;
    const { id } = c.req.valid('param');
    // A run executing in this process exists; any other is looked up, for the 404 of an unknown id. A viewer
    // that opens the stream just after executing a cell is then subscribed one store round trip sooner.
    const run = services.engine.isActive(id) ? { id } : await services.engine.getRun(id);
    const lastEventId = Number(c.req.header('last-event-id'));
    let last =
      Number.isInteger(lastEventId) && lastEventId >= 0 ? lastEventId : (c.req.valid('query').after ?? 0);
    return streamSSE(c, async (stream) => {
      const subscription = services.hub.subscribe(run.id);
      const names = new CellNames(services.store, run.id);
      const abort = new AbortController();
      stream.onAbort(() => abort.abort());
      const pingMs = services.streamPingMs ?? PING_MS;
      let written = performance.now();
      // A batch of events is one write to the response: each write is a trip through the web stream that the
      // response is read from, and the last event of a cell usually arrives with several others.
      const send = async (events: readonly EventRecord[]): Promise<boolean> => {
        const cellOf = await names.load(events);
        let text = '';
        let closes = false;
        for (const event of events) {
          if (event.seq <= last) continue;
          text += sseMessage(event.kind, JSON.stringify(eventView(event, cellOf)), event.seq);
          last = event.seq;
          if ((closes = closesStream(event))) break;
        }
        if (text) {
          await stream.write(text);
          written = performance.now();
        }
        return closes;
      };
      try {
        for (;;) {
          // The run's state is read before the store: a run that had stopped executing then has stored
          // everything it will ever store, so the catch-up below reaches its real final status event.
          const idle = services.engine.isActive(run.id) ? undefined : await services.engine.getRun(run.id);
          if (await catchUp(services, run.id, () => last, send)) return;
          if (abort.signal.aborted) return;
          let waitMs = pingMs;
          if (idle) {
            if (FINAL.has(idle.status)) {
              // Every stored event has been sent and none closed the stream (the viewer had it already).
              await endWith(stream, idle.id, idle.status);
              return;
            }
            if (idle.owner && !isOwnerAlive(idle.owner)) {
              // Its process died: record that (the catch-up then sends the interrupted status).
              await services.engine.recoverInterrupted();
              continue;
            }
            // Executing in another process (a CLI) shows only in the store; an idle run wakes on the hub.
            waitMs = Math.min(pingMs, idle.owner ? POLL_MS : 1000);
          }
          const { events, overflowed } = await subscription.next(waitMs, abort.signal);
          // An overflowed queue, or one that does not start right after the last sent event, is replaced by
          // the store, which holds everything the hub ever published.
          if (overflowed || (events.length && events[0]!.seq > last + 1)) continue;
          if (await send(events)) return;
          if (!events.length && performance.now() - written >= pingMs) {
            written = performance.now();
            await stream.writeSSE({ event: 'ping', data: '{}' }).catch(() => abort.abort());
          }
        }
      } finally {
        subscription.close();
      }
    });
  });
}

/** One Server-Sent Events message, as `writeSSE` writes it: `event`, a `data` line per line, `id`. */
function sseMessage(event: string, data: string, id: number): string {
  return `event: ${event}\n${data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n')}\nid: ${id}\n\n`;
}

/** Sends every stored event after the last sent one; true when the stream is finished. */
async function catchUp(
  services: Services,
  run: string,
  last: () => number,
  send: (events: readonly EventRecord[]) => Promise<boolean>,
): Promise<boolean> {
  for (;;) {
    const page = await services.store.listEvents(run, last(), PAGE);
    if (!page.length) return false;
    if (await send(page)) return true;
    if (page.length < PAGE) return false;
  }
}

/** Closes the stream of a run that has finished with its status (no id: it is not a stored event). */
async function endWith(stream: SSEStreamingApi, run: string, status: string): Promise<void> {
  await stream.writeSSE({
    event: 'status',
    data: JSON.stringify({
      seq: null,
      ts: new Date().toISOString(),
      cell: null,
      kind: 'status',
      data: JSON.stringify({ run, status }),
    }),
  });
}
