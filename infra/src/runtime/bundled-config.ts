/**
 * Runs inside the Lambda bundle: turns the config captured at synth time and the plugin modules
 * the generated entry imported statically into the `LoadedConfig` the handler expects. A bundle
 * cannot search for a config file or import a plugin by a name read at run time, so both were
 * settled at synth time; only the `LIFE_STATS_*` environment overrides (table names, SSM prefix)
 * are applied here, exactly as core's loader applies them.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig, PluginEntry, SecretsConfig, StorageConfig } from '@life-stats/core';
import { ConfigError } from '@life-stats/core';
import { applyEnvOverrides } from '../../../core/src/config/env-overrides.js';
import { asValidated, validateConfigFile } from '../../../core/src/config/validate-config.js';
import { defaultExport } from '../../../core/src/plugins/import-module.js';
import { validateManifest } from '../../../core/src/plugins/validate-manifest.js';

/** One plugin entry as captured at synth time (everything but the plugin's code). */
export interface CapturedEntry {
  index: number;
  use: string;
  enabled: boolean;
  metric: string;
  unit?: string;
  dataType?: string;
  schedule: string;
  config: Record<string, unknown>;
  rateLimit?: { requestsPerMinute: number };
  /** Keys of `config` holding a path relative to the bundled files folder. */
  bundledFiles?: string[];
  /** For an enabled entry: where its plugin module is in the entry file's `modules` array. */
  module?: { index: number; resolvedPath: string; packageName?: string; version?: string };
}

/** The config as captured at synth time: the raw file (for the overrides) and the settled entries. */
export interface CapturedConfig {
  filepath: string;
  dir: string;
  raw: unknown;
  entries: CapturedEntry[];
}

/** Options of {@link createBundledConfigLoader}. */
export interface BundledConfigOptions {
  /** The folder the data files named by entries' configs were shipped to (next to the bundle). */
  filesDir?: URL;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * Build the handler's `loadConfig` from a captured config and the statically imported plugin
 * modules.
 *
 * @throws {ConfigError} when an environment override is invalid (e.g. `LIFE_STATS_STORAGE=mysql`).
 */
export function createBundledConfigLoader(
  captured: CapturedConfig,
  modules: readonly Record<string, unknown>[],
  options: BundledConfigOptions = {},
): () => Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  return async () => {
    const overridden = applyEnvOverrides(captured.raw, env);
    const file = validateConfigFile(overridden.config);
    const problems = [...overridden.problems, ...file.problems];
    if (problems.length > 0) throw new ConfigError(problems, captured.filepath);
    const valid = asValidated(file.value);

    const filesDir = options.filesDir ? fileURLToPath(options.filesDir) : captured.dir;
    const plugins: PluginEntry[] = captured.entries.map(({ module, bundledFiles, ...captureEntry }) => {
      const config = { ...captureEntry.config };
      for (const key of bundledFiles ?? []) config[key] = resolve(filesDir, String(config[key]));
      const entry: PluginEntry = { ...captureEntry, config };
      if (!module) return entry;
      const namespace = modules[module.index];
      if (!namespace) throw new Error(`bundled plugin module ${module.index} (${entry.use}) is missing`);
      return {
        ...entry,
        loaded: {
          plugin: validateManifest(defaultExport(namespace), entry.use),
          resolvedPath: module.resolvedPath,
          ...(module.packageName === undefined ? {} : { packageName: module.packageName }),
          ...(module.version === undefined ? {} : { version: module.version }),
        },
      };
    });

    const storage: StorageConfig =
      valid.storage.type === 'dynamodb'
        ? { type: 'dynamodb', metricsTable: valid.storage.metricsTable, runsTable: valid.storage.runsTable }
        : {
            type: 'sqlite',
            path: valid.storage.path === ':memory:' ? valid.storage.path : resolve(captured.dir, valid.storage.path),
          };
    const secrets: SecretsConfig =
      valid.secrets.type === 'ssm'
        ? { type: 'ssm', prefix: valid.secrets.prefix }
        : valid.secrets.type === 'file'
          ? { type: 'file', path: resolve(captured.dir, valid.secrets.path) }
          : { type: 'env' };

    return {
      filepath: captured.filepath,
      dir: captured.dir,
      timezone: valid.timezone,
      backfillDays: valid.backfillDays,
      storage,
      secrets,
      users: valid.users.map((user) => ({ id: user.id, timezone: user.timezone ?? valid.timezone })),
      ...(valid.events ? { events: { busName: valid.events.busName } } : {}),
      plugins,
    };
  };
}
