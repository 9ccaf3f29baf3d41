import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '@life-stats/core';
import { build, type Plugin } from 'esbuild';
import type { CapturedConfig, CapturedEntry } from './runtime/bundled-config.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const coreHandler = join(repoRoot, 'core/src/lambda/handler.ts');
const runtimeLoader = fileURLToPath(new URL('./runtime/bundled-config.ts', import.meta.url));

/** Packages never bundled: the Lambda stores in DynamoDB and imports no TypeScript at run time. */
export const BUNDLE_EXTERNALS = ['better-sqlite3', 'typescript', 'tsx'] as const;

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
  /** The Lambda asset folder (`index.mjs`, handler `index.handler`). */
  assetDir: string;
  /** The bundled file. */
  file: string;
  /** Its size in bytes. */
  bytes: number;
  /** The generated entry file. */
  entryFile: string;
  /** Data files shipped in the asset, relative to the config's folder. */
  files: string[];
  /** Files named by enabled entries' configs outside the config's folder, not shipped (`path: file`). */
  notShipped: string[];
}

/**
 * Bundle the Lambda handler with esbuild, locally (no Docker): generate an entry that imports the
 * enabled entries' plugins statically (a bundler cannot follow a plugin name read from config at
 * run time) together with the captured config, and builds the handler with `createHandler`.
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
  const result = await build({
    entryPoints: [entryFile],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: options.minify ?? true,
    legalComments: 'none',
    external: [...BUNDLE_EXTERNALS],
    // CommonJS dependencies (the AWS SDK's, cosmiconfig) call require(); an ES module has none.
    banner: {
      js: "import { createRequire as __lsCreateRequire } from 'node:module'; const require = __lsCreateRequire(import.meta.url);",
    },
    plugins: [workspaceSources(), lazyBuiltins()],
    logLevel: 'silent',
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);
  return {
    assetDir,
    file,
    bytes: statSync(file).size,
    entryFile,
    files: generated.files,
    notShipped: generated.outside,
  };
}

/** Where data files an entry's config names (a CSV file) are copied, inside the asset. */
export const BUNDLED_FILES_DIR = 'files';

/** The generated entry module and the data files (relative to the config's folder) to ship with it. */
export interface GeneratedEntry {
  source: string;
  files: string[];
  /** Files named by enabled entries' configs outside the config's folder: not shipped (`path: file`). */
  outside: string[];
}

/**
 * The generated entry module: static plugin imports, the captured config, `createHandler`. A
 * top-level string in an enabled entry's config that names an existing file inside the config's
 * folder (the csv plugin's `file`) is shipped in the asset and read from there in the function.
 */
export function generateEntry(config: LoadedConfig): GeneratedEntry {
  const imports: string[] = [];
  const files = new Set<string>();
  const outside: string[] = [];
  const entries: CapturedEntry[] = config.plugins.map((entry) => {
    const captured: CapturedEntry = {
      index: entry.index,
      use: entry.use,
      enabled: entry.enabled,
      metric: entry.metric,
      ...(entry.unit ? { unit: entry.unit } : {}),
      ...(entry.dataType ? { dataType: entry.dataType } : {}),
      schedule: entry.schedule,
      config: entry.config,
      ...(entry.rateLimit ? { rateLimit: entry.rateLimit } : {}),
    };
    if (!entry.enabled || !entry.loaded) return captured;
    const bundled: string[] = [];
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
      captured.config = { ...captured.config, [key]: path };
      bundled.push(key);
    }
    if (bundled.length > 0) captured.bundledFiles = bundled;
    const path = sourceOf(entry.loaded.resolvedPath);
    // One plugin may serve several entries (csv for weight and for mood): import it once.
    let index = imports.indexOf(path);
    if (index === -1) index = imports.push(path) - 1;
    captured.module = {
      index,
      resolvedPath: entry.loaded.resolvedPath,
      ...(entry.loaded.packageName === undefined ? {} : { packageName: entry.loaded.packageName }),
      ...(entry.loaded.version === undefined ? {} : { version: entry.loaded.version }),
    };
    return captured;
  });
  const captured: CapturedConfig = { filepath: config.filepath, dir: config.dir, raw: rawConfig(config), entries };
  const source = [
    '// Generated by @life-stats/infra at synth time. Do not edit.',
    `import { createHandler } from ${JSON.stringify(coreHandler)};`,
    `import { createBundledConfigLoader } from ${JSON.stringify(runtimeLoader)};`,
    ...imports.map((path, i) => `import * as plugin${i} from ${JSON.stringify(path)};`),
    `const captured = ${JSON.stringify(captured)};`,
    `const modules = [${imports.map((_, i) => `plugin${i}`).join(', ')}];`,
    `const filesDir = new URL(${JSON.stringify(`./${BUNDLED_FILES_DIR}/`)}, import.meta.url);`,
    'export const handler = createHandler({ loadConfig: createBundledConfigLoader(captured, modules, { filesDir }) });',
    '',
  ].join('\n');
  return { source, files: [...files], outside };
}

/**
 * The config file's top-level settings as a raw file (the overrides are applied to it in the
 * function). `plugins` is left out: the entries are captured already settled.
 */
function rawConfig(config: LoadedConfig): Record<string, unknown> {
  return {
    timezone: config.timezone,
    backfillDays: config.backfillDays,
    storage: config.storage.type === 'dynamodb' ? { ...config.storage } : { type: 'sqlite', path: config.storage.path },
    secrets: config.secrets.type === 'file' ? { type: 'file', path: config.secrets.path } : { ...config.secrets },
    users: config.users.map((user) => ({ ...user })),
    ...(config.events ? { events: { ...config.events } } : {}),
  };
}

/** A workspace package's compiled file mapped back to its source (`dist/x.js` → `src/x.ts`). */
function sourceOf(path: string): string {
  // Only workspace packages (real paths outside node_modules): an installed package is bundled as published.
  if (path.includes(`${sep}node_modules${sep}`)) return path;
  const match = /^(.*)[/\\]dist[/\\](.*)\.js$/.exec(path);
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

/** Resolve `@life-stats/*` as usual, then prefer the workspace package's TypeScript source. */
function workspaceSources(): Plugin {
  return {
    name: 'life-stats-workspace-sources',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^@life-stats\// }, async (args) => {
        if (args.pluginData === 'resolving') return undefined;
        const result = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: 'resolving',
        });
        if (result.errors.length > 0) return { errors: result.errors };
        return { ...result, path: sourceOf(result.path) };
      });
    },
  };
}
