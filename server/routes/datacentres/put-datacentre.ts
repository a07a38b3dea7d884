import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { DATACENTRE_FILE, parseDatacentre } from '../../runbook/load-datacentre.ts';
import { SECRETS_FILE, writeSecretsEnv } from '../../runbook/secrets.ts';
import { writeFileAtomic } from '../../runbook/write-file-atomic.ts';
import { errors, json } from '../schemas.ts';
import { DatacentreNameParam, DatacentreViewSchema, datacentreView } from './get-datacentre.ts';
import { apiRoute } from '../api-route.ts';

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const BodySchema = z.strictObject({
  yaml: z.string().openapi({ description: 'The whole datacentre.yaml text' }),
  secrets: z
    .record(
      z.string().regex(SECRET_NAME, 'a secret name is letters, digits and _, not starting with a digit'),
      z.string(),
    )
    .optional()
    .openapi({
      description: 'Secret values to set in the git-ignored secrets.env; write-only, never echoed',
    }),
});

const route = apiRoute({
  method: 'put',
  path: '/api/datacentres/{name}',
  summary: 'Write a datacentre profile (validated as loading does) and optionally set secrets',
  tags: ['datacentres'],
  request: {
    params: DatacentreNameParam,
    body: { required: true, content: { 'application/json': { schema: BodySchema } } },
  },
  responses: { 200: json('The datacentre as written', DatacentreViewSchema), ...errors(400, 401, 413, 422) },
});

/**
 * PUT /api/datacentres/:name `{ yaml, secrets? }`. The text goes through `parseDatacentre`, so what is
 * written always loads; an invalid profile is a 422 carrying every issue and nothing is written. A new
 * name creates the folder. The audit trail records the edit and the secret names, never their values.
 */
export function registerPutDatacentre(app: App): void {
  app.openapi(route, async (c) => {
    const { services, who } = c.var;
    const { name } = c.req.valid('param');
    const body = c.req.valid('json');
    const dir = resolve(services.datacentresDir, name);
    const file = join(dir, DATACENTRE_FILE);
    parseDatacentre(body.yaml, file, name);

    await mkdir(dir, { recursive: true });
    await writeFileAtomic(file, body.yaml);
    const secretNames = Object.keys(body.secrets ?? {});
    if (secretNames.length > 0) {
      await writeSecretsEnv(join(dir, SECRETS_FILE), new Map(Object.entries(body.secrets ?? {})));
    }
    await services.store.audit({
      ts: services.now().toISOString(),
      who,
      action: 'edit-datacentre',
      run: null,
      cell: null,
      detail: { name, secrets: secretNames },
    });
    return c.json(await datacentreView(services, name), 200);
  });
}
