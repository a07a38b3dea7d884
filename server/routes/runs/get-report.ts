import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { REPORTS } from '../../report/reports.ts';
import { loadReportData } from '../../report/run-report.ts';
import { errors, RunIdParam } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const FORMATS = {
  md: { type: 'text/markdown; charset=utf-8', ext: 'md' },
  html: { type: 'text/html; charset=utf-8', ext: 'html' },
  junit: { type: 'application/xml; charset=utf-8', ext: 'xml' },
} as const;
type Format = keyof typeof FORMATS;

const route = apiRoute({
  method: 'get',
  path: '/api/runs/{id}/report',
  summary: 'A run as a report: Markdown or HTML (the runbook with outputs inline) or JUnit XML for CI',
  tags: ['runs'],
  request: {
    params: RunIdParam,
    query: z.object({
      format: z
        .enum(Object.keys(FORMATS) as [Format, ...Format[]])
        .optional()
        .openapi({ param: { name: 'format', in: 'query' }, example: 'junit', description: 'default md' }),
    }),
  },
  responses: {
    200: {
      description: 'The report, streamed as a download (`Content-Disposition: attachment`)',
      content: {
        'text/markdown': { schema: z.string() },
        'text/html': { schema: z.string() },
        'application/xml': { schema: z.string() },
      },
    },
    ...errors(400, 404),
  },
});

/** Pulls one piece of the report per read, so a slow client holds back the store reads, not memory. */
function streamOf(pieces: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await pieces.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
    async cancel() {
      await pieces.return(undefined);
    },
  });
}

/** GET /api/runs/:id/report?format=md|html|junit: the same reports as `stackbook export`. */
export function registerGetReport(app: App): void {
  app.openapi(route, async (c) => {
    const { services } = c.var;
    const format = c.req.valid('query').format ?? 'md';
    // Loaded before the first byte, so an unknown run is still a 404 with the error shape.
    const run = await services.engine.getRun(c.req.valid('param').id);
    const data = await loadReportData(services.store, run);
    const { type, ext } = FORMATS[format];
    return c.body(streamOf(REPORTS[format]!(data)), 200, {
      'Content-Type': type,
      'Content-Disposition': `attachment; filename="${run.id}.${ext}"`,
    });
  });
}
