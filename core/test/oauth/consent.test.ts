import { createHash } from 'node:crypto';
import { expectNoSecret, rejection } from '@life-stats/testing/assertions';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/log/redact.js';
import { completeConsent, startConsent } from '../../src/oauth/consent.js';
import { resolveOAuthSettings } from '../../src/oauth/settings.js';
import type { PluginOAuth } from '../../src/plugins/types.js';
import {
  type FakeOAuthProvider,
  type FakeOAuthProviderOptions,
  startFakeOAuthProvider,
} from '../../src/testing/fake-oauth-provider.js';

/**
 * The consent in two steps with no server of its own — what a function URL's `/start` and
 * `/callback` (connect links) build on: the URL with state and PKCE, then the callback checked and
 * the code exchanged. The test plays the browser: it opens the URL at the kit's fake provider and
 * reads the redirect it answers, without following it.
 */
const REDIRECT = 'https://connect.example/callback';
let provider: FakeOAuthProvider | undefined;
afterEach(async () => {
  await provider?.close();
  provider = undefined;
});

async function setup(options: FakeOAuthProviderOptions = {}, oauth: Partial<PluginOAuth> = {}) {
  provider = await startFakeOAuthProvider(options);
  const p = provider;
  const settings = resolveOAuthSettings({
    id: 'acme',
    oauth: { provider: 'Acme', authUrl: p.authUrl, tokenUrl: p.tokenUrl, scopes: ['daily'], ...oauth },
  });
  const client = { clientId: p.clientId, clientSecret: p.clientSecret };
  /** Open the consent page and return the query it redirects back with. */
  const browse = async (url: string): Promise<URLSearchParams> => {
    const response = await fetch(url, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (!location) throw new Error(`the consent page answered ${response.status}: ${await response.text()}`);
    expect(location.startsWith(`${REDIRECT}?`)).toBe(true);
    return new URL(location).searchParams;
  };
  return { p, settings, client, browse };
}

describe('startConsent + completeConsent', () => {
  it('builds a consent URL with state, PKCE S256 and the extra parameters, and exchanges the code', async () => {
    const { p, settings, client, browse } = await setup(
      {},
      { authParams: { access_type: 'offline', prompt: 'consent' } },
    );
    const started = await startConsent({
      settings,
      clientId: client.clientId,
      redirectUri: REDIRECT,
      scopes: ['daily', 'sleep'],
    });
    const q = Object.fromEntries(new URL(started.url).searchParams);
    expect(q).toEqual({
      access_type: 'offline',
      prompt: 'consent',
      client_id: p.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'daily sleep',
      state: started.state,
      code_challenge: createHash('sha256')
        .update(started.codeVerifier ?? '')
        .digest('base64url'),
      code_challenge_method: 'S256',
    });
    expect(started.state).toMatch(/^[\w-]{22,}$/);

    const redactor = createRedactor();
    const callback = await browse(started.url);
    const result = await completeConsent({
      settings,
      client,
      redirectUri: REDIRECT,
      scopes: ['daily', 'sleep'],
      callback,
      state: started.state,
      codeVerifier: started.codeVerifier,
      signal: AbortSignal.timeout(5000),
      redactor,
    });
    expect(p.liveRefreshTokens()).toContain(result.refreshToken);
    expect(result.scopes).toEqual(['daily', 'sleep']);
    expect(p.requestsTo('token')[0]?.form).toMatchObject({
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code_verifier: started.codeVerifier,
    });
    // Everything secret was handed to the redactor.
    const secrets = [
      result.refreshToken,
      started.codeVerifier,
      callback.get('code') ?? undefined,
      p.clientSecret,
      ...p.accessTokens,
    ];
    expect(redactor.redact(secrets.join(' '))).not.toMatch(/[A-Za-z0-9]{12,}/);
  });

  it('a provider without PKCE and with comma-separated scopes (Strava) gets neither challenge nor verifier', async () => {
    const { p, settings, client, browse } = await setup(
      { pkce: false, scopeSeparator: ',' },
      { pkce: false, scopeSeparator: ',' },
    );
    const started = await startConsent({
      settings,
      clientId: client.clientId,
      redirectUri: REDIRECT,
      scopes: ['read', 'activity:read_all'],
    });
    const q = new URL(started.url).searchParams;
    expect(q.get('scope')).toBe('read,activity:read_all');
    expect(q.has('code_challenge')).toBe(false);
    expect(started.codeVerifier).toBeUndefined();
    const result = await completeConsent({
      settings,
      client,
      redirectUri: REDIRECT,
      scopes: ['read', 'activity:read_all'],
      callback: await browse(started.url),
      state: started.state,
      codeVerifier: undefined,
      signal: AbortSignal.timeout(5000),
    });
    expect(result.scopes).toEqual(['read', 'activity:read_all']);
    expect(p.requestsTo('token')[0]?.form?.code_verifier).toBeUndefined();
  });

  it('reads granted scopes from the callback when the token answer has none, and refuses a grant missing one', async () => {
    const { p, settings, client, browse } = await setup({ reportScope: false }, {});
    p.grantOnly(['daily']);
    const started = await startConsent({
      settings,
      clientId: client.clientId,
      redirectUri: REDIRECT,
      scopes: ['daily', 'sleep'],
    });
    const callback = await browse(started.url);
    // What Strava does: the accepted scopes come back on the redirect.
    callback.set('scope', 'daily');
    const error = await rejection(
      completeConsent({
        settings,
        client,
        redirectUri: REDIRECT,
        scopes: ['daily', 'sleep'],
        callback,
        state: started.state,
        codeVerifier: started.codeVerifier,
        signal: AbortSignal.timeout(5000),
      }),
    );
    expect(error.code).toBe('E_AUTH');
    expect(error.message).toContain('Acme granted access without sleep');
    expect(error.hint).toContain('leave every requested permission ticked');
  });

  it('refuses a callback with another state, and a reused code; reveals no secret', async () => {
    const { p, settings, client, browse } = await setup();
    const started = await startConsent({
      settings,
      clientId: client.clientId,
      redirectUri: REDIRECT,
      scopes: ['daily'],
    });
    const callback = await browse(started.url);
    const options = {
      settings,
      client,
      redirectUri: REDIRECT,
      scopes: ['daily'],
      codeVerifier: started.codeVerifier,
      signal: AbortSignal.timeout(5000),
    };
    const forged = await rejection(completeConsent({ ...options, callback, state: 'another-state-value' }));
    expect(forged.code).toBe('E_AUTH');
    expect(forged.message).toContain('does not carry the state of this request');
    expect(p.requestsTo('token')).toHaveLength(0);

    await completeConsent({ ...options, callback, state: started.state });
    const reused = await rejection(completeConsent({ ...options, callback, state: started.state }));
    expect(reused.code).toBe('E_AUTH');
    expect(reused.message).toContain('the token endpoint refused the authorization code (invalid_grant');
    expect(reused.hint).toContain('the code can be used only once');
    expectNoSecret(`${forged.message}${reused.message}${reused.hint}`, [
      callback.get('code') ?? undefined,
      started.codeVerifier,
      p.clientSecret,
    ]);
  });

  it('says where to remove the app when the provider sends no refresh token', async () => {
    const { p, settings, client, browse } = await setup({}, { permissionsUrl: 'https://acme.example/settings/apps' });
    p.omitRefreshTokenOnExchange();
    const started = await startConsent({
      settings,
      clientId: client.clientId,
      redirectUri: REDIRECT,
      scopes: ['daily'],
    });
    const error = await rejection(
      completeConsent({
        settings,
        client,
        redirectUri: REDIRECT,
        scopes: ['daily'],
        callback: await browse(started.url),
        state: started.state,
        codeVerifier: started.codeVerifier,
        signal: AbortSignal.timeout(5000),
      }),
    );
    expect(error.message).toContain('Acme answered without a refresh token');
    expect(error.hint).toContain('https://acme.example/settings/apps');
  });
});
