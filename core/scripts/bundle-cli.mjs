/**
 * Bundle the compiled CLI (`dist/cli/main.js`) into `dist/cli-bundle/`, which `bin/life-stats.js`
 * runs (issue 18; figures in docs/performance.md). Node 20 spends ~0.5 ms on every ES module file
 * it resolves, reads, compiles and links; a `life-stats run` loaded ~75 of core's.
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
 * - every module of the entries plugins import, `@life-stats/core/plugin` and
 *   `@life-stats/core/oauth`, with everything they import. A plugin is loaded from its own package
 *   and imports those entries from `dist/`; the CLI must use the same modules, so that one token
 *   cache holds a refresh token a plugin's session rotated, the time-zone reads the CLI turns on
 *   reach the plugins' date helpers, and an error a plugin throws is the CLI's class.
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
const entry = resolve(dist, 'cli/main.js');
/** The entries plugins import (package.json `exports`), whose modules the CLI shares with them. */
const PLUGIN_ENTRIES = ['plugin.js', 'oauth-session.js'];
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

/** A path of `dist/` as an import from a file in the bundle's folder. */
function fromBundle(file) {
  const path = relative(outdir, file).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

/** The file a unit is written to: `main.js` for the entry, else its path in `dist/` with dashes. */
function unitFile(module) {
  return module === entry ? 'main.js' : relative(dist, module).split(sep).join('-');
}

/**
 * The esbuild plugin of every build here: packages external but {@link BUNDLED}; `shared` modules
 * external; with `units`, another unit than `self` external too (imported from its file).
 */
function boundaries(shared, units, self) {
  return {
    name: 'life-stats-cli-boundaries',
    setup(bundle) {
      bundle.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.split('/', args.path.startsWith('@') ? 2 : 1).join('/');
        return BUNDLED.has(name) ? undefined : { path: args.path, external: true };
      });
      bundle.onResolve({ filter: /^\.\.?\// }, (args) => {
        const file = resolve(args.resolveDir, args.path);
        if (shared.has(file)) return { path: fromBundle(file), external: true };
        if (units?.has(file) && file !== self) return { path: `./${units.get(file)}`, external: true };
        return undefined;
      });
    },
  };
}

/** Every file of `dist/` the plugin entries reach. */
async function sharedModules() {
  const { metafile } = await build({
    ...common,
    entryPoints: PLUGIN_ENTRIES.map((name) => resolve(dist, name)),
    write: false,
    metafile: true,
    packages: 'external',
    outdir: resolve(core, 'unused'),
    logLevel: 'silent',
  });
  return new Set(Object.keys(metafile.inputs).map((input) => resolve(core, input)));
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

const shared = await sharedModules();
const units = await unitsOf(shared);
rmSync(outdir, { recursive: true, force: true });
await Promise.all(
  [...units].map(([module, file]) =>
    build({
      ...common,
      entryPoints: [module],
      outfile: resolve(outdir, file),
      sourcemap: true,
      plugins: [boundaries(shared, units, module)],
    }),
  ),
);
