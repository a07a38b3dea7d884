import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { errors, json, RunDetailSchema, RunIdParam } from '../schemas.ts';
import { startExecution } from './start-execution.ts';
import { apiRoute } from '../api-route.ts';

const route = apiRoute({
  method: 'post',
  path: '/api/runs/{id}/execute',
  summary: 'Run all cells, or every cell from one onward',
  tags: ['runs'],
  request: {
    params: RunIdParam,
    body: {
      required: false,
      content: { 'application/json': { schema: z.strictObject({ from: z.string().min(1).optional() }) } },
    },
  },
  responses: {
    202: json('Started; follow /api/runs/{id}/stream', RunDetailSchema),
    ...errors(400, 404, 409, 422),
  },
});

/** POST /api/runs/:id/execute `{ from? }` → 202. */
export function registerExecuteRun(app: App): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    // An empty body means run all.
    const from = c.req.header('content-length') === '0' ? undefined : c.req.valid('json')?.from;
    return startExecution(c, id, from ? { from } : { all: true });
  });
}
