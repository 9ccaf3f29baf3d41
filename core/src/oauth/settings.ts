import { LifeStatsError } from '../errors.js';
import type { OAuthAdapter, OAuthClientAuth, OAuthSecretNames, PluginOAuth } from './types.js';

/**
 * A manifest's `oauth` field with its defaults applied and the entry's config overrides read: what
 * the consent, the code exchange and the refresh of one entry use.
 */
export interface OAuthSettings {
  pluginId: string;
  /** The plugin's secrets namespace (where the client and the user's refresh token live). */
  namespace: string;
  provider: string;
  /** The consent page: the entry's override, else the manifest's. */
  authUrl: string;
  /** The token endpoint: the entry's override, else the manifest's. */
  tokenUrl: string;
  scopeSeparator: string;
  pkce: boolean;
  clientAuth: OAuthClientAuth;
  authParams: Readonly<Record<string, string>>;
  tokenParams: Readonly<Record<string, string>>;
  permissionsUrl: string | undefined;
  secrets: Required<OAuthSecretNames>;
  adapter: OAuthAdapter;
}

/** What {@link resolveOAuthSettings} reads of a plugin. */
export interface OAuthPlugin {
  id: string;
  secrets?: { namespace?: string } | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: a manifest typed for any config shape
  oauth?: PluginOAuth<any> | undefined;
}

/** The secret names of an `oauth` field, defaults applied. */
export function oauthSecretNames(oauth: Pick<PluginOAuth, 'secrets' | 'clientAuth'>): Required<OAuthSecretNames> {
  return {
    clientId: oauth.secrets?.clientId ?? 'client_id',
    clientSecret: oauth.secrets?.clientSecret ?? 'client_secret',
    refreshToken: oauth.secrets?.refreshToken ?? 'token',
  };
}

/** The shared and user secret names an `oauth` field adds to a plugin's declared secrets. */
export function oauthDeclaredSecrets(oauth: PluginOAuth | undefined): { user: string[]; shared: string[] } {
  if (!oauth) return { user: [], shared: [] };
  const names = oauthSecretNames(oauth);
  return {
    user: [names.refreshToken],
    shared: oauth.clientAuth === 'none' ? [names.clientId] : [names.clientId, names.clientSecret],
  };
}

/** The entry config key that overrides `which` endpoint, or `undefined` when none may. */
function overrideKey(oauth: PluginOAuth, which: 'authUrl' | 'tokenUrl'): string | undefined {
  const configured = oauth.configKeys?.[which];
  if (configured === false) return undefined;
  if (typeof configured === 'string') return configured;
  if (which === 'tokenUrl' && oauth.tokenUrlConfigKey) return oauth.tokenUrlConfigKey;
  return which;
}

function endpoint(oauth: PluginOAuth, which: 'authUrl' | 'tokenUrl', config: Record<string, unknown>): string {
  const key = overrideKey(oauth, which);
  const value = key === undefined ? undefined : config[key];
  if (typeof value === 'string' && value !== '') return value;
  const declared = oauth[which];
  return typeof declared === 'function' ? declared(config) : declared;
}

/**
 * The OAuth settings of one entry of `plugin`.
 *
 * @throws {LifeStatsError} `E_PLUGIN_INVALID` when the plugin declares no `oauth`.
 */
export function resolveOAuthSettings(plugin: OAuthPlugin, config: Record<string, unknown> = {}): OAuthSettings {
  const oauth = plugin.oauth;
  if (!oauth) {
    throw new LifeStatsError(
      'E_PLUGIN_INVALID',
      `[life-stats] [plugin:${plugin.id}] declares no \`oauth\` in its manifest`,
      {
        hint: 'Only a plugin whose manifest has an `oauth` field gets ctx.oauth and `life-stats auth`.',
      },
    );
  }
  return {
    pluginId: plugin.id,
    namespace: plugin.secrets?.namespace ?? plugin.id,
    provider: oauth.provider,
    authUrl: endpoint(oauth, 'authUrl', config),
    tokenUrl: endpoint(oauth, 'tokenUrl', config),
    scopeSeparator: oauth.scopeSeparator ?? ' ',
    pkce: oauth.pkce ?? true,
    clientAuth: oauth.clientAuth ?? 'client_secret_post',
    authParams: { ...oauth.authParams },
    tokenParams: { ...oauth.tokenParams },
    permissionsUrl: oauth.permissionsUrl,
    secrets: oauthSecretNames(oauth),
    adapter: oauth.adapter ?? {},
  };
}

/** The scopes one entry needs: the manifest's list, or its function of the entry's config. */
export function entryScopes(oauth: PluginOAuth, config: Record<string, unknown>): string[] {
  const scopes = typeof oauth.scopes === 'function' ? oauth.scopes(config) : oauth.scopes;
  return [...new Set(scopes)];
}

/**
 * A scope string from a provider split into scopes: on the declared separator and on white space
 * both (Withings documents `,` and has answered with spaces).
 */
export function splitScopes(text: string, separator: string): string[] {
  const parts = separator.trim() === '' ? text.split(/\s+/) : text.split(separator).flatMap((p) => p.split(/\s+/));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Scopes in `needed` that `granted` lacks. */
export function missingScopes(needed: readonly string[], granted: readonly string[]): string[] {
  const have = new Set(granted);
  return needed.filter((scope) => !have.has(scope));
}
