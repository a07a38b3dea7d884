import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { runDetail } from '../../store/run-views.ts';
import { errors, json, RunDetailSchema, RunIdParam } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const route = apiRoute({
  method: 'get',
  path: '/api/runs/{id}',
  summary: 'One run with its steps',
  tags: ['runs'],
  request: { params: RunIdParam },
  responses: { 200: json('The run', RunDetailSchema.extend({ last_seq: z.number() })), ...errors(404) },
});

/** GET /api/runs/:id */
export function registerGetRun(app: App): void {
  app.openapi(route, async (c) => {
    const { store, engine } = c.var.services;
    const run = await engine.getRun(c.req.valid('param').id);
    // last_seq lets a viewer follow the stream from exactly where this record ends.
    const [steps, lastSeq] = await Promise.all([store.listSteps(run.id), store.maxEventSeq(run.id)]);
    return c.json({ ...runDetail(run, steps), last_seq: lastSeq }, 200);
  });
}
