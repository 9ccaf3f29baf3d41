import { join } from 'node:path';
import { rejection } from '@life-stats/testing/assertions';
import { pluginPackage, pluginSource, useTempProjects } from '@life-stats/testing/temp-project';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../src/errors.js';
import { loadPlugin } from '../../src/plugins/load-plugin.js';
import { resolvePlugin } from '../../src/plugins/resolve-plugin.js';

const project = useTempProjects();

describe('resolvePlugin', () => {
  it('tries a short name as @life-stats/plugin-x before life-stats-plugin-x', async () => {
    const p = project({
      ...pluginPackage('@life-stats/plugin-water', { id: 'scoped-water' }),
      ...pluginPackage('life-stats-plugin-water', { id: 'prefixed-water' }),
      ...pluginPackage('life-stats-plugin-mood', { id: 'mood' }),
    });
    const water = await loadPlugin('water', { configDir: p.dir, cwd: p.dir });
    expect(water.plugin.id).toBe('scoped-water');
    expect(water.packageName).toBe('@life-stats/plugin-water');
    expect(water.resolvedPath).toBe(p.path('node_modules/@life-stats/plugin-water/dist/index.js'));

    const mood = await resolvePlugin('mood', { configDir: p.dir, cwd: p.dir });
    expect(mood.packageName).toBe('life-stats-plugin-mood');
    expect(mood.tried).toEqual(['mood', '@life-stats/plugin-mood', 'life-stats-plugin-mood']);
  });

  it('uses an exact package name first', async () => {
    const p = project({
      ...pluginPackage('water', { id: 'exact-water' }),
      ...pluginPackage('@life-stats/plugin-water', { id: 'scoped-water' }),
    });
    expect((await loadPlugin('water', { configDir: p.dir, cwd: p.dir })).plugin.id).toBe('exact-water');
  });

  it('falls back to the short-name packages when a package of the exact name is not a plugin', async () => {
    const p = project({
      'node_modules/sleepy/package.json': { name: 'sleepy', version: '3.0.0', main: 'index.js' },
      'node_modules/sleepy/index.js': 'module.exports = function parse() {};\n',
      ...pluginPackage('life-stats-plugin-sleepy', { id: 'sleepy' }),
    });
    const loaded = await loadPlugin('sleepy', { configDir: p.dir, cwd: p.dir });
    expect(loaded.packageName).toBe('life-stats-plugin-sleepy');
  });

  it('follows the exports map with the import condition and reads name and version', async () => {
    const p = project({
      'node_modules/life-stats-plugin-dual/package.json': {
        name: 'life-stats-plugin-dual',
        version: '2.5.0',
        exports: { '.': { require: './cjs/index.cjs', import: './esm/index.mjs' } },
      },
      'node_modules/life-stats-plugin-dual/esm/index.mjs': pluginSource({ id: 'dual' }),
    });
    const loaded = await loadPlugin('dual', { configDir: p.dir, cwd: p.dir });
    expect(loaded).toMatchObject({
      resolvedPath: p.path('node_modules/life-stats-plugin-dual/esm/index.mjs'),
      packageName: 'life-stats-plugin-dual',
      version: '2.5.0',
    });
  });

  it('searches from the config folder first, upward, then from the working directory', async () => {
    const p = project({
      ...pluginPackage('life-stats-plugin-both', { id: 'both-in-config' }, { at: 'config' }),
      ...pluginPackage('life-stats-plugin-both', { id: 'both-in-cwd' }, { at: 'work' }),
      ...pluginPackage('life-stats-plugin-cwd-only', { id: 'cwd-only' }, { at: 'work' }),
      ...pluginPackage('life-stats-plugin-parent', { id: 'parent' }),
      'config/nested/.keep': '',
    });
    const options = { configDir: p.path('config', 'nested'), cwd: p.path('work') };
    expect((await loadPlugin('both', options)).plugin.id).toBe('both-in-config');
    expect((await loadPlugin('cwd-only', options)).plugin.id).toBe('cwd-only');
    expect((await loadPlugin('parent', options)).plugin.id).toBe('parent');
  });

  it('names every candidate and every folder searched when nothing is found', async () => {
    const p = project({ 'config/.keep': '', 'work/.keep': '' });
    const error = await rejection(resolvePlugin('acme', { configDir: p.path('config'), cwd: p.path('work') }));
    expect(hasErrorCode(error, 'E_PLUGIN_NOT_FOUND')).toBe(true);
    expect(error.message).toContain(
      'plugin "acme" not found: tried acme, @life-stats/plugin-acme, life-stats-plugin-acme',
    );
    expect(error.message).toContain(join(p.path('config'), 'node_modules'));
    expect(error.message).toContain(join(p.path('work'), 'node_modules'));
    expect(error.hint).toContain('npm install @life-stats/plugin-acme or life-stats-plugin-acme');
  });

  it('tries only the exact name for a scoped package', async () => {
    const p = project();
    const error = await rejection(resolvePlugin('@acme/water', { configDir: p.dir, cwd: p.dir }));
    expect(error.message).toContain('tried @acme/water in');
    expect(error.hint).toContain('npm install @acme/water');
  });

  it('reports an installed package whose entry point is missing (not built)', async () => {
    const p = project({
      'node_modules/life-stats-plugin-unbuilt/package.json': {
        name: 'life-stats-plugin-unbuilt',
        exports: { '.': './dist/index.js' },
      },
    });
    const error = await rejection(resolvePlugin('unbuilt', { configDir: p.dir, cwd: p.dir }));
    expect(hasErrorCode(error, 'E_PLUGIN_INVALID')).toBe(true);
    expect(error.message).toContain(
      `entry point ${p.path('node_modules/life-stats-plugin-unbuilt/dist/index.js')} does not exist`,
    );
  });

  it('resolves a relative path from the config folder, not the working directory', async () => {
    const p = project({
      'config/my-plugins/mood.js': pluginSource({ id: 'mood-from-config' }),
      'work/my-plugins/mood.js': pluginSource({ id: 'mood-from-cwd' }),
    });
    const loaded = await loadPlugin('./my-plugins/mood.js', { configDir: p.path('config'), cwd: p.path('work') });
    expect(loaded.plugin.id).toBe('mood-from-config');
    expect(loaded.packageName).toBeUndefined();
  });

  it('imports a local TypeScript plugin by a relative path without its extension', async () => {
    const p = project({
      'plugins/mood.ts': `interface Row { date: string; value: number }\nconst rows: Row[] = [{ date: '2026-01-01', value: 3 }];\n${pluginSource(
        { id: 'ts-mood', metric: 'mood' },
      ).replace('async fetch() { return []; }', 'async fetch(): Promise<Row[]> { return rows; }')}`,
    });
    const loaded = await loadPlugin('./plugins/mood', { configDir: p.dir, cwd: p.dir });
    expect(loaded.resolvedPath).toBe(p.path('plugins/mood.ts'));
    expect(loaded.plugin.metric.type).toBe('mood');
    expect(await loaded.plugin.fetch({} as never)).toEqual([{ date: '2026-01-01', value: 3 }]);
  });

  it('loads a plugin folder through its package.json main, or its index file', async () => {
    const p = project({
      'plugins/water/package.json': { name: 'my-water', version: '0.0.1', main: 'lib/plugin.mjs' },
      'plugins/water/lib/plugin.mjs': pluginSource({ id: 'folder-water' }),
      'plugins/sleep/index.mjs': pluginSource({ id: 'folder-sleep' }),
    });
    const water = await loadPlugin('./plugins/water', { configDir: p.dir, cwd: p.dir });
    expect(water).toMatchObject({ packageName: 'my-water', version: '0.0.1' });
    expect(water.plugin.id).toBe('folder-water');
    expect((await loadPlugin('./plugins/sleep', { configDir: p.dir, cwd: p.dir })).plugin.id).toBe('folder-sleep');
  });

  it('lists the paths tried for a missing path plugin', async () => {
    const p = project();
    const error = await rejection(resolvePlugin('./nowhere/mood', { configDir: p.dir, cwd: p.dir }));
    expect(hasErrorCode(error, 'E_PLUGIN_NOT_FOUND')).toBe(true);
    expect(error.message).toContain(p.path('nowhere/mood'));
  });

  it('imports a plugin once per process, whichever name it is used by', async () => {
    const counter = `__lifeStatsImports_${Date.now()}`;
    const p = project({
      'plugins/counted.ts': pluginSource({
        id: 'counted',
        prelude: `(globalThis as any).${counter} = ((globalThis as any).${counter} ?? 0) + 1;`,
      }),
    });
    const first = await loadPlugin('./plugins/counted.ts', { configDir: p.dir, cwd: p.dir });
    const second = await loadPlugin('./plugins/counted', { configDir: p.dir, cwd: p.dir });
    expect(second.plugin).toBe(first.plugin);
    expect((globalThis as Record<string, unknown>)[counter]).toBe(1);
  });

  it('reports a plugin that throws while importing', async () => {
    const p = project({ 'broken.mjs': pluginSource({ id: 'broken', prelude: "throw new Error('boom at import');" }) });
    const error = await rejection(loadPlugin('./broken.mjs', { configDir: p.dir, cwd: p.dir }));
    expect(hasErrorCode(error, 'E_PLUGIN_INVALID')).toBe(true);
    expect(error.message).toContain('plugin ./broken.mjs failed to import: boom at import');
    expect((error.cause as Error).message).toBe('boom at import');
  });

  it('refuses a plugin made for another apiVersion, and one without fetch', async () => {
    const p = project({
      'future.mjs': pluginSource({ id: 'future', apiVersion: 2 }),
      'nofetch.mjs': pluginSource({ id: 'nofetch', noFetch: true }),
    });
    const future = await rejection(loadPlugin('./future.mjs', { configDir: p.dir, cwd: p.dir }));
    expect(hasErrorCode(future, 'E_PLUGIN_API_VERSION')).toBe(true);
    const noFetch = await rejection(loadPlugin('./nofetch.mjs', { configDir: p.dir, cwd: p.dir }));
    expect(hasErrorCode(noFetch, 'E_PLUGIN_INVALID')).toBe(true);
    expect(noFetch.message).toContain('fetch: must be a function');
  });
});
