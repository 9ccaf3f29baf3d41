/**
 * Bundle what `npm run build` compiled into `dist/` (issue 18; figures in docs/performance.md):
 * Node 20 spends ~0.5 ms on every ES module file it resolves, reads, compiles and links, and a
 * `life-stats run` loaded ~75 of core's.
 *
 * - The CLI (`dist/cli/main.js`) into `dist/cli-bundle/`, which `bin/life-stats.js` runs.
 * - The entries plugins import, `@life-stats/core/plugin` and `@life-stats/core/oauth`, into
 *   `dist/plugin.bundle.js` and `dist/oauth-session.bundle.js` (package.json `exports`; the types
 *   stay `dist/plugin.d.ts` and `dist/oauth-session.d.ts`): one file each besides {@link SHARED}.
 *
 * **Units.** Every module core imports with `import()` stays lazy: the CLI's entry and each such
 * module (a command, the command context, the config loader, a store) is a *unit*, one file
 * holding that module and everything it imports statically — except another unit, which it
 * imports from that unit's file, and the modules shared with plugins below. So `--help` still
 * loads no command, `run` no report, auth or AWS code, and a `run` loads 7 files of the bundle.
 * (esbuild's own code splitting gives the same laziness in ~3× as many files: a chunk for every
 * set of entries that share a module, many of them a single small module.) A module two units
 * import statically is in both files; none of those holds state two copies could disagree on —
 * the stateful ones are units themselves (the secret file store and its write queue) or shared.
 *
 * **Outside the bundle**, imported from `dist/` as before:
 * - every package but the few small, pure ES-module ones on the `run` path ({@link BUNDLED}):
 *   resolved from core's folder at run time, as before (the AWS SDK, ajv and better-sqlite3 keep
 *   their own files, lazy imports and native parts);
 * - the modules of core that plugins also use (through `@life-stats/core/plugin` and
 *   `@life-stats/core/oauth`) and that must exist once in a process ({@link SHARED}): the error
 *   classes, the date helpers (whose time-zone reads the CLI turns on), the OAuth token cache (a
 *   refresh token a plugin's session rotated is the one the CLI knows) and the OAuth library's
 *   loader. The other modules of those entries are pure functions and constants; each bundle
 *   holds its own copy of them, a file less to load each (so `definePlugin` from the plugin entry
 *   is not the index's function object; the error classes are the index's). `tests/e2e/
 *   cli-bundle.test.ts` fails when a module of those entries gains state or a class without
 *   being added here.
 *
 *   node scripts/bundle.mjs        (part of `npm run build`)
 */
import { rmSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const core = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(core, 'dist');
const outdir = resolve(dist, 'cli-bundle');
const entry = resolve(dist, 'cli/main.js');
/**
 * Modules of `dist/` that the CLI and plugins both use and that hold state or classes: every bundle
 * imports them from their files, never copies them.
 */
const SHARED = ['errors.js', 'util/dates.js', 'oauth/token-cache.js', 'oauth/library.js'];
/**
 * Packages compiled into the bundle: every `run` imports them (the pair queue and the retries), each
 * is one small ES module with no state a plugin could share.
 */
const BUNDLED = new Set(['p-limit', 'yocto-queue', 'p-retry', 'is-network-error']);

const common = {
  absWorkingDir: core,
  bundle: true,
  format: 'esm',
  platform: 'node',
  logLevel: 'warning',
};

/** A path of `dist/` as an import from a file in `folder`. */
function importPath(file, folder) {
  const path = relative(folder, file).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

/** The file a unit is written to: `main.js` for the entry, else its path in `dist/` with dashes. */
function unitFile(module) {
  return module === entry ? 'main.js' : relative(dist, module).split(sep).join('-');
}

/**
 * The esbuild plugin of every build here: packages external but {@link BUNDLED}; `shared` modules
 * external; with `units`, another unit than `self` external too (imported from its file). The
 * output goes to `folder`.
 */
function boundaries(shared, units, self, folder = outdir) {
  return {
    name: 'life-stats-cli-boundaries',
    setup(bundle) {
      bundle.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.split('/', args.path.startsWith('@') ? 2 : 1).join('/');
        return BUNDLED.has(name) ? undefined : { path: args.path, external: true };
      });
      bundle.onResolve({ filter: /^\.\.?\// }, (args) => {
        const file = resolve(args.resolveDir, args.path);
        if (shared.has(file)) return { path: importPath(file, folder), external: true };
        if (units?.has(file) && file !== self) return { path: `./${units.get(file)}`, external: true };
        return undefined;
      });
    },
  };
}

/** The entry and every module of core that some module the CLI reaches imports with `import()`. */
async function unitsOf(shared) {
  const { metafile } = await build({
    ...common,
    entryPoints: [entry],
    write: false,
    metafile: true,
    splitting: true,
    outdir: resolve(core, 'unused'),
    plugins: [boundaries(shared)],
  });
  const units = new Map([[entry, unitFile(entry)]]);
  for (const input of Object.values(metafile.inputs)) {
    for (const imported of input.imports) {
      if (imported.kind !== 'dynamic-import' || imported.external) continue;
      const module = resolve(core, imported.path);
      units.set(module, unitFile(module));
    }
  }
  return units;
}

/** The entries plugins import, bundled beside their compiled files. */
const PLUGIN_ENTRIES = { 'plugin.js': 'plugin.bundle.js', 'oauth-session.js': 'oauth-session.bundle.js' };

const shared = new Set(SHARED.map((module) => resolve(dist, module)));
const units = await unitsOf(shared);
rmSync(outdir, { recursive: true, force: true });
await Promise.all([
  ...Object.entries(PLUGIN_ENTRIES).map(([module, file]) =>
    build({
      ...common,
      entryPoints: [resolve(dist, module)],
      outfile: resolve(dist, file),
      sourcemap: true,
      plugins: [boundaries(shared, undefined, undefined, dist)],
    }),
  ),
  ...[...units].map(([module, file]) =>
    build({
      ...common,
      entryPoints: [module],
      outfile: resolve(outdir, file),
      sourcemap: true,
      plugins: [boundaries(shared, units, module)],
    }),
  ),
]);
