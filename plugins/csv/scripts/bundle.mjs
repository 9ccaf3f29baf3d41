/**
 * Bundle the compiled plugin (`dist/index.js`) into `dist/index.bundle.js`, the file the package
 * exports: one ES module instead of its five and csv-parse's nine, which Node 20 resolves, reads,
 * compiles and links one by one (~0.5 ms each) in every `life-stats run` and `validate` with a csv
 * entry (issue 18, docs/performance.md).
 *
 * csv-parse is compiled in (so the published package has no dependency on it, only a development
 * one): its `import()` stays lazy inside the file — the code is evaluated on the first fetch only,
 * as before. `@life-stats/core` stays a package import, so the plugin shares core's error classes
 * and date helpers with the CLI. A Lambda asset built in this repository takes the plugin's
 * sources instead (infra's `workspaceSources`), with csv-parse in a chunk of its own.
 *
 *   node scripts/bundle.mjs        (part of `npm run build`)
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Packages compiled into the bundle; every other one stays an import. */
const BUNDLED = new Set(['csv-parse']);

await build({
  absWorkingDir: root,
  entryPoints: ['dist/index.js'],
  outfile: 'dist/index.bundle.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'packages-external',
      setup(bundle) {
        bundle.onResolve({ filter: /^[^./]/ }, (args) => {
          const name = args.path.split('/', args.path.startsWith('@') ? 2 : 1).join('/');
          return BUNDLED.has(name) ? undefined : { path: args.path, external: true };
        });
      },
    },
  ],
});
