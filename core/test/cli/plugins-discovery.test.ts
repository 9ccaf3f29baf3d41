import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '@life-stats/testing/cli';
import { createTempProject, pluginPackage, pluginSource, type TempProject } from '@life-stats/testing/temp-project';
import { afterEach, describe, expect, it } from 'vitest';

const projects: TempProject[] = [];
afterEach(() => {
  for (const p of projects.splice(0)) p.remove();
});

function temp(files: Record<string, string | object> = {}): TempProject {
  const project = createTempProject(files);
  projects.push(project);
  return project;
}

/** A plugin whose fetch leaves a file behind, to prove listing never calls it. */
function moodSource(marker: string): string {
  return `import { writeFileSync } from 'node:fs';
export default {
  id: 'mood', apiVersion: 1, metric: { type: 'mood', unit: 'score' }, description: 'Mood from ACME',
  schedule: 'cron(0 6 * * ? *)',
  secrets: { namespace: 'acme', user: ['api_key'], shared: ['client_id'] },
  configSchema: { type: 'object', properties: { baseUrl: { type: 'string' }, scale: { type: 'integer', default: 5 } },
    required: ['baseUrl'], additionalProperties: false },
  async fetch() { writeFileSync(${JSON.stringify(marker)}, 'fetched'); return []; },
};
`;
}

const CONFIG = {
  timezone: 'UTC',
  storage: { type: 'sqlite', path: 'data/ls.db' },
  secrets: { type: 'file', path: 'data/secrets.json' },
  users: [{ id: 'me' }],
};

interface Listing {
  use: string;
  source: string;
  enabled: boolean;
  id?: string;
  package?: string;
  version?: string;
  metric?: string;
  schedule?: string;
  secrets?: unknown;
  configSchema?: { properties?: Record<string, unknown> };
  problems?: { code: string; message: string }[];
}

function byPackage(listings: Listing[], name: string): Listing {
  const found = listings.filter((l) => l.package === name);
  expect(found, `exactly one listing for ${name}`).toHaveLength(1);
  return found[0] as Listing;
}

describe('life-stats plugins: installed plugin discovery', () => {
  it('lists installed packages by name and keyword, with problems, from the config folder and cwd upward', async () => {
    const root = temp();
    const marker = root.path('fetch-was-called');
    root.write({
      // Above the config folder: found by the upward search.
      ...pluginPackage('life-stats-plugin-parent', { id: 'parent' }, { version: '0.0.1' }),
      'app/life-stats.config.json': {
        ...CONFIG,
        plugins: [
          { use: 'water', metric: 'h2o', schedule: 'cron(0 5 * * ? *)' },
          { use: 'sleepy', enabled: false },
        ],
      },
      ...pluginPackage('life-stats-plugin-water', { id: 'water', metric: 'water_ml' }, { at: 'app', version: '2.0.0' }),
      'app/node_modules/@acme/life-stats-plugin-mood/package.json': {
        name: '@acme/life-stats-plugin-mood',
        version: '1.0.0',
        type: 'module',
        exports: './index.js',
      },
      'app/node_modules/@acme/life-stats-plugin-mood/index.js': moodSource(marker),
      // Only the keyword says this one is a plugin.
      'app/node_modules/sleepy/package.json': {
        name: 'sleepy',
        version: '3.1.0',
        type: 'module',
        keywords: ['life-stats-plugin'],
        main: 'main.js',
      },
      'app/node_modules/sleepy/main.js': pluginSource({ id: 'sleepy', metric: 'sleep_h' }),
      ...pluginPackage(
        '@life-stats/plugin-explodes',
        { id: 'explodes', prelude: "throw new Error('boom at import');" },
        { at: 'app' },
      ),
      ...pluginPackage('life-stats-plugin-future', { id: 'future', apiVersion: 2 }, { at: 'app' }),
      ...pluginPackage('life-stats-plugin-nofetch', { id: 'nofetch', noFetch: true }, { at: 'app' }),
      // Not plugins: wrong name pattern and no keyword.
      ...pluginPackage('left-pad', { id: 'left-pad' }, { at: 'app' }),
      ...pluginPackage('@acme/stats-plugin-x', { id: 'x' }, { at: 'app' }),
    });
    const elsewhere = temp(pluginPackage('life-stats-plugin-from-cwd', { id: 'from-cwd' }));

    const res = await runCli(['plugins', '--json', '--config', root.path('app', 'life-stats.config.json')], {
      cwd: elsewhere.dir,
    });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const listings = (JSON.parse(res.stdout) as { plugins: Listing[] }).plugins;

    // Configured entries come first, as before, now with the installed package behind them.
    expect(listings[0]).toMatchObject({
      use: 'water',
      source: 'config',
      enabled: true,
      id: 'water',
      package: 'life-stats-plugin-water',
      version: '2.0.0',
      metric: 'h2o',
      schedule: 'cron(0 5 * * ? *)',
    });
    // A disabled entry is described from the installed package it names.
    expect(listings[1]).toMatchObject({
      use: 'sleepy',
      source: 'config',
      enabled: false,
      id: 'sleepy',
      package: 'sleepy',
      version: '3.1.0',
      metric: 'sleep_h',
    });

    const mood = byPackage(listings, '@acme/life-stats-plugin-mood');
    expect(mood).toMatchObject({
      source: 'installed',
      enabled: false,
      id: 'mood',
      version: '1.0.0',
      metric: 'mood',
      schedule: 'cron(0 6 * * ? *)',
      secrets: { namespace: 'acme', user: ['api_key'], shared: ['client_id'] },
      problems: [],
    });
    expect(Object.keys(mood.configSchema?.properties ?? {})).toEqual(['baseUrl', 'scale']);
    expect(byPackage(listings, 'life-stats-plugin-parent')).toMatchObject({ id: 'parent', version: '0.0.1' });
    expect(byPackage(listings, 'life-stats-plugin-from-cwd')).toMatchObject({ id: 'from-cwd', enabled: false });

    const explodes = byPackage(listings, '@life-stats/plugin-explodes');
    expect(explodes.id).toBeUndefined();
    expect(explodes.problems?.[0]?.code).toBe('E_PLUGIN_INVALID');
    expect(explodes.problems?.[0]?.message).toMatch(/failed to import: boom at import/);
    expect(byPackage(listings, 'life-stats-plugin-future').problems?.[0]).toMatchObject({
      code: 'E_PLUGIN_API_VERSION',
    });
    expect(byPackage(listings, 'life-stats-plugin-nofetch').problems?.[0]?.message).toMatch(/fetch/);

    // Configured packages are not listed twice; non-plugins are not listed at all.
    expect(listings.filter((l) => l.package === 'life-stats-plugin-water')).toHaveLength(1);
    expect(listings.filter((l) => l.package === 'sleepy')).toHaveLength(1);
    expect(listings.some((l) => l.package === 'left-pad' || l.package === '@acme/stats-plugin-x')).toBe(false);
    expect(listings).toHaveLength(8);
    expect(existsSync(marker)).toBe(false);
  });

  it('the nearest copy of a package wins, as Node would load it', async () => {
    const root = temp({
      ...pluginPackage('life-stats-plugin-dup', { id: 'dup' }, { version: '1.0.0' }),
      ...pluginPackage('life-stats-plugin-dup', { id: 'dup' }, { at: 'app', version: '2.0.0' }),
      'app/life-stats.config.json': { ...CONFIG, plugins: [] },
    });
    const res = await runCli(['plugins', '--json'], { cwd: root.path('app') });
    expect(res.code).toBe(0);
    const listings = (JSON.parse(res.stdout) as { plugins: Listing[] }).plugins;
    expect(byPackage(listings, 'life-stats-plugin-dup').version).toBe('2.0.0');
  });

  it('without a config file, lists what is installed; the table shows problems', async () => {
    const dir = temp({
      ...pluginPackage('life-stats-plugin-water', { id: 'water', metric: 'water_ml' }),
      ...pluginPackage('life-stats-plugin-future', { id: 'future', apiVersion: 2 }),
    });
    const res = await runCli(['plugins'], { cwd: dir.dir, env: { HOME: dir.dir, XDG_CONFIG_HOME: dir.dir } });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/water\s+1\.2\.3\s+water_ml\s+count\s+no \(installed\)\s+rate\(1 day\)/);
    expect(res.stdout).toMatch(/life-stats-plugin-future: .*apiVersion/);
  });

  it('an explicit config file that does not exist is still an error', async () => {
    const dir = temp();
    const res = await runCli(['plugins', '--config', join(dir.dir, 'missing.json')], { cwd: dir.dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/does not exist/);
  });
});
