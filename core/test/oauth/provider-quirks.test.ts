import { rejection } from '@life-stats/testing/assertions';
import { describe, expect, it } from 'vitest';
import { definePlugin } from '../../src/plugins/define-plugin.js';
import type { OAuthAdapter } from '../../src/plugins/types.js';
import { classifyError } from '../../src/run/classify-error.js';
import type { FakeOAuthProviderOptions } from '../../src/testing/fake-oauth-provider.js';
import { createTestContext } from '../../src/testing/test-context.js';
import { REFRESH, useQuirkyProvider } from './support/quirky-plugin.js';

/**
 * Providers that depart from RFC 6749, adapted in the plugin's manifest as the Strava and Withings
 * plugins will: through the kit's `createTestContext` (the `ctx.oauth` a run gets) against the
 * kit's fake provider shaped like each one.
 */
const { start, context } = useQuirkyProvider();

/**
 * Strava (developers.strava.com/docs/authentication): a refused refresh token is HTTP 400
 * `{ message: 'Bad Request', errors: [{ resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }] }`,
 * a wrong client 401 with `resource: 'Application'`.
 */
const stravaErrors: FakeOAuthProviderOptions['errorShape'] = (e) =>
  e.error === 'invalid_grant'
    ? {
        status: 400,
        json: {
          message: 'Bad Request',
          errors: [{ resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }],
        },
      }
    : e.error === 'invalid_client'
      ? {
          status: 401,
          json: {
            message: 'Authorization Error',
            errors: [{ resource: 'Application', field: 'client_id', code: 'invalid' }],
          },
        }
      : { status: e.status, json: { message: e.description, errors: [] } };

const stravaAdapter: OAuthAdapter = {
  tokenResponse({ status, body }) {
    const errors = (body as { errors?: { resource?: string; code?: string }[] } | null)?.errors;
    if (status < 400 || !Array.isArray(errors)) return undefined;
    const resource = errors[0]?.resource;
    const error =
      resource === 'RefreshToken' || resource === 'AuthorizationCode'
        ? 'invalid_grant'
        : resource === 'Application'
          ? 'invalid_client'
          : 'invalid_request';
    return { status: 400, body: { error, error_description: `${resource} ${errors[0]?.code}` } };
  },
};

/**
 * Withings (developer.withings.com, "requesttoken"): `action=requesttoken` in every token request,
 * every answer HTTP 200 `{ status, body }` — `status: 0` with the tokens in `body`, else an error
 * status (503 "Invalid Params: invalid refresh_token", 601 too many requests); the API says 401 in
 * its body too.
 */
const withingsShape: Pick<FakeOAuthProviderOptions, 'tokenShape' | 'errorShape' | 'requireTokenParams'> = {
  requireTokenParams: { action: 'requesttoken' },
  tokenShape: (body) => ({ json: { status: 0, body: { userid: '363', ...body } } }),
  errorShape: (e) => ({
    status: 200,
    json: {
      status: 503,
      body: {},
      error: e.error === 'invalid_grant' ? 'Invalid Params: invalid refresh_token' : `Invalid Params: ${e.description}`,
    },
  }),
};

const withingsOAuth = {
  scopeSeparator: ',',
  pkce: false,
  tokenParams: { action: 'requesttoken' },
  adapter: {
    tokenResponse({ body }) {
      const answer = body as { status?: number; body?: Record<string, unknown>; error?: string };
      if (answer.status === 0) return { status: 200, body: answer.body };
      if (answer.status === 601)
        return { status: 429, body: { error: 'temporarily_unavailable', error_description: answer.error } };
      const revoked = /refresh_token|invalid_token|authentication failed/i.test(answer.error ?? '');
      return {
        status: 400,
        body: {
          error: revoked ? 'invalid_grant' : 'invalid_request',
          error_description: `${answer.status}: ${answer.error}`,
        },
      };
    },
    async isUnauthorized(response) {
      if (response.status === 401) return true;
      const body = (await response
        .clone()
        .json()
        .catch(() => ({}))) as { status?: number };
      return body.status === 401;
    },
  } satisfies OAuthAdapter,
};

describe('Strava-shaped token errors, read by the plugin’s adapter', () => {
  it('a refused refresh token is `reconnect` with the auth command', async () => {
    const p = await start({ errorShape: stravaErrors, pkce: false, scopeSeparator: ',' });
    p.revoke(REFRESH);
    const error = await rejection(context(p, { adapter: stravaAdapter, scopeSeparator: ',' }).ctx.oauth!.accessToken());
    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain('invalid_grant: RefreshToken invalid');
    expect(error.message).toContain('life-stats auth quirky --user ann');
  });

  it('a wrong client names the client secrets, and is not retried', async () => {
    const p = await start({ errorShape: stravaErrors });
    const { ctx } = createTestContext({
      plugin: definePlugin({
        id: 'quirky',
        apiVersion: 1,
        metric: { type: 'quirky' },
        oauth: {
          provider: 'Strava',
          authUrl: p.authUrl,
          tokenUrl: p.tokenUrl,
          scopes: ['read'],
          adapter: stravaAdapter,
        },
        fetch: async () => [],
      }),
      user: { id: 'ann', timezone: 'UTC' },
      secrets: { client_id: p.clientId, client_secret: 'not-the-client-secret', token: REFRESH },
    });
    const error = await rejection(ctx.oauth!.accessToken());
    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(classifyError(error)).toBe('fatal');
    expect(error.message).toContain('Strava does not know the OAuth client (invalid_client');
    expect(error.message).toContain('"client_id" and "client_secret" of namespace "quirky"');
    expect(error.message).not.toContain('not-the-client-secret');
  });

  it('without the adapter the same answer fails the pair with the HTTP status: the adapter is what makes it `reconnect`', async () => {
    const p = await start({ errorShape: stravaErrors });
    p.revoke(REFRESH);
    const error = await rejection(context(p, {}).ctx.oauth!.accessToken());
    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(error.message).toContain("Quirky's token endpoint answered HTTP 400");
  });
});

describe('Withings-shaped token endpoint, unwrapped by the plugin’s adapter', () => {
  it('refreshes with action=requesttoken, reads the wrapped tokens, and writes the rotated one back', async () => {
    const p = await start({ ...withingsShape, rotate: true });
    const { ctx, secretWrites } = context(p, withingsOAuth);
    const token = await ctx.oauth!.accessToken();
    expect(p.accessTokens.has(token)).toBe(true);
    expect(p.requestsTo('token')[0]?.form).toMatchObject({ action: 'requesttoken', grant_type: 'refresh_token' });
    expect(secretWrites).toEqual([{ name: 'token', value: p.liveRefreshTokens()[0] }]);
  });

  it('a status 503 "invalid refresh_token" in HTTP 200 is `reconnect`; status 601 is retried', async () => {
    const p = await start(withingsShape);
    p.revoke(REFRESH);
    const revoked = await rejection(context(p, withingsOAuth).ctx.oauth!.accessToken());
    expect(revoked.code).toBe('E_RECONNECT_REQUIRED');
    expect(revoked.message).toContain('503: Invalid Params: invalid refresh_token');

    p.inject('token', {
      status: 200,
      json: { status: 601, body: {}, error: 'Too Many Requests' },
      headers: { 'retry-after': '3' },
    });
    p.addGrant(REFRESH);
    const limited = await rejection(context(p, withingsOAuth).ctx.oauth!.accessToken());
    expect(limited.code).toBe('E_RETRYABLE');
    expect(limited.retryAfterMs).toBe(3000);
  });

  it('an API answer that says 401 in its body gets a new access token once (isUnauthorized)', async () => {
    let calls = 0;
    const p = await start({
      ...withingsShape,
      routes: {
        'POST /measure': (request) => {
          calls++;
          return {
            json: p.authorized(request)
              ? { status: 0, body: { measuregrps: [] } }
              : { status: 401, body: {}, error: 'XRequestID: Not provided invalid_token' },
          };
        },
      },
    });
    const first = context(p, withingsOAuth);
    const cached = await first.ctx.oauth!.accessToken();
    p.expireAccessTokens();
    const { ctx } = context(p, withingsOAuth);
    const response = await ctx.oauth!.fetch(`${p.url}/measure`, {
      method: 'POST',
      body: new URLSearchParams({ action: 'getmeas' }),
    });
    expect(await response.json()).toEqual({ status: 0, body: { measuregrps: [] } });
    expect(calls).toBe(2);
    expect(p.requestsTo('token')).toHaveLength(2);
    const auth = p.requests.filter((r) => r.path === '/measure').map((r) => r.headers.authorization);
    expect(auth[0]).toBe(`Bearer ${cached}`);
    expect(auth[1]).not.toBe(`Bearer ${cached}`);
  });
});
