import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { listRunbooks } from '../../runbook/load-runbook.ts';
import { errors, json } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const RunbookSummarySchema = z
  .object({
    id: z.string(),
    title: z.string(),
    summary: z.string(),
    cells: z.number().int(),
    file: z.string(),
    error: z.string().optional().openapi({
      description: 'Why the file does not parse (file:line: …); title and cells are then defaults',
    }),
  })
  .openapi('RunbookSummary');

const route = apiRoute({
  method: 'get',
  path: '/api/runbooks',
  summary: 'Every runbook in the runbooks directory, sorted by id',
  tags: ['runbooks'],
  responses: { 200: json('The runbooks', z.array(RunbookSummarySchema)), ...errors(401, 404) },
});

/**
 * GET /api/runbooks. A runbook that fails to parse is listed with its `error` instead of failing the list,
 * so one broken file does not hide the others.
 */
export function registerListRunbooks(app: App): void {
  app.openapi(route, async (c) => {
    const { runbooksDir, drivers } = c.var.services;
    const list = await listRunbooks(runbooksDir, drivers);
    return c.json(
      list.map(({ id, title, summary, cells, file, error }) => ({
        id,
        title,
        summary,
        cells,
        file,
        ...(error === undefined ? {} : { error }),
      })),
      200,
    );
  });
}
