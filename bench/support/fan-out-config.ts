/**
 * The fan-out benchmark's config: two entries of the provider plugin whose users each hold a
 * `token` user secret in SSM (so the planner discovers them there), a SQLite store, `fanOut` at the
 * stack's defaults. Shared by the benchmark and its planner child process.
 */
import { definePlugin, type LoadedConfig } from '@life-stats/core';
import { makeConfig } from '@life-stats/testing/engine';
import { providerPlugin } from './throughput-provider.js';

export const NAMESPACE = 'bench';
/** The stack's defaults: `fanOut.maxConcurrency` and `fanOut.batchSize`. */
export const WORKERS = 10;
export const BATCH = 10;
export const BACKFILL_DAYS = 7;

/** The provider plugin, with a user secret: its users are the ones with a token in SSM. */
function benchPlugin(id: string, metric: string) {
  return definePlugin({ ...providerPlugin(id, metric), secrets: { namespace: NAMESPACE, user: ['token'] } });
}

export function fanOutConfig(options: {
  dir: string;
  providerUrl: string;
  dbPath: string;
  prefix: string;
}): LoadedConfig {
  return {
    ...makeConfig(
      options.dir,
      [
        { plugin: benchPlugin('bench-steps', 'steps'), config: { baseUrl: options.providerUrl } },
        { plugin: benchPlugin('bench-water', 'water_ml'), config: { baseUrl: options.providerUrl } },
      ],
      { backfillDays: BACKFILL_DAYS, users: [] },
    ),
    storage: { type: 'sqlite', path: options.dbPath },
    secrets: { type: 'ssm', prefix: options.prefix },
    fanOut: { maxConcurrency: WORKERS, batchSize: BATCH },
  };
}
