import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PluginLoadError } from '../errors.js';
import { resolvePlainPackage, UNUSUAL } from './resolve-package.js';

/** Where plugins are looked for. */
export interface ResolvePluginOptions {
  /** The config file's folder: relative paths resolve from here, and packages are searched from here first. */
  configDir: string;
  /** The working directory: packages are searched from here when the config folder has none. */
  cwd: string;
}

/** A plugin module found on disk. */
export interface ResolvedPlugin {
  /** Absolute path of the module to import (symlinks resolved, exports maps followed). */
  path: string;
  /** The package the module belongs to, when the plugin is a package or a folder with a package.json. */
  packageName?: string;
  /** That package's version. */
  version?: string;
  /** Candidates tried, in order: package names, or absolute paths for a path plugin. */
  tried: string[];
}

const FILE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];
const INDEX_FILES = ['index.js', 'index.mjs', 'index.ts'];
const SHORT_NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;

/** Is `use` a file-system path (resolved from the config folder) rather than a package name? */
export function isPathSpecifier(use: string): boolean {
  return /^\.\.?([/\\]|$)/.test(use) || isAbsolute(use) || use.startsWith('file:');
}

/**
 * Package names tried for `use`, in order: the exact name, then for a short name `x`
 * `@life-stats/plugin-x` and `life-stats-plugin-x`.
 */
export function pluginCandidates(use: string): string[] {
  const isShortName = SHORT_NAME_RE.test(use) && !use.startsWith('life-stats-plugin-');
  return isShortName ? [use, `@life-stats/plugin-${use}`, `life-stats-plugin-${use}`] : [use];
}

/**
 * Find the module a config entry's `use` names. A relative path (`./x`, `../x`) resolves from the
 * config folder — a file (extension optional) or a folder with a package.json or an index file.
 * Anything else is a package name (or a short name, see {@link pluginCandidates}), resolved as
 * Node resolves it — upward `node_modules` search, `exports` maps, symlinks — from the config
 * folder, then from the working directory.
 *
 * @throws {PluginLoadError} `E_PLUGIN_NOT_FOUND` naming every candidate and folder tried;
 *   `E_PLUGIN_INVALID` when a package is there but its entry point is missing or not exported.
 */
export function resolvePlugin(use: string, options: ResolvePluginOptions): Promise<ResolvedPlugin> {
  if (isPathSpecifier(use)) return resolvePathPlugin(use, options.configDir);
  return resolvePackagePlugin(use, pluginCandidates(use), options);
}

/**
 * Resolve the first of `candidates` (package names) that is installed.
 * @internal Exposed for the loader's fallback from an exact name to the short-name candidates.
 */
export async function resolvePackagePlugin(
  use: string,
  candidates: readonly string[],
  options: ResolvePluginOptions,
): Promise<ResolvedPlugin> {
  const dirs = searchDirs(options);
  const tried: string[] = [];
  for (const candidate of candidates) {
    tried.push(candidate);
    for (const dir of dirs) {
      const found = await resolvePackage(use, candidate, dir);
      if (found) return { ...found, tried };
    }
  }
  const folders = dirs.map((dir) => `${join(dir, 'node_modules')} and its parents`).join(', then ');
  const install = candidates.length > 1 ? candidates.slice(1).join(' or ') : (candidates[0] ?? use);
  throw new PluginLoadError(
    'E_PLUGIN_NOT_FOUND',
    `[life-stats] plugin "${use}" not found: tried ${tried.join(', ')} in ${folders}`,
    { hint: `Install it next to the config file (npm install ${install}), or fix "use".` },
  );
}

function searchDirs(options: ResolvePluginOptions): string[] {
  const configDir = resolvePath(options.configDir);
  const cwd = resolvePath(options.cwd);
  return configDir === cwd ? [configDir] : [configDir, cwd];
}

/**
 * Node's resolution of `name` from `dir`. Plain names with a plain `exports` map are resolved
 * here (resolve-package.ts); import-meta-resolve, loaded only then, takes everything else.
 */
async function resolvePackage(
  use: string,
  name: string,
  dir: string,
): Promise<Omit<ResolvedPlugin, 'tried'> | undefined> {
  const plain = resolvePlainPackage(name, dir);
  if (plain === undefined) return undefined;
  if (plain !== UNUSUAL) return { path: plain, ...packageInfo(findPackageJson(plain)) };
  const { resolve: resolveSpecifier } = await import('import-meta-resolve');
  let url: string;
  try {
    url = resolveSpecifier(name, pathToFileURL(join(dir, '__life-stats-resolve__.js')).href);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_INVALID_MODULE_SPECIFIER') return undefined;
    // The package is there, but its package.json or `exports` map does not lead to a module.
    throw new PluginLoadError(
      'E_PLUGIN_INVALID',
      `[life-stats] plugin "${use}": package ${name} cannot be imported: ${(error as Error).message}`,
      { cause: error, hint: `Reinstall ${name}, or report this to its author.` },
    );
  }
  if (!url.startsWith('file:')) return undefined; // a Node builtin such as `fs`, not a plugin
  const path = fileURLToPath(url);
  const pkg = findPackageJson(path);
  if (!isFile(path)) {
    // import-meta-resolve, like import.meta.resolve, returns the URL of a missing entry point.
    throw new PluginLoadError(
      'E_PLUGIN_INVALID',
      `[life-stats] plugin "${use}": package ${name}${pkg ? ` (${pkg.dir})` : ''} is installed, but its entry point ${path} does not exist`,
      { hint: `Build the package if it is part of your workspace (npm run build), or reinstall ${name}.` },
    );
  }
  return { path, ...packageInfo(pkg) };
}

async function resolvePathPlugin(use: string, configDir: string): Promise<ResolvedPlugin> {
  const target = use.startsWith('file:') ? fileURLToPath(use) : resolvePath(configDir, use);
  const tried = [target, `${target}{${FILE_EXTENSIONS.join(',')}}`];
  const candidates = [target, ...FILE_EXTENSIONS.map((ext) => target + ext)];
  const file = candidates.find(isFile);
  if (file) return { path: file, tried };

  if (isDirectory(target)) {
    const manifest = join(target, 'package.json');
    tried.push(manifest, join(target, `{${INDEX_FILES.join(',')}}`));
    if (isFile(manifest)) return { ...(await resolveFolderPackage(use, target, manifest)), tried };
    const index = INDEX_FILES.map((name) => join(target, name)).find(isFile);
    if (index) return { path: index, tried };
  }
  throw new PluginLoadError(
    'E_PLUGIN_NOT_FOUND',
    `[life-stats] plugin "${use}" not found: tried ${tried.join(', ')} (a relative path starts at the config file's folder, ${configDir})`,
    { hint: 'Fix the path in "use", or use a package name.' },
  );
}

/** A plugin folder with a package.json: its `exports`, else `main`, else an index file. */
async function resolveFolderPackage(
  use: string,
  dir: string,
  manifest: string,
): Promise<Omit<ResolvedPlugin, 'tried'>> {
  const pkg = readPackageJson(manifest);
  let entry: string | undefined;
  if (pkg?.exports !== undefined && typeof pkg.name === 'string') {
    // Self-reference: exactly how the package resolves its own name.
    const { resolve: resolveSpecifier } = await import('import-meta-resolve');
    try {
      entry = fileURLToPath(resolveSpecifier(pkg.name, pathToFileURL(manifest).href));
    } catch (error) {
      throw new PluginLoadError(
        'E_PLUGIN_INVALID',
        `[life-stats] plugin "${use}": the "exports" of ${manifest} do not lead to a module: ${(error as Error).message}`,
        { cause: error },
      );
    }
  } else {
    const main = typeof pkg?.main === 'string' ? resolvePath(dir, pkg.main) : undefined;
    const mainCandidates = main
      ? [main, ...FILE_EXTENSIONS.map((ext) => main + ext), ...INDEX_FILES.map((f) => join(main, f))]
      : [];
    entry = [...mainCandidates, ...INDEX_FILES.map((f) => join(dir, f))].find(isFile);
  }
  if (!entry || !isFile(entry)) {
    throw new PluginLoadError(
      'E_PLUGIN_INVALID',
      `[life-stats] plugin "${use}": ${manifest} names no existing entry point${entry ? ` (${entry} does not exist)` : ''}`,
      { hint: 'Set "exports" or "main" in its package.json, or build it (npm run build).' },
    );
  }
  return { path: entry, ...packageInfo({ dir, json: pkg }) };
}

interface FoundPackage {
  dir: string;
  json: Record<string, unknown> | undefined;
}

function packageInfo(pkg: FoundPackage | undefined): { packageName?: string; version?: string } {
  const name = pkg?.json?.name;
  const version = pkg?.json?.version;
  return {
    ...(typeof name === 'string' ? { packageName: name } : {}),
    ...(typeof version === 'string' ? { version } : {}),
  };
}

/**
 * The package.json of the package a resolved file belongs to: the nearest one with a name (a
 * `dist/package.json` holding only `"type"` is not a package boundary).
 */
function findPackageJson(file: string): FoundPackage | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const json = readPackageJson(join(dir, 'package.json'));
    if (json && typeof json.name === 'string') return { dir, json };
    if (dirname(dir) === dir) return undefined;
  }
}

function readPackageJson(file: string): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
