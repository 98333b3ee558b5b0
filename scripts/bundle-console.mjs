// Builds the web console into dist/console: its page, one script (with the players split off,
// loaded only on the stream page) and one stylesheet, all from npm packages, nothing fetched
// from the network at run time. The API server serves the directory at /console/.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const out = process.argv[2] ?? 'dist/console';
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: [{ in: 'console/src/main.ts', out: 'main' }, { in: 'console/style.css', out: 'main' }],
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'linked',
  logLevel: 'warning',
});
await copyFile('console/index.html', `${out}/index.html`);
