/**
 * "Acme": a small OAuth provider for core's own OAuth tests — the kit's `startFakeOAuthProvider`
 * (RFC 6749 shapes) plus one API route, `GET /v1/days?start=&end=` answering
 * `{ days: [{ date, value }] }` to a live access token and 401 `{ error: 'invalid_token' }` (RFC 6750
 * §3.1) to anything else — and the plugin that reads it, inline or as a file a config can `use`.
 */
import {
  definePlugin,
  eachDate,
  type PluginDefinition,
  type PluginOAuth,
  ReconnectRequiredError,
} from '@life-stats/core';
import {
  type FakeOAuthProvider,
  type FakeOAuthProviderOptions,
  type FakeRequest,
  startFakeOAuthProvider,
} from '@life-stats/core/testing';

/** The value Acme holds for a date: distinct per day, not an integer. */
export const acmeValue = (date: string): number => Number(date.slice(2).replaceAll('-', '')) / 100;

/** Scopes of Acme's data types. */
export const ACME_SCOPES = { steps: 'activity:read', sleep: 'sleep:read' } as const;

export interface FakeAcme extends FakeOAuthProvider {
  /** `${url}/`: the plugin's `apiRootUrl`. */
  readonly apiRootUrl: string;
  /** Requests to the API route. */
  apiRequests(): FakeRequest[];
}

export interface FakeAcmeOptions extends FakeOAuthProviderOptions {
  /** Called as each API request arrives, before it is answered (e.g. to read the secrets file then). */
  onApi?: (request: FakeRequest, authorized: boolean) => void;
}

/** Start Acme on 127.0.0.1. */
export async function startFakeAcme(options: FakeAcmeOptions = {}): Promise<FakeAcme> {
  let provider: FakeOAuthProvider | undefined;
  const started = await startFakeOAuthProvider({
    ...options,
    routes: {
      ...options.routes,
      'GET /v1/days': (request) => {
        const authorized = provider?.authorized(request) ?? false;
        options.onApi?.(request, authorized);
        if (!authorized) {
          return {
            status: 401,
            headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
            json: { error: 'invalid_token' },
          };
        }
        const dates = eachDate(request.query.start ?? '', request.query.end ?? '');
        return { json: { days: dates.map((date) => ({ date, value: acmeValue(date) })) } };
      },
    },
  });
  provider = started;
  return Object.assign(started, {
    apiRootUrl: `${started.url}/`,
    apiRequests: () => started.requests.filter((r) => r.path === '/v1/days'),
  });
}

/** The config of an Acme entry. */
export interface AcmeConfig {
  apiRootUrl: string;
  authUrl?: string;
  tokenUrl?: string;
  dataType?: 'steps' | 'sleep';
}

/** The config schema of the Acme plugin. */
export const ACME_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    apiRootUrl: { type: 'string' },
    authUrl: { type: 'string' },
    tokenUrl: { type: 'string' },
    dataType: { type: 'string', enum: ['steps', 'sleep'], default: 'steps' },
  },
  required: ['apiRootUrl'],
  additionalProperties: false,
} as const;

/** The Acme plugin's `oauth` field: the real endpoints would be acme.example's. */
export function acmeOAuth(extra: Partial<PluginOAuth<AcmeConfig>> = {}): PluginOAuth<AcmeConfig> {
  return {
    provider: 'Acme',
    authUrl: 'https://acme.example/oauth/authorize',
    tokenUrl: 'https://acme.example/oauth/token',
    scopes: (config) => [ACME_SCOPES[config.dataType ?? 'steps']],
    ...extra,
  };
}

/** The Acme plugin, as a third party would write it: `ctx.oauth.fetch`, a 401 left → reconnect. */
export function acmePlugin(extra: Partial<PluginOAuth<AcmeConfig>> = {}, id = 'acme'): PluginDefinition<AcmeConfig> {
  return definePlugin<AcmeConfig>({
    id,
    apiVersion: 1,
    metric: { type: id.replace(/-/g, '_'), unit: 'count' },
    secrets: { namespace: 'acme' },
    configSchema: ACME_CONFIG_SCHEMA as unknown as Record<string, unknown>,
    maxDaysPerFetch: 90,
    oauth: acmeOAuth(extra),
    async fetch(ctx) {
      const url = new URL(`v1/days?start=${ctx.window.start}&end=${ctx.window.end}`, ctx.config.apiRootUrl);
      const response = await ctx.oauth!.fetch(url);
      if (response.status === 401) {
        throw new ReconnectRequiredError(`[life-stats] [plugin:${id}] Acme refused the access token`);
      }
      if (!response.ok) throw new Error(`[life-stats] [plugin:${id}] Acme answered HTTP ${response.status}`);
      return ((await response.json()) as { days: { date: string; value: number }[] }).days;
    },
  });
}

/**
 * The same plugin as an ES module file with no imports (a temp project cannot resolve packages),
 * for configs that `use` it by path.
 */
export const ACME_PLUGIN_MODULE = `
const SCOPES = ${JSON.stringify(ACME_SCOPES)};
export default {
  id: 'acme',
  apiVersion: 1,
  metric: { type: 'acme', unit: 'count' },
  secrets: { namespace: 'acme' },
  configSchema: ${JSON.stringify(ACME_CONFIG_SCHEMA)},
  maxDaysPerFetch: 90,
  oauth: {
    provider: 'Acme',
    authUrl: 'https://acme.example/oauth/authorize',
    tokenUrl: 'https://acme.example/oauth/token',
    scopes: (config) => [SCOPES[config.dataType ?? 'steps']],
  },
  async fetch(ctx) {
    const url = new URL('v1/days?start=' + ctx.window.start + '&end=' + ctx.window.end, ctx.config.apiRootUrl);
    const response = await ctx.oauth.fetch(url);
    if (!response.ok) throw new Error('Acme answered HTTP ' + response.status);
    return (await response.json()).days;
  },
  async check(ctx) {
    await ctx.oauth.accessToken({ forceRefresh: true });
  },
};
`;
