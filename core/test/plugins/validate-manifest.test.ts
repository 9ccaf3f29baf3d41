import { describe, expect, it } from 'vitest';
import { hasErrorCode, type PluginLoadError } from '../../src/errors.js';
import { validateManifest } from '../../src/plugins/validate-manifest.js';

const fetch = async () => [];

function minimal(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'acme-water', apiVersion: 1, metric: { type: 'water_ml' }, fetch, ...overrides };
}

function failure(value: unknown, source = 'life-stats-plugin-acme-water'): PluginLoadError {
  try {
    validateManifest(value, source);
  } catch (error) {
    return error as PluginLoadError;
  }
  throw new Error('validateManifest accepted the manifest');
}

describe('validateManifest', () => {
  it('applies every default to a minimal manifest', () => {
    const plugin = validateManifest(minimal(), 'acme');
    expect(plugin).toMatchObject({
      id: 'acme-water',
      apiVersion: 1,
      metric: { type: 'water_ml' },
      configSchema: { type: 'object' },
      secrets: { namespace: 'acme-water', user: [], shared: [] },
      schedule: 'rate(1 day)',
      settleDays: 1,
      maxDaysPerFetch: 30,
    });
    expect(plugin.fetch).toBe(fetch);
    expect(plugin.check).toBeUndefined();
    expect(plugin.rateLimit).toBeUndefined();
  });

  it('keeps declared values instead of defaults', () => {
    const check = async () => {};
    const schema = { type: 'object', properties: { baseUrl: { type: 'string' } }, required: ['baseUrl'] };
    const plugin = validateManifest(
      minimal({
        configSchema: schema,
        secrets: { namespace: 'acme', user: ['api_key'], shared: ['client_id'] },
        schedule: 'cron(30 5 * * ? *)',
        settleDays: 0,
        maxDaysPerFetch: 7,
        rateLimit: { requestsPerMinute: 0.5 },
        check,
      }),
      'acme',
    );
    expect(plugin.configSchema).toBe(schema);
    expect(plugin.secrets).toEqual({ namespace: 'acme', user: ['api_key'], shared: ['client_id'] });
    expect(plugin).toMatchObject({ schedule: 'cron(30 5 * * ? *)', settleDays: 0, maxDaysPerFetch: 7 });
    expect(plugin.rateLimit).toEqual({ requestsPerMinute: 0.5 });
    expect(plugin.check).toBe(check);
  });

  it('keeps methods a class-based plugin has on its prototype', async () => {
    class Plugin {
      id = 'klass';
      apiVersion = 1;
      metric = { type: 'klass' };
      async fetch() {
        return [{ date: '2026-11-20', value: 1 }];
      }
    }
    const plugin = validateManifest(new Plugin(), './klass.js');
    expect(await plugin.fetch({} as never)).toEqual([{ date: '2026-11-20', value: 1 }]);
  });

  it('unwraps the `{ default: plugin }` shape of a CommonJS build', () => {
    expect(validateManifest({ default: minimal() }, 'cjs-plugin').id).toBe('acme-water');
  });

  it('reports every problem at once, naming the source and each field', () => {
    const error = failure({
      id: 'Acme Water',
      apiVersion: '1',
      metric: { type: 'Water-ML' },
      fetch: 'nope',
      check: 42,
      configSchema: 'object',
      secrets: { namespace: 'ACME', user: ['API-KEY'], shared: 'client_id' },
      schedule: '',
      settleDays: -1,
      maxDaysPerFetch: 0,
      rateLimit: { requestsPerMinute: 0 },
    });
    expect(error.name).toBe('PluginLoadError');
    expect(hasErrorCode(error, 'E_PLUGIN_INVALID')).toBe(true);
    expect(error.message).toMatch(
      /^\[life-stats\] plugin life-stats-plugin-acme-water is not a valid life-stats plugin:\n/,
    );
    const expected = [
      '- id: must match /^[a-z][a-z0-9-]*$/, got "Acme Water"',
      '- apiVersion: must be the number 1, got the string "1"',
      '- metric.type: must match /^[a-z][a-z0-9_]*$/, got "Water-ML"',
      '- fetch: must be a function',
      '- check: must be a function',
      '- configSchema: must be a JSON Schema object',
      '- secrets.namespace: must match /^[a-z][a-z0-9-]*$/',
      '- secrets.user[0]: must match /^[a-z][a-z0-9_]*$/, got "API-KEY"',
      '- secrets.shared: must be an array of secret names',
      '- schedule: must be an EventBridge expression',
      '- settleDays: must be a whole number of days from 0 to 36525, got number -1',
      '- maxDaysPerFetch: must be a whole number of days from 1 to 36525, got number 0',
      '- rateLimit.requestsPerMinute: must be a number > 0',
    ];
    for (const line of expected) expect(error.message).toContain(line);
    expect(error.message.split('\n')).toHaveLength(expected.length + 1);
    expect(error.hint).toContain('export default definePlugin(');
  });

  it("refuses core's own secrets namespace, by id or declared, so no plugin reads the connect signing key", () => {
    const byId = failure(minimal({ id: 'connect' }));
    expect(byId.message).toContain('- id: the secrets namespace "connect" is reserved for life-stats itself');
    const declared = failure(minimal({ secrets: { namespace: 'connect', shared: ['signing_key'] } }));
    expect(declared.message).toContain('- secrets.namespace: the secrets namespace "connect" is reserved');
    expect(declared.message).toContain('declare another `secrets.namespace`');
    // An id `connect` with a namespace of its own is fine.
    expect(
      validateManifest(minimal({ id: 'connect', secrets: { namespace: 'connect-app' } }), 'x').secrets.namespace,
    ).toBe('connect-app');
  });

  it('reports missing required fields', () => {
    const error = failure({ description: 'nothing else' });
    expect(hasErrorCode(error, 'E_PLUGIN_INVALID')).toBe(true);
    expect(error.message).toContain('- id: must be a string matching /^[a-z][a-z0-9-]*$/, got undefined');
    expect(error.message).toContain('- apiVersion: is required');
    expect(error.message).toContain('- metric: is required');
    expect(error.message).toContain('- fetch: must be a function, got undefined');
  });

  it('reports a config schema that does not compile', () => {
    const error = failure(
      minimal({ configSchema: { type: 'object', properties: { n: { type: 'integer', minimum: 'one' } } } }),
    );
    expect(error.message).toContain('- configSchema: is not a valid JSON Schema (draft-07): ');
    expect(error.message).toContain('minimum must be number');
  });

  it('refuses a config schema for something other than an object', () => {
    const error = failure(minimal({ configSchema: { type: 'string' } }));
    expect(error.message).toContain(`- configSchema: must describe an object (type: 'object'), got type "string"`);
  });

  it('accepts two plugins whose schemas share an $id', () => {
    const schema = { $id: 'https://example.com/config.json', type: 'object' };
    validateManifest(minimal({ configSchema: schema }), 'one');
    expect(() => validateManifest(minimal({ configSchema: { ...schema } }), 'two')).not.toThrow();
  });

  it('refuses a module without a default export', () => {
    const error = failure(undefined, './my-plugins/mood');
    expect(hasErrorCode(error, 'E_PLUGIN_INVALID')).toBe(true);
    expect(error.message).toContain('plugin ./my-plugins/mood is not a valid life-stats plugin');
    expect(error.message).toContain('the module has no default export');
  });

  it('refuses another apiVersion with E_PLUGIN_API_VERSION and a way out', () => {
    const error = failure(minimal({ apiVersion: 2, metric: 'v2 shape' }), 'life-stats-plugin-future');
    expect(hasErrorCode(error, 'E_PLUGIN_API_VERSION')).toBe(true);
    expect(error.message).toBe(
      '[life-stats] plugin life-stats-plugin-future declares apiVersion 2, but @life-stats/core supports apiVersion 1',
    );
    expect(error.hint).toMatch(/Upgrade @life-stats\/core/);
    expect(error.hint).toMatch(/apiVersion 1/);
  });
});

describe('validateManifest: the oauth field', () => {
  const oauth = {
    provider: 'Acme',
    authUrl: 'https://acme.example/oauth/authorize',
    tokenUrl: 'https://acme.example/oauth/token',
    scopes: ['daily'],
  };

  it('declares the OAuth client and the refresh token as the plugin’s secrets', () => {
    const plugin = validateManifest(minimal({ oauth, secrets: { namespace: 'acme', user: ['api_key'] } }), 'acme');
    expect(plugin.secrets).toEqual({
      namespace: 'acme',
      user: ['api_key', 'token'],
      shared: ['client_id', 'client_secret'],
    });
    expect(plugin.oauth).toBe(oauth);
    const renamed = validateManifest(
      minimal({ oauth: { ...oauth, clientAuth: 'none', secrets: { clientId: 'app_id', refreshToken: 'grant' } } }),
      'acme',
    );
    expect(renamed.secrets).toMatchObject({ user: ['grant'], shared: ['app_id'] });
  });

  it('accepts scopes as a function of the entry config, and every documented option', () => {
    expect(() =>
      validateManifest(
        minimal({
          oauth: {
            ...oauth,
            scopes: (config: { dataType?: string }) => [`${config.dataType}:read`],
            scopeSeparator: ',',
            pkce: false,
            clientAuth: 'client_secret_basic',
            authParams: { approval_prompt: 'force' },
            tokenParams: { action: 'requesttoken' },
            permissionsUrl: 'https://acme.example/settings/apps',
            configKeys: { authUrl: false, tokenUrl: 'tokenEndpoint' },
            secrets: { clientId: 'client_id', clientSecret: 'client_secret', refreshToken: 'token' },
            adapter: { tokenResponse: () => undefined, isUnauthorized: () => false },
          },
        }),
        'acme',
      ),
    ).not.toThrow();
  });

  it('reports every problem of the oauth field with its path', () => {
    const error = failure(
      minimal({
        oauth: {
          provider: '',
          authUrl: 'acme.example/authorize',
          tokenUrl: 42,
          scopes: ['daily reading', ''],
          scopeSeparator: '',
          pkce: 'yes',
          clientAuth: 'private_key_jwt',
          authParams: { state: 'fixed', prompt: 1 },
          tokenParams: { grant_type: 'password' },
          secrets: { refreshToken: 'Token!' },
          adapter: { tokenResponse: 'unwrap' },
          configKeys: { tokenUrl: '' },
        },
      }),
    );
    expect(hasErrorCode(error, 'E_PLUGIN_INVALID')).toBe(true);
    for (const expected of [
      "oauth.provider: must be the provider's name",
      'oauth.authUrl: must be an absolute http(s) URL, got "acme.example/authorize"',
      'oauth.tokenUrl: must be an absolute http(s) URL, got number',
      'oauth.scopes[0]: must be a scope without white space, got "daily reading"',
      'oauth.scopes[1]: must be a scope without white space, got ""',
      'oauth.scopeSeparator: must be a non-empty string',
      'oauth.pkce: must be true or false, got string',
      'oauth.clientAuth: must be one of client_secret_post, client_secret_basic, none, got "private_key_jwt"',
      'oauth.authParams.state: is set by core and cannot be declared',
      'oauth.authParams.prompt: must be a string, got number',
      'oauth.tokenParams.grant_type: is set by core and cannot be declared',
      'oauth.secrets.refreshToken: must be a secret name matching',
      'oauth.adapter.tokenResponse: must be a function, got string',
      'oauth.configKeys.tokenUrl: must be a config key or false, got ""',
    ]) {
      expect(error.message).toContain(expected);
    }
  });
});
