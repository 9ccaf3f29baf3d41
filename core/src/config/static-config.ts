/**
 * A config settled at build time, loaded without a file: what a bundle (the Lambda the infra
 * builds) runs on. A bundler cannot follow a config file found at run time nor a plugin named in
 * it, so both are settled at synth time — the file found and validated, every plugin's config
 * validated against its schema, the plugins imported statically — and only the `LIFE_STATS_*`
 * environment overrides are applied when the bundle runs, with small checks of their own. No JSON
 * Schema compiler, config search or YAML parser is needed at run time.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { defaultExport } from '../plugins/import-module.js';
import { normalizePlugin } from '../plugins/normalize-plugin.js';
import { tableNameProblems } from '../storage/dynamodb-table-name.js';
import { processReadableZones } from '../util/dates.js';
import { isRecord } from '../util/is-record.js';
import { STORE_DEFAULTS } from './defaults.js';
import { applyEnvOverrides } from './env-overrides.js';
import { type ConfigSettings, type ConfigSource, captureSettings, toLoadedConfig } from './to-loaded-config.js';
import type { LoadedConfig, PluginEntry } from './types.js';

/** Where an enabled entry's plugin is among the statically imported modules. */
export interface StaticPluginRef {
  /** Index into the loader's `modules`. */
  module: number;
  /** The plugin's id as loaded at build time: a bundle that imports another module is refused. */
  id: string;
  /** Where it was imported from at build time (for `plugins`, messages). */
  resolvedPath: string;
  packageName?: string;
  version?: string;
}

/** A plugin entry settled at build time: everything but the plugin's code. */
export interface StaticEntry extends Omit<PluginEntry, 'loaded'> {
  /** Keys of `config` holding a path relative to the loader's `filesDir` (files shipped with a bundle). */
  files?: string[];
  /** For an enabled entry: its plugin module. */
  plugin?: StaticPluginRef;
}

/** A config settled at build time: JSON, so a bundle can carry it. */
export interface StaticConfig extends ConfigSource {
  /** The validated settings, as {@link captureSettings} takes them from a loaded config. */
  settings: ConfigSettings;
  entries: StaticEntry[];
  /**
   * The config's time zones checked at build time for reading through the process's time zone
   * (`processReadableZones` in util/dates.ts): the Lambda handler's cold start reads them without ICU.
   */
  processZones?: string[];
}

/** Options of {@link createStaticConfigLoader}. */
export interface StaticConfigLoaderOptions {
  /** The plugin modules (namespaces) imported statically; `entry.plugin.module` indexes them. */
  modules: readonly Record<string, unknown>[];
  /** The folder of the files named by entries' `files` keys. @default the config's `dir` */
  filesDir?: string | URL;
  /** Environment holding the `LIFE_STATS_*` overrides. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * The static form of a loaded config (plugins included), for a bundle to carry. `moduleOf` says
 * where each enabled entry's plugin is among the modules the bundle imports.
 */
export function toStaticConfig(
  config: LoadedConfig,
  moduleOf: (entry: PluginEntry & { loaded: NonNullable<PluginEntry['loaded']> }) => number,
): StaticConfig {
  const entries = config.plugins.map(({ loaded, ...entry }): StaticEntry => {
    if (!loaded) return entry;
    return {
      ...entry,
      plugin: {
        module: moduleOf({ ...entry, loaded }),
        id: loaded.plugin.id,
        resolvedPath: loaded.resolvedPath,
        ...(loaded.packageName === undefined ? {} : { packageName: loaded.packageName }),
        ...(loaded.version === undefined ? {} : { version: loaded.version }),
      },
    };
  });
  const zones = processReadableZones([config.timezone, ...config.users.map((user) => user.timezone)]);
  return {
    filepath: config.filepath,
    dir: config.dir,
    settings: captureSettings(config),
    entries,
    ...(zones.length > 0 ? { processZones: zones } : {}),
  };
}

/**
 * A `loadConfig` for a config settled at build time (see {@link toStaticConfig}): applies the
 * `LIFE_STATS_*` environment overrides exactly as the file loader does, then builds the
 * {@link LoadedConfig} with the same {@link toLoadedConfig}.
 *
 * @throws {ConfigError} when an override is invalid (`LIFE_STATS_STORAGE=mysql`, a table name
 *   DynamoDB refuses), listing every problem; when a module is missing or is not the plugin the
 *   entry was built with.
 */
export function createStaticConfigLoader(
  config: StaticConfig,
  options: StaticConfigLoaderOptions,
): () => Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const filesDir =
    options.filesDir === undefined
      ? config.dir
      : options.filesDir instanceof URL
        ? fileURLToPath(options.filesDir)
        : options.filesDir;
  return async () => {
    const { settings, problems } = overrideSettings(config.settings, env);
    const plugins = config.entries.map((entry) => toPluginEntry(entry, options.modules, filesDir, problems));
    if (problems.length > 0) throw new ConfigError(problems, config.filepath);
    return toLoadedConfig(settings, config, plugins);
  };
}

/**
 * The environment overrides on validated settings. A store block the overrides start afresh
 * (`LIFE_STATS_STORAGE=dynamodb` on a SQLite config) gets the defaults the schema would give it.
 */
function overrideSettings(
  settings: ConfigSettings,
  env: NodeJS.ProcessEnv,
): { settings: ConfigSettings; problems: ConfigProblem[] } {
  const overridden = applyEnvOverrides(settings, env);
  const value = overridden.config as Record<string, unknown>;
  const storage = withStoreDefaults(value.storage);
  const secrets = withStoreDefaults(value.secrets);
  const problems = [...overridden.problems, ...tableNameProblems(storage)];
  return { settings: { ...settings, storage, secrets } as ConfigSettings, problems };
}

const BLOCK_DEFAULTS: Record<string, Record<string, string>> = {
  sqlite: { path: STORE_DEFAULTS.sqlitePath },
  dynamodb: { metricsTable: STORE_DEFAULTS.metricsTable, runsTable: STORE_DEFAULTS.runsTable },
  file: { path: STORE_DEFAULTS.secretsPath },
  ssm: { prefix: STORE_DEFAULTS.ssmPrefix },
};

function withStoreDefaults(block: unknown): unknown {
  if (!isRecord(block) || typeof block.type !== 'string') return block;
  return { ...BLOCK_DEFAULTS[block.type], ...block };
}

function toPluginEntry(
  { files, plugin, ...entry }: StaticEntry,
  modules: readonly Record<string, unknown>[],
  filesDir: string,
  problems: ConfigProblem[],
): PluginEntry {
  const config = { ...entry.config };
  for (const key of files ?? []) config[key] = resolve(filesDir, String(config[key]));
  const settled: PluginEntry = { ...entry, config };
  if (!plugin) return settled;
  const namespace = modules[plugin.module];
  const normalized = namespace ? normalizePlugin(defaultExport(namespace)) : undefined;
  if (normalized?.id !== plugin.id) {
    problems.push({
      path: `plugins[${entry.index}].use`,
      message: `the bundle's module ${plugin.module} is ${normalized ? `plugin "${normalized.id}"` : 'missing'}, not plugin "${plugin.id}": rebuild the bundle`,
    });
    return settled;
  }
  return {
    ...settled,
    loaded: {
      plugin: normalized,
      resolvedPath: plugin.resolvedPath,
      ...(plugin.packageName === undefined ? {} : { packageName: plugin.packageName }),
      ...(plugin.version === undefined ? {} : { version: plugin.version }),
    },
  };
}
