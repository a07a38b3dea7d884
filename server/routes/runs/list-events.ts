import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { CellNames } from '../../live/cell-names.ts';
import { eventView } from '../../store/run-views.ts';
import { errors, EventSchema, json, RunIdParam } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const route = apiRoute({
  method: 'get',
  path: '/api/runs/{id}/events',
  summary: "A page of a run's stored events, in order",
  tags: ['runs'],
  request: {
    params: RunIdParam,
    query: z.strictObject({
      after: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(10_000).default(1000),
    }),
  },
  responses: { 200: json('Events with seq > after', z.array(EventSchema)), ...errors(400, 404) },
});

/** GET /api/runs/:id/events?after=SEQ&limit=N */
export function registerListEvents(app: App): void {
  app.openapi(route, async (c) => {
    const { store, engine } = c.var.services;
    const { id } = c.req.valid('param');
    const { after, limit } = c.req.valid('query');
    await engine.getRun(id);
    const events = await store.listEvents(id, after, limit);
    const cellOf = await new CellNames(store, id).load(events);
    return c.json(
      events.map((event) => eventView(event, cellOf)),
      200,
    );
  });
}
