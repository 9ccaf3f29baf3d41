import { GOOGLE_AUTH_URL, GOOGLE_TOKEN_URL } from './google-config.js';

/**
 * What `life-stats auth <plugin>` needs to know to get a user's consent for a plugin: an optional
 * manifest field (`oauth`) of plugins that authenticate with OAuth 2.0.
 *
 * The CLI reads the OAuth client from the plugin's shared secrets, runs the installed-app loopback
 * flow against `authUrl` and the token endpoint (the entry's `config[tokenUrlConfigKey]`, else
 * `tokenUrl`), and stores the refresh token as the user secret `secrets.refreshToken`.
 */
export interface OAuthManifest {
  /** Who issues the tokens. */
  provider: 'google';
  /** The consent page. */
  authUrl: string;
  /** The default token endpoint. */
  tokenUrl: string;
  /** The entry config key that overrides `tokenUrl` (a proxy or a local fake). */
  tokenUrlConfigKey: string;
  /** The scopes the plugin's requests need. */
  scopes: readonly string[];
  /** Secret names, in the plugin's namespace. */
  secrets: {
    /** Shared secret holding the OAuth client id. */
    clientId: string;
    /** Shared secret holding the OAuth client secret. */
    clientSecret: string;
    /** User secret the CLI writes the refresh token to. */
    refreshToken: string;
  };
}

/** Secret names shared by every Google plugin (DESIGN.md "Secrets"). */
export const GOOGLE_SECRET_NAMES = Object.freeze({
  clientId: 'client_id',
  clientSecret: 'client_secret',
  refreshToken: 'token',
} as const);

/** The `oauth` manifest field of a Google plugin that needs `scopes`. */
export function googleOAuthManifest(scopes: readonly string[]): OAuthManifest {
  return {
    provider: 'google',
    authUrl: GOOGLE_AUTH_URL,
    tokenUrl: GOOGLE_TOKEN_URL,
    tokenUrlConfigKey: 'tokenUrl',
    scopes: [...scopes],
    secrets: { ...GOOGLE_SECRET_NAMES },
  };
}
