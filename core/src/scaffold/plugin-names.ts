import { UsageError } from '../errors.js';

/** Names a new plugin package gets from `life-stats plugin new <name>`. */
export interface PluginNames {
  /** The npm package name, e.g. `life-stats-plugin-acme-water` or `@acme/life-stats-plugin-water`. */
  packageName: string;
  /** The folder created: the package name without its scope. */
  folder: string;
  /** The plugin `id` (the part after the plugin prefix). */
  id: string;
  /** The default metric type: the id with `_` for `-`. */
  metricType: string;
}

const ID_RE = /^[a-z][a-z0-9-]*$/;
const FULL_NAME_RE = /^(?:(@life-stats)\/plugin-|(@[a-z0-9][a-z0-9._-]*\/)?life-stats-plugin-)(.+)$/;

/**
 * The names for `name`: a full plugin package name (`life-stats-plugin-x`, `@scope/life-stats-plugin-x`,
 * `@life-stats/plugin-x`) is kept as is; anything else is a plugin id and becomes `life-stats-plugin-<name>`.
 *
 * @throws {UsageError} when the id part is not a valid plugin id (`/^[a-z][a-z0-9-]*$/`).
 */
export function pluginNames(name: string): PluginNames {
  const match = FULL_NAME_RE.exec(name);
  const id = match ? (match[3] ?? '') : name;
  if (!ID_RE.test(id) || id.endsWith('-')) {
    throw new UsageError(
      `plugin name "${name}" is not valid: the plugin id "${id}" must be lower-case letters, digits and dashes, starting with a letter`,
    );
  }
  const packageName = match ? name : `life-stats-plugin-${id}`;
  const folder = packageName.replace(/^@[^/]+\//, '');
  return { packageName, folder, id, metricType: id.replace(/-/g, '_') };
}
