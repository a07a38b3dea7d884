import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { diffRuns } from '../../report/run-diff.ts';
import { StackbookError } from '../../stackbook-error.ts';
import type { Store } from '../../store/store.ts';
import { errors, json, RunIdParam, RunSummarySchema } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const CellSideSchema = z
  .object({
    status: z.string(),
    attempt: z.number(),
    duration_ms: z.number().nullable(),
    result: z.unknown(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    reused_from: z.string().nullable(),
  })
  .openapi('CellSide');

const RunDiffSchema = z
  .object({
    runs: z.object({ a: RunSummarySchema, b: RunSummarySchema }),
    source_changed: z.boolean().openapi({ description: 'The effective runbook sources differ (sha256)' }),
    params: z
      .array(
        z.object({
          path: z.string().openapi({ example: 'run.params.min_free_gib' }),
          change: z.enum(['added', 'removed', 'changed']),
          a: z.unknown(),
          b: z.unknown(),
        }),
      )
      .openapi({
        description: 'Runbook params (`run.params.*`) and datacentre snapshot (`dc.*`) that differ',
      }),
    cells: z.array(
      z.object({
        cell: z.string(),
        driver: z.string(),
        a: CellSideSchema.nullable(),
        b: CellSideSchema.nullable(),
        status_changed: z.boolean(),
        duration_changed_ms: z
          .number()
          .nullable()
          .openapi({ description: 'b − a; null unless both finished' }),
        result_changed: z.boolean(),
        output: z.object({
          same: z.boolean(),
          diff: z.array(z.string()).openapi({
            description: "Unified-style, on normalised output: '@@' hunk headers, ' line', '-line', '+line'",
          }),
        }),
      }),
    ),
  })
  .openapi('RunDiff');

const route = apiRoute({
  method: 'get',
  path: '/api/runs/{id}/diff',
  summary: 'Two runs side by side: params, per-cell status, duration, result and normalised output',
  tags: ['runs'],
  request: {
    params: RunIdParam,
    query: z.object({
      with: z
        .string()
        .min(1)
        .openapi({ param: { name: 'with', in: 'query' }, description: 'The run to compare with (b)' }),
    }),
  },
  responses: {
    200: json('The runs compared, `:id` as a and `with` as b', RunDiffSchema),
    ...errors(400, 404),
  },
});

async function runOf(store: Store, id: string, field: string) {
  const run = await store.getRun(id);
  if (!run) throw new StackbookError('NOT_FOUND', `no run ${id}`, { details: { run: id, field } });
  return run;
}

/** GET /api/runs/:id/diff?with=OTHER: `:id` is side a, `with` side b. */
export function registerDiffRuns(app: App): void {
  app.openapi(route, async (c) => {
    const { store } = c.var.services;
    const a = await runOf(store, c.req.valid('param').id, 'id');
    const b = await runOf(store, c.req.valid('query').with, 'with');
    return c.json(await diffRuns(store, a, b), 200);
  });
}
