import type { LoadedPlugin } from '../config/types.js';
import { hasErrorCode, PluginLoadError } from '../errors.js';
import { defaultExport, importModule } from './import-module.js';
import {
  isPathSpecifier,
  pluginCandidates,
  type ResolvedPlugin,
  type ResolvePluginOptions,
  resolvePackagePlugin,
  resolvePlugin,
} from './resolve-plugin.js';
import { validateManifest } from './validate-manifest.js';

/** Plugins imported in this process, by resolved path: two entries of one plugin import it once. */
const loaded = new Map<string, Promise<LoadedPlugin>>();

/**
 * Find, import and check the plugin a config entry's `use` names (see {@link resolvePlugin}).
 * TypeScript files (`.ts`, `.mts`, `.cts`) are imported through tsx, so a local plugin can be
 * written in TypeScript without a build step. The module's default export (else its namespace) is
 * checked with `validateManifest`.
 *
 * A short name first tries the exact package name. When a package of exactly that name is
 * installed but is not a plugin (`csv` is also a popular CSV library), the short-name candidates
 * (`@life-stats/plugin-csv`, `life-stats-plugin-csv`) are tried before giving up.
 *
 * @throws {PluginLoadError} `E_PLUGIN_NOT_FOUND`, `E_PLUGIN_INVALID` (import failed, or not a
 *   valid manifest) or `E_PLUGIN_API_VERSION`.
 */
export async function loadPlugin(use: string, options: ResolvePluginOptions): Promise<LoadedPlugin> {
  const resolved = await resolvePlugin(use, options);
  const candidates = isPathSpecifier(use) ? [] : pluginCandidates(use);
  try {
    return await loadResolved(use, resolved);
  } catch (error) {
    const exactNameMatched = candidates.length > 1 && resolved.tried.length === 1;
    if (!exactNameMatched || !hasErrorCode(error, 'E_PLUGIN_INVALID')) throw error;
    let fallback: ResolvedPlugin;
    try {
      fallback = await resolvePackagePlugin(use, candidates.slice(1), options);
    } catch {
      throw error; // no short-name package either: the exact package's problem is the one to report
    }
    return loadResolved(use, fallback);
  }
}

function loadResolved(use: string, resolved: ResolvedPlugin): Promise<LoadedPlugin> {
  let promise = loaded.get(resolved.path);
  if (!promise) {
    promise = importPlugin(use, resolved);
    loaded.set(resolved.path, promise);
  }
  return promise;
}

async function importPlugin(use: string, resolved: ResolvedPlugin): Promise<LoadedPlugin> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(resolved.path);
  } catch (error) {
    throw new PluginLoadError(
      'E_PLUGIN_INVALID',
      `[life-stats] plugin ${use} failed to import: ${(error as Error)?.message ?? String(error)} (${resolved.path})`,
      { cause: error, hint: 'Fix the error in the plugin, or report it to its author.' },
    );
  }
  const plugin = validateManifest(defaultExport(mod), use);
  return {
    plugin,
    resolvedPath: resolved.path,
    ...(resolved.packageName === undefined ? {} : { packageName: resolved.packageName }),
    ...(resolved.version === undefined ? {} : { version: resolved.version }),
  };
}
