import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { listDatacentres } from '../../runbook/load-datacentre.ts';
import { asStackbookError } from '../../stackbook-error.ts';
import { errors, json } from '../schemas.ts';
import { loadNamedDatacentre } from './get-datacentre.ts';
import { apiRoute } from '../api-route.ts';

const DatacentreSummarySchema = z
  .object({
    name: z.string(),
    description: z.string(),
    machines: z.number().int().openapi({ description: 'How many machines the profile lists' }),
    error: z.string().optional().openapi({ description: 'Why the profile does not load (file:line: field)' }),
  })
  .openapi('DatacentreSummary');

const route = apiRoute({
  method: 'get',
  path: '/api/datacentres',
  summary: 'Every datacentre (a folder holding datacentre.yaml), sorted by name',
  tags: ['datacentres'],
  responses: { 200: json('The datacentres', z.array(DatacentreSummarySchema)), ...errors(401) },
});

/**
 * GET /api/datacentres. A profile that does not validate is listed with its `error`, so one broken file
 * does not hide the others.
 */
export function registerListDatacentres(app: App): void {
  app.openapi(route, async (c) => {
    const { datacentresDir } = c.var.services;
    const names = await listDatacentres(datacentresDir);
    const list = await Promise.all(
      names.map(async (name): Promise<z.infer<typeof DatacentreSummarySchema>> => {
        try {
          const { profile } = await loadNamedDatacentre(name, datacentresDir);
          return { name, description: profile.description ?? '', machines: profile.machines.length };
        } catch (error) {
          return { name, description: '', machines: 0, error: asStackbookError(error).message };
        }
      }),
    );
    return c.json(list, 200);
  });
}
