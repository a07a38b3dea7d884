import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { runDetail } from '../../store/run-views.ts';
import { errors, json, RunDetailSchema, RunIdParam } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const route = apiRoute({
  method: 'post',
  path: '/api/runs/{id}/replay',
  summary: 'Replay a recorded run (same snapshot); with `from`, resume: reuse the results before that cell',
  tags: ['runs'],
  request: {
    params: RunIdParam,
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z.strictObject({
            from: z.string().min(1).optional(),
            start: z.boolean().optional().openapi({ description: 'start executing at once (default true)' }),
          }),
        },
      },
    },
  },
  responses: { 201: json('The new run; its parent is :id', RunDetailSchema), ...errors(400, 404, 409, 422) },
});

/** POST /api/runs/:id/replay `{ from?, start? }` → 201 with the new run, executing unless `start: false`. */
export function registerReplayRun(app: App): void {
  app.openapi(route, async (c) => {
    const { engine, store } = c.var.services;
    const { id } = c.req.valid('param');
    const body = (c.req.header('content-length') === '0' ? undefined : c.req.valid('json')) ?? {};
    const start = body.start !== false;
    // A replay that would be refused (unmet needs, a leased machine) is refused before it is recorded.
    const run = await engine.replay(id, { from: body.from, by: c.var.who, check: start });
    if (start) {
      let started;
      try {
        started = await engine.start(run.id, body.from ? { from: body.from } : { all: true }, c.var.who);
      } catch (error) {
        // Refused after all (a machine leased since the check): nothing of it ran, so it is not left pending.
        await engine.withdraw(run.id, c.var.who, (error as Error).message);
        throw error;
      }
      started.done.catch((error: unknown) => console.error(`stackbook serve: run ${run.id}:`, error));
    }
    return c.json(runDetail(await engine.getRun(run.id), await store.listSteps(run.id)), 201);
  });
}
