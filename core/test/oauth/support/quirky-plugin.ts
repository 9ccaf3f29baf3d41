import { afterEach, beforeEach } from 'vitest';
import { tokenCache } from '../../../src/oauth/token-cache.js';
import { definePlugin } from '../../../src/plugins/define-plugin.js';
import type { PluginOAuth } from '../../../src/plugins/types.js';
import {
  type FakeOAuthProvider,
  type FakeOAuthProviderOptions,
  startFakeOAuthProvider,
} from '../../../src/testing/fake-oauth-provider.js';
import { createTestContext } from '../../../src/testing/test-context.js';

/** The refresh token the fake provider knows. */
export const REFRESH = 'quirky-refresh-token';

/**
 * One plugin `quirky` whose manifest declares `oauth` against the kit's fake provider, and the
 * `ctx` a run gives it (`createTestContext`): the rig of the OAuth tests that talk to a token
 * endpoint. Registers its own hooks: a fresh token cache before each test, the provider closed after.
 */
export function useQuirkyProvider() {
  let provider: FakeOAuthProvider | undefined;
  beforeEach(() => tokenCache.clear());
  afterEach(async () => {
    await provider?.close();
    provider = undefined;
  });

  return {
    async start(options: FakeOAuthProviderOptions): Promise<FakeOAuthProvider> {
      provider = await startFakeOAuthProvider({ grants: { [REFRESH]: undefined }, ...options });
      return provider;
    },
    context(
      p: FakeOAuthProvider,
      oauth: Omit<PluginOAuth, 'authUrl' | 'tokenUrl' | 'provider' | 'scopes'>,
      token = REFRESH,
    ) {
      const plugin = definePlugin({
        id: 'quirky',
        apiVersion: 1,
        metric: { type: 'quirky' },
        oauth: { provider: 'Quirky', authUrl: p.authUrl, tokenUrl: p.tokenUrl, scopes: ['read'], ...oauth },
        async fetch() {
          return [];
        },
      });
      return createTestContext({
        plugin,
        user: { id: 'ann', timezone: 'UTC' },
        secrets: { client_id: p.clientId, client_secret: p.clientSecret, token },
      });
    },
  };
}
