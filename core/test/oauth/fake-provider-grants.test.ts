import { afterEach, describe, expect, it } from 'vitest';
import { type FakeOAuthProvider, startFakeOAuthProvider } from '../../src/testing/fake-oauth-provider.js';
import type { FakeRequest } from '../../src/testing/fake-server.js';

/**
 * The kit's fake provider names the grant behind a bearer token (`grantOf`), so a provider's API
 * routes can serve each user their own data: by the grant's first refresh token, across rotations,
 * for grants made by a consent too, and never for an expired or unknown token.
 */
let provider: FakeOAuthProvider;
afterEach(() => provider?.close());

const asRequest = (accessToken: string): FakeRequest => ({
  method: 'GET',
  path: '/v1/me',
  query: {},
  headers: { authorization: `Bearer ${accessToken}` },
  body: '',
});

async function refresh(refreshToken: string): Promise<{ access_token: string; refresh_token?: string }> {
  const response = await fetch(provider.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
    }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; refresh_token?: string };
}

describe('startFakeOAuthProvider grantOf', () => {
  it('names the grant of each user by its first refresh token, also after rotations', async () => {
    provider = await startFakeOAuthProvider({
      grants: { 'alice-first': undefined, 'bob-first': undefined },
      rotate: true,
    });
    const alice1 = await refresh('alice-first');
    const bob = await refresh('bob-first');
    const alice2 = await refresh(alice1.refresh_token ?? '');
    expect(alice2.refresh_token).not.toBe(alice1.refresh_token);

    expect(provider.grantOf(asRequest(alice1.access_token))).toBe('alice-first');
    expect(provider.grantOf(asRequest(alice2.access_token))).toBe('alice-first');
    expect(provider.grantOf(asRequest(bob.access_token))).toBe('bob-first');
    expect(provider.grantOf(asRequest('not-issued'))).toBeUndefined();
    expect(provider.grantOf({ ...asRequest('x'), headers: {} })).toBeUndefined();

    provider.expireAccessTokens();
    expect(provider.grantOf(asRequest(alice2.access_token))).toBeUndefined();
  });

  it('names a grant made by a consent by the refresh token its code exchange issued', async () => {
    provider = await startFakeOAuthProvider({ pkce: false });
    const redirect = 'http://127.0.0.1:9/callback';
    const consent = await fetch(
      `${provider.authUrl}?${new URLSearchParams({ client_id: provider.clientId, redirect_uri: redirect, response_type: 'code', state: 's' })}`,
      { redirect: 'manual' },
    );
    const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const exchanged = await fetch(provider.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirect,
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
      }),
    });
    const tokens = (await exchanged.json()) as { access_token: string; refresh_token: string };
    expect(provider.grantOf(asRequest(tokens.access_token))).toBe(tokens.refresh_token);
    const refreshed = await refresh(tokens.refresh_token);
    expect(provider.grantOf(asRequest(refreshed.access_token))).toBe(tokens.refresh_token);
  });
});
