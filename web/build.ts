/** Bundles the web notebook into web/dist/ (`npm run build:web`); the server serves it at `/`. */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./', import.meta.url));

await build({
  entryPoints: [`${root}main.ts`],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  outfile: `${root}dist/app.js`,
  sourcemap: true,
  minify: process.env.STACKBOOK_DEV ? false : true,
  tsconfig: `${root}../tsconfig.json`,
  logLevel: 'warning',
});
