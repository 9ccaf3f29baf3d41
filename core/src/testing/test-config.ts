import { join } from 'node:path';
import type { LoadedConfig, PluginEntry, UserConfig } from '../config/types.js';
import { resolveEntryMetric } from '../plugins/data-types.js';
import type { PluginDefinition } from '../plugins/types.js';
import { validateManifest } from '../plugins/validate-manifest.js';

/** One plugin entry of a {@link createTestConfig} config. */
export interface TestEntry {
  // biome-ignore lint/suspicious/noExplicitAny: an entry may hold a plugin of any config type
  plugin: PluginDefinition<any>;
  /** @default the metric of `config.dataType`, else the plugin's `metric.type` */
  metric?: string;
  /** Passed to the plugin as is: not validated against its schema, no defaults applied. @default {} */
  config?: Record<string, unknown>;
  rateLimit?: { requestsPerMinute: number };
}

/** Options of {@link createTestConfig}. */
export interface TestConfigOptions {
  /** @default [{ id: 'me', timezone: 'UTC' }] */
  users?: UserConfig[];
  /** @default 'UTC' */
  timezone?: string;
  /** @default 7 */
  backfillDays?: number;
}

/**
 * A `LoadedConfig` built in memory around plugin definitions, as the config loader would produce it
 * (manifests normalized and checked, metrics and units settled), with a SQLite store and a secrets
 * file in `dir`. For running the real engine (`runPairs`) on a plugin in its tests.
 *
 * @throws {PluginLoadError} when a plugin's manifest is invalid.
 */
export function createTestConfig(dir: string, entries: TestEntry[], options: TestConfigOptions = {}): LoadedConfig {
  const plugins: PluginEntry[] = entries.map((entry, index) => {
    const plugin = validateManifest(entry.plugin, `inline:${entry.plugin.id}`);
    const config = entry.config ?? {};
    const resolved = resolveEntryMetric(plugin, config);
    return {
      index,
      use: plugin.id,
      enabled: true,
      metric: entry.metric ?? resolved.metric,
      ...(resolved.unit ? { unit: resolved.unit } : {}),
      ...(resolved.dataType ? { dataType: resolved.dataType } : {}),
      schedule: plugin.schedule,
      config,
      ...(entry.rateLimit ? { rateLimit: entry.rateLimit } : {}),
      loaded: { plugin, resolvedPath: `inline:${plugin.id}` },
    };
  });
  return {
    filepath: join(dir, 'life-stats.config.json'),
    dir,
    timezone: options.timezone ?? 'UTC',
    backfillDays: options.backfillDays ?? 7,
    storage: { type: 'sqlite', path: join(dir, 'db.sqlite') },
    secrets: { type: 'file', path: join(dir, 'secrets.json') },
    users: options.users ?? [{ id: 'me', timezone: 'UTC' }],
    plugins,
  };
}
