import { z } from '@hono/zod-openapi';
import { z as zod } from 'zod';
import type { DriverRegistry } from '../../../drivers/registry.ts';
import type { AnyDriver } from '../../../drivers/types.ts';
import type { App } from '../../app.ts';
import { resolveCellArgs } from '../../engine/cell-args.ts';
import { isSecretRef } from '../../runbook/datacentre-schema.ts';
import { loadRunbook } from '../../runbook/load-runbook.ts';
import type { TemplateScope } from '../../runbook/templates.ts';
import type { Block, CellBlock } from '../../runbook/types.ts';
import { renderSafeMarkdown } from '../../report/safe-markdown.ts';
import { StackbookError } from '../../stackbook-error.ts';
import { loadNamedDatacentre } from '../datacentres/get-datacentre.ts';
import { errors, IdName, json } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

const ProvenanceSchema = z.object({
  file: z.string(),
  line: z.number(),
  source: z.enum(['base', 'overlay']),
});

const BlockSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('prose'),
    markdown: z.string(),
    html: z.string(),
    provenance: ProvenanceSchema,
  }),
  z.object({
    kind: z.literal('cell'),
    name: z.string(),
    driver: z.string(),
    lang: z.string().openapi({ description: 'The fence word as written (`bash` for the `sh` driver)' }),
    attrs: z.record(z.string(), z.unknown()).openapi({ description: 'The fence attributes as written' }),
    source: z.string().openapi({ description: 'The cell body as written' }),
    provenance: ProvenanceSchema,
    preview: z.unknown().openapi({
      description:
        'Arguments with templates resolved for the datacentre, secrets as «secret NAME»; null without dc',
    }),
    preview_error: z
      .object({ message: z.string(), line: z.number().nullable(), field: z.string().nullable() })
      .nullable(),
    schema: z
      .record(z.string(), z.unknown())
      .openapi({ description: "The driver's arguments as JSON Schema" }),
  }),
]);

const RunbookViewSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    summary: z.string(),
    needs: z.array(z.string()),
    params: z.record(z.string(), z.unknown()),
    datacentre: z.string().nullable(),
    sources: z.array(z.object({ file: z.string(), sha256: z.string() })),
    blocks: z.array(BlockSchema),
  })
  .openapi('RunbookView');

type BlockView = z.infer<typeof BlockSchema>;

// A runbook id names a file under the runbooks directory: `x.md` would make loadRunbook read a path.
const RunbookId = IdName.refine((id) => !id.endsWith('.md'), 'a runbook id, not a file name');

const route = apiRoute({
  method: 'get',
  path: '/api/runbooks/{id}',
  summary: 'The effective runbook, with the datacentre overlay and argument previews when dc is given',
  tags: ['runbooks'],
  request: {
    params: z.object({
      id: RunbookId.openapi({ param: { name: 'id', in: 'path' }, example: 'seed-preflight' }),
    }),
    query: z.object({
      dc: IdName.optional().openapi({ param: { name: 'dc', in: 'query' }, example: 'example' }),
    }),
  },
  responses: { 200: json('The effective runbook', RunbookViewSchema), ...errors(400, 401, 404, 422) },
});

const schemas = new WeakMap<AnyDriver, Record<string, unknown>>();

/** A driver's arguments as JSON Schema, computed once per driver. */
function argsSchema(driver: AnyDriver): Record<string, unknown> {
  const schema =
    schemas.get(driver) ??
    (zod.toJSONSchema(driver.args, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>);
  schemas.set(driver, schema);
  return schema;
}

/** Replaces every `{ secret: NAME }` with `«secret NAME»`: a preview names secrets and never holds one. */
function maskSecrets(value: unknown): unknown {
  if (isSecretRef(value)) return `«secret ${value.secret}»`;
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskSecrets(item)]));
  return value;
}

/** The cell's resolved arguments, or where its templates went wrong: a bad template must not hide the runbook. */
function previewOf(cell: CellBlock, driver: AnyDriver, scope: TemplateScope) {
  try {
    const resolved = resolveCellArgs(cell, driver, scope);
    if (driver.body !== 'script') return { preview: maskSecrets(resolved), preview_error: null };
    // Script cells carry secrets as an env-var → secret-name map; show the names as masked secrets too.
    const { script, secretEnv } = resolved as { script: string; secretEnv: Record<string, string> };
    const masked = Object.entries(secretEnv).map(([env, name]) => [env, `«secret ${name}»`]);
    return { preview: { script, secretEnv: Object.fromEntries(masked) }, preview_error: null };
  } catch (error) {
    if (!(error instanceof StackbookError)) throw error;
    const { line, field } = error.location ?? {};
    return {
      preview: null,
      preview_error: { message: error.message, line: line ?? null, field: field ?? null },
    };
  }
}

function blockView(block: Block, drivers: DriverRegistry, scope?: TemplateScope): BlockView {
  const provenance = { ...block.provenance };
  if (block.kind === 'prose') {
    const html = renderSafeMarkdown(block.markdown);
    return { kind: 'prose', markdown: block.markdown, html, provenance };
  }
  const driver = drivers.get(block.driver);
  if (!driver)
    throw new StackbookError('INTERNAL', `cell '${block.name}': driver '${block.driver}' is not registered`);
  return {
    kind: 'cell',
    name: block.name,
    driver: block.driver,
    lang: block.lang,
    attrs: { ...block.rawAttrs },
    source: block.body,
    provenance,
    ...(scope ? previewOf(block, driver, scope) : { preview: null, preview_error: null }),
    schema: argsSchema(driver),
  };
}

/**
 * GET /api/runbooks/:id?dc=NAME. With `dc` the datacentre's overlay is applied and each cell's arguments
 * are previewed against its profile (later cells' results as `<cells.x.y>` placeholders). Unknown runbook
 * or datacentre → 404; a runbook or profile that does not parse → 422.
 */
export function registerGetRunbook(app: App): void {
  app.openapi(route, async (c) => {
    const { services } = c.var;
    const { id } = c.req.valid('param');
    const { dc } = c.req.valid('query');
    const datacentre = dc === undefined ? undefined : await loadNamedDatacentre(dc, services.datacentresDir);
    const runbook = await loadRunbook(id, {
      runbooksDir: services.runbooksDir,
      datacentreDir: datacentre?.dir,
      drivers: services.drivers,
    });
    // The scope a run would have, with placeholders for what only exists once a run does.
    const scope: TemplateScope | undefined = datacentre && {
      dc: { name: datacentre.name, ...datacentre.profile },
      cells: {},
      run: {
        id: '<run.id>',
        started: '<run.started>',
        mode: '<run.mode>',
        workdir: '<run.workdir>',
        params: runbook.params,
      },
      placeholders: true,
    };
    return c.json(
      {
        id: runbook.id,
        title: runbook.title,
        summary: runbook.summary,
        needs: runbook.needs,
        params: runbook.params,
        datacentre: dc ?? null,
        sources: runbook.sources,
        blocks: runbook.blocks.map((block) => blockView(block, services.drivers, scope)),
      },
      200,
    );
  });
}
