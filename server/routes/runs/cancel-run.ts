import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { StackbookError } from '../../stackbook-error.ts';
import { errors, json, RunIdParam } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const route = apiRoute({
  method: 'post',
  path: '/api/runs/{id}/cancel',
  summary: "Cancel a run's execution: kills the running cell's process group, skips the rest",
  tags: ['runs'],
  request: { params: RunIdParam },
  responses: {
    202: json('Cancelling', z.object({ id: z.string(), cancelling: z.literal(true) })),
    ...errors(404, 409),
  },
});

/** POST /api/runs/:id/cancel → 202; 409 when the run is not executing. */
export function registerCancelRun(app: App): void {
  app.openapi(route, async (c) => {
    const { engine } = c.var.services;
    const { id } = c.req.valid('param');
    await engine.getRun(id);
    if (!(await engine.cancel(id, c.var.who)))
      throw new StackbookError('CONFLICT', `run ${id} is not executing`);
    return c.json({ id, cancelling: true as const }, 202);
  });
}
