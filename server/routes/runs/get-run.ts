import { createRoute } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { runDetail } from '../../store/run-views.ts';
import { errors, json, RunDetailSchema, RunIdParam } from '../schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/api/runs/{id}',
  summary: 'One run with its steps',
  tags: ['runs'],
  request: { params: RunIdParam },
  responses: { 200: json('The run', RunDetailSchema), ...errors(404) },
});

/** GET /api/runs/:id */
export function registerGetRun(app: App): void {
  app.openapi(route, async (c) => {
    const { store, engine } = c.var.services;
    const run = await engine.getRun(c.req.valid('param').id);
    return c.json(runDetail(run, await store.listSteps(run.id)), 200);
  });
}
