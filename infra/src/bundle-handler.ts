// Over 300 lines: the asset's one build — its shared esbuild options, the generated entry (whose
// baked config must use the same relative-path rule as the build) and the bundling step — kept
// together so the reproducible-asset rule lives in one place, with the two small esbuild plugins
// only this build uses; the stand-ins are in lambda-stubs.ts.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadedConfig, type StaticConfig, type StaticEntry, toStaticConfig } from '@life-stats/core';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';
import { lambdaStubs } from './lambda-stubs.js';
import { buildSplitAsset } from './split-build.js';

/**
 * This package's folder: the generated entry (written to a temp or output folder) imports
 * `@life-stats/core` as this package depends on it, so it is resolved from here.
 */
const infraDir = fileURLToPath(new URL('../', import.meta.url));

/** Packages never bundled: the Lambda stores in DynamoDB and imports no TypeScript at run time. */
const BUNDLE_EXTERNALS = ['better-sqlite3', 'typescript', 'tsx'] as const;

/**
 * How the Lambda asset is built (every option but its input, output and plugins); exported so a
 * benchmark can build its baselines the same way.
 */
export const HANDLER_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  legalComments: 'none',
  external: [...BUNDLE_EXTERNALS],
  // The ES module builds first (the AWS SDK's `dist-es`): esbuild drops the exports nothing
  // imports, where a CommonJS build is kept whole — every command of a client, every protocol.
  mainFields: ['module', 'main'],
  // CommonJS dependencies call require(); an ES module has none.
  banner: {
    js: "import { createRequire as __lsCreateRequire } from 'node:module'; const require = __lsCreateRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'silent',
  // A folder: `index.mjs` and the chunks its `import()`s load on first use (see split-build.ts).
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
} as const satisfies BuildOptions;

/** Options of {@link bundleHandler}. */
export interface BundleHandlerOptions {
  /** The loaded config (with plugins): its enabled entries' plugins are imported statically. */
  config: LoadedConfig;
  /** The folder to write: `entry.ts` (generated) and the asset, `dist/index.mjs`. Emptied first. */
  outDir: string;
  /** @default true */
  minify?: boolean;
}

/** What {@link bundleHandler} wrote. */
export interface HandlerBundle {
  /** The Lambda asset folder (`index.mjs`, handler `index.handler`, its `chunks/`, the data `files/`). */
  assetDir: string;
  /** The bundle's entry (`index.mjs`). */
  file: string;
  /** The size of its code in bytes: the entry and every chunk. */
  bytes: number;
  /** The bytes of the entry and the chunks it imports statically: what every cold start compiles. */
  startBytes: number;
  /** The generated entry file. */
  entryFile: string;
  /** Data files shipped in the asset, relative to the config's folder. */
  files: string[];
  /** Files named by enabled entries' configs outside the config's folder, not shipped (`path: file`). */
  notShipped: string[];
  /** Bytes each input file contributes to the bundle, by path (from esbuild's metafile). */
  inputs: Record<string, number>;
  /** The same for the entry and the chunks it imports statically (see `startBytes`). */
  startInputs: Record<string, number>;
}

/**
 * Bundle the Lambda handler with esbuild, locally (no Docker): generate an entry that imports the
 * enabled entries' plugins statically (a bundler cannot follow a plugin name read from config at
 * run time) together with the config settled at synth time, and builds the handler with core's
 * `createStaticHandler`: the bundle validates nothing again, so it carries no config search and no
 * JSON Schema compiler; it applies only the `LIFE_STATS_*` overrides.
 * Workspace packages (`@life-stats/*`) are bundled from their TypeScript sources when present, so a
 * stale or missing `dist` cannot end up in the function.
 */
export async function bundleHandler(options: BundleHandlerOptions): Promise<HandlerBundle> {
  const outDir = resolve(options.outDir);
  rmSync(outDir, { recursive: true, force: true });
  const assetDir = join(outDir, 'dist');
  mkdirSync(assetDir, { recursive: true });

  const entryFile = join(outDir, 'entry.ts');
  const generated = generateEntry(options.config);
  writeFileSync(entryFile, generated.source);
  for (const path of generated.files) {
    const target = join(assetDir, BUNDLED_FILES_DIR, path);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(options.config.dir, path), target);
  }
  const file = join(assetDir, 'index.mjs');
  const result = await buildSplitAsset({
    ...HANDLER_BUILD_OPTIONS,
    entryPoints: { index: entryFile },
    outdir: assetDir,
    minify: options.minify ?? true,
    plugins: [
      workspaceSources(entryFile),
      lazyBuiltins(),
      lambdaStubs({ oauth: options.config.plugins.some((entry) => entry.enabled && entry.loaded?.plugin.oauth) }),
    ],
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);
  const outputs = Object.values(result.metafile.outputs);
  const atStart = startOutputs(result.metafile, relative(process.cwd(), file).split(sep).join('/'));
  return {
    assetDir,
    file,
    bytes: outputs.reduce((sum, output) => sum + output.bytes, 0),
    startBytes: atStart.reduce((sum, output) => sum + output.bytes, 0),
    entryFile,
    files: generated.files,
    notShipped: generated.outside,
    inputs: bytesByInput(outputs),
    startInputs: bytesByInput(atStart),
  };
}

/** The entry and every chunk it imports statically: what a cold start reads and compiles. */
function startOutputs(metafile: Metafile, entry: string): Metafile['outputs'][string][] {
  const seen = new Set<string>();
  const visit = (path: string): void => {
    const output = metafile.outputs[path];
    if (!output || seen.has(path)) return;
    seen.add(path);
    for (const imported of output.imports) if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit(entry);
  if (seen.size === 0) throw new Error(`esbuild's metafile has no output ${entry}`);
  return [...seen].flatMap((path) => metafile.outputs[path] ?? []);
}

function bytesByInput(outputs: Metafile['outputs'][string][]): Record<string, number> {
  const inputs: Record<string, number> = {};
  for (const output of outputs) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (bytesInOutput > 0) inputs[path] = (inputs[path] ?? 0) + bytesInOutput;
    }
  }
  return inputs;
}

/** Where data files an entry's config names (a CSV file) are copied, inside the asset. */
const BUNDLED_FILES_DIR = 'files';

/** The generated entry module and the data files (relative to the config's folder) to ship with it. */
export interface GeneratedEntry {
  source: string;
  files: string[];
  /** Files named by enabled entries' configs outside the config's folder: not shipped (`path: file`). */
  outside: string[];
}

/**
 * The generated entry module: static plugin imports, the config settled at synth time (core's
 * `toStaticConfig`), `createStaticHandler` — and, with `connect` in the config, the connect
 * function's `createStaticConnectHandler` on the same config and modules. A top-level string in an enabled entry's config that
 * names an existing file inside the config's folder (the csv plugin's `file`) is shipped in the asset
 * and read from there in the function.
 */
export function generateEntry(config: LoadedConfig): GeneratedEntry {
  const imports: string[] = [];
  const files = new Set<string>();
  const outside: string[] = [];
  const settled = toStaticConfig(config, (entry) => {
    const path = sourceOf(entry.loaded.resolvedPath);
    // One plugin may serve several entries (csv for weight and for mood): import it once.
    const index = imports.indexOf(path);
    return index === -1 ? imports.push(path) - 1 : index;
  });
  settled.entries = settled.entries.map((entry) => (entry.enabled && entry.plugin ? shipFiles(entry) : entry));
  const portable = portablePaths(settled, config.dir);

  /** Point the entry's existing files inside the config's folder at their copies in the asset. */
  function shipFiles(entry: StaticEntry): StaticEntry {
    const shipped: string[] = [];
    const settledConfig = { ...entry.config };
    for (const [key, value] of Object.entries(entry.config)) {
      if (typeof value !== 'string' || !isAbsolute(value)) continue;
      if (!statSync(value, { throwIfNoEntry: false })?.isFile()) continue;
      // Only the config's own folder is shipped: a file elsewhere may be anything (a key, a token).
      if (!value.startsWith(config.dir + sep)) {
        outside.push(`plugins[${entry.index}].config.${key}: ${value}`);
        continue;
      }
      const path = relative(config.dir, value).split(sep).join('/');
      files.add(path);
      settledConfig[key] = path;
      shipped.push(key);
    }
    return shipped.length > 0 ? { ...entry, config: settledConfig, files: shipped } : entry;
  }

  // The connect function (connect links) runs the same bundle with handler `index.connect`; without
  // `connect` in the config the entry, and so the bundle, stays as it was.
  const connect = config.connect !== undefined;
  // The fan-out worker (handler `index.worker`) likewise only with `fanOut` in the config.
  const fanOut = config.fanOut !== undefined;
  const lambdaImports = [
    ...(connect ? ['createStaticConnectHandler'] : []),
    'createStaticHandler',
    ...(fanOut ? ['createStaticWorker', 'loadFanOutPlanner'] : []),
  ];
  const source = [
    '// Generated by @life-stats/infra at synth time. Do not edit.',
    `import { ${lambdaImports.join(', ')} } from '@life-stats/core/lambda';`,
    ...imports.map((path, i) => `import * as plugin${i} from ${JSON.stringify(path)};`),
    `const config = ${JSON.stringify(portable)};`,
    `const modules = [${imports.map((_, i) => `plugin${i}`).join(', ')}];`,
    `const filesDir = new URL(${JSON.stringify(`./${BUNDLED_FILES_DIR}/`)}, import.meta.url);`,
    fanOut
      ? 'export const handler = createStaticHandler(config, { modules, filesDir, loadPlanner: loadFanOutPlanner });'
      : 'export const handler = createStaticHandler(config, { modules, filesDir });',
    ...(connect ? ['export const connect = createStaticConnectHandler(config, { modules, filesDir });'] : []),
    ...(fanOut ? ['export const worker = createStaticWorker(config, { modules, filesDir });'] : []),
    '',
  ].join('\n');
  return { source, files: [...files], outside };
}

/**
 * The static config with every path of the build machine made relative to the config's folder —
 * the file, the folder itself (`.`), the store paths, the plugins' paths, absolute paths left in
 * entries' configs — so the same commit built in two folders gives the same asset (and the same
 * asset hash: no redeploy per machine), and no local path ships to the cloud.
 */
function portablePaths(settled: StaticConfig, dir: string): StaticConfig {
  const portable = (path: string): string => relative(dir, path).split(sep).join('/') || '.';
  const settings = { ...settled.settings };
  if (settings.storage.type === 'sqlite' && isAbsolute(settings.storage.path)) {
    settings.storage = { ...settings.storage, path: portable(settings.storage.path) };
  }
  if (settings.secrets.type === 'file' && isAbsolute(settings.secrets.path)) {
    settings.secrets = { ...settings.secrets, path: portable(settings.secrets.path) };
  }
  return {
    filepath: portable(settled.filepath),
    dir: '.',
    settings,
    entries: settled.entries.map((entry) => ({
      ...entry,
      config: Object.fromEntries(
        Object.entries(entry.config).map(([key, value]) => [
          key,
          typeof value === 'string' && isAbsolute(value) ? portable(value) : value,
        ]),
      ),
      ...(entry.plugin ? { plugin: { ...entry.plugin, resolvedPath: portable(entry.plugin.resolvedPath) } } : {}),
    })),
    ...(settled.processZones ? { processZones: settled.processZones } : {}),
  };
}

/** A workspace package's compiled file mapped back to its source (`dist/x.js` → `src/x.ts`). */
function sourceOf(path: string): string {
  // Only workspace packages (real paths outside node_modules): an installed package is bundled as published.
  if (path.includes(`${sep}node_modules${sep}`)) return path;
  // A published bundle of an entry (`dist/x.bundle.js`, core/scripts/bundle.mjs) stands for the
  // entry's source too: the asset is one bundle, with one copy of every module.
  const match = /^(.*)[/\\]dist[/\\](.*?)(?:\.bundle)?\.js$/.exec(path);
  if (!match) return path;
  const source = join(match[1] ?? '', 'src', `${match[2] ?? ''}.ts`);
  return existsSync(source) && existsSync(join(match[1] ?? '', 'tsconfig.json')) ? source : path;
}

const BUILTIN = new RegExp(`^(?:node:.*|${builtinModules.join('|')})$`);

/**
 * Node built-ins that ES modules import, loaded with `require` where the importing module first runs
 * instead of by static imports hoisted to the top of the bundle. The AWS SDK's modules are bundled
 * lazily (behind the `import()`s of the storage and secrets adapters), but the built-ins they import
 * (`node:stream`, `node:zlib`, `node:crypto`, …) would still load at cold start: about 15% of the
 * import's CPU time (docs/performance.md).
 */
export function lazyBuiltins(): Plugin {
  return {
    name: 'life-stats-lazy-builtins',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: BUILTIN }, (args) =>
        args.kind === 'import-statement' ? { path: args.path, namespace: 'lazy-builtin' } : undefined,
      );
      pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Resolve `@life-stats/*` as usual — from this package's folder for the generated entry, which
 * lives outside it — then prefer the workspace package's TypeScript source.
 */
function workspaceSources(entryFile: string): Plugin {
  return {
    name: 'life-stats-workspace-sources',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^@life-stats\// }, async (args) => {
        if (args.pluginData === 'resolving') return undefined;
        const result = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.importer === entryFile ? infraDir : args.resolveDir,
          pluginData: 'resolving',
        });
        if (result.errors.length === 0) return { ...result, path: sourceOf(result.path) };
        // A workspace package not built yet: its export's `dist` file is missing, its source is not.
        const [scope, name, ...rest] = args.path.split('/');
        const manifest = await pluginBuild.resolve(`${scope}/${name}/package.json`, {
          kind: args.kind,
          resolveDir: args.importer === entryFile ? infraDir : args.resolveDir,
          pluginData: 'resolving',
        });
        const source = manifest.errors.length === 0 ? exportSource(manifest.path, rest.join('/')) : undefined;
        return source ? { path: source } : { errors: result.errors };
      });
    },
  };
}

/** The TypeScript source of a workspace package's export (`./dist/x.js` → `src/x.ts`), if it exists. */
function exportSource(manifestPath: string, subpath: string): string | undefined {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports?: Record<string, string | { default?: string }>;
  };
  const target = manifest.exports?.[subpath === '' ? '.' : `./${subpath}`];
  const file = typeof target === 'string' ? target : target?.default;
  if (!file) return undefined;
  const source = sourceOf(join(dirname(manifestPath), file));
  return existsSync(source) ? source : undefined;
}
