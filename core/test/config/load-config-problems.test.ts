/** loadConfig: the environment overrides, and every problem of a file reported at once with its path. */
import { existsSync } from 'node:fs';
import { pluginPackage, pluginSource, useTempProjects } from '@life-stats/testing/temp-project';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { configError, waterSchema } from './support/config-rig.js';

const project = useTempProjects();
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('loadConfig: environment overrides', () => {
  it('switches storage and secrets to AWS', async () => {
    const p = project({ 'life-stats.config.json': { storage: { type: 'sqlite', path: 'x.db' } } });
    const config = await loadConfig({
      cwd: p.dir,
      env: {
        LIFE_STATS_STORAGE: 'dynamodb',
        LIFE_STATS_METRICS_TABLE: 'prod-metrics',
        LIFE_STATS_RUNS_TABLE: 'prod-runs',
        LIFE_STATS_SECRETS: 'ssm',
        LIFE_STATS_SSM_PREFIX: '/prod/life-stats',
      },
    });
    expect(config.storage).toEqual({ type: 'dynamodb', metricsTable: 'prod-metrics', runsTable: 'prod-runs' });
    expect(config.secrets).toEqual({ type: 'ssm', prefix: '/prod/life-stats' });
  });

  it('keeps the file settings of the type it selects, and defaults the rest', async () => {
    const p = project({
      'life-stats.config.json': {
        storage: { type: 'dynamodb', metricsTable: 'file-metrics' },
        secrets: { type: 'ssm', prefix: '/from-file' },
      },
    });
    const config = await loadConfig({
      cwd: p.dir,
      env: { LIFE_STATS_STORAGE: 'dynamodb', LIFE_STATS_SECRETS: 'env', LIFE_STATS_RUNS_TABLE: '' },
    });
    expect(config.storage).toEqual({ type: 'dynamodb', metricsTable: 'file-metrics', runsTable: 'life-stats-runs' });
    expect(config.secrets).toEqual({ type: 'env' });
  });

  it('reports bad override values as config problems at the variable', async () => {
    const p = project({ 'life-stats.config.json': {} });
    const error = await configError(
      loadConfig({
        cwd: p.dir,
        env: { LIFE_STATS_STORAGE: 'postgres', LIFE_STATS_SECRETS: 'vault', LIFE_STATS_METRICS_TABLE: 'm' },
      }),
    );
    expect(error.problems).toEqual([
      { path: 'env LIFE_STATS_STORAGE', message: '"postgres" is not one of sqlite, dynamodb' },
      {
        path: 'env LIFE_STATS_METRICS_TABLE',
        message: expect.stringContaining('applies to storage type "dynamodb" only, but storage.type is "sqlite"'),
      },
      { path: 'env LIFE_STATS_SECRETS', message: '"vault" is not one of file, env, ssm' },
    ]);
  });
});

describe('loadConfig: problems', () => {
  it('reports every problem of the file at once, each at its path', async () => {
    const p = project({
      'life-stats.config.json': {
        timezone: 'Mars/Olympus_Mons',
        backfillDays: 'seven',
        storage: { type: 'sqlite', pathh: 'x.db' },
        secrets: { type: 'vault' },
        colour: 'blue',
        users: [{ id: 'me' }, { id: 'you', timezone: 'Europe/Berln' }, { id: 'me' }],
        plugins: [
          { use: 'water', config: { baseUrl: 42 } },
          { use: 'water', metric: 'water_b', config: {} },
          { use: 'acme' },
          { use: './plugins/future.mjs' },
          { use: './plugins/nofetch.mjs' },
          { use: './plugins/steps.mjs', schedule: 'cron(0 4 * * * *)' },
          { use: './plugins/steps.mjs', metric: 'water_ml' },
          { use: './plugins/steps.mjs', metric: 'Bad-Name', enabled: 'yes' },
          42,
        ],
      },
      ...pluginPackage('life-stats-plugin-water', { id: 'water', metric: 'water_ml', configSchema: waterSchema }),
      'plugins/future.mjs': pluginSource({ id: 'future', apiVersion: 2 }),
      'plugins/nofetch.mjs': pluginSource({ id: 'nofetch', noFetch: true }),
      'plugins/steps.mjs': pluginSource({ id: 'steps' }),
    });
    const error = await configError(loadConfig({ cwd: p.dir, env: {} }));
    expect(error.filepath).toBe(p.path('life-stats.config.json'));
    const expected = [
      { path: 'timezone', message: '"Mars/Olympus_Mons" is not an IANA time zone (e.g. "Europe/Berlin", "UTC")' },
      { path: 'backfillDays', message: 'must be integer' },
      { path: 'storage.pathh', message: 'is not allowed (did you mean "path"?)' },
      { path: 'secrets.type', message: 'must be one of file, ssm, env' },
      { path: 'users[1].timezone', message: '"Europe/Berln" is not an IANA time zone (e.g. "Europe/Berlin", "UTC")' },
      { path: 'users[2].id', message: '"me" is already used by users[0]' },
      { path: 'plugins[0].config.baseUrl', message: 'must be string' },
      { path: 'plugins[1].config.baseUrl', message: 'is required' },
      {
        path: 'plugins[2].use',
        message: expect.stringContaining('tried acme, @life-stats/plugin-acme, life-stats-plugin-acme'),
      },
      { path: 'plugins[3].use', message: expect.stringContaining('declares apiVersion 2') },
      { path: 'plugins[4].use', message: expect.stringContaining('fetch: must be a function') },
      { path: 'plugins[5].schedule', message: 'cron(0 4 * * * *): one of day-of-month or day-of-week must be "?"' },
      { path: 'plugins[6].metric', message: expect.stringContaining('"water_ml" is already written by plugins[0]') },
      { path: 'plugins[7].metric', message: 'must match pattern "^[a-z][a-z0-9_]*$"' },
      { path: 'plugins[7].enabled', message: 'must be boolean' },
      { path: 'plugins[8]', message: 'must be string or object' },
      { path: 'colour', message: 'is not allowed' },
    ];
    for (const problem of expected) expect(error.problems).toContainEqual(problem);
    expect(error.problems).toHaveLength(expected.length);
    // The printed message lists them all, in file order.
    expect(error.message).toContain('17 config problems in');
    expect(error.message.indexOf('plugins[0].config.baseUrl')).toBeLessThan(error.message.indexOf('plugins[8]'));
    expect(error.message.indexOf('timezone:')).toBeLessThan(error.message.indexOf('users[1]'));
  });

  it('names the missing key of a block: a storage type, an event bus', async () => {
    const p = project({ 'life-stats.config.json': { storage: { path: 'x.db' }, events: {}, users: [{}] } });
    const error = await configError(loadConfig({ cwd: p.dir, env: { LIFE_STATS_SSM_PREFIX: 'no-slash' } }));
    expect(error.problems).toEqual([
      { path: 'env LIFE_STATS_SSM_PREFIX', message: '"no-slash" must start with "/"' },
      { path: 'storage.type', message: 'is required' },
      { path: 'users[0].id', message: 'is required' },
      { path: 'events.busName', message: 'is required' },
    ]);
  });

  it("reports a plugin's invalid default schedule and the metric clash of two default metrics", async () => {
    const p = project({
      'life-stats.config.json': { plugins: ['./a.mjs', './b.mjs'] },
      'a.mjs': pluginSource({ id: 'a', metric: 'steps', schedule: 'every day' }),
      'b.mjs': pluginSource({ id: 'b', metric: 'steps' }),
    });
    const error = await configError(loadConfig({ cwd: p.dir, env: {} }));
    expect(error.problems).toEqual([
      {
        path: 'plugins[0].use',
        message: expect.stringContaining(
          'plugin a has an invalid default schedule: "every day" is not a schedule expression',
        ),
      },
      {
        path: 'plugins[1].metric',
        message: expect.stringContaining('"steps" (the default metric of plugin b) is already written by plugins[0]'),
      },
    ]);
  });

  it('never touches storage: a config with problems creates no database file', async () => {
    const p = project({ 'life-stats.config.json': { timezone: 'Nowhere/Land' } });
    await configError(loadConfig({ cwd: p.dir, env: {} }));
    const ok = project({ 'life-stats.config.json': {} });
    await loadConfig({ cwd: ok.dir, env: {} });
    expect(existsSync(p.path('.life-stats'))).toBe(false);
    expect(existsSync(ok.path('.life-stats'))).toBe(false);
  });
});
