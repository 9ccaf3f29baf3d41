/**
 * The bundled Lambda's config (settled at synth, overrides applied at run time) and the CLI's
 * (found, validated and overridden at run time) cannot drift: for the same file and environment
 * both give the same LoadedConfig, or the same problems.
 */
import { pathToFileURL } from 'node:url';
import { rejection } from '@life-stats/testing/assertions';
import { pluginSource, useTempProjects } from '@life-stats/testing/temp-project';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createStaticConfigLoader, type StaticConfig, toStaticConfig } from '../../src/config/static-config.js';
import type { LoadedConfig } from '../../src/config/types.js';
import { formatError } from '../../src/errors.js';

const project = useTempProjects();

const FILES = {
  'plugins/water.mjs': pluginSource({
    id: 'water',
    configSchema: {
      type: 'object',
      properties: { file: { type: 'string' }, glassMl: { type: 'integer', default: 250 } },
      required: ['file'],
    },
  }),
  'plugins/sleep.mjs': pluginSource({ id: 'sleep', schedule: 'cron(0 4 * * ? *)' }),
  'data/water.csv': 'date,glasses\n',
};

const BASE = {
  timezone: 'Europe/Berlin',
  backfillDays: 3,
  users: [{ id: 'me' }, { id: 'you', timezone: 'Asia/Tokyo' }],
  events: { busName: 'life-stats-bus' },
  plugins: [
    { use: './plugins/water.mjs', config: { file: 'data/water.csv' } },
    { use: './plugins/sleep.mjs', metric: 'sleep_minutes' },
    { use: './plugins/missing.mjs', enabled: false, config: { file: 'data/water.csv' } },
  ],
};

/** The static form, as a bundle would carry it (JSON), and the modules it imports. */
async function settle(config: LoadedConfig): Promise<{ settled: StaticConfig; modules: Record<string, unknown>[] }> {
  const paths: string[] = [];
  const settled = toStaticConfig(config, (entry) => {
    const index = paths.indexOf(entry.loaded.resolvedPath);
    return index === -1 ? paths.push(entry.loaded.resolvedPath) - 1 : index;
  });
  const modules = await Promise.all(paths.map(async (path) => (await import(pathToFileURL(path).href)) as object));
  return {
    settled: JSON.parse(JSON.stringify(settled)) as StaticConfig,
    modules: modules as Record<string, unknown>[],
  };
}

/** A LoadedConfig with each plugin reduced to what can be compared (its code is the same module). */
function comparable(config: LoadedConfig) {
  return {
    ...config,
    plugins: config.plugins.map(({ loaded, ...entry }) => ({
      ...entry,
      ...(loaded ? { loaded: { ...loaded, plugin: { ...loaded.plugin, fetch: typeof loaded.plugin.fetch } } } : {}),
    })),
  };
}

const ENVIRONMENTS: Record<string, NodeJS.ProcessEnv> = {
  'no overrides': {},
  'the deployed Lambda': {
    LIFE_STATS_STORAGE: 'dynamodb',
    LIFE_STATS_METRICS_TABLE: 'stack-metrics',
    LIFE_STATS_RUNS_TABLE: 'stack-runs',
    LIFE_STATS_SECRETS: 'ssm',
    LIFE_STATS_SSM_PREFIX: '/stack/secrets',
  },
  'a fresh dynamodb block with default tables': { LIFE_STATS_STORAGE: 'dynamodb' },
  'ssm with the default prefix': { LIFE_STATS_SECRETS: 'ssm' },
  'env secrets, same storage type': { LIFE_STATS_SECRETS: 'env', LIFE_STATS_STORAGE: 'sqlite' },
  'empty variables count as unset': { LIFE_STATS_STORAGE: '', LIFE_STATS_SECRETS: '' },
};

describe('createStaticConfigLoader', () => {
  for (const [name, env] of Object.entries(ENVIRONMENTS)) {
    it(`gives what loadConfig gives: ${name}`, async () => {
      const p = project({ ...FILES, 'life-stats.config.json': BASE });
      const { settled, modules } = await settle(await loadConfig({ cwd: p.dir, env: {} }));
      const fromBundle = await createStaticConfigLoader(settled, { modules, env })();
      const fromFile = await loadConfig({ cwd: p.dir, env });
      expect(comparable(fromBundle)).toEqual(comparable(fromFile));
    });
  }

  it('starts from a DynamoDB and SSM config as well', async () => {
    const file = { ...BASE, storage: { type: 'dynamodb', metricsTable: 'm-table' }, secrets: { type: 'ssm' } };
    const p = project({ ...FILES, 'life-stats.config.json': file });
    const { settled, modules } = await settle(await loadConfig({ cwd: p.dir, env: {} }));
    for (const env of [
      {},
      { LIFE_STATS_STORAGE: 'sqlite', LIFE_STATS_SECRETS: 'file' },
      { LIFE_STATS_RUNS_TABLE: 'other-runs' },
    ]) {
      const fromBundle = await createStaticConfigLoader(settled, { modules, env })();
      expect(comparable(fromBundle)).toEqual(comparable(await loadConfig({ cwd: p.dir, env })));
    }
  });

  it('reports bad overrides with the same problems as the file loader, all at once', async () => {
    const p = project({ ...FILES, 'life-stats.config.json': BASE });
    const { settled, modules } = await settle(await loadConfig({ cwd: p.dir, env: {} }));
    for (const env of [
      { LIFE_STATS_STORAGE: 'mysql', LIFE_STATS_SECRETS: 'vault' },
      { LIFE_STATS_STORAGE: 'dynamodb', LIFE_STATS_METRICS_TABLE: 'no spaces allowed', LIFE_STATS_SSM_PREFIX: 'x' },
      { LIFE_STATS_RUNS_TABLE: 'runs' },
    ]) {
      const fromBundle = await rejection(createStaticConfigLoader(settled, { modules, env })());
      const fromFile = await rejection(loadConfig({ cwd: p.dir, env }));
      expect(formatError(fromBundle)).toBe(formatError(fromFile));
      expect(formatError(fromBundle)).toMatch(/^\[life-stats\] \d config problems? in /);
    }
  });

  it('reads shipped files from filesDir, and refuses a module that is not the plugin it was built with', async () => {
    const p = project({ ...FILES, 'life-stats.config.json': BASE });
    const { settled, modules } = await settle(await loadConfig({ cwd: p.dir, env: {} }));
    const water = settled.entries[0];
    if (!water) throw new Error('no water entry');
    water.config.file = 'data/water.csv';
    water.files = ['file'];
    const loaded = await createStaticConfigLoader(settled, { modules, filesDir: p.path('shipped'), env: {} })();
    expect(loaded.plugins[0]?.config).toEqual({ file: p.path('shipped', 'data', 'water.csv'), glassMl: 250 });

    const swapped = [...modules].reverse();
    const error = await rejection(createStaticConfigLoader(settled, { modules: swapped, env: {} })());
    expect(formatError(error)).toContain(
      'plugins[0].use: the bundle\'s module 0 is plugin "sleep", not plugin "water": rebuild the bundle',
    );
  });
});
