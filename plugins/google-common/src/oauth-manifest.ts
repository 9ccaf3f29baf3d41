import type { PluginOAuth } from '@life-stats/core/plugin';
import { GOOGLE_AUTH_URL, GOOGLE_TOKEN_URL } from './google-config.js';

/**
 * The `oauth` manifest field of a Google plugin (the plugin contract's `PluginOAuth`): Google's
 * consent page and token endpoint, the entry's `tokenUrl` overriding the latter.
 */
export type OAuthManifest = PluginOAuth;

/** Secret names shared by every Google plugin (DESIGN.md "Secrets"). */
export const GOOGLE_SECRET_NAMES = Object.freeze({
  clientId: 'client_id',
  clientSecret: 'client_secret',
  refreshToken: 'token',
} as const);

/**
 * The `oauth` field of a Google plugin that needs `scopes` (a list, or a function of the entry's
 * config for a plugin whose data types need different scopes).
 *
 * `access_type=offline` makes Google issue a refresh token, and `prompt=consent` makes it issue one
 * again on a second consent of the same account (without it, only the first consent gets one).
 */
export function googleOAuthManifest<Config = Record<string, unknown>>(
  scopes: readonly string[] | ((config: Config) => readonly string[]),
): PluginOAuth<Config> {
  return {
    provider: 'Google',
    authUrl: GOOGLE_AUTH_URL,
    tokenUrl: GOOGLE_TOKEN_URL,
    // The Google plugins' config has `tokenUrl` (a contract) but no `authUrl`.
    configKeys: { tokenUrl: 'tokenUrl', authUrl: false },
    scopes: typeof scopes === 'function' ? scopes : [...scopes],
    authParams: { access_type: 'offline', prompt: 'consent' },
    permissionsUrl: 'https://myaccount.google.com/permissions',
    secrets: { ...GOOGLE_SECRET_NAMES },
  };
}
