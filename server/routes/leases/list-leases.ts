import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { json } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const route = apiRoute({
  method: 'get',
  path: '/api/leases',
  summary: 'Resources (machines) leased by executing runs',
  tags: ['runs'],
  responses: {
    200: json(
      'Leases',
      z.array(z.object({ key: z.string(), run: z.string(), cell: z.string(), acquired_at: z.string() })),
    ),
  },
});

/** GET /api/leases */
export function registerListLeases(app: App): void {
  app.openapi(route, async (c) => {
    const leases = await c.var.services.engine.leases.list();
    return c.json(
      leases.map((lease) => ({
        key: lease.key,
        run: lease.run,
        cell: lease.cell,
        acquired_at: lease.acquiredAt,
      })),
      200,
    );
  });
}
