import type { App } from '../../app.ts';
import { errors, json, RunCellParams, RunDetailSchema } from '../schemas.ts';
import { startExecution } from './start-execution.ts';
import { apiRoute } from '../api-route.ts';

const route = apiRoute({
  method: 'post',
  path: '/api/runs/{id}/cells/{name}/execute',
  summary: 'Execute one cell (its needs must have succeeded)',
  tags: ['runs'],
  request: { params: RunCellParams },
  responses: {
    202: json('Started; follow /api/runs/{id}/stream', RunDetailSchema),
    ...errors(404, 409, 422),
  },
});

/** POST /api/runs/:id/cells/:name/execute → 202, or 409 while the run executes or when needs are unmet. */
export function registerExecuteCell(app: App): void {
  app.openapi(route, async (c) => {
    const { id, name } = c.req.valid('param');
    return startExecution(c, id, { cells: [name] });
  });
}
