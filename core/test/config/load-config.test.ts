/** loadConfig: finding the file, and what a valid one becomes (defaults, paths, entries). */
import { mkdirSync } from 'node:fs';
import { rejection } from '@life-stats/testing/assertions';
import { pluginPackage, pluginSource, useTempProjects } from '@life-stats/testing/temp-project';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { configError, waterSchema } from './support/config-rig.js';

const project = useTempProjects();
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('loadConfig: discovery', () => {
  it('reads the "life-stats" key of package.json', async () => {
    const p = project({ 'package.json': { name: 'me', 'life-stats': { timezone: 'Europe/Berlin' } } });
    const config = await loadConfig({ cwd: p.dir, env: {} });
    expect(config.filepath).toBe(p.path('package.json'));
    expect(config.timezone).toBe('Europe/Berlin');
  });

  it('reads .life-stats.json', async () => {
    const p = project({ '.life-stats.json': { backfillDays: 3 } });
    const config = await loadConfig({ cwd: p.dir, env: {} });
    expect(config.filepath).toBe(p.path('.life-stats.json'));
    expect(config.backfillDays).toBe(3);
  });

  it('finds life-stats.config.json from a subfolder, also past a workspace package.json', async () => {
    const p = project({
      'package.json': { name: 'root', private: true },
      'life-stats.config.json': { storage: { type: 'sqlite', path: 'data/stats.db' } },
      'packages/thing/package.json': { name: 'thing' },
    });
    const nested = p.path('packages', 'thing', 'src');
    mkdirSync(nested, { recursive: true });
    const config = await loadConfig({ cwd: nested, env: {} });
    expect(config.filepath).toBe(p.path('life-stats.config.json'));
    expect(config.dir).toBe(p.dir);
    // Relative paths resolve from the file's folder, not from where the command runs.
    expect(config.storage).toEqual({ type: 'sqlite', path: p.path('data', 'stats.db') });
  });

  it('loads life-stats.config.mjs and life-stats.config.ts', async () => {
    const js = project({ 'life-stats.config.mjs': 'export default { timezone: "Asia/Tokyo" };\n' });
    expect((await loadConfig({ cwd: js.dir, env: {} })).timezone).toBe('Asia/Tokyo');
    const ts = project({
      'life-stats.config.ts': 'const zone: string = "America/New_York";\nexport default { timezone: zone };\n',
    });
    expect((await loadConfig({ cwd: ts.dir, env: {} })).timezone).toBe('America/New_York');
  });

  it('takes LIFE_STATS_CONFIG (relative to cwd) over the search, and an explicit path over both', async () => {
    const p = project({
      'life-stats.config.json': { timezone: 'UTC' },
      'conf/env.json': { timezone: 'Europe/Paris' },
      'conf/explicit.json': { timezone: 'Europe/Rome' },
    });
    const env = { LIFE_STATS_CONFIG: 'conf/env.json' };
    expect((await loadConfig({ cwd: p.dir, env })).timezone).toBe('Europe/Paris');
    const explicit = await loadConfig({ cwd: p.dir, env, configPath: 'conf/explicit.json' });
    expect(explicit.filepath).toBe(p.path('conf', 'explicit.json'));
    expect(explicit.timezone).toBe('Europe/Rome');
  });

  it('says how to get a config when there is none', async () => {
    // cosmiconfig's global search ends in the user's config folder: point it at an empty one.
    const home = project();
    vi.stubEnv('XDG_CONFIG_HOME', home.dir);
    const p = project({ 'sub/.keep': '' });
    const error = await rejection(loadConfig({ cwd: p.path('sub'), env: {} }));
    expect(error.code).toBe('E_CONFIG_NOT_FOUND');
    expect(error.message).toContain(`no config file found in ${p.path('sub')}`);
    expect(error.hint).toContain('life-stats init');
    expect(error.hint).toContain('--config');
  });

  it('names a missing explicit or LIFE_STATS_CONFIG file', async () => {
    const p = project();
    const explicit = await rejection(loadConfig({ cwd: p.dir, env: {}, configPath: 'nope.json' }));
    expect(explicit.code).toBe('E_CONFIG_NOT_FOUND');
    expect(explicit.message).toContain(`${p.path('nope.json')} does not exist`);
    const fromEnv = await rejection(loadConfig({ cwd: p.dir, env: { LIFE_STATS_CONFIG: 'gone.json' } }));
    expect(fromEnv.message).toContain(`${p.path('gone.json')} (from LIFE_STATS_CONFIG) does not exist`);
  });

  it('reports a JSON syntax error with the file, line and column', async () => {
    const p = project({ 'life-stats.config.json': '{\n  "timezone": "UTC"\n  "users": []\n}\n' });
    const error = await configError(loadConfig({ cwd: p.dir, env: {} }));
    expect(error.filepath).toBe(p.path('life-stats.config.json'));
    expect(error.problems).toEqual([
      { path: '', message: 'invalid JSON at line 3, column 3: unexpected "\\"", expected "," or "}"' },
    ]);
  });

  it('reports a JS config that throws as a config problem', async () => {
    const p = project({ 'life-stats.config.mjs': 'throw new Error("no config today");\n' });
    const error = await configError(loadConfig({ cwd: p.dir, env: {} }));
    expect(error.problems[0]?.message).toContain('no config today');
    expect(error.filepath).toBe(p.path('life-stats.config.mjs'));
  });
});

describe('loadConfig: defaults and normalization', () => {
  it('applies every default: storage, secrets, users, entries and plugin config', async () => {
    const p = project({
      'life-stats.config.json': {
        timezone: 'Europe/Berlin',
        users: [{ id: 'me' }, { id: 'kid', timezone: 'Asia/Tokyo' }],
        plugins: [
          { use: 'water', config: { baseUrl: 'https://home' } },
          {
            use: 'water',
            metric: 'water_work',
            schedule: 'cron(0 4 * * ? *)',
            config: { baseUrl: 'https://work', glassMl: 300 },
          },
        ],
      },
      ...pluginPackage('life-stats-plugin-water', { id: 'water', metric: 'water_ml', configSchema: waterSchema }),
    });
    const config = await loadConfig({ cwd: p.dir, env: {} });
    expect(config).toMatchObject({
      filepath: p.path('life-stats.config.json'),
      dir: p.dir,
      timezone: 'Europe/Berlin',
      backfillDays: 7,
      storage: { type: 'sqlite', path: p.path('.life-stats', 'life-stats.db') },
      secrets: { type: 'file', path: p.path('.life-stats', 'secrets.json') },
      users: [
        { id: 'me', timezone: 'Europe/Berlin' },
        { id: 'kid', timezone: 'Asia/Tokyo' },
      ],
    });
    expect(config.events).toBeUndefined();
    const [home, work] = config.plugins;
    expect(home).toMatchObject({
      index: 0,
      use: 'water',
      enabled: true,
      metric: 'water_ml',
      schedule: 'rate(1 day)',
      config: { baseUrl: 'https://home', glassMl: 250 },
      loaded: { packageName: 'life-stats-plugin-water', version: '1.2.3' },
    });
    expect(home?.loaded?.plugin.id).toBe('water');
    expect(work).toMatchObject({ metric: 'water_work', schedule: 'cron(0 4 * * ? *)', config: { glassMl: 300 } });
    // One plugin, two entries: imported once.
    expect(work?.loaded?.plugin).toBe(home?.loaded?.plugin);
  });

  it('defaults with an empty file to SQLite and file secrets and no plugins', async () => {
    const p = project({ '.life-stats.json': {} });
    const config = await loadConfig({ cwd: p.dir, env: {} });
    expect(config).toMatchObject({ timezone: 'UTC', backfillDays: 7, users: [], plugins: [] });
  });

  it('resolves relative paths in plugin configs from the config folder: format "path", file, path, dir', async () => {
    const p = project({
      'conf/life-stats.config.json': {
        plugins: [
          {
            use: './plugins/paths.mjs',
            config: {
              file: 'data/weight.csv',
              input: 'in/sleep.csv',
              dir: '/absolute/stays',
              url: 'https://example.com/x',
              label: 'not/a/path',
            },
          },
        ],
      },
      'conf/plugins/paths.mjs': pluginSource({
        id: 'paths',
        configSchema: {
          type: 'object',
          properties: {
            file: { type: 'string' },
            input: { type: 'string', format: 'path' },
            dir: { type: 'string' },
            url: { type: 'string' },
            label: { type: 'string' },
            cache: { type: 'string', format: 'path', default: '.cache/paths' },
          },
        },
      }),
      'work/.keep': '',
    });
    const config = await loadConfig({ cwd: p.path('work'), env: {}, configPath: '../conf/life-stats.config.json' });
    expect(config.plugins[0]?.config).toEqual({
      file: p.path('conf', 'data', 'weight.csv'),
      input: p.path('conf', 'in', 'sleep.csv'),
      dir: '/absolute/stays',
      url: 'https://example.com/x',
      label: 'not/a/path',
      cache: p.path('conf', '.cache', 'paths'),
    });
  });

  it('keeps a disabled entry whose plugin is not installed, without loading it', async () => {
    const p = project({
      'life-stats.config.json': {
        plugins: [
          { use: 'not-installed-anywhere', enabled: false, metric: 'mood', config: { file: 'mood.csv' } },
          { use: './mood.mjs' },
        ],
      },
      'mood.mjs': pluginSource({ id: 'mood' }),
    });
    const config = await loadConfig({ cwd: p.dir, env: {} });
    expect(config.plugins[0]).toMatchObject({ use: 'not-installed-anywhere', enabled: false, metric: 'mood' });
    expect(config.plugins[0]?.loaded).toBeUndefined();
    // A disabled entry's metric does not clash with an enabled one.
    expect(config.plugins[1]).toMatchObject({ enabled: true, metric: 'mood' });
  });

  it('reads the file without importing plugins when asked', async () => {
    const p = project({ 'life-stats.config.json': { plugins: [{ use: 'not-installed', metric: 'x' }] } });
    const config = await loadConfig({ cwd: p.dir, env: {}, loadPlugins: false });
    expect(config.plugins[0]).toMatchObject({ use: 'not-installed', enabled: true, metric: 'x' });
    expect(config.plugins[0]?.loaded).toBeUndefined();
  });
});
