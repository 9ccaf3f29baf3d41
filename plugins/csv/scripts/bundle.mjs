/**
 * Bundle the compiled plugin (`dist/index.js`) into `dist/index.bundle.js`, the file the package
 * exports: one ES module instead of five, which Node 20 resolves, reads, compiles and links one by
 * one (~0.5 ms each) in every `life-stats run` and `validate` with a csv entry (issue 18,
 * docs/performance.md). Packages stay imports: `@life-stats/core`, so the plugin shares core's
 * error classes and date helpers with the CLI, and csv-parse, a dependency as before, which a
 * Lambda asset keeps in a chunk of its own, compiled on the first fetch only.
 *
 *   node scripts/bundle.mjs        (part of `npm run build`)
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  absWorkingDir: root,
  entryPoints: ['dist/index.js'],
  outfile: 'dist/index.bundle.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  sourcemap: true,
  logLevel: 'warning',
  packages: 'external',
});
