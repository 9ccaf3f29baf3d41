import type { LoadedConfig, PluginEntry } from '../../config/types.js';
import { hasErrorCode } from '../../errors.js';
import { writeDeprecationWarnings } from '../../plugins/deprecations.js';
import { type DiscoveredPlugin, type DiscoveryProblem, discoverPlugins } from '../../plugins/discover-plugins.js';
import { isPathSpecifier, pluginCandidates } from '../../plugins/resolve-plugin.js';
import type { NormalizedPlugin } from '../../plugins/types.js';
import { escapeControl } from '../../util/terminal-text.js';
import { type CommandContext, type GlobalOptions, loadCliConfig } from '../context.js';
import { formatTable } from '../format-table.js';

interface PluginsFlags extends GlobalOptions {
  json?: boolean;
}

/**
 * A plugin as `plugins --json` prints it: a configured entry (`source: "config"`), or an installed
 * plugin package no entry uses (`source: "installed"`, `enabled: false`).
 */
interface PluginListing {
  use: string;
  source: 'config' | 'installed';
  enabled: boolean;
  id?: string;
  package?: string;
  version?: string;
  /** The entry's metric; for an installed package, the plugin's default metric (absent when broken). */
  metric?: string;
  /** The unit of that metric: the entry's data type's, else the plugin's `metric.unit`. */
  unit?: string;
  /** The entry's `config.dataType`, for a plugin that reads several kinds of data. */
  dataType?: string;
  /** What a multi-type plugin offers: `dataType` value → default metric and unit. */
  dataTypes?: Record<string, { metric: string; unit: string; description?: string }>;
  schedule?: string;
  description?: string;
  secrets?: { namespace: string; user: readonly string[]; shared: readonly string[] };
  configSchema?: Record<string, unknown>;
  config?: Record<string, unknown>;
  /** Why an installed package cannot be used (bad manifest, unknown apiVersion, failing import). */
  problems?: DiscoveryProblem[];
  /** The plugin's `deprecated` field: it still works, but its users should move. */
  deprecated?: { message: string; until?: string };
}

function describePlugin(plugin: NormalizedPlugin): Partial<PluginListing> {
  return {
    id: plugin.id,
    ...(plugin.description ? { description: plugin.description } : {}),
    secrets: plugin.secrets,
    ...(plugin.dataTypes ? { dataTypes: { ...plugin.dataTypes } } : {}),
    configSchema: plugin.configSchema,
    ...(plugin.deprecated ? { deprecated: { ...plugin.deprecated } } : {}),
  };
}

/** Does a configured entry use this installed package? Loaded entries by path or name; others by `use`. */
function entryUses(entry: PluginEntry, found: DiscoveredPlugin): boolean {
  if (entry.loaded) {
    return entry.loaded.resolvedPath === found.resolvedPath || entry.loaded.packageName === found.package;
  }
  return !isPathSpecifier(entry.use) && pluginCandidates(entry.use).includes(found.package);
}

function describeEntry(entry: PluginEntry, installed: readonly DiscoveredPlugin[]): PluginListing {
  // A disabled entry is not loaded; the installed package it names still says what it would do.
  const found = entry.loaded ? undefined : installed.find((p) => entryUses(entry, p));
  const plugin = entry.loaded?.plugin ?? found?.plugin;
  const packageName = entry.loaded?.packageName ?? found?.package;
  const version = entry.loaded?.version ?? found?.version;
  return {
    use: entry.use,
    source: 'config',
    enabled: entry.enabled,
    ...(plugin ? describePlugin(plugin) : {}),
    ...(packageName ? { package: packageName } : {}),
    ...(version ? { version } : {}),
    metric: entry.metric || plugin?.metric.type,
    ...(entry.unit || (!entry.loaded && plugin?.metric.unit)
      ? { unit: entry.unit ?? (plugin?.metric.unit as string) }
      : {}),
    ...(entry.dataType ? { dataType: entry.dataType } : {}),
    schedule: entry.schedule || plugin?.schedule,
    ...(entry.enabled ? { config: entry.config } : {}),
    ...(found && found.problems.length > 0 ? { problems: found.problems } : {}),
  };
}

function describeInstalled(found: DiscoveredPlugin): PluginListing {
  return {
    use: found.package,
    source: 'installed',
    enabled: false,
    ...(found.plugin ? describePlugin(found.plugin) : {}),
    package: found.package,
    ...(found.version ? { version: found.version } : {}),
    ...(found.plugin
      ? {
          metric: found.plugin.metric.type,
          ...(found.plugin.metric.unit ? { unit: found.plugin.metric.unit } : {}),
          schedule: found.plugin.schedule,
        }
      : {}),
    problems: found.problems,
  };
}

function optionNames(schema: Record<string, unknown> | undefined): string {
  const props = (schema?.properties ?? {}) as Record<string, unknown>;
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  return Object.keys(props)
    .map((k) => (required.has(k) ? k : `${k}?`))
    .join(' ');
}

/** The config, or undefined when there is none and none was asked for: installed plugins are still worth listing. */
async function loadOptionalConfig(ctx: CommandContext, flags: PluginsFlags): Promise<LoadedConfig | undefined> {
  try {
    return await loadCliConfig(ctx.io, flags);
  } catch (error) {
    const explicit = flags.config !== undefined || Boolean(ctx.io.env.LIFE_STATS_CONFIG);
    if (!explicit && hasErrorCode(error, 'E_CONFIG_NOT_FOUND')) return undefined;
    throw error;
  }
}

/**
 * `plugins`: the configured plugin entries, then every installed plugin package no entry uses
 * (found in `node_modules` from the config file's folder and the working directory upward), with
 * metrics, schedules, secrets, config options and problems. Plugins are imported, never run.
 */
export async function executePlugins(ctx: CommandContext, flags: PluginsFlags): Promise<number> {
  const config = await loadOptionalConfig(ctx, flags);
  const entries = config?.plugins ?? [];
  const installed = await discoverPlugins({ dirs: config ? [config.dir, ctx.io.cwd] : [ctx.io.cwd] });
  const listings = [
    ...entries.map((entry) => describeEntry(entry, installed)),
    ...installed.filter((p) => !entries.some((e) => entryUses(e, p))).map(describeInstalled),
  ];
  // On stderr, so `--json` keeps stdout a JSON document; a warning never changes the exit code.
  writeDeprecationWarnings(entries, ctx.io.stderr);
  if (flags.json) {
    ctx.io.stdout.write(`${JSON.stringify({ plugins: listings }, null, 2)}\n`);
    return 0;
  }
  if (listings.length === 0) {
    ctx.io.stdout.write(
      'No plugins configured or installed. Install one (npm install life-stats-plugin-…) and add it to "plugins".\n',
    );
    return 0;
  }
  const rows = listings.map((p) => [
    p.id ?? p.use,
    p.version ?? '',
    p.metric ?? '',
    p.unit ?? '',
    p.enabled ? 'yes' : p.source === 'installed' ? 'no (installed)' : 'no',
    p.schedule ?? '',
    p.secrets
      ? [...p.secrets.user, ...p.secrets.shared.map((s) => `${s} (shared)`)]
          .map((s) => `${p.secrets?.namespace}/${s}`)
          .join(', ')
      : '',
    p.problems?.length ? 'see below' : optionNames(p.configSchema),
  ]);
  ctx.io.stdout.write(
    formatTable(['plugin', 'version', 'metric', 'unit', 'enabled', 'schedule', 'secrets', 'config'], rows),
  );
  for (const p of listings) {
    for (const problem of p.problems ?? []) {
      // A problem may quote the package's own manifest: shown with control characters escaped.
      ctx.io.stdout.write(`\n${escapeControl(`${p.package ?? p.use}: ${problem.message}`)}\n`);
    }
  }
  return 0;
}
