import { z } from '@hono/zod-openapi';

/** The one error shape of the API. */
export const ErrorSchema = z
  .object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) })
  .openapi('Error');

/** Responses every route may give, by status. */
export function errors(...statuses: (400 | 401 | 404 | 409 | 413 | 422)[]) {
  const text: Record<number, string> = {
    400: 'Malformed request (the field is named)',
    401: 'A token is required',
    404: 'Not found',
    409: 'Refused: already executing, needs not met, or a resource leased by another run',
    413: 'Request body too large',
    422: 'The runbook, datacentre or a template is invalid (file, line and field are named)',
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: text[status]!, content: { 'application/json': { schema: ErrorSchema } } },
    ]),
  );
}

/** A JSON response described for the OpenAPI document. */
export function json(description: string, schema: z.ZodType = z.unknown()) {
  return { description, content: { 'application/json': { schema } } };
}

export const RunIdParam = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
export const RunCellParams = RunIdParam.extend({
  name: z
    .string()
    .min(1)
    .openapi({ param: { name: 'name', in: 'path' } }),
});

export const RunSummarySchema = z
  .object({
    id: z.string(),
    runbook: z.string(),
    title: z.string(),
    datacentre: z.string(),
    mode: z.enum(['live', 'dry-run']),
    status: z.string(),
    started_by: z.string(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    parent: z.string().nullable(),
    resumed_from: z.string().nullable(),
  })
  .openapi('RunSummary');

export const StepSchema = z
  .object({
    seq: z.number(),
    cell: z.string(),
    driver: z.string(),
    status: z.string(),
    attempt: z.number(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    args: z.unknown(),
    result: z.unknown(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    reused_from: z.string().nullable(),
    approved_by: z.string().nullable(),
    approval_note: z.string().nullable(),
  })
  .openapi('Step');

export const RunDetailSchema = RunSummarySchema.extend({
  source_sha256: z.string(),
  steps: z.array(StepSchema),
}).openapi('Run');

export const EventSchema = z
  .object({
    seq: z.number(),
    ts: z.string(),
    cell: z.string().nullable(),
    kind: z.enum(['stdout', 'stderr', 'log', 'progress', 'status']),
    data: z.string(),
  })
  .openapi('Event');

/** A runbook or datacentre named by id: never a path on the server. */
export const IdName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a name: letters, digits, _ . - (no paths)');
