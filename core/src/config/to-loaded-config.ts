import { resolve } from 'node:path';
import type { ValidatedConfigFile } from './schema.js';
import type { ConnectConfig, LoadedConfig, PluginEntry, SecretsConfig, StorageConfig } from './types.js';

/**
 * The top-level settings of a config file after validation, defaults applied: everything the file
 * holds besides its `plugins` (which become {@link PluginEntry}s) and its `$schema`.
 */
export type ConfigSettings = Omit<ValidatedConfigFile, 'plugins' | '$schema'>;

/** Where a config came from: its file and the folder relative paths resolve from. */
export interface ConfigSource {
  /** Absolute path of the config file. */
  filepath: string;
  /** Its folder. */
  dir: string;
}

/**
 * Turn validated settings and settled plugin entries into a {@link LoadedConfig}: the one place
 * that resolves store paths from the config's folder and gives each user a time zone. The file
 * loader and the bundled Lambda's static loader both end here, so they cannot drift.
 */
export function toLoadedConfig(settings: ConfigSettings, source: ConfigSource, plugins: PluginEntry[]): LoadedConfig {
  return {
    filepath: source.filepath,
    dir: source.dir,
    timezone: settings.timezone,
    backfillDays: settings.backfillDays,
    storage: toStorage(settings.storage, source.dir),
    secrets: toSecrets(settings.secrets, source.dir),
    users: settings.users.map((user) => ({ id: user.id, timezone: user.timezone ?? settings.timezone })),
    ...(settings.events ? { events: { busName: settings.events.busName } } : {}),
    ...(settings.connect ? { connect: toConnect(settings.connect) } : {}),
    ...(settings.fanOut
      ? { fanOut: { maxConcurrency: settings.fanOut.maxConcurrency, batchSize: settings.fanOut.batchSize } }
      : {}),
    plugins,
  };
}

/**
 * The settings a loaded config was made from, with its paths already absolute: what a bundle
 * captures at synth time. `toLoadedConfig(captureSettings(c), c, c.plugins)` is `c` again.
 */
export function captureSettings(config: LoadedConfig): ConfigSettings {
  return {
    timezone: config.timezone,
    backfillDays: config.backfillDays,
    storage: { ...config.storage },
    secrets: { ...config.secrets },
    users: config.users.map((user) => ({ ...user })),
    ...(config.events ? { events: { ...config.events } } : {}),
    ...(config.connect ? { connect: { ...config.connect } } : {}),
    ...(config.fanOut ? { fanOut: { ...config.fanOut } } : {}),
  };
}

/** A base URL always ends in `/`, so `new URL('start', base)` stays under its path. */
function toConnect(connect: NonNullable<ConfigSettings['connect']>): ConnectConfig {
  if (connect.baseUrl === undefined) return {};
  return { baseUrl: connect.baseUrl.endsWith('/') ? connect.baseUrl : `${connect.baseUrl}/` };
}

function toStorage(storage: ConfigSettings['storage'], dir: string): StorageConfig {
  if (storage.type === 'dynamodb') {
    return { type: 'dynamodb', metricsTable: storage.metricsTable, runsTable: storage.runsTable };
  }
  // ":memory:" is SQLite's in-memory database, not a file name.
  return { type: 'sqlite', path: storage.path === ':memory:' ? storage.path : resolve(dir, storage.path) };
}

function toSecrets(secrets: ConfigSettings['secrets'], dir: string): SecretsConfig {
  if (secrets.type === 'file') return { type: 'file', path: resolve(dir, secrets.path) };
  if (secrets.type === 'ssm') return { type: 'ssm', prefix: secrets.prefix };
  return { type: 'env' };
}
