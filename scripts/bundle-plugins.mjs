/**
 * Bundle each first-party plugin's compiled code (`dist/index.js`) into `dist/index.bundle.js`, the
 * file its package exports: one ES module instead of its 5 to 15, which Node resolves, reads,
 * compiles and links one by one (about 0.5 ms each on Node 20, and the module reads queue in libuv's
 * thread pool) in every `life-stats run`, `validate`, `plugins` and `check` that loads it (issue 18,
 * docs/performance.md).
 *
 * Every package stays an import, so a plugin shares `@life-stats/core` (its error classes, date
 * helpers and OAuth token cache) with the CLI, and the Google plugins share one
 * `@life-stats/google-common`; only the packages a plugin lists in {@link INLINE} are compiled in
 * (they become development dependencies). An `import()` in a plugin stays lazy inside its bundle: its
 * code is evaluated on first use only, as before. A Lambda asset built in this repository takes the
 * plugins' sources instead (infra's `workspaceSources`).
 *
 *   node scripts/bundle-plugins.mjs            every plugin (part of the root `npm run build`)
 *   node scripts/bundle-plugins.mjs csv oura   those under plugins/ (a plugin's own `npm run build`)
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const plugins = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'plugins');

/** Packages compiled into a plugin's bundle, by folder under plugins/; every other one stays an import. */
const INLINE = { csv: ['csv-parse'] };

const names =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(plugins).filter((name) => existsSync(join(plugins, name, 'package.json')));

for (const name of names) {
  const dir = join(plugins, name);
  if (!existsSync(join(dir, 'dist', 'index.js'))) {
    throw new Error(`plugins/${name}/dist/index.js is missing: compile the plugin first (tsc -b plugins/${name})`);
  }
  const inline = new Set(INLINE[name] ?? []);
  await build({
    absWorkingDir: dir,
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
            const pkg = args.path.split('/', args.path.startsWith('@') ? 2 : 1).join('/');
            return inline.has(pkg) ? undefined : { path: args.path, external: true };
          });
        },
      },
    ],
  });
}
