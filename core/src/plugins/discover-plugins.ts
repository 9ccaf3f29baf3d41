import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { isLifeStatsError } from '../errors.js';
import { defaultExport, importModule } from './import-module.js';
import { resolvePackagePlugin } from './resolve-plugin.js';
import type { NormalizedPlugin } from './types.js';
import { validateManifest } from './validate-manifest.js';

/** The keyword that marks a package as a life-stats plugin, whatever its name. */
const PLUGIN_KEYWORD = 'life-stats-plugin';

/** Package names that are plugins by convention: `@life-stats/plugin-*`, `life-stats-plugin-*`, `@<scope>/life-stats-plugin-*`. */
const PLUGIN_NAME_RE = /^(@life-stats\/plugin-|(@[^/]+\/)?life-stats-plugin-)[a-z0-9][a-z0-9._-]*$/;

/** Where to look: the `node_modules` folders of each start folder and of its parents, in order. */
export interface DiscoverPluginsOptions {
  /** Start folders, nearest first (the config file's folder, then the working directory). */
  dirs: readonly string[];
}

/** Something wrong with an installed plugin package. */
export interface DiscoveryProblem {
  /** `E_PLUGIN_INVALID` (bad package or manifest, failing import), `E_PLUGIN_API_VERSION`, … */
  code: string;
  message: string;
}

/** An installed plugin package, imported and checked (never run). */
export interface DiscoveredPlugin {
  /** The package name. */
  package: string;
  version?: string;
  /** The package folder (symlinks resolved). */
  dir: string;
  /** The module imported, when the package resolves to one. */
  resolvedPath?: string;
  /** The checked manifest, when the module imported and is a valid plugin. */
  plugin?: NormalizedPlugin;
  /** Why the package cannot be used; empty when `plugin` is set. */
  problems: DiscoveryProblem[];
}

/** Does this package.json describe a plugin, by keyword or by name? */
function isPluginPackage(json: Record<string, unknown>): boolean {
  const name = json.name;
  if (typeof name !== 'string') return false;
  const keywords = Array.isArray(json.keywords) ? json.keywords : [];
  return keywords.includes(PLUGIN_KEYWORD) || PLUGIN_NAME_RE.test(name);
}

/**
 * Every installed plugin package reachable from `options.dirs`: each folder's `node_modules` and
 * its parents' (Node's upward search). A package name found twice keeps the nearest copy — the one
 * a config entry naming it would load. Each plugin module is imported and its manifest checked,
 * but nothing of it is called. A package that fails any step is returned with its problems rather
 * than thrown, so one broken install does not hide the others.
 *
 * @returns plugins sorted by package name.
 */
export async function discoverPlugins(options: DiscoverPluginsOptions): Promise<DiscoveredPlugin[]> {
  const found = new Map<string, { dir: string; json: Record<string, unknown>; from: string }>();
  for (const start of options.dirs) {
    for (const modules of nodeModulesUpward(resolvePath(start))) {
      for (const dir of packageDirs(modules)) {
        const json = readJson(join(dir, 'package.json'));
        if (!json || !isPluginPackage(json)) continue;
        const name = json.name as string;
        if (!found.has(name)) found.set(name, { dir: realPath(dir), json, from: resolvePath(start) });
      }
    }
  }
  const names = [...found.keys()].sort();
  return Promise.all(
    names.map((name) => {
      const entry = found.get(name) as { dir: string; json: Record<string, unknown>; from: string };
      return inspectPackage(name, entry.dir, entry.json, entry.from);
    }),
  );
}

async function inspectPackage(
  name: string,
  dir: string,
  json: Record<string, unknown>,
  from: string,
): Promise<DiscoveredPlugin> {
  const base: DiscoveredPlugin = {
    package: name,
    ...(typeof json.version === 'string' ? { version: json.version } : {}),
    dir,
    problems: [],
  };
  let resolvedPath: string;
  try {
    resolvedPath = (await resolvePackagePlugin(name, [name], { configDir: from, cwd: from })).path;
  } catch (error) {
    return { ...base, problems: [toProblem(error)] };
  }
  let exported: unknown;
  try {
    exported = defaultExport(await importModule(resolvedPath));
  } catch (error) {
    const message = `[life-stats] plugin ${name} failed to import: ${(error as Error)?.message ?? String(error)} (${resolvedPath})`;
    return { ...base, resolvedPath, problems: [{ code: 'E_PLUGIN_INVALID', message }] };
  }
  try {
    return { ...base, resolvedPath, plugin: validateManifest(exported, name) };
  } catch (error) {
    return { ...base, resolvedPath, problems: [toProblem(error)] };
  }
}

function toProblem(error: unknown): DiscoveryProblem {
  if (isLifeStatsError(error)) return { code: error.code, message: error.message };
  return { code: 'E_PLUGIN_INVALID', message: (error as Error)?.message ?? String(error) };
}

function* nodeModulesUpward(start: string): Generator<string> {
  for (let dir = start; ; dir = dirname(dir)) {
    // A folder inside node_modules has no node_modules of its own worth listing twice.
    if (basename(dir) !== 'node_modules') yield join(dir, 'node_modules');
    if (dirname(dir) === dir) return;
  }
}

/** Package folders directly in a `node_modules` folder, scoped ones included. */
function packageDirs(modules: string): string[] {
  const dirs: string[] = [];
  for (const name of listDir(modules)) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      for (const inner of listDir(join(modules, name))) {
        if (!inner.startsWith('.')) dirs.push(join(modules, name, inner));
      }
    } else {
      dirs.push(join(modules, name));
    }
  }
  return dirs;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
