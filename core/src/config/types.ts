import type { NormalizedPlugin } from '../plugins/types.js';

export type StorageConfig =
  | { type: 'sqlite' /** absolute */; path: string }
  | { type: 'dynamodb'; metricsTable: string; runsTable: string };

export type SecretsConfig =
  | { type: 'file' /** absolute */; path: string }
  | { type: 'ssm'; prefix: string }
  | { type: 'env' };

export interface UserConfig {
  id: string;
  /** IANA zone: the user's own, else the config's default. */
  timezone: string;
}

/** A plugin found, imported and checked. */
export interface LoadedPlugin {
  plugin: NormalizedPlugin;
  /** Absolute path of the module that was imported. */
  resolvedPath: string;
  /** Package name and version, when the plugin came from a package. */
  packageName?: string;
  version?: string;
}

/** One `plugins[]` entry after validation. Disabled entries are kept, unloaded. */
export interface PluginEntry {
  /** Position in the file's `plugins` array (for messages: `plugins[3]`). */
  index: number;
  use: string;
  enabled: boolean;
  /**
   * The entry's metric, else its data type's metric, else the plugin's `metric.type` (empty only for
   * a disabled, unloaded entry).
   */
  metric: string;
  /** The unit of the values it writes: its data type's, else the plugin's `metric.unit`. */
  unit?: string;
  /** The entry's `config.dataType`, for plugins that read several kinds of data. */
  dataType?: string;
  /** The entry's schedule, else the plugin's. */
  schedule: string;
  /** Validated against the plugin's `configSchema`, defaults applied. */
  config: Record<string, unknown>;
  /** Optional override of the plugin's `rateLimit.requestsPerMinute` (its other fields stay). */
  rateLimit?: { requestsPerMinute: number };
  /** Present for every enabled entry. */
  loaded?: LoadedPlugin;
}

/** A config file after loading, environment overrides, validation and plugin loading. */
export interface LoadedConfig {
  /** Absolute path of the config file. */
  filepath: string;
  /** Its folder: relative paths resolve from here. */
  dir: string;
  timezone: string;
  backfillDays: number;
  storage: StorageConfig;
  secrets: SecretsConfig;
  users: UserConfig[];
  events?: { busName: string };
  /** Connect links (`life-stats connect-link`, the connect function), when configured. */
  connect?: ConnectConfig;
  /** AWS fan-out (planner, SQS, worker functions), when configured; defaults applied. */
  fanOut?: FanOutConfig;
  plugins: PluginEntry[];
}

/** The `fanOut` block of a config. */
export interface FanOutConfig {
  /** Worker invocations at once; each holds this share of every rate limit. */
  maxConcurrency: number;
  /** Messages (pairs) per worker invocation. */
  batchSize: number;
}

/** The `connect` block of a config. */
export interface ConnectConfig {
  /**
   * Where the connect function answers, ending in `/` (added when the file leaves it out):
   * links are `<baseUrl>start?t=…`, the redirect URI is `<baseUrl>callback`. Absent until the
   * first deploy created the function URL.
   */
  baseUrl?: string;
}

/** An enabled entry, with its plugin loaded. */
export type EnabledEntry = PluginEntry & { loaded: LoadedPlugin };
