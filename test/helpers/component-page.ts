import { build } from 'esbuild';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from './cli.ts';

/**
 * A blank Chromium page with one web component bundled from its source (`web/components/…/x.ts`), for
 * component tests: no server, no app shell, only the component and what it imports.
 */
export async function componentPage(browser: Browser, entry: string): Promise<Page> {
  const { outputFiles } = await build({
    entryPoints: [path.join(ROOT, entry)],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    write: false,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    logLevel: 'warning',
  });
  const page = await browser.newPage();
  await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
  await page.addScriptTag({ content: outputFiles[0]!.text });
  return page;
}
