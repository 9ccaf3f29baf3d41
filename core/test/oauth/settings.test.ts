import { describe, expect, it } from 'vitest';
import { consentScopes } from '../../src/oauth/consent-scopes.js';
import { entryScopes, resolveOAuthSettings, splitScopes } from '../../src/oauth/settings.js';
import type { PluginOAuth } from '../../src/plugins/types.js';
import { createTestConfig } from '../../src/testing/test-config.js';

const oauth: PluginOAuth<{ dataType?: string }> = {
  provider: 'Acme',
  authUrl: 'https://acme.example/authorize',
  tokenUrl: 'https://acme.example/token',
  scopes: (config) => [`${config.dataType ?? 'steps'}:read`, 'profile'],
};
const plugin = (id: string, extra: Partial<PluginOAuth> = {}, namespace = 'acme') => ({
  id,
  apiVersion: 1 as const,
  metric: { type: id.replace(/-/g, '_') },
  secrets: { namespace },
  oauth: { ...oauth, ...extra } as PluginOAuth,
  fetch: async () => [],
});

describe('OAuth settings of an entry', () => {
  it('applies the defaults, and the entry config overrides the endpoints under authUrl/tokenUrl', () => {
    const settings = resolveOAuthSettings(plugin('acme'), { tokenUrl: 'http://127.0.0.1:9/token', authUrl: '' });
    expect(settings).toMatchObject({
      pluginId: 'acme',
      namespace: 'acme',
      authUrl: 'https://acme.example/authorize',
      tokenUrl: 'http://127.0.0.1:9/token',
      scopeSeparator: ' ',
      pkce: true,
      clientAuth: 'client_secret_post',
      secrets: { clientId: 'client_id', clientSecret: 'client_secret', refreshToken: 'token' },
    });
  });

  it('honours configKeys (another key, or none) and the deprecated tokenUrlConfigKey', () => {
    const config = {
      tokenUrl: 'https://proxy/token',
      tokenEndpoint: 'https://other/token',
      authUrl: 'https://proxy/auth',
    };
    const renamed = resolveOAuthSettings(
      plugin('acme', { configKeys: { tokenUrl: 'tokenEndpoint', authUrl: false } }),
      config,
    );
    expect([renamed.tokenUrl, renamed.authUrl]).toEqual(['https://other/token', 'https://acme.example/authorize']);
    const legacy = resolveOAuthSettings(plugin('acme', { tokenUrlConfigKey: 'tokenEndpoint' }), config);
    expect(legacy.tokenUrl).toBe('https://other/token');
  });

  it('splits scopes on the separator and on white space', () => {
    expect(splitScopes('read,activity:read_all', ',')).toEqual(['read', 'activity:read_all']);
    expect(splitScopes('user.info, user.metrics user.activity', ',')).toEqual([
      'user.info',
      'user.metrics',
      'user.activity',
    ]);
    expect(splitScopes(' a  b ', ' ')).toEqual(['a', 'b']);
    expect(entryScopes(oauth as PluginOAuth, { dataType: 'sleep' })).toEqual(['sleep:read', 'profile']);
  });

  it('asks one consent for the union of the enabled entries of the namespace with the same provider', () => {
    const config = createTestConfig('/tmp', [
      { plugin: plugin('acme'), config: { dataType: 'steps' } },
      { plugin: plugin('acme-sleep'), config: { dataType: 'sleep' } },
      { plugin: plugin('acme-weight'), config: { dataType: 'weight' } },
      { plugin: plugin('other', {}, 'other'), config: { dataType: 'heart' } },
      { plugin: plugin('acme-beta', { provider: 'Beta' }), config: { dataType: 'beta' } },
    ]);
    config.plugins[2] = { ...config.plugins[2], enabled: false } as (typeof config.plugins)[number];
    expect(consentScopes(config, 'acme-sleep')).toEqual(['steps:read', 'profile', 'sleep:read']);
    expect(consentScopes(config, 'other')).toEqual(['heart:read', 'profile']);
  });
});

describe('endpoints that are functions of the entry config', () => {
  it('derives the token endpoint from the API origin (Withings), an explicit override still winning', () => {
    const withings = plugin('withings', {
      tokenUrl: (config) => new URL('v2/oauth2', String(config.apiRootUrl ?? 'https://wbsapi.withings.net/')).href,
      configKeys: { tokenUrl: false },
    });
    expect(resolveOAuthSettings(withings, {}).tokenUrl).toBe('https://wbsapi.withings.net/v2/oauth2');
    expect(resolveOAuthSettings(withings, { apiRootUrl: 'http://127.0.0.1:9/' }).tokenUrl).toBe(
      'http://127.0.0.1:9/v2/oauth2',
    );
    const overridable = plugin('acme', { authUrl: () => 'https://derived.example/auth' });
    expect(resolveOAuthSettings(overridable, {}).authUrl).toBe('https://derived.example/auth');
    expect(resolveOAuthSettings(overridable, { authUrl: 'http://127.0.0.1:8/auth' }).authUrl).toBe(
      'http://127.0.0.1:8/auth',
    );
  });
});
