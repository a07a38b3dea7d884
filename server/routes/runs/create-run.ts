import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { loadDatacentre } from '../../runbook/load-datacentre.ts';
import { loadRunbook } from '../../runbook/load-runbook.ts';
import { runDetail } from '../../store/run-views.ts';
import { errors, IdName, json, RunDetailSchema } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const route = apiRoute({
  method: 'post',
  path: '/api/runs',
  summary: 'Create a run of a runbook on a datacentre (nothing executes yet)',
  tags: ['runs'],
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({
            runbook: IdName.openapi({ example: 'seed-preflight' }),
            datacentre: IdName.openapi({ example: 'example' }),
            mode: z.enum(['live', 'dry-run']).optional(),
          }),
        },
      },
    },
  },
  responses: { 201: json('The new run', RunDetailSchema), ...errors(400, 404, 422) },
});

/** POST /api/runs: checks the runbook, datacentre, secrets and templates, then records a pending run. */
export function registerCreateRun(app: App): void {
  app.openapi(route, async (c) => {
    const { services, who } = c.var;
    const body = c.req.valid('json');
    const datacentre = await loadDatacentre(body.datacentre, services.datacentresDir);
    const runbook = await loadRunbook(body.runbook, {
      runbooksDir: services.runbooksDir,
      datacentreDir: datacentre.dir,
      drivers: services.drivers,
    });
    const run = await services.engine.createRun({ runbook, datacentre, mode: body.mode, by: who });
    return c.json(runDetail(run, []), 201);
  });
}
