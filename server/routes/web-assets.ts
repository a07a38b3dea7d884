import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Hono } from 'hono';
import type { AppEnv } from './app-env.ts';

const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.js.map': 'application/json; charset=utf-8',
};

/** Pages of the web notebook: each serves index.html, and the client-side router takes over. */
const PAGES = ['/', '/runbooks/*', '/runs', '/runs/*', '/datacentres', '/datacentres/*'];

/**
 * Serves the bundled web notebook from `webDir` (index.html and dist/): a fixed list of files, so no
 * request path ever reaches the file system.
 */
export function registerWebAssets(app: Hono<AppEnv>, webDir: string): void {
  for (const page of PAGES) {
    app.get(page, async (c) => c.html(await readFile(path.join(webDir, 'index.html'), 'utf8')));
  }
  app.get('/assets/:name', async (c) => {
    const type = ASSETS[c.req.param('name')];
    if (!type) return c.notFound();
    const body = await readFile(path.join(webDir, 'dist', c.req.param('name'))).catch(() => undefined);
    if (!body) return c.text('the web notebook is not built: run npm run build:web', 503);
    return c.body(body, 200, { 'content-type': type, 'cache-control': 'no-cache' });
  });
}
