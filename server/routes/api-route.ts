import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { StackbookError } from '../stackbook-error.ts';
import { validationError } from './error-handler.ts';

const NO_FIELDS = z.strictObject({});

/** A strict copy of an object schema: unknown keys become `unrecognized_keys` issues. */
function strict<T>(schema: T): T {
  return (schema instanceof z.ZodObject ? schema.strict() : schema) as T;
}

/**
 * For an endpoint that takes no body: any field in one is unknown, so `{"bogus":1}` is refused like an unknown
 * field anywhere else. An empty body, or `{}`, is fine.
 */
const refuseBody: MiddlewareHandler = async (c, next) => {
  const text = (await c.req.text()).trim();
  if (text) {
    const where = `${c.req.method} ${new URL(c.req.url).pathname}`;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new StackbookError('BAD_ARGUMENT', `${where}: this endpoint takes no body`);
    }
    const checked = NO_FIELDS.safeParse(body);
    if (!checked.success) throw validationError(checked.error, where);
  }
  await next();
};

/**
 * `createRoute` for every endpoint of the API, so that each refuses what it does not know in one way: a query
 * parameter or a JSON body field the route does not declare is a 400 naming the field
 * (`bogus: unknown field 'bogus'`). Query and body object schemas are made strict; a route without a query
 * accepts none, and one without a body refuses any field in one.
 */
export function apiRoute<P extends string, R extends Omit<RouteConfig, 'path'> & { path: P }>(config: R) {
  const request = config.request ?? {};
  const json = request.body?.content['application/json'];
  const body =
    request.body && json && 'schema' in json
      ? {
          ...request.body,
          content: { ...request.body.content, 'application/json': { ...json, schema: strict(json.schema) } },
        }
      : request.body;
  const middleware = config.middleware === undefined ? [] : [config.middleware].flat();
  return createRoute({
    ...config,
    request: { ...request, query: request.query ? strict(request.query) : NO_FIELDS, body },
    middleware: request.body ? middleware : [...middleware, refuseBody],
  } as R);
}
