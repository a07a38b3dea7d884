import { join } from 'node:path';
import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { DATACENTRE_FILE, parseDatacentre, type ProfileIssue } from '../../runbook/load-datacentre.ts';
import { asStackbookError } from '../../stackbook-error.ts';
import { errors, json } from '../schemas.ts';
import { DatacentreNameParam } from './get-datacentre.ts';
import { apiRoute } from '../api-route.ts';

const IssueSchema = z
  .object({ line: z.number(), field: z.string(), message: z.string() })
  .openapi('ProfileIssue');

const ValidationSchema = z
  .union([
    z.object({ valid: z.literal(true) }),
    z.object({ valid: z.literal(false), issues: z.array(IssueSchema) }),
  ])
  .openapi('DatacentreValidation');

const route = apiRoute({
  method: 'post',
  path: '/api/datacentres/{name}/validate',
  summary: 'Check a datacentre.yaml text exactly as loading would, without writing anything',
  tags: ['datacentres'],
  request: {
    params: DatacentreNameParam,
    body: {
      required: true,
      content: { 'application/json': { schema: z.strictObject({ yaml: z.string() }) } },
    },
  },
  responses: {
    200: json(
      'Whether the text is a valid profile, and every problem with its line and field',
      ValidationSchema,
    ),
    ...errors(400, 413),
  },
});

/** Every problem with a profile's text, or none: the same checks as loading, so the editor agrees with runs. */
export function profileIssues(text: string, file: string, name: string): ProfileIssue[] {
  try {
    parseDatacentre(text, file, name);
    return [];
  } catch (error) {
    const failure = asStackbookError(error);
    const issues = failure.details?.issues as ProfileIssue[] | undefined;
    if (failure.code === 'PROFILE_ERROR' && issues?.length) return issues;
    // Anything else the YAML library throws (e.g. alias bombs) is still a problem with the text, not a 500.
    return [
      { line: failure.location?.line ?? 1, field: failure.location?.field ?? '', message: failure.message },
    ];
  }
}

/**
 * POST /api/datacentres/:name/validate `{ yaml }`: always 200 for a well-formed request; an invalid
 * profile is an answer (`valid: false`), not an error. The datacentre need not exist yet.
 */
export function registerValidateDatacentre(app: App): void {
  app.openapi(route, (c) => {
    const { name } = c.req.valid('param');
    const file = join(c.var.services.datacentresDir, name, DATACENTRE_FILE);
    const issues = profileIssues(c.req.valid('json').yaml, file, name);
    return issues.length === 0
      ? c.json({ valid: true as const }, 200)
      : c.json({ valid: false as const, issues }, 200);
  });
}
