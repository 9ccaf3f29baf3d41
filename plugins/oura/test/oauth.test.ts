import {
  completeConsent,
  entryScopes,
  type PluginDefinition,
  type PluginOAuth,
  resolveOAuthSettings,
  startConsent,
} from '@life-stats/core';
import { createTestContext } from '@life-stats/core/testing';
import { expectNoSecret, rejection, visibleText } from '@life-stats/testing/assertions';
import type { FakeOura } from '@life-stats/testing/fake-oura';
import { afterEach, describe, expect, it } from 'vitest';
import plugin, { DATA_TYPE_NAMES, type OuraConfig, ouraTokenResponse } from '../src/index.js';
import { EXPECTED, ouraConfig, ouraContext, REFRESH, secretsOf, startSampleOura } from './support.js';

/**
 * Oura's OAuth through core: the consent asks for `daily` only, a single-use refresh token is
 * replaced on every refresh and the new one stored before the API is called, and Oura's
 * `extapi:`-prefixed scopes are read bare (without the adapter, every refresh would look like a
 * grant missing `daily`).
 */
let oura: FakeOura;
afterEach(() => oura?.close());

describe('oura OAuth', () => {
  it('asks each data type for the daily scope, and nothing else', () => {
    for (const dataType of DATA_TYPE_NAMES) {
      expect(entryScopes(plugin.oauth as PluginOAuth, { dataType }), dataType).toEqual(['daily']);
    }
    const settings = resolveOAuthSettings(plugin, {});
    expect([settings.authUrl, settings.tokenUrl, settings.scopeSeparator, settings.clientAuth]).toEqual([
      'https://cloud.ouraring.com/oauth/authorize',
      'https://api.ouraring.com/oauth/token',
      ' ',
      'client_secret_post',
    ]);
    expect(settings.secrets).toEqual({ clientId: 'client_id', clientSecret: 'client_secret', refreshToken: 'token' });
  });

  it('stores the refresh token Oura replaces on every refresh; the old one is dead at Oura', async () => {
    oura = await startSampleOura();
    const { ctx, secretWrites, logs } = ouraContext(oura, 'sleep');
    expect(await plugin.fetch(ctx)).toEqual(EXPECTED.sleep);

    const [rotated] = oura.liveRefreshTokens();
    expect(rotated).not.toBe(REFRESH);
    expect(secretWrites).toEqual([{ name: 'token', value: rotated }]);
    // The old token is dead at Oura: only the stored one works from now on.
    const stale = ouraContext(oura, 'sleep');
    expect((await rejection(stale.ctx.oauth?.accessToken({ forceRefresh: true }) ?? Promise.resolve())).code).toBe(
      'E_RECONNECT_REQUIRED',
    );
    expect(oura.requestsTo('token').at(-1)?.form?.refresh_token).toBe(REFRESH);
    const next = ouraContext(oura, 'steps', { secrets: { token: rotated as string } });
    await next.ctx.oauth?.accessToken({ forceRefresh: true });
    expect(next.secretWrites).toHaveLength(1);
    expect(oura.liveRefreshTokens()).toEqual([next.secretWrites[0]?.value]);
    expectNoSecret(visibleText(undefined, [...logs, ...next.logs]), secretsOf(oura));
  });

  it("reads Oura's extapi: scopes bare; without the adapter the same grant would look like it lacked daily", async () => {
    oura = await startSampleOura();
    await plugin.fetch(ouraContext(oura, 'steps').ctx);
    const granted = await fetch(oura.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: oura.liveRefreshTokens()[0] ?? '',
        client_id: oura.clientId,
        client_secret: oura.clientSecret,
      }),
    }).then((r) => r.json() as Promise<{ scope?: string }>);
    expect(granted.scope).toBe('extapi:daily');

    await oura.close();
    oura = await startSampleOura();
    const bare = { ...plugin, oauth: { ...(plugin.oauth as PluginOAuth<OuraConfig>), adapter: {} } };
    const { ctx } = createTestContext({
      plugin: bare as PluginDefinition<OuraConfig>,
      config: ouraConfig(oura, 'steps'),
      secrets: { client_id: oura.clientId, client_secret: oura.clientSecret, token: REFRESH },
      window: { start: '2026-11-18', end: '2026-11-25' },
    });
    const error = await rejection(bare.fetch(ctx));
    expect(error.code).toBe('E_RECONNECT_REQUIRED');
    expect(error.message).toContain('daily');
  });

  it('a consent asks for daily with a PKCE challenge, and its extapi: answer is a grant of daily', async () => {
    oura = await startSampleOura();
    const config = ouraConfig(oura, 'resting-heart-rate');
    const settings = resolveOAuthSettings(plugin, config);
    const redirectUri = 'http://127.0.0.1:53682/oauth2callback';
    const started = await startConsent({ settings, clientId: oura.clientId, redirectUri, scopes: ['daily'] });
    const consent = new URL(started.url);
    expect(consent.origin + consent.pathname).toBe(oura.authUrl);
    expect(Object.fromEntries(consent.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: oura.clientId,
      redirect_uri: redirectUri,
      scope: 'daily',
      code_challenge_method: 'S256',
    });

    const redirect = await fetch(started.url, { redirect: 'manual' });
    const callback = new URL(redirect.headers.get('location') ?? '').searchParams;
    const result = await completeConsent({
      settings,
      client: { clientId: oura.clientId, clientSecret: oura.clientSecret },
      redirectUri,
      scopes: ['daily'],
      callback,
      state: started.state,
      codeVerifier: started.codeVerifier,
      signal: AbortSignal.timeout(5000),
    });
    expect(oura.liveRefreshTokens()).toContain(result.refreshToken);
    const exchange = oura.requestsTo('token').at(-1);
    expect(exchange?.form).toMatchObject({ grant_type: 'authorization_code', code_verifier: started.codeVerifier });

    // The new grant reads data at once.
    const { ctx } = ouraContext(oura, 'resting-heart-rate', { secrets: { token: result.refreshToken } });
    expect(await plugin.fetch(ctx)).toEqual(EXPECTED['resting-heart-rate']);
  });

  it("rewrites only Oura's departures from RFC 6749", () => {
    const headers = new Headers();
    expect(
      ouraTokenResponse({ status: 200, body: { access_token: 'a', scope: 'extapi:daily extapi:personal' }, headers }),
    ).toEqual({
      status: 200,
      body: { access_token: 'a', scope: 'daily personal' },
    });
    expect(ouraTokenResponse({ status: 200, body: { access_token: 'a', scope: 'daily' }, headers })).toBeUndefined();
    expect(
      ouraTokenResponse({
        status: 400,
        body: { status: 400, title: 'invalid_grant', error: 'invalid_grant' },
        headers,
      }),
    ).toBeUndefined();
    expect(
      ouraTokenResponse({
        status: 401,
        body: { status: 401, title: 'Token Already Used Or Revoked', detail: 'Refresh tokens can only be used once.' },
        headers,
      }),
    ).toEqual({
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: 'Token Already Used Or Revoked: Refresh tokens can only be used once.',
      },
    });
    expect(
      ouraTokenResponse({ status: 500, body: { status: 500, title: 'Internal Server Error' }, headers }),
    ).toBeUndefined();
  });
});
