import { useTempProjects } from '@life-stats/testing/temp-project';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createStaticConfigLoader, toStaticConfig } from '../../src/config/static-config.js';

/** The `connect` block: its base URL validated, a trailing slash added, and carried into a bundle. */
const project = useTempProjects();

async function load(connect: unknown) {
  const p = project({ 'life-stats.config.json': { connect } });
  return loadConfig({ configPath: p.path('life-stats.config.json'), env: {}, loadPlugins: false });
}

describe('the connect config block', () => {
  it('keeps a base URL, ending it in a slash, and survives the static form a bundle carries', async () => {
    const config = await load({ baseUrl: 'https://connect.example.org/life' });
    expect(config.connect).toEqual({ baseUrl: 'https://connect.example.org/life/' });
    const bundled = await createStaticConfigLoader(
      toStaticConfig(config, () => 0),
      { modules: [], env: {} },
    )();
    expect(bundled.connect).toEqual({ baseUrl: 'https://connect.example.org/life/' });
    expect((await load({ baseUrl: 'https://abc.lambda-url.eu-central-1.on.aws/' })).connect?.baseUrl).toBe(
      'https://abc.lambda-url.eu-central-1.on.aws/',
    );
    expect((await load({ baseUrl: 'http://127.0.0.1:8080/' })).connect?.baseUrl).toBe('http://127.0.0.1:8080/');
    expect((await load({})).connect).toEqual({});
    expect((await load(undefined)).connect).toBeUndefined();
  });

  it('refuses plain http off loopback, a query or fragment, and unknown keys, with their paths', async () => {
    for (const [connect, path] of [
      [{ baseUrl: 'http://connect.example.org/' }, 'connect.baseUrl'],
      [{ baseUrl: 'https://connect.example.org/?x=1' }, 'connect.baseUrl'],
      [{ baseUrl: 'https://connect.example.org/#top' }, 'connect.baseUrl'],
      [{ baseUrl: 'connect.example.org' }, 'connect.baseUrl'],
      [{ baseUrl: 'https://x/', redirectUri: 'https://y/' }, 'connect.redirectUri'],
    ] as const) {
      const error = await load(connect).catch((e: unknown) => e);
      expect((error as { code?: string }).code, JSON.stringify(connect)).toBe('E_CONFIG');
      expect(String((error as Error).message), String((error as Error).message)).toContain(`${path}:`);
    }
  });
});
