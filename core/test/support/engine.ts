import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LoadedConfig, PluginEntry, UserConfig } from '../../src/config/types.js';
import { createSinkLogger, type LogRecord } from '../../src/log/logger.js';
import type { PluginDefinition } from '../../src/plugins/types.js';
import { validateManifest } from '../../src/plugins/validate-manifest.js';
import { createFileSecrets } from '../../src/secrets/file.js';
import { createSqliteStorage } from '../../src/storage/sqlite.js';

/** A fresh temp folder for one test. */
export function tempDir(prefix = 'life-stats-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export interface EntrySpec {
  // biome-ignore lint/suspicious/noExplicitAny: tests define plugins of any config type
  plugin: PluginDefinition<any>;
  metric?: string;
  config?: Record<string, unknown>;
  rateLimit?: { requestsPerMinute: number };
}

/** A LoadedConfig built in memory around inline plugins, as the loader would produce it. */
export function makeConfig(
  dir: string,
  entries: EntrySpec[],
  options: { users?: UserConfig[]; timezone?: string; backfillDays?: number } = {},
): LoadedConfig {
  const plugins: PluginEntry[] = entries.map((e, index) => {
    const plugin = validateManifest(e.plugin, `inline:${e.plugin.id}`);
    return {
      index,
      use: plugin.id,
      enabled: true,
      metric: e.metric ?? plugin.metric.type,
      schedule: plugin.schedule,
      config: e.config ?? {},
      ...(e.rateLimit ? { rateLimit: e.rateLimit } : {}),
      loaded: { plugin, resolvedPath: `inline:${plugin.id}` },
    };
  });
  return {
    filepath: path.join(dir, 'life-stats.config.json'),
    dir,
    timezone: options.timezone ?? 'UTC',
    backfillDays: options.backfillDays ?? 7,
    storage: { type: 'sqlite', path: path.join(dir, 'db.sqlite') },
    secrets: { type: 'file', path: path.join(dir, 'secrets.json') },
    users: options.users ?? [{ id: 'me', timezone: 'UTC' }],
    plugins,
  };
}

/** Real stores in a temp folder. */
export function makeStores(dir: string) {
  return {
    storage: createSqliteStorage({ path: path.join(dir, 'db.sqlite') }),
    secrets: createFileSecrets({ path: path.join(dir, 'secrets.json') }),
  };
}

/** A logger that keeps every line (for "no secret anywhere" assertions). */
export function captureLogger() {
  const records: LogRecord[] = [];
  const logger = createSinkLogger((r) => records.push(r), { level: 'debug' });
  return { logger, records, text: () => records.map((r) => `${r.message} ${JSON.stringify(r.fields)}`).join('\n') };
}

/** A fixed clock. */
export const at = (iso: string) => () => new Date(iso);

/** Fast retries for tests. */
export const FAST_RETRY = { retries: 3, minTimeoutMs: 5, maxTimeoutMs: 20 };
