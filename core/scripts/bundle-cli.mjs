/**
 * Bundle the compiled CLI (`dist/cli/main.js`) into `dist/cli-bundle/`, which `bin/life-stats.js`
 * runs: ~70 modules of core become a few ES-module chunks, so a command spends less of its start
 * resolving and linking files (issue 18; figures in docs/performance.md). `import()`s stay lazy:
 * each becomes a chunk of its own (`splitting`), so `--help` still loads no command and `run` no
 * report, auth or AWS code.
 *
 * What stays outside the bundle, imported from `dist/` as before:
 * - every package but the few small, pure ES-module ones on the `run` path ({@link BUNDLED}):
 *   resolved from core's folder at run time, as today (the AWS SDK, ajv and better-sqlite3 keep
 *   their own files, lazy imports and native parts);
 * - every module of the entries plugins import, `@life-stats/core/plugin` and
 *   `@life-stats/core/oauth`, with everything they import. A plugin is loaded from its own package
 *   and imports those entries from `dist/`; the CLI must use the same modules, or an error a
 *   plugin throws would not be an instance of the CLI's copy of its class (`reconnect` would read
 *   as a plain failure), and two token caches could each hold a different rotated refresh token.
 *
 *   node scripts/bundle-cli.mjs        (part of `npm run build`)
 */
import { rmSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const core = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(core, 'dist');
const outdir = resolve(dist, 'cli-bundle');
/** The entries plugins import (package.json `exports`), whose modules the CLI shares with them. */
const PLUGIN_ENTRIES = ['plugin.js', 'oauth-session.js'];
/**
 * Packages compiled into the bundle: every `run` imports them (the pair queue and the retries), each
 * is one small ES module with no state a plugin could share, and four fewer files to resolve and
 * link is ~1.5 ms of every command.
 */
const BUNDLED = new Set(['p-limit', 'yocto-queue', 'p-retry', 'is-network-error']);

/** Every file of `dist/` the plugin entries reach, as absolute paths. */
async function sharedModules() {
  const { metafile } = await build({
    absWorkingDir: core,
    entryPoints: PLUGIN_ENTRIES.map((entry) => resolve(dist, entry)),
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    outdir: resolve(core, 'unused'),
    logLevel: 'silent',
  });
  return new Set(Object.keys(metafile.inputs).map((input) => resolve(core, input)));
}

const shared = await sharedModules();
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: core,
  entryPoints: [resolve(dist, 'cli/main.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // The chunks sit one folder below dist/, as dist/cli/main.js does, so `new URL('../../package.json',
  // import.meta.url)` still names core's package.json.
  chunkNames: '[name]-[hash]',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'modules-shared-with-plugins',
      setup(bundle) {
        bundle.onResolve({ filter: /^[^./]/ }, (args) => {
          const name = args.path.split('/', args.path.startsWith('@') ? 2 : 1).join('/');
          return BUNDLED.has(name) ? undefined : { path: args.path, external: true };
        });
        bundle.onResolve({ filter: /^\.\.?\// }, (args) => {
          const file = resolve(args.resolveDir, args.path);
          if (!shared.has(file)) return undefined;
          const path = relative(outdir, file).split(sep).join('/');
          return { path: path.startsWith('.') ? path : `./${path}`, external: true };
        });
      },
    },
  ],
});
