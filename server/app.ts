import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { Engine } from './engine/engine.ts';
import { RunStreamHub } from './live/run-stream-hub.ts';
import type { AppDeps, AppEnv, Services } from './routes/app-env.ts';
import { onError, validationError } from './routes/error-handler.ts';
import { registerRoutes } from './routes/register-routes.ts';
import { requireToken } from './routes/require-token.ts';
import { registerWebAssets } from './routes/web-assets.ts';
import { StackbookError } from './stackbook-error.ts';

export type App = OpenAPIHono<AppEnv> & { services: Services };

const WHO = /^[\w.@ -]{1,64}$/;

/**
 * The stackbook API as a Hono app. It never listens (`stackbook serve` does), so tests call `app.request`.
 * Runs execute in this process; their events fan out to live viewers as they are stored.
 */
export function createApp(deps: AppDeps): App {
  const now = deps.now ?? (() => new Date());
  const hub = new RunStreamHub(deps.streamQueue);
  const engine = new Engine({
    store: deps.store,
    drivers: deps.drivers,
    dataDir: deps.dataDir,
    now,
    env: deps.env,
    onEvents: hub.publish,
    // Over HTTP a step waits for POST …/approve.
    onApprovalNeeded: async () => ({ action: 'wait' }),
  });
  const services: Services = { ...deps, now, engine, hub };
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success)
        throw validationError(result.error, `${c.req.method} ${new URL(c.req.url).pathname}`);
    },
  }) as App;
  app.services = services;
  app.onError(onError);
  app.notFound((c) =>
    onError(new StackbookError('NOT_FOUND', `no route ${c.req.method} ${new URL(c.req.url).pathname}`), c),
  );

  if (deps.token) app.use('*', requireToken(deps.token));
  app.use('/api/*', async (c, next) => {
    const who = c.req.header('x-stackbook-user');
    c.set('who', who && WHO.test(who) ? who : 'api');
    c.set('services', services);
    await next();
  });
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: deps.bodyLimit ?? 1024 * 1024,
      onError: () => {
        throw new StackbookError('TOO_LARGE', `request body over ${deps.bodyLimit ?? 1024 * 1024} bytes`);
      },
    }),
  );
  registerRoutes(app);
  if (deps.webDir) registerWebAssets(app, deps.webDir);
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'stackbook API',
      version: '1',
      description: 'Run and watch runbooks for bringing up OpenStack on bare metal.',
    },
  });
  return app;
}
