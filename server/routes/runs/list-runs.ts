import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { RUN_STATUSES } from '../../store/records.ts';
import { runSummary } from '../../store/run-views.ts';
import { errors, json, RunSummarySchema } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const route = apiRoute({
  method: 'get',
  path: '/api/runs',
  summary: 'Recorded runs, newest first',
  tags: ['runs'],
  request: {
    query: z.strictObject({
      runbook: z.string().optional(),
      datacentre: z.string().optional(),
      status: z.enum(RUN_STATUSES).optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
  },
  responses: { 200: json('Runs', z.array(RunSummarySchema)), ...errors(400) },
});

/** GET /api/runs?runbook=&datacentre=&status=&limit= */
export function registerListRuns(app: App): void {
  app.openapi(route, async (c) => {
    const runs = await c.var.services.store.listRuns(c.req.valid('query'));
    return c.json(runs.map(runSummary), 200);
  });
}
