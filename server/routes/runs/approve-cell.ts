import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { selectCells } from '../../engine/select-cells.ts';
import { cellsOf } from '../../runbook/types.ts';
import { errors, json, RunCellParams } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const route = apiRoute({
  method: 'post',
  path: '/api/runs/{id}/cells/{name}/approve',
  summary: 'Approve a manual step or a confirm cell that waits, with a note',
  tags: ['runs'],
  request: {
    params: RunCellParams,
    body: {
      required: true,
      content: { 'application/json': { schema: z.strictObject({ note: z.string().max(4000) }) } },
    },
  },
  responses: {
    200: json('Approved', z.object({ id: z.string(), cell: z.string(), approved_by: z.string() })),
    ...errors(400, 404, 409),
  },
});

/** POST /api/runs/:id/cells/:name/approve `{ note }`; 404 for a cell the run does not have, 409 when it is not waiting. */
export function registerApproveCell(app: App): void {
  app.openapi(route, async (c) => {
    const { engine } = c.var.services;
    const { id, name } = c.req.valid('param');
    const run = await engine.getRun(id);
    // The same NOT_FOUND as executing an unknown cell, naming the run's cells.
    selectCells(cellsOf(run.effective), { cells: [name] });
    await engine.approve(id, name, c.var.who, c.req.valid('json').note);
    return c.json({ id, cell: name, approved_by: c.var.who }, 200);
  });
}
