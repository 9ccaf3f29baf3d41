import { acmePlugin, type FakeAcme, startFakeAcme } from '@life-stats/testing/fake-acme';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenCache } from '../../src/oauth/token-cache.js';
import { createPluginChecks, describePlugin } from '../../src/testing/describe-plugin.js';

/**
 * A third-party OAuth plugin runs the kit's conformance suite in one line against the kit's fake
 * OAuth provider: ctx.oauth refreshes for real, an abort mid-refresh rejects at once, and the OAuth
 * secrets count as declared.
 */
describePlugin(acmePlugin(), {
  server: () => startFakeAcme({ grants: { 'kit-refresh-token': undefined }, rotate: true }),
  config: (url) => ({ apiRootUrl: `${url}/`, authUrl: `${url}/oauth/authorize`, tokenUrl: `${url}/oauth/token` }),
  secrets: { client_id: 'fake-client-id', client_secret: 'fake-client-secret', token: 'kit-refresh-token' },
});

/** Acme with a `check()` that proves the refresh token itself, as first-party OAuth plugins do. */
const checking = {
  ...acmePlugin(),
  async check(ctx: Parameters<NonNullable<ReturnType<typeof acmePlugin>['check']>>[0]) {
    await ctx.oauth?.accessToken({ forceRefresh: true });
  },
};

describe('describePlugin with a provider that rotates refresh tokens', () => {
  let provider: FakeAcme | undefined;
  afterEach(() => {
    tokenCache.clear();
  });

  it('keeps the rotated token between its cases, so check() refreshes with the live one', async () => {
    const checks = createPluginChecks(checking, {
      server: async () => {
        provider = await startFakeAcme({ grants: { 'kit-rotating-token': undefined }, rotate: true });
        return provider;
      },
      config: (url) => ({ apiRootUrl: `${url}/`, authUrl: `${url}/oauth/authorize`, tokenUrl: `${url}/oauth/token` }),
      secrets: { client_id: 'fake-client-id', client_secret: 'fake-client-secret', token: 'kit-rotating-token' },
    });
    await checks.setup();
    try {
      await checks.fetch();
      await checks.secrets();
      await checks.check();
      // fetch, the secrets case's check and check() each refreshed: three rotations, each from the live token.
      const refreshes = provider?.requestsTo('token').map((r) => r.form?.refresh_token) ?? [];
      expect(refreshes).toHaveLength(3);
      expect(refreshes[0]).toBe('kit-rotating-token');
      expect(new Set(refreshes).size).toBe(3);
      expect(provider?.liveRefreshTokens()).toHaveLength(1);
    } finally {
      await checks.teardown();
    }
  });
});
