import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { datacentreJsonSchema } from '../../runbook/datacentre-schema.ts';
import {
  DATACENTRE_FILE,
  lineOf,
  listDatacentres,
  parseDatacentre,
  readablePath,
  type LoadedDatacentre,
} from '../../runbook/load-datacentre.ts';
import { collectSecretRefs, readSecretsEnv, SECRETS_FILE } from '../../runbook/secrets.ts';
import { asStackbookError, StackbookError } from '../../stackbook-error.ts';
import type { Services } from '../app-env.ts';
import { errors, IdName, json } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

/** `:name` of the datacentre routes: a folder name under the datacentres directory, never a path. */
export const DatacentreNameParam = z.object({
  name: IdName.openapi({ param: { name: 'name', in: 'path' }, example: 'example' }),
});

/** A datacentre as the editor reads it: secret references and whether each is set, never their values. */
export const DatacentreViewSchema = z
  .object({
    name: z.string(),
    file: z.string(),
    profile: z.record(z.string(), z.unknown()),
    yaml: z.string(),
    secrets: z.array(
      z.object({
        name: z.string(),
        set: z.boolean(),
        source: z.enum(['env', 'file']).nullable(),
        references: z.array(z.object({ line: z.number(), field: z.string() })),
      }),
    ),
    /** Why secrets.env could not be read (its file:line, never a value); `file` sources are then unknown. */
    secrets_error: z.string().nullable(),
    overlays: z.array(z.string()),
    schema: z.record(z.string(), z.unknown()),
  })
  .openapi('Datacentre');
export type DatacentreView = z.infer<typeof DatacentreViewSchema>;

/**
 * Loads `<datacentresDir>/<name>/datacentre.yaml` with its text. Unlike `loadDatacentre`, a name is never
 * taken as a path (`x.yaml` would be), so a request cannot reach files outside the datacentres directory.
 */
export async function loadNamedDatacentre(
  name: string,
  datacentresDir: string,
): Promise<LoadedDatacentre & { yaml: string }> {
  const dir = resolve(datacentresDir, name);
  const file = join(dir, DATACENTRE_FILE);
  const yaml = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') throw asStackbookError(error);
    return undefined;
  });
  if (yaml === undefined) {
    const known = await listDatacentres(datacentresDir);
    throw new StackbookError('NOT_FOUND', `no datacentre '${name}' (known: ${known.join(', ') || 'none'})`, {
      details: { known },
    });
  }
  return { ...parseDatacentre(yaml, file, name), dir, yaml };
}

let profileSchema: Record<string, unknown> | undefined;

/** The GET answer for a datacentre, shared with PUT so both describe it the same way. */
export async function datacentreView(services: Services, name: string): Promise<DatacentreView> {
  const loaded = await loadNamedDatacentre(name, services.datacentresDir);
  const env = services.env ?? process.env;
  let fromFile = new Map<string, unknown>();
  let secretsError: string | null = null;
  try {
    fromFile = await readSecretsEnv(join(loaded.dir, SECRETS_FILE));
  } catch (error) {
    // A malformed secrets.env must not hide the profile from the editor that can fix it.
    secretsError = asStackbookError(error).message;
  }

  const references = new Map<string, { line: number; field: string }[]>();
  for (const ref of collectSecretRefs(loaded.profile)) {
    const list = references.get(ref.name) ?? [];
    list.push({ line: lineOf(loaded.lines, ref.path.split('.')), field: readablePath(ref.path) });
    references.set(ref.name, list);
  }
  // Names set in secrets.env but referenced nowhere are listed too, so stale ones can be spotted.
  for (const secretName of fromFile.keys()) if (!references.has(secretName)) references.set(secretName, []);
  const secrets = [...references].map(([secretName, refs]) => {
    const source: 'env' | 'file' | null =
      env[secretName] !== undefined ? 'env' : fromFile.has(secretName) ? 'file' : null;
    return { name: secretName, set: source !== null, source, references: refs };
  });

  return {
    name,
    file: loaded.file,
    profile: loaded.profile,
    yaml: loaded.yaml,
    secrets,
    secrets_error: secretsError,
    overlays: await overlaysOf(loaded.dir),
    schema: (profileSchema ??= datacentreJsonSchema()),
  };
}

/** Runbook ids this datacentre overlays (`runbooks/<id>.md` in its folder), sorted. */
async function overlaysOf(dir: string): Promise<string[]> {
  const names = await readdir(join(dir, 'runbooks')).catch(() => [] as string[]);
  return names
    .filter((file) => file.endsWith('.md'))
    .map((file) => basename(file, '.md'))
    .sort();
}

const route = apiRoute({
  method: 'get',
  path: '/api/datacentres/{name}',
  summary: 'A datacentre profile, its YAML, which secrets are set (never their values) and its overlays',
  tags: ['datacentres'],
  request: { params: DatacentreNameParam },
  responses: { 200: json('The datacentre', DatacentreViewSchema), ...errors(400, 404, 422) },
});

/** GET /api/datacentres/:name: the profile as loaded; a profile that does not validate answers 422. */
export function registerGetDatacentre(app: App): void {
  app.openapi(route, async (c) =>
    c.json(await datacentreView(c.var.services, c.req.valid('param').name), 200),
  );
}
